"""Move evaluations not yet submitted to a newer version of their template (pindah versi).

A template changed mid-period: assigning its new version to people who already have
an evaluation in the period offers to move the drafts and returned ones. Answers carry
over by form and key (the same key of the same indicator form); the others are dropped
and kept in the audit entry. Submitted and approved evaluations stay on their version.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.i18n import lang
from app.i18n import lazy_gettext as _l
from app.models import AuditEntry, Employee, Submission, TemplateVersion
from app.models.types import PeriodState, SubmissionState
from app.scope import Scope, managed_employees
from app.services import ValidationFailed
from app.services.submissions import EDITABLE, keep_typed, typed_answers
from app.services.templates import form_versions
from forms import parse_definition, text
from forms.schema import FieldType


@dataclass
class FieldFate:
    """One answered field of the old version: carried over to the new one, or dropped."""

    form: str
    label: str
    carried: bool


@dataclass
class MovePlan:
    """What moving evaluations from `source` to `target` does to their answers."""

    source: TemplateVersion
    target: TemplateVersion
    submissions: list[Submission] = field(default_factory=list)
    fields: list[FieldFate] = field(default_factory=list)

    @property
    def carried(self) -> list[FieldFate]:
        return [f for f in self.fields if f.carried]

    @property
    def dropped(self) -> list[FieldFate]:
        return [f for f in self.fields if not f.carried]


def _form_map(source: TemplateVersion, target: TemplateVersion) -> dict[str, tuple[str, set]]:
    """Old form version id → (new form version id, keys of the new form) for forms in both."""
    new_by_form = {
        fv.form_id: (str(fv.id), set(parse_definition(fv.definition).by_key))
        for fv, _weight in form_versions(target)
    }
    return {
        str(fv.id): new_by_form[fv.form_id]
        for fv, _weight in form_versions(source)
        if fv.form_id in new_by_form
    }


def _fates(source: TemplateVersion, target: TemplateVersion) -> list[FieldFate]:
    mapping = _form_map(source, target)
    fates = []
    for fv, _weight in form_versions(source):
        schema = parse_definition(fv.definition)
        keys = mapping.get(str(fv.id), ("", set()))[1]
        for f in schema.fields:
            if f.type is FieldType.SECTION or f.calculate:
                continue
            label = text(f.label, lang())
            fates.append(FieldFate(text(schema.title, lang()), label, f.key in keys))
    return fates


def movable(submissions: list[Submission], target: TemplateVersion) -> list[Submission]:
    """The evaluations that may move to `target`: another version of the same template,
    not yet submitted, in an open period."""
    return [
        s
        for s in submissions
        if s.template_version_id != target.id
        and s.template_version.template_id == target.template_id
        and s.state in EDITABLE
        and s.period.state == PeriodState.OPEN.value
    ]


def plans(submissions: list[Submission], target: TemplateVersion) -> list[MovePlan]:
    """One plan per old version among the movable `submissions`."""
    by_source: dict[int, MovePlan] = {}
    for submission in movable(submissions, target):
        source = submission.template_version
        if source.id not in by_source:
            by_source[source.id] = MovePlan(source, target, fields=_fates(source, target))
        by_source[source.id].submissions.append(submission)
    return sorted(by_source.values(), key=lambda p: p.source.number)


def _remap(refs: dict[str, Any], mapping: dict[str, tuple[str, set]]) -> tuple[dict, dict]:
    """Split "<form>:<key>" values into (carried, re-keyed to the new form) and dropped."""
    carried, dropped = {}, {}
    for ref, value in refs.items():
        form_id, _, key = ref.partition(":")
        new_form, keys = mapping.get(form_id, ("", set()))
        if key in keys:
            carried[f"{new_form}:{key}"] = value
        else:
            dropped[ref] = value
    return carried, dropped


def _flat(answers: dict[str, dict]) -> dict[str, Any]:
    return {
        f"{form_id}:{key}": value
        for form_id, values in (answers or {}).items()
        for key, value in (values or {}).items()
        if value not in (None, "", [])
    }


def _nested(refs: dict[str, Any]) -> dict[str, dict]:
    answers: dict[str, dict] = {}
    for ref, value in refs.items():
        form_id, _, key = ref.partition(":")
        answers.setdefault(form_id, {})[key] = value
    return answers


def _move(submission: Submission, target: TemplateVersion, user_id) -> None:
    """Re-key the answers, comments and evidence to `target`'s forms; audit what is dropped."""
    mapping = _form_map(submission.template_version, target)
    answers, dropped = _remap(_flat(typed_answers(submission)), mapping)
    comments, _dropped_comments = _remap(submission.comments or {}, mapping)
    for evidence in submission.evidence:
        moved, _gone = _remap({evidence.field_ref: True}, mapping)
        evidence.field_ref = next(iter(moved), evidence.field_ref)
    db.session.add(
        AuditEntry(
            submission=submission, user_id=user_id, action="migrate",
            changes={"template_version": [submission.template_version_id, target.id],
                     "dropped": dropped},
        )
    )  # fmt: skip
    submission.template_version = target
    submission.comments = comments
    keep_typed(submission, _nested(answers))


def _in_scope(ids: list[int], period_id: int, scope: Scope) -> list[Submission]:
    managed = select(Employee.id).where(managed_employees(scope))
    return list(
        db.session.scalars(
            select(Submission).where(
                Submission.id.in_(ids),
                Submission.period_id == period_id,
                Submission.employee_id.in_(managed),
            )
        )
    )


def move_to_version(
    submission_ids: list[int], period_id: int, target: TemplateVersion, scope: Scope, user_id
) -> int:
    """Move the chosen evaluations (if still movable and in scope) to `target`; audited.

    Returns how many moved; ones submitted meanwhile stay on their version.
    """
    chosen = _in_scope(submission_ids, period_id, scope)
    if len(chosen) != len(set(submission_ids)):
        raise ValidationFailed(
            {"submission_ids": [str(_l("Some evaluations are outside your scope."))]}
        )
    moving = movable(chosen, target)
    for submission in moving:
        _move(submission, target, user_id)
    db.session.commit()
    return len(moving)


#: States that never move, shown as "stay on their version".
STAYING = (SubmissionState.SUBMITTED.value, SubmissionState.APPROVED.value)


def stale_evaluations(
    period_id: int, employee_ids: list[int], target: TemplateVersion
) -> list[Submission]:
    """The chosen employees' evaluations in the period on another version of the template."""
    return list(
        db.session.scalars(
            select(Submission)
            .join(TemplateVersion, Submission.template_version_id == TemplateVersion.id)
            .where(
                Submission.period_id == period_id,
                Submission.employee_id.in_(employee_ids),
                TemplateVersion.template_id == target.template_id,
                Submission.template_version_id != target.id,
            )
            .order_by(Submission.id)
        )
    )
