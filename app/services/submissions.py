"""The life of a submission: draft → submitted → returned ↔ submitted → approved.

Every action checks who acts (owner, evaluator, HR), the state, and that the
period is open; every change is written to the audit trail. Saves use
optimistic locking: a stale `lock_version` is refused with who changed it when.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from app.domain.ratings import Rating
from app.extensions import db
from app.models import AuditEntry, BehaviourValue, Submission
from app.models.forms import _now
from app.models.types import PeriodState, SubmissionState
from app.scope import Scope
from app.services import ValidationFailed
from app.services.scoring import score
from app.services.templates import form_versions
from forms import evaluate, parse_definition

EDITABLE = {SubmissionState.DRAFT.value, SubmissionState.RETURNED.value}
MAX_TEXT = 5000


class ActionRefused(Exception):
    """The user may not do this to this submission (now); message is translated."""


class SubmissionConflict(ValidationFailed):
    """The submission changed since the user loaded it."""


# --- who may do what -----------------------------------------------------------------


def allowed_actions(submission: Submission, scope: Scope) -> set[str]:
    """The actions `scope` may take on `submission` right now."""
    if submission.period.state != PeriodState.OPEN.value:
        return set()
    actions = set()
    state = submission.state
    if scope.employee_id == submission.employee_id and state in EDITABLE:
        actions |= {"save", "submit"}
    evaluator = scope.employee_id and scope.employee_id == submission.evaluator_id
    if evaluator and state == SubmissionState.SUBMITTED.value:
        actions |= {"return", "approve"}
    if scope.regency_wide and state == SubmissionState.APPROVED.value:
        actions.add("reopen")
    return actions


def _require(submission: Submission, scope: Scope, action: str) -> None:
    if action in allowed_actions(submission, scope):
        return
    if submission.period.state != PeriodState.OPEN.value:
        raise ActionRefused(_l("The period %(name)s is not open.", name=submission.period.name))
    raise ActionRefused(
        _l("This action is not possible: the submission is %(state)s.",
           state=SubmissionState(submission.state).label)
    )  # fmt: skip


def _audit(submission: Submission, user_id, action: str, comment=None, changes=None) -> None:
    db.session.add(
        AuditEntry(
            submission=submission, user_id=user_id, action=action, comment=comment, changes=changes
        )
    )


def _commit() -> None:
    try:
        db.session.commit()
    except StaleDataError as exc:
        db.session.rollback()
        raise SubmissionConflict(
            {"_form": [str(_l("This submission was changed by someone else just now. Reload it."))]}
        ) from exc


def _check_lock(submission: Submission, lock_version: int | None) -> None:
    if lock_version is None or lock_version == submission.lock_version:
        return
    who = submission.updated_by.username if submission.updated_by else "?"
    when = submission.updated_at.strftime("%d-%m-%Y %H:%M")
    raise SubmissionConflict(
        {"_form": [str(_l(
            "This submission was changed by %(who)s at %(when)s. "
            "Reload it; nothing was overwritten.",
            who=who, when=when,
        ))]}
    )  # fmt: skip


def _touch(submission: Submission, user_id) -> None:
    submission.updated_at = _now()
    submission.updated_by_id = user_id


# --- answers ------------------------------------------------------------------------


def _evaluate_all(submission: Submission, answers: dict[str, Any], partial: bool):
    """Evaluate the answers of every form; returns (clean values, errors by "form:key")."""
    values, errors = {}, {}
    for version, _weight in form_versions(submission.template_version):
        schema = parse_definition(version.definition)
        result = evaluate(schema, answers.get(str(version.id)) or {}, partial=partial)
        values[str(version.id)] = result.values
        for key, problems in result.errors.items():
            errors[f"{version.id}:{key}"] = [str(p.message) for p in problems]
    return values, errors


# How sent answers combine with the saved ones: each form sent replaces that form's
# answers (the web page), only the fields sent change (PATCH), or the whole set (PUT).
MERGE_FORMS, MERGE_FIELDS, REPLACE = "forms", "fields", "replace"


def save_answers(
    submission: Submission,
    answers: Any,
    scope: Scope,
    user_id,
    lock_version: int | None = None,
    merge: str = MERGE_FORMS,
) -> None:
    """Save a draft (incomplete is fine); type errors refuse the save, by field.

    With `MERGE_FIELDS` or `REPLACE` (the API), unknown forms and fields are refused too.
    """
    _require(submission, scope, "save")
    _check_lock(submission, lock_version)
    if not isinstance(answers, dict) or not all(isinstance(v, dict) for v in answers.values()):
        raise ValidationFailed({"_form": [str(_l("Answers must be grouped by form."))]})
    if merge != MERGE_FORMS and (unknown := _unknown_answers(submission, answers)):
        raise ValidationFailed(unknown)
    merged = _merged(submission.answers, answers, merge)
    values, errors = _evaluate_all(submission, merged, partial=True)
    errors.update(_foreign_files(submission, values))
    if errors:
        raise ValidationFailed(errors)
    changes = _changes(submission.answers, values)
    submission.answers = values
    _touch(submission, user_id)
    if changes:
        _audit(submission, user_id, "answers", changes=changes)
    _commit()


def _merged(saved: dict[str, Any], sent: dict[str, Any], merge: str) -> dict[str, Any]:
    if merge == REPLACE:
        return sent
    if merge == MERGE_FORMS:
        return {**saved, **sent}
    return {
        form_id: {**(saved.get(form_id) or {}), **sent.get(form_id, {})}
        for form_id in {*saved, *sent}
    }


def _unknown_answers(submission: Submission, answers: dict[str, Any]) -> dict[str, list[str]]:
    """Forms that are not part of the submission and keys that are not fields of their form."""
    keys = {
        str(version.id): set(parse_definition(version.definition).by_key)
        for version, _weight in form_versions(submission.template_version)
    }
    errors = {}
    for form_id, values in answers.items():
        if form_id not in keys:
            errors[form_id] = [str(_l("This form is not part of the submission."))]
            continue
        for key in values:
            if key not in keys[form_id]:
                errors[f"{form_id}:{key}"] = [str(_l("This form has no field %(key)s.", key=key))]
    return errors


def _foreign_files(submission: Submission, values: dict[str, Any]) -> dict[str, list[str]]:
    """File answers must point at evidence uploaded to this very submission."""
    own = {str(e.id) for e in submission.evidence}
    return {
        f"{form_id}:{key}": [str(_l("This file does not belong to this submission."))]
        for form_id, answers in values.items()
        for key, value in answers.items()
        if isinstance(value, dict) and value.get("kind") == "file" and value.get("ref") not in own
    }


def _changes(old: dict[str, Any], new: dict[str, Any]) -> dict[str, list]:
    changes = {}
    for form_id, answers in new.items():
        before = old.get(form_id) or {}
        for key, value in answers.items():
            if before.get(key) != value:
                changes[f"{form_id}:{key}"] = [before.get(key), value]
    return changes


def submit(submission: Submission, scope: Scope, user_id, lock_version: int | None = None) -> None:
    """Send the submission to the evaluator; every required answer must be valid."""
    _require(submission, scope, "submit")
    _check_lock(submission, lock_version)
    values, errors = _evaluate_all(submission, submission.answers, partial=False)
    if errors:
        raise ValidationFailed(errors)
    submission.answers = values
    submission.state = SubmissionState.SUBMITTED.value
    submission.submitted_at = _now()
    _touch(submission, user_id)
    _audit(submission, user_id, "submit")
    _commit()


# --- review ---------------------------------------------------------------------------


def _clean_text(value: Any, field: str, errors: dict) -> str:
    text = str(value or "").strip()
    if len(text) > MAX_TEXT:
        errors.setdefault(field, []).append(str(_l("At most %(n)d characters.", n=MAX_TEXT)))
    return text


def _clean_comments(comments: Any, errors: dict) -> dict[str, str]:
    if not isinstance(comments, dict):
        return {}
    return {
        str(ref): _clean_text(text, f"comment:{ref}", errors)
        for ref, text in comments.items()
        if str(text or "").strip()
    }


def return_for_revision(
    submission: Submission, reason: str, scope: Scope, user_id, comments: Any = None
) -> None:
    """Send the submission back to the employee with a reason (required)."""
    _require(submission, scope, "return")
    errors: dict[str, list[str]] = {}
    reason = _clean_text(reason, "reason", errors)
    if not reason:
        errors.setdefault("reason", []).append(str(_l("Say what must be fixed.")))
    clean = _clean_comments(comments, errors)
    if errors:
        raise ValidationFailed(errors)
    submission.comments = {**submission.comments, **clean}
    submission.return_reason = reason
    submission.state = SubmissionState.RETURNED.value
    _touch(submission, user_id)
    _audit(
        submission,
        user_id,
        "return",
        comment=reason,
        changes={"comments": clean} if clean else None,
    )
    _commit()


def behaviour_values() -> list[BehaviourValue]:
    return list(db.session.scalars(select(BehaviourValue).order_by(BehaviourValue.position)))


def approve(
    submission: Submission,
    behaviour: Any,
    scope: Scope,
    user_id,
    *,
    feedback: str = "",
    recommendation: str = "",
    comments: Any = None,
) -> None:
    """Rate the seven BerAKHLAK values, compute the scores and close the review."""
    _require(submission, scope, "approve")
    errors: dict[str, list[str]] = {}
    ratings, entries = {}, {}
    behaviour = behaviour if isinstance(behaviour, dict) else {}
    valid = {r.value for r in Rating}
    for value in behaviour_values():
        entry = behaviour.get(value.code) or {}
        rating = entry.get("rating") if isinstance(entry, dict) else None
        if rating not in valid:
            errors.setdefault(f"behaviour:{value.code}", []).append(
                str(_l("Rate %(value)s.", value=value.name))
            )
            continue
        ratings[value.code] = Rating(rating)
        entries[value.code] = {
            "rating": rating,
            "feedback": _clean_text(entry.get("feedback"), f"behaviour:{value.code}", errors),
            "expectation": _clean_text(entry.get("expectation"), f"behaviour:{value.code}", errors),
        }
    feedback = _clean_text(feedback, "feedback", errors)
    recommendation = _clean_text(recommendation, "recommendation", errors)
    clean = _clean_comments(comments, errors)
    if errors:
        raise ValidationFailed(errors)
    result = score(submission, ratings)
    submission.behaviour = entries
    submission.comments = {**submission.comments, **clean}
    submission.feedback, submission.recommendation = feedback, recommendation
    submission.achievement = result.achievement
    submission.hasil_rating, submission.perilaku_rating = result.hasil.value, result.perilaku.value
    submission.predikat = result.predikat.value
    submission.state = SubmissionState.APPROVED.value
    submission.approved_at = _now()
    _touch(submission, user_id)
    _audit(
        submission, user_id, "approve",
        changes={"achievement": str(result.achievement), "hasil": result.hasil.value,
                 "perilaku": result.perilaku.value, "predikat": result.predikat.value,
                 "template_version": submission.template_version_id,
                 "from_unit_rating": result.from_unit_rating},
    )  # fmt: skip
    _commit()


def reopen(submission: Submission, reason: str, scope: Scope, user_id) -> None:
    """HR sends an approved submission back to review, with a reason (required)."""
    _require(submission, scope, "reopen")
    errors: dict[str, list[str]] = {}
    reason = _clean_text(reason, "reason", errors)
    if not reason:
        errors.setdefault("reason", []).append(str(_l("Give the reason for reopening.")))
    if errors:
        raise ValidationFailed(errors)
    submission.state = SubmissionState.SUBMITTED.value
    submission.achievement = submission.predikat = None
    submission.hasil_rating = submission.perilaku_rating = None
    submission.approved_at = None
    _touch(submission, user_id)
    _audit(submission, user_id, "reopen", comment=reason)
    _commit()


def changes_since_return(submission: Submission) -> dict[str, list]:
    """Answer changes (first old value, last new value) made after the last return."""
    recent = []
    for entry in reversed(submission.history):
        if entry.action == "return":
            break
        if entry.action == "answers" and entry.changes:
            recent.append(entry)
    else:
        return {}  # never returned: nothing to compare with
    changes: dict[str, list] = {}
    for entry in reversed(recent):
        for ref, (old, new) in entry.changes.items():
            changes[ref] = [changes[ref][0] if ref in changes else old, new]
    return changes
