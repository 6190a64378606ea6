"""From answers and behaviour ratings to achievement, ratings and predikat.

Hasil kerja is proposed from the indicators of the template's forms (each weighted
by its share of its form and the form's weight): the main results (Utama) rated by
the template's thresholds, lifted by additional ones (`propose_hasil`). For the head
of a unit, the unit's organisational rating for the period replaces it (PermenPANRB
6/2022). Perilaku kerja combines the seven BerAKHLAK ratings by the template's rule;
the regency's predikat matrix gives the predikat. These are proposals: the evaluator
(pejabat penilai) confirms or overrides the two ratings (`app.services.submissions`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select

from app.domain.ratings import (
    OrgRating,
    Predikat,
    Rating,
    ResultAchievement,
    perilaku_rating,
    predikat,
    propose_hasil,
)
from app.extensions import db
from app.models import Submission, Unit, UnitRating
from app.services import skp_targets
from app.services.templates import form_versions, parse_rules, predikat_matrix
from forms import evaluate
from forms.schema import IndicatorGroup
from forms.scoring import indicator_breakdown

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
    """The portal's proposal: the evaluator confirms or overrides the two ratings."""

    achievement: Decimal | None
    hasil: Rating
    perilaku: Rating
    predikat: Predikat
    from_unit_rating: bool = False
    main_achievement: Decimal | None = None


def result_achievements(submission: Submission) -> list[ResultAchievement]:
    """Every indicator of the submission, weighted by its share of its form and the form's."""
    rules = parse_rules(submission.template_version.definition.get("rules"))
    results = []
    for version, form_weight in form_versions(submission.template_version):
        schema = skp_targets.schema(submission, version.definition)
        values = evaluate(schema, submission.answers.get(str(version.id), {}), partial=True).values
        rows = indicator_breakdown(schema, values, rules.cap)
        total = sum((row.weight for row in rows), Decimal(0))
        if not total:
            continue
        results.extend(
            ResultAchievement(
                main=row.group is IndicatorGroup.UTAMA,
                weight=form_weight * row.weight / total,
                achievement=row.achievement or Decimal(0),
            )
            for row in rows
        )
    return results


def total_achievement(parts) -> Decimal | None:
    weighted = [(weight, value) for _, weight, value in parts if value is not None]
    weights = sum((w for w, _ in weighted), Decimal(0))
    if not weights:
        return None
    return (sum((w * v for w, v in weighted), Decimal(0)) / weights).quantize(CENT, ROUND_HALF_UP)


def head_of_unit(submission: Submission) -> bool:
    """Whether the employee heads the unit of the submission (kepala unit)."""
    unit = db.session.get(Unit, submission.unit_id)
    return unit is not None and unit.head_id == submission.employee_id


def unit_rating_of_head(submission: Submission) -> OrgRating | None:
    """The unit's organisational rating if the employee heads the unit, else None."""
    if not head_of_unit(submission):
        return None
    rating = db.session.scalar(
        select(UnitRating.rating).where(
            UnitRating.unit_id == submission.unit_id, UnitRating.period_id == submission.period_id
        )
    )
    return OrgRating(rating) if rating else None


def score(submission: Submission, behaviour: dict[str, Rating]) -> Score:
    """The proposed scores of `submission` with the evaluator's `behaviour` ratings."""
    rules = parse_rules(submission.template_version.definition.get("rules"))
    proposal = propose_hasil(result_achievements(submission), rules.thresholds)
    org = unit_rating_of_head(submission)
    hasil = ORG_TO_HASIL[org] if org is not None else proposal.rating
    perilaku = perilaku_rating(list(behaviour.values()), rules.perilaku_rule)
    return Score(
        proposal.achievement,
        hasil,
        perilaku,
        predikat(hasil, perilaku, predikat_matrix()),
        org is not None,
        proposal.main_achievement,
    )
