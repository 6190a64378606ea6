"""Calibration (kalibrasi) of a unit's predikat for a period.

After the evaluations and before the period's final results, the head of the unit
(or HR, for any unit) compares the approved predikat with the distribution curve the
unit's organisational rating requires and adjusts single predikat, each with a reason
(audited on the submission, so the employee sees it in the history). Closing the
calibration freezes the final predikat (`Submission.final_predikat`) that documents,
dashboards and awards use; only HR reopens it.

Decisions: calibration needs an open or closed period (a draft one has no results);
closing it needs a closed period (no approval can change the distribution afterwards),
an organisational rating and a distribution that keeps to the curve.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from app.domain.ratings import (
    DISTRIBUTION_CURVE,
    CurveRule,
    CurveViolation,
    OrgRating,
    Predikat,
)
from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.models import (
    AuditEntry,
    Calibration,
    EvaluationPeriod,
    Submission,
    Unit,
    UnitRating,
)
from app.models.forms import _now
from app.models.types import PeriodState, SubmissionState
from app.scope import Scope, calibration_units
from app.services import ValidationFailed
from app.services.unit_ratings import predikat_counts, violations

OPEN, CLOSED = "open", "closed"
MAX_REASON = 2000


class CalibrationRefused(ValidationFailed):
    """The calibration cannot change now (closed, wrong period state, curve broken)."""


@dataclass
class CalibrationState:
    """What the calibration page and API show for one unit and period."""

    unit: Unit
    period: EvaluationPeriod
    record: Calibration | None
    rating: UnitRating | None
    counts: dict[Predikat, int]
    violations: list[CurveViolation]
    submissions: list[Submission] = field(default_factory=list)

    @property
    def closed(self) -> bool:
        return self.record is not None and self.record.state == CLOSED

    @property
    def required(self) -> list[str]:
        """The curve's rules for the unit's rating, as sentences (none if unrated)."""
        if self.rating is None:
            return []
        return [describe(rule) for rule in DISTRIBUTION_CURVE[OrgRating(self.rating.rating)]]


def may_calibrate(scope: Scope, unit: Unit) -> bool:
    query = select(Unit.id).where(Unit.id == unit.id, calibration_units(scope))
    return db.session.scalar(query) is not None


def describe(rule: CurveRule) -> str:
    """One rule of the distribution curve as a sentence."""
    names = " / ".join(f"“{p.label}”" for p in rule.group)
    texts = {
        "largest": _l("Most employees rated %(predikat)s", predikat=names),
        "at_most": _l("At most %(n)s%% rated %(predikat)s", n=rule.percent, predikat=names),
        "at_least": _l("At least %(n)s%% rated %(predikat)s", n=rule.percent, predikat=names),
        "some": _l("At least one employee rated %(predikat)s", predikat=names),
        "none": _l("No employee rated %(predikat)s", predikat=names),
    }
    return str(texts[rule.kind])


def state_of(unit: Unit, period: EvaluationPeriod) -> CalibrationState:
    """The unit's calibration for `period`: record, rating, curve check and evaluations."""
    record = db.session.scalar(
        select(Calibration).where(
            Calibration.unit_id == unit.id, Calibration.period_id == period.id
        )
    )
    rating = db.session.scalar(
        select(UnitRating).where(UnitRating.unit_id == unit.id, UnitRating.period_id == period.id)
    )
    counts = predikat_counts(period, [unit.id]).get(unit.id, {})
    rows = db.session.scalars(
        select(Submission)
        .where(
            Submission.unit_id == unit.id,
            Submission.period_id == period.id,
            Submission.state == SubmissionState.APPROVED.value,
        )
        .order_by(Submission.id)
        .options(selectinload(Submission.employee))
    )
    return CalibrationState(
        unit, period, record, rating, dict(counts), violations(rating, counts), list(rows)
    )


def _refuse(field_name: str, message) -> CalibrationRefused:
    return CalibrationRefused({field_name: [str(message)]})


def calibrate(unit: Unit, period: EvaluationPeriod, adjustments: list[dict], scope: Scope,
              user_id=None, *, close: bool = False, reopen: bool = False,
              reason: str = "") -> CalibrationState:  # fmt: skip
    """Apply `adjustments` ({submission_id, predikat, reason}), then close or reopen.

    Everything or nothing: a broken rule raises `ValidationFailed` (input) or
    `CalibrationRefused` (state) and no row changes.
    """
    if period.state == PeriodState.DRAFT.value:
        raise _refuse("period", _l("The period %(name)s has not started.", name=period.name))
    try:
        _change(state_of(unit, period), adjustments, scope, user_id, close, reopen, reason)
        db.session.commit()
    except ValidationFailed:
        db.session.rollback()
        raise
    except (StaleDataError, IntegrityError) as exc:
        db.session.rollback()
        message = _l("Someone else changed this calibration just now. Reload it.")
        raise _refuse("_form", message) from exc
    return state_of(unit, period)


