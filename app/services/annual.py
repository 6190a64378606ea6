"""Annual evaluation (evaluasi kinerja tahunan) of an employee.

The portal proposes from the year's approved periodic evaluations:

* hasil kerja: per indicator (same form, same field), the annual target and realisation
  aggregate the periodic ones by the indicator's rule — the rule of the IKU it names as
  `parent` (`app.services.rollup`), else ``average`` for percentages and for quality,
  time and cost, ``sum`` for other quantities. Achievements follow the engine (polarity,
  cap), weighted like the periodic form; the template's thresholds rate the result. The
  head of a unit takes the unit's organisational rating of the year instead (the annual
  period's, else the latest one).
* perilaku kerja: the periodic perilaku ratings combined by the template's rule.

The evaluator confirms or overrides (with a reason) and the matrix gives the predikat.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import extract, select
from sqlalchemy.exc import IntegrityError

from app.domain.ratings import OrgRating, Predikat, Rating, hasil_kerja_rating, perilaku_rating
from app.domain.ratings import predikat as matrix_predikat
from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.models import (
    AnnualEvaluation,
    AuditEntry,
    Employee,
    EvaluationPeriod,
    Iku,
    Submission,
    Unit,
    UnitRating,
)
from app.models.forms import _now
from app.models.types import PeriodKind, SubmissionState
from app.scope import Scope
from app.services import ValidationFailed, skp_targets
from app.services.rollup import aggregate_values
from app.services.scoring import ORG_TO_HASIL
from app.services.templates import Rules, form_versions, parse_rules, predikat_matrix
from forms import evaluate, indicator_breakdown
from forms.schema import Aspect, FieldType
from forms.scoring import achievement as indicator_achievement

MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_REASON = 2000
CENT = Decimal("0.01")
APPROVED = "approved"


class AnnualRefused(ValidationFailed):
    """The annual evaluation cannot be approved now (already approved, nothing to rate)."""


@dataclass
class IndicatorLine:
    """One indicator over the year: periodic values and their annual aggregate."""

    key: str
    label: str
    group: str
    aspect: str
    unit: str
    polarity: str
    weight: Decimal
    aggregation: str
    periods: list[tuple[str, Decimal, Decimal | None]] = field(default_factory=list)
    target: Decimal | None = None
    realisation: Decimal | None = None
    achievement: Decimal | None = None

    def to_dict(self) -> dict:
        def num(value):
            return None if value is None else float(value)

        return {
            "key": self.key, "label": self.label, "group": self.group, "aspect": self.aspect,
            "unit": self.unit, "polarity": self.polarity, "weight": num(self.weight),
            "aggregation": self.aggregation, "target": num(self.target),
            "realisation": num(self.realisation), "achievement": num(self.achievement),
            "periods": [{"period": name, "target": num(target), "realisation": num(value)}
                        for name, target, value in self.periods],
        }  # fmt: skip


@dataclass
class Proposal:
    """The portal's proposal for an employee's year, and the approved evaluation if any."""

    employee: Employee
    year: int
    submissions: list[Submission]
    indicators: list[IndicatorLine]
    achievement: Decimal | None
    hasil: Rating | None
    perilaku: Rating | None
    rules: Rules | None
    org_rating: str | None = None
    evaluation: AnnualEvaluation | None = None

    @property
    def evaluator_id(self) -> int | None:
        latest = self.submissions[-1] if self.submissions else None
        return latest.evaluator_id if latest else self.employee.supervisor_id

    @property
    def predikat(self) -> Predikat | None:
        if self.hasil is None or self.perilaku is None:
            return None
        return matrix_predikat(self.hasil, self.perilaku, predikat_matrix())


def periodic_submissions(employee_id: int, year: int) -> list[Submission]:
    """The employee's approved periodic (not annual) evaluations of `year`, oldest first."""
    return list(
        db.session.scalars(
            select(Submission)
            .join(EvaluationPeriod, Submission.period_id == EvaluationPeriod.id)
            .where(
                Submission.employee_id == employee_id,
                Submission.state == SubmissionState.APPROVED.value,
                EvaluationPeriod.kind != PeriodKind.ANNUAL.value,
                extract("year", EvaluationPeriod.end_date) == year,
            )
            .order_by(EvaluationPeriod.end_date, Submission.id)
        )
    )


