"""What waits for the user (tugas saya): the calls to action on their landing page.

Each provider turns a scope into `Action`s; `employee_actions` gathers them, most
urgent first. Other features add their own provider with `register` (e.g. an SKP
returned for revision), so the landing page needs no change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.models import EvaluationPeriod, Submission
from app.models.types import PeriodState, SubmissionState
from app.scope import Scope, own_submissions

#: Levels, most urgent first: something was sent back, something is to be done.
FIX, TODO = "fix", "todo"


@dataclass(frozen=True)
class Action:
    """One call to action: what, why, and where (an endpoint and its arguments)."""

    level: str
    title: str
    detail: str
    endpoint: str
    args: dict[str, Any] = field(default_factory=dict)
    button: str = ""


Provider = Callable[[Scope], list[Action]]
_PROVIDERS: list[Provider] = []


def register(provider: Provider) -> Provider:
    """Add a provider of actions (usable as a decorator)."""
    _PROVIDERS.append(provider)
    return provider


def employee_actions(scope: Scope) -> list[Action]:
    """Every action waiting for the user, the ones to fix first."""
    if not scope.employee_id:
        return []
    actions = [action for provider in _PROVIDERS for action in provider(scope)]
    return sorted(actions, key=lambda a: a.level != FIX)


@register
def evaluations(scope: Scope) -> list[Action]:
    """Returned evaluations to fix, and drafts to fill, in open periods."""
    rows = db.session.scalars(
        select(Submission)
        .join(EvaluationPeriod, Submission.period_id == EvaluationPeriod.id)
        .where(
            own_submissions(scope),
            EvaluationPeriod.state == PeriodState.OPEN.value,
            Submission.state.in_([SubmissionState.RETURNED.value, SubmissionState.DRAFT.value]),
        )
        .order_by(EvaluationPeriod.end_date, Submission.id)
    )
    return [_evaluation_action(item) for item in rows]


def _evaluation_action(item: Submission) -> Action:
    args = {"pk": item.id}
    if item.state == SubmissionState.RETURNED.value:
        return Action(
            FIX, str(_l("Your evaluation for %(period)s was returned", period=item.period.name)),
            item.return_reason or "", "MyPerformanceView.fill", args, str(_l("Fix and resubmit")),
        )  # fmt: skip
    return Action(
        TODO, str(_l("Fill in your evaluation for %(period)s", period=item.period.name)),
        str(_l("Submit it to your evaluator before the period closes.")),
        "MyPerformanceView.fill", args, str(_l("Fill in")),
    )  # fmt: skip
