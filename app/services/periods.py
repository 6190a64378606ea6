"""Evaluation periods: dates and the draft → open → closed life cycle."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.models import EvaluationPeriod
from app.models.types import PeriodState
from app.services import ValidationFailed

_ALLOWED = {
    PeriodState.DRAFT: {PeriodState.OPEN},
    PeriodState.OPEN: {PeriodState.CLOSED},
    PeriodState.CLOSED: set(),
}


def period_errors(start: dt.date | None, end: dt.date | None) -> dict[str, list[str]]:
    """The end of a period must come after its start."""
    if start and end and end <= start:
        return {"end_date": [str(_l("The end date must be after the start date."))]}
    return {}


def change_period_state(period: EvaluationPeriod, state: PeriodState) -> None:
    """Open or close `period`, refusing moves the life cycle does not allow."""
    current = PeriodState(period.state)
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
    period.state = state.value
    db.session.commit()