def _iku_rules() -> dict[str, str]:
    return dict(db.session.execute(select(Iku.code, Iku.aggregation)).all())


def default_aggregation(field_type: FieldType, aspect: Aspect) -> str:
    """Percentages and rates average; other quantities add up over the year."""
    if field_type == FieldType.PERCENT or aspect != Aspect.KUANTITAS:
        return "average"
    return "sum"


def _lines(submissions: list[Submission], lang: str) -> list[IndicatorLine]:
    """Per indicator (form and field): the periodic targets and realisations."""
    ikus = _iku_rules()
    lines: dict[str, IndicatorLine] = {}
    for submission in submissions:
        rules = parse_rules(submission.template_version.definition.get("rules"))
        for version, form_weight in form_versions(submission.template_version):
            schema = skp_targets.schema(submission, version.definition)
            answers = (submission.answers or {}).get(str(version.id)) or {}
            values = evaluate(schema, answers, partial=True, lang=lang).values
            fields = {f.key: f for f in schema.fields}
            for result in indicator_breakdown(schema, values, rules.cap, lang):
                key = f"{version.form_id}:{result.key}"
                rule = ikus.get((result.parent or "").strip()) or default_aggregation(
                    fields[result.key].type, result.aspect
                )
                line = lines.setdefault(key, IndicatorLine(key, "", "", "", "", "", 0, rule))
                line.label, line.group, line.aspect = (
                    result.label,
                    result.group.value,
                    result.aspect.value,
                )
                line.unit, line.polarity = result.unit, result.polarity.value
                line.weight = result.weight * form_weight / 100
                line.periods.append((submission.period.name, result.target, result.realisation))
    return list(lines.values())


def _aggregate(line: IndicatorLine, cap: Decimal) -> None:
    targets = [target for _name, target, _value in line.periods]
    values = [value for _name, _target, value in line.periods if value is not None]
    line.target = aggregate_values(line.aggregation, targets)
    line.realisation = aggregate_values(line.aggregation, values)
    line.achievement = indicator_achievement(line.realisation, line.target, line.polarity, cap)


def _weighted(lines: list[IndicatorLine]) -> Decimal | None:
    weights = sum((line.weight for line in lines), Decimal(0))
    if not lines or not weights:
        return None
    earned = sum(((line.achievement or 0) * line.weight for line in lines), Decimal(0))
    return (earned / weights).quantize(CENT, ROUND_HALF_UP)


def org_rating_of_head(employee: Employee, year: int) -> str | None:
    """The unit's organisational rating of the year if the employee heads the unit."""
    unit = db.session.get(Unit, employee.unit_id)
    if unit is None or unit.head_id != employee.id:
        return None
    annual = EvaluationPeriod.kind == PeriodKind.ANNUAL.value
    return db.session.scalar(
        select(UnitRating.rating)
        .join(EvaluationPeriod, UnitRating.period_id == EvaluationPeriod.id)
        .where(UnitRating.unit_id == unit.id, extract("year", EvaluationPeriod.end_date) == year)
        .order_by(annual.desc(), EvaluationPeriod.end_date.desc())
        .limit(1)
    )


