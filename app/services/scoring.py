"""From answers and behaviour ratings to achievement, ratings and predikat.

Hasil kerja comes from the template's forms: each form's weighted achievement
(`forms.scoring`), weighted again by the template's form weights, rated by the
template's thresholds. For the head of a unit, the unit's organisational rating
for the period replaces it (PermenPANRB 6/2022). Perilaku kerja combines the
seven BerAKHLAK ratings by the template's rule; the matrix gives the predikat.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select

from app.domain.ratings import (
    OrgRating,
    Predikat,
    Rating,
    hasil_kerja_rating,
    perilaku_rating,
    predikat,
)
from app.extensions import db
from app.models import Submission, Unit, UnitRating
from app.services.templates import form_versions, parse_rules
from forms import evaluate, parse_definition, weighted_achievement

# Organisational rating → the unit head's hasil kerja rating.
ORG_TO_HASIL = {
    OrgRating.ISTIMEWA: Rating.ABOVE,
    OrgRating.BAIK: Rating.AS_EXPECTED,
    OrgRating.BUTUH_PERBAIKAN: Rating.BELOW,
    OrgRating.KURANG: Rating.BELOW,
    OrgRating.SANGAT_KURANG: Rating.BELOW,
}
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Score:
    achievement: Decimal | None
    hasil: Rating
    perilaku: Rating
    predikat: Predikat
    from_unit_rating: bool = False


def form_achievements(submission: Submission) -> list[tuple[object, Decimal, Decimal | None]]:
    """(form version, weight, weighted achievement) for each form of the submission."""
    rules = parse_rules(submission.template_version.definition.get("rules"))
    result = []
    for version, weight in form_versions(submission.template_version):
        schema = parse_definition(version.definition)
        answers = submission.answers.get(str(version.id), {})
        values = evaluate(schema, answers, partial=True).values
        result.append((version, weight, weighted_achievement(schema, values, rules.cap)))
    return result


def total_achievement(parts) -> Decimal | None:
    weighted = [(weight, value) for _, weight, value in parts if value is not None]
    weights = sum((w for w, _ in weighted), Decimal(0))
    if not weights:
        return None
    return (sum((w * v for w, v in weighted), Decimal(0)) / weights).quantize(CENT, ROUND_HALF_UP)


def unit_rating_of_head(submission: Submission) -> OrgRating | None:
    """The unit's organisational rating if the employee heads the unit, else None."""
    unit = db.session.get(Unit, submission.unit_id)
    if unit is None or unit.head_id != submission.employee_id:
        return None
    rating = db.session.scalar(
        select(UnitRating.rating).where(
            UnitRating.unit_id == unit.id, UnitRating.period_id == submission.period_id
        )
    )
    return OrgRating(rating) if rating else None


def score(submission: Submission, behaviour: dict[str, Rating]) -> Score:
    """The scores of `submission` with the evaluator's `behaviour` ratings."""
    rules = parse_rules(submission.template_version.definition.get("rules"))
    achievement = total_achievement(form_achievements(submission))
    org = unit_rating_of_head(submission)
    if org is not None:
        hasil = ORG_TO_HASIL[org]
    else:
        hasil = hasil_kerja_rating(achievement or Decimal(0), rules.thresholds)
    perilaku = perilaku_rating(list(behaviour.values()), rules.perilaku_rule)
    return Score(
        achievement, hasil, perilaku, predikat(hasil, perilaku, rules.matrix), org is not None
    )
