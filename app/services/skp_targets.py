"""Individual targets from the agreed SKP flowing into evaluations (target individu).

When an evaluation (submission) begins, the employee's agreed SKP for the period's year
— the quarterly SKP for a quarterly period where the unit plans per quarter, else the
annual one — gives its targets: every SKP indicator naming a form field (`field_key`)
replaces that field's default target. The submission keeps the agreed version and a
snapshot of the targets ({field key: target}), so a later revision of the SKP never
changes an evaluation already under way; only drafts not yet submitted take up a newly
agreed version (`refresh_drafts`, audited). Without an agreed SKP the evaluation uses the
form's default targets, and every page showing it says so (`notice`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import extract, select

from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.models import (
    AuditEntry,
    EvaluationPeriod,
    Skp,
    SkpIndicator,
    SkpRhk,
    SkpVersion,
    Submission,
)
from app.models.planning import SkpState
from app.models.types import PeriodKind, SubmissionState
from forms import FormSchema, parse_definition
from forms.schema import json_number

ANNUAL, QUARTERLY = PeriodKind.ANNUAL.value, PeriodKind.QUARTERLY.value
NO_SKP_NOTICE = _l(
    "No agreed SKP: this evaluation uses the form's default targets, not individual ones."
)


def plan_kinds(period: EvaluationPeriod) -> tuple[str, ...]:
    """The SKP period kinds that may serve `period`, preferred first."""
    return (QUARTERLY, ANNUAL) if period.kind == QUARTERLY else (ANNUAL,)


def _agreed(employee_ids: list[int], period: EvaluationPeriod) -> dict[int, SkpVersion]:
    """Employee id → the agreed SKP version serving `period` (one query for all)."""
    if not employee_ids:
        return {}
    kinds = plan_kinds(period)
    rows = db.session.execute(
        select(SkpVersion, Skp.employee_id, Skp.period_kind)
        .join(Skp, SkpVersion.skp_id == Skp.id)
        .where(
            Skp.employee_id.in_(employee_ids),
            Skp.year == period.end_date.year,
            Skp.period_kind.in_(kinds),
            SkpVersion.state == SkpState.AGREED.value,
        )
    ).all()
    chosen: dict[int, SkpVersion] = {}
    for version, employee_id, _kind in sorted(
        rows, key=lambda row: (kinds.index(row[2]), -row[0].number), reverse=True
    ):
        chosen[employee_id] = version  # the preferred (sorted last) wins
    return chosen


def agreed_version(employee_id: int, period: EvaluationPeriod) -> SkpVersion | None:
    """The employee's agreed SKP version serving `period` (None: no agreed SKP)."""
    return _agreed([employee_id], period).get(employee_id)


def targets_of(version: SkpVersion) -> dict[str, Any]:
    """{form field key: individual target} of a version's indicators naming a field."""
    return _targets([version.id]).get(version.id, {})


def _targets(version_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Version id → {form field key: individual target} (one query for all)."""
    rows = db.session.execute(
        select(SkpRhk.version_id, SkpIndicator.field_key, SkpIndicator.target)
        .join(SkpRhk, SkpIndicator.rhk_id == SkpRhk.id)
        .where(
            SkpRhk.version_id.in_(version_ids),
            SkpIndicator.field_key.isnot(None),
            SkpIndicator.target.isnot(None),
        )
        .order_by(SkpRhk.position, SkpIndicator.position)
    )
    found: dict[int, dict[str, Any]] = {}
    for version_id, key, target in rows:
        if key:
            found.setdefault(version_id, {}).setdefault(key, json_number(target))
    return found


def apply(submissions: list[Submission], period: EvaluationPeriod) -> None:
    """Give new submissions of `period` the targets of their employees' agreed SKP."""
    versions = _agreed([s.employee_id for s in submissions], period)
    targets = _targets([v.id for v in versions.values()]) if versions else {}
    for submission in submissions:
        version = versions.get(submission.employee_id)
        if version is not None:
            submission.skp_version_id = version.id
            submission.targets = dict(targets.get(version.id, {}))


def rhk_texts(submission: Submission) -> dict[str, tuple[str, str]]:
    """{form field key: (RHK title, title of the RHK it intervenes)} from the submission's
    SKP version, for printing the evaluation with the agreed plan's words."""
    if submission.skp_version_id is None:
        return {}
    rows = db.session.scalars(
        select(SkpIndicator)
        .join(SkpRhk, SkpIndicator.rhk_id == SkpRhk.id)
        .where(SkpRhk.version_id == submission.skp_version_id, SkpIndicator.field_key.isnot(None))
    )
    texts: dict[str, tuple[str, str]] = {}
    for indicator in rows:
        rhk = indicator.rhk
        parent = rhk.parent_rhk.title if rhk.parent_rhk else (rhk.iku.code if rhk.iku else "")
        texts.setdefault(indicator.field_key, (rhk.title, parent))
    return texts


def schema(submission: Submission, definition: dict) -> FormSchema:
    """A form of `submission` with the submission's individual targets in place."""
    return parse_definition(definition).with_targets(submission.targets)


def uses_skp(submission: Submission) -> bool:
    return submission.skp_version_id is not None


def notice(submission: Submission) -> str | None:
    """The translated notice shown with an evaluation made without an agreed SKP."""
    return None if uses_skp(submission) else str(NO_SKP_NOTICE)


def refresh_drafts(version: SkpVersion, user_id=None) -> list[Submission]:
    """Give the employee's draft evaluations of the year the newly agreed `version`.

    Only drafts (not yet submitted) change, each with an audit entry; submitted,
    returned and approved evaluations keep the targets they were made with. The caller
    commits (with the agreement).
    """
    skp = version.skp
    drafts = db.session.scalars(
        select(Submission)
        .join(EvaluationPeriod, Submission.period_id == EvaluationPeriod.id)
        .where(
            Submission.employee_id == skp.employee_id,
            Submission.state == SubmissionState.DRAFT.value,
            extract("year", EvaluationPeriod.end_date) == skp.year,
        )
    ).all()
    targets = targets_of(version)
    changed = []
    for submission in drafts:
        if agreed_version(submission.employee_id, submission.period) is not version:
            continue  # another plan (e.g. the quarterly one) serves this period
        before = submission.targets
        submission.skp_version_id, submission.targets = version.id, dict(targets)
        db.session.add(
            AuditEntry(
                submission_id=submission.id, skp_id=skp.id, user_id=user_id,
                action="skp_targets", changes={"targets": [before, targets]},
            )
        )  # fmt: skip
        changed.append(submission)
    return changed