def propose(employee: Employee, year: int, lang: str = "id") -> Proposal:
    """The proposal from the year's approved periodic evaluations (see the module doc)."""
    submissions = periodic_submissions(employee.id, year)
    evaluation = db.session.scalar(
        select(AnnualEvaluation).where(
            AnnualEvaluation.employee_id == employee.id, AnnualEvaluation.year == year
        )
    )
    if not submissions:
        return Proposal(employee, year, [], [], None, None, None, None, evaluation=evaluation)
    rules = parse_rules(submissions[-1].template_version.definition.get("rules"))
    lines = _lines(submissions, lang)
    for line in lines:
        _aggregate(line, rules.cap)
    achievement = _weighted(lines)
    org = org_rating_of_head(employee, year)
    if org is not None:
        hasil = ORG_TO_HASIL[OrgRating(org)]
    else:
        hasil = hasil_kerja_rating(achievement or Decimal(0), rules.thresholds)
    periodic = [Rating(s.perilaku_rating) for s in submissions if s.perilaku_rating]
    perilaku = perilaku_rating(periodic, rules.perilaku_rule) if periodic else None
    return Proposal(
        employee, year, submissions, lines, achievement, hasil, perilaku, rules, org, evaluation
    )


def may_approve(scope: Scope, proposal: Proposal) -> bool:
    """The evaluator (pejabat penilai) of the employee's latest periodic evaluation."""
    return bool(scope.employee_id) and scope.employee_id == proposal.evaluator_id


def _rating(value, name: str, errors: dict) -> Rating | None:
    if value in (None, ""):
        return None
    try:
        return Rating(value)
    except ValueError:
        errors[name] = [str(_l("Choose one of the ratings."))]
        return None


def _already(year: int) -> AnnualRefused:
    message = _l("The annual evaluation of %(year)s is already approved.", year=year)
    return AnnualRefused({"year": [str(message)]})


def approve(proposal: Proposal, scope: Scope, user_id, *, hasil=None, perilaku=None,
            reason: str = "") -> AnnualEvaluation:  # fmt: skip
    """Confirm the proposal, or override hasil/perilaku with a reason; the matrix decides."""
    if proposal.evaluation is not None:
        raise _already(proposal.year)
    if not proposal.submissions or proposal.perilaku is None:
        raise AnnualRefused({"year": [str(_l("There is no approved periodic evaluation in "
                                             "%(year)s.", year=proposal.year))]})  # fmt: skip
    errors: dict[str, list[str]] = {}
    chosen_hasil = _rating(hasil, "hasil", errors) or proposal.hasil
    chosen_perilaku = _rating(perilaku, "perilaku", errors) or proposal.perilaku
    reason = (reason or "").strip()
    overridden = (chosen_hasil, chosen_perilaku) != (proposal.hasil, proposal.perilaku)
    if overridden and not reason:
        errors["reason"] = [str(_l("Give the reason for a rating other than the proposed one."))]
    if len(reason) > MAX_REASON:
        errors["reason"] = [str(_l("At most %(n)d characters.", n=MAX_REASON))]
    if errors:
        raise ValidationFailed(errors)
    result = matrix_predikat(chosen_hasil, chosen_perilaku, predikat_matrix())
    employee = proposal.employee
    row = AnnualEvaluation(
        employee_id=employee.id, year=proposal.year, unit_id=employee.unit_id,
        evaluator_id=proposal.evaluator_id, state=APPROVED, achievement=proposal.achievement,
        proposed_hasil=proposal.hasil.value, proposed_perilaku=proposal.perilaku.value,
        hasil_rating=chosen_hasil.value, perilaku_rating=chosen_perilaku.value,
        override_reason=reason or None, predikat=result.value,
        indicators=[line.to_dict() for line in proposal.indicators],
        approved_at=_now(), approved_by_id=user_id,
    )  # fmt: skip
    db.session.add(row)
    db.session.add(
        AuditEntry(
            user_id=user_id, action="annual_approve", comment=reason or None,
            changes={"employee_id": employee.id, "year": proposal.year,
                     "proposed": [proposal.hasil.value, proposal.perilaku.value],
                     "approved": [chosen_hasil.value, chosen_perilaku.value],
                     "predikat": result.value, "from_unit_rating": proposal.org_rating},
        )
    )  # fmt: skip
    try:
        db.session.commit()
    except IntegrityError as exc:  # approved twice at the same moment
        db.session.rollback()
        raise _already(proposal.year) from exc
    proposal.evaluation = row
    return row
