"""Evaluation periods: dates and the draft → open → closed life cycle."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select

from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.models import AuditEntry, EvaluationPeriod, Submission, Unit
from app.models.types import PeriodState, SubmissionState
from app.services import ValidationFailed

_ALLOWED = {
    PeriodState.DRAFT: {PeriodState.OPEN},
    PeriodState.OPEN: {PeriodState.CLOSED},
    PeriodState.CLOSED: {PeriodState.OPEN},  # reopening needs a reason
}


def open_periods() -> list[EvaluationPeriod]:
    """The periods open now, earliest first."""
    return list(
        db.session.scalars(
            select(EvaluationPeriod)
            .where(EvaluationPeriod.state == PeriodState.OPEN.value)
            .order_by(EvaluationPeriod.start_date)
        )
    )


def ensure_open_for_changes(period: EvaluationPeriod | None) -> None:
    """Refuse any change to what belongs to a closed period.

    A closed period locks its answers and reviews, unit ratings and their confirmation,
    IKU targets and assignments; every service writing one of them calls this first.
    """
    if period is not None and period.state == PeriodState.CLOSED.value:
        raise ValidationFailed(
            {"period": [str(_l("The period %(name)s is closed.", name=period.name))]}
        )


def period_errors(start: dt.date | None, end: dt.date | None) -> dict[str, list[str]]:
    """The end of a period must come after its start."""
    if start and end and end <= start:
        return {"end_date": [str(_l("The end date must be after the start date."))]}
    return {}


def change_period_state(
    periods: list[EvaluationPeriod], state: PeriodState, user_id=None, reason: str = ""
) -> None:
    """Open, close or reopen `periods` (all or none); reopening needs a reason.

    Closing locks every submission of the period; every change is audited.
    """
    for period in periods:
        _check_move(period, state, reason)
    for period in periods:
        action = "reopen" if period.state == PeriodState.CLOSED.value else state.value
        period.state = state.value
        db.session.add(AuditEntry(period_id=period.id, user_id=user_id, action=f"period_{action}",
                                  comment=reason.strip() or None))  # fmt: skip
    db.session.commit()


def _check_move(period: EvaluationPeriod, state: PeriodState, reason: str) -> None:
    current = PeriodState(period.state)
    if current == PeriodState.CLOSED and state == PeriodState.OPEN and not reason.strip():
        raise ValidationFailed(
            {"reason": [str(_l("Give the reason for reopening %(name)s.", name=period.name))]}
        )
    if state not in _ALLOWED[current]:
        raise ValidationFailed(
            {
                "state": [
                    str(
                        _l(
                            "Period %(name)s cannot go from %(old)s to %(new)s.",
                            name=period.name,
                            old=current.label,
                            new=state.label,
                        )
                    )
                ]
            }
        )


#: The states of an evaluation that closing the period leaves unfinished, in cycle order.
UNFINISHED = (
    SubmissionState.DRAFT.value,
    SubmissionState.RETURNED.value,
    SubmissionState.SUBMITTED.value,
)


@dataclass
class UnfinishedUnit:
    """One unit's evaluations not yet approved (belum selesai), counted by state."""

    unit: Unit
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def unfinished_by_unit(period: EvaluationPeriod) -> list[UnfinishedUnit]:
    """What closing `period` would lock unfinished: per unit (most first), counts by state."""
    rows = db.session.execute(
        select(Submission.unit_id, Submission.state, func.count(Submission.id))
        .where(Submission.period_id == period.id, Submission.state.in_(UNFINISHED))
        .group_by(Submission.unit_id, Submission.state)
    ).all()
    units: dict[int, UnfinishedUnit] = {}
    for unit_id, state, count in rows:
        entry = units.setdefault(unit_id, UnfinishedUnit(db.session.get(Unit, unit_id)))
        entry.counts[state] = count
    return sorted(units.values(), key=lambda u: (-u.total, u.unit.name))