def _change(current, adjustments, scope, user_id, close, reopen, reason) -> None:
    if reopen:
        _reopen(current, scope, reason, user_id)
        current = state_of(current.unit, current.period)
    if adjustments and current.closed:
        raise _refuse("adjustments", _l("The calibration is closed. Only HR can reopen it."))
    _apply(current, adjustments, user_id)
    if close:
        db.session.flush()
        _close(state_of(current.unit, current.period), user_id)


def _clean_adjustments(current: CalibrationState, adjustments: list[dict]):
    """(submission, predikat, reason) per adjustment; input errors by field."""
    by_id = {s.id: s for s in current.submissions}
    valid = {p.value for p in Predikat}
    errors: dict[str, list[str]] = {}
    clean = []
    for index, item in enumerate(adjustments):
        submission = by_id.get(item.get("submission_id"))
        value = item.get("predikat")
        reason = str(item.get("reason") or "").strip()
        prefix = f"adjustments.{index}"
        if submission is None:
            errors[f"{prefix}.submission_id"] = [
                str(_l("Choose an approved evaluation of this unit and period."))
            ]
        if value not in valid:
            errors[f"{prefix}.predikat"] = [str(_l("Choose one of the predikat."))]
        if not reason:
            errors[f"{prefix}.reason"] = [str(_l("Give the reason for the adjustment."))]
        elif len(reason) > MAX_REASON:
            errors[f"{prefix}.reason"] = [str(_l("At most %(n)d characters.", n=MAX_REASON))]
        clean.append((submission, value, reason))
    if errors:
        raise ValidationFailed(errors)
    return clean


def _apply(current: CalibrationState, adjustments: list[dict], user_id) -> None:
    for submission, value, reason in _clean_adjustments(current, adjustments):
        old = submission.final_predikat
        if value == old:
            continue
        # Back to the evaluator's own result: no calibrated value remains.
        submission.calibrated_predikat = None if value == submission.predikat else value
        submission.calibration_reason = reason
        submission.calibrated_at, submission.calibrated_by_id = _now(), user_id
        db.session.add(
            AuditEntry(
                submission_id=submission.id, period_id=current.period.id, user_id=user_id,
                action="calibrate", comment=reason,
                changes={"predikat": [old, value], "unit": current.unit.code},
            )
        )  # fmt: skip


def _close(current: CalibrationState, user_id) -> None:
    if current.closed:
        return
    if current.period.state != PeriodState.CLOSED.value:
        raise _refuse("close", _l("Close the period %(name)s before closing its calibration.",
                                  name=current.period.name))  # fmt: skip
    if current.rating is None:
        raise _refuse("close", _l("The unit needs its organisational rating first."))
    if current.violations:
        raise CalibrationRefused({"close": [v.message for v in current.violations]})
    record = current.record or Calibration(unit_id=current.unit.id, period_id=current.period.id)
    record.state, record.closed_at, record.closed_by_id = CLOSED, _now(), user_id
    db.session.add(record)
    db.session.add(
        AuditEntry(
            period_id=current.period.id, user_id=user_id, action="calibration_close",
            changes={"unit_id": current.unit.id, "unit": current.unit.code,
                     "predikat": {p.value: n for p, n in current.counts.items()}},
        )
    )  # fmt: skip


def _reopen(current: CalibrationState, scope: Scope, reason: str, user_id) -> None:
    if not scope.regency_wide:
        raise _refuse("reopen", _l("Only HR can reopen a calibration."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"reason": [str(_l("Give the reason for reopening."))]})
    if len(reason) > MAX_REASON:
        raise ValidationFailed({"reason": [str(_l("At most %(n)d characters.", n=MAX_REASON))]})
    if not current.closed:
        return
    current.record.state = OPEN
    current.record.closed_at = current.record.closed_by_id = None
    db.session.add(
        AuditEntry(
            period_id=current.period.id, user_id=user_id, action="calibration_reopen",
            comment=reason, changes={"unit_id": current.unit.id, "unit": current.unit.code},
        )
    )  # fmt: skip
    db.session.flush()
