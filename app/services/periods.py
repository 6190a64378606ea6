"""Evaluation periods: dates and the draft → open → closed life cycle."""

from __future__ import annotations

import datetime as dt

from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.models import AuditEntry, EvaluationPeriod
from app.models.types import PeriodState
from app.services import ValidationFailed

_ALLOWED = {
    PeriodState.DRAFT: {PeriodState.OPEN},
    PeriodState.OPEN: {PeriodState.CLOSED},
    PeriodState.CLOSED: {PeriodState.OPEN},  # reopening needs a reason
}


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
