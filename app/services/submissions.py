"""The life of a submission: draft → submitted → returned ↔ submitted → approved.

Every action checks who acts (owner, evaluator, HR), the state, and that the
period is open; every change is written to the audit trail. Every write
names the `lock_version` it was based on (optimistic locking): a missing one is
refused, a stale one is refused with who changed it when.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from app.domain.ratings import OrgRating, Predikat, Rating, predikat
from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.models import AuditEntry, BehaviourValue, Submission
from app.models.forms import _now
from app.models.types import PeriodState, SubmissionState
from app.scope import Scope
from app.services import ValidationFailed, versioning
from app.services import evidence as evidence_service
from app.services.scoring import (
    ORG_TO_HASIL,
    Score,
    head_of_unit,
    score,
    unit_rating_of_head,
)
from app.services.templates import form_versions, predikat_matrix
from app.services.versioning import VersionMissing as VersionMissing  # re-exported
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


def require_action(submission: Submission, scope: Scope, action: str) -> None:
    """Raise ActionRefused (with the reason, translated) unless `scope` may take `action` now."""
    _require(submission, scope, action)


def _audit(submission: Submission, user_id, action: str, comment=None, changes=None) -> None:
    db.session.add(
        AuditEntry(
            submission=submission, user_id=user_id, action=action, comment=comment, changes=changes
        )
    )


def _commit() -> None:
    versioning.commit(
        SubmissionConflict,
        _l("This submission was changed by someone else just now. Reload it."),
    )


def _check_lock(submission: Submission, lock_version: int | None) -> None:
    versioning.check_lock(
        submission, lock_version, conflict=SubmissionConflict,
        missing=_l(
            "This change does not say which version of the submission it is based on "
            "(lock_version). Reload the page; nothing was saved."
        ),
        changed=lambda **who: _l(
            "This submission was changed by %(who)s at %(when)s. "
            "Reload it; nothing was overwritten.", **who,
        ),
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
    keep_invalid: bool = False,
) -> dict[str, list[str]]:
    """Save a draft (incomplete is fine); type errors refuse the save, by field.

    With `keep_invalid` (the web page) a draft never refuses an answer: invalid ones are
    kept as typed in `invalid_answers` and returned as errors by field, to be flagged;
    only submit needs a valid form. With `MERGE_FIELDS` or `REPLACE` (the API), unknown
    forms and fields are refused too.
    """
    _require(submission, scope, "save")
    _check_lock(submission, lock_version)
    if not isinstance(answers, dict) or not all(isinstance(v, dict) for v in answers.values()):
        raise ValidationFailed({"_form": [str(_l("Answers must be grouped by form."))]})
    if merge != MERGE_FORMS and (unknown := _unknown_answers(submission, answers)):
        raise ValidationFailed(unknown)
    merged = _merged(typed_answers(submission), answers, merge)
    values, errors = _evaluate_all(submission, merged, partial=True)
    foreign = _foreign_files(submission, values)
    if foreign or (errors and not keep_invalid):
        raise ValidationFailed({**errors, **foreign})
    changes = _changes(submission.answers, values)
    before = evidence_service.file_refs(submission.answers)
    _store(submission, values, merged, errors)
    replaced = evidence_service.forget(submission, before)
    _touch(submission, user_id)
    if changes:
        _audit(submission, user_id, "answers", changes=changes)
    _commit()
    evidence_service.remove_files(replaced)
    return errors


def typed_answers(submission: Submission) -> dict[str, Any]:
    """The saved answers with the draft's invalid ones back as the employee typed them."""
    answers = {form_id: dict(values) for form_id, values in (submission.answers or {}).items()}
    for ref, raw in (submission.invalid_answers or {}).items():
        form_id, _, key = ref.partition(":")
        answers.setdefault(form_id, {})[key] = raw
    return answers


def _store(submission: Submission, values: dict, typed: dict, errors: dict) -> None:
    """Store the clean `values`; the invalid answers (`errors`) are kept as typed aside."""
    invalid = {}
    for ref in errors:
        form_id, _, key = ref.partition(":")
        field_key = key.partition(".")[0]  # a cell ("posyandu.0.nama") keeps its whole table
        invalid[f"{form_id}:{field_key}"] = (typed.get(form_id) or {}).get(field_key)
        if key in values.get(form_id, {}):
            values[form_id][key] = None
    submission.answers = values
    submission.invalid_answers = invalid or None


def keep_typed(submission: Submission, typed: dict[str, Any]) -> dict[str, list[str]]:
    """Store `typed` answers as a draft of the submission's current version (no commit):
    valid ones as answers, the others kept as typed; returns their errors by field."""
    values, errors = _evaluate_all(submission, typed, partial=True)
    _store(submission, values, typed, errors)
    return errors


def draft_problems(submission: Submission, complete: bool = False) -> dict[str, list[str]]:
    """What stands between the draft and a submit, by field: its invalid answers, and
    with `complete` also the required ones still empty."""
    _values, errors = _evaluate_all(submission, typed_answers(submission), partial=not complete)
    return errors


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
    values, errors = _evaluate_all(submission, typed_answers(submission), partial=False)
    if errors:
        raise ValidationFailed(errors)
    submission.answers = values
    submission.invalid_answers = None
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
    submission: Submission,
    reason: str,
    scope: Scope,
    user_id,
    comments: Any = None,
    lock_version: int | None = None,
) -> None:
    """Send the submission back to the employee with a reason (required)."""
    _require(submission, scope, "return")
    _check_lock(submission, lock_version)
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


#: Accepted spellings of a rating chosen by the evaluator: the code or the Indonesian label.
RATING_NAMES = {
    **{rating.value: rating for rating in Rating},
    "di atas ekspektasi": Rating.ABOVE,
    "sesuai ekspektasi": Rating.AS_EXPECTED,
    "di bawah ekspektasi": Rating.BELOW,
}


@dataclass(frozen=True)
class Decision:
    """The evaluator's ratings (pejabat penilai) next to the portal's proposal."""

    proposal: Score
    hasil: Rating
    perilaku: Rating
    predikat: Predikat
    override_reason: str

    @property
    def overridden(self) -> bool:
        return (self.hasil, self.perilaku) != (self.proposal.hasil, self.proposal.perilaku)


def _clean_behaviour(behaviour: Any, errors: dict) -> tuple[dict[str, Rating], dict[str, dict]]:
    """The rating of each BerAKHLAK value and its stored entry (rating, feedback, expectation)."""
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
    return ratings, entries


def _chosen_rating(value: Any, field: str, errors: dict) -> Rating | None:
    """The rating the evaluator chose (None: take the proposal)."""
    if value is None or str(value).strip() == "":
        return None
    rating = RATING_NAMES.get(str(value).strip().lower())
    if rating is None:
        errors.setdefault(field, []).append(
            str(_l("Choose above expectation, as expected or below expectation."))
        )
    return rating


def _decide(
    submission: Submission,
    behaviour: Any,
    choice: dict[str, Any],
    errors: dict,
    require_reason: bool,
) -> tuple[dict[str, dict], Decision | None]:
    """Validate the evaluator's input; the proposal and their decision (None on errors)."""
    ratings, entries = _clean_behaviour(behaviour, errors)
    hasil = _chosen_rating(choice.get("hasil_rating"), "hasil_rating", errors)
    perilaku = _chosen_rating(choice.get("perilaku_rating"), "perilaku_rating", errors)
    reason = _clean_text(choice.get("override_reason"), "override_reason", errors)
    head = head_of_unit(submission)
    if head and unit_rating_of_head(submission) is None:
        errors.setdefault("_form", []).append(
            str(_l(
                "%(name)s heads %(unit)s: the unit's organisational rating for %(period)s "
                "must be confirmed before this evaluation can be approved.",
                name=submission.employee.name, unit=submission.unit.name,
                period=submission.period.name,
            ))
        )  # fmt: skip
    if errors:
        return entries, None
    proposal = score(submission, ratings)
    hasil, perilaku = hasil or proposal.hasil, perilaku or proposal.perilaku
    if head and hasil != proposal.hasil:
        errors["hasil_rating"] = [
            str(_l("The work results of a unit head are the unit's organisational rating."))
        ]
    changed = (hasil, perilaku) != (proposal.hasil, proposal.perilaku)
    if changed and require_reason and not reason:
        errors["override_reason"] = [
            str(_l("Give the reason for rating differently from the proposal."))
        ]
    if errors:
        return entries, None
    final = predikat(hasil, perilaku, predikat_matrix())
    return entries, Decision(proposal, hasil, perilaku, final, reason if changed else "")


def preview_approval(
    submission: Submission, behaviour: Any, scope: Scope, **choice: Any
) -> Decision:
    """The proposal and the predikat of the evaluator's choice, before they confirm."""
    _require(submission, scope, "approve")
    errors: dict[str, list[str]] = {}
    _entries, decision = _decide(submission, behaviour, choice, errors, require_reason=False)
    if decision is None:
        raise ValidationFailed(errors)
    return decision


def approve(
    submission: Submission,
    behaviour: Any,
    scope: Scope,
    user_id,
    *,
    feedback: str = "",
    recommendation: str = "",
    comments: Any = None,
    hasil_rating: Any = None,
    perilaku_rating: Any = None,
    override_reason: Any = "",
    lock_version: int | None = None,
) -> Decision:
    """Rate the seven BerAKHLAK values and close the review with the evaluator's decision.

    `hasil_rating` / `perilaku_rating` (empty: the proposal) override the proposed ratings;
    an override needs `override_reason`. A unit head's hasil kerja is the unit's rating.
    """
    _require(submission, scope, "approve")
    _check_lock(submission, lock_version)
    errors: dict[str, list[str]] = {}
    choice = {
        "hasil_rating": hasil_rating,
        "perilaku_rating": perilaku_rating,
        "override_reason": override_reason,
    }
    entries, decision = _decide(submission, behaviour, choice, errors, require_reason=True)
    feedback = _clean_text(feedback, "feedback", errors)
    recommendation = _clean_text(recommendation, "recommendation", errors)
    clean = _clean_comments(comments, errors)
    if errors or decision is None:
        raise ValidationFailed(errors)
    proposal = decision.proposal
    submission.behaviour = entries
    submission.comments = {**submission.comments, **clean}
    submission.feedback, submission.recommendation = feedback, recommendation
    submission.achievement = proposal.achievement
    submission.proposed_hasil_rating = proposal.hasil.value
    submission.proposed_perilaku_rating = proposal.perilaku.value
    submission.hasil_rating, submission.perilaku_rating = (
        decision.hasil.value,
        decision.perilaku.value,
    )
    submission.predikat = decision.predikat.value
    submission.override_reason = decision.override_reason or None
    submission.state = SubmissionState.APPROVED.value
    submission.approved_at = _now()
    _touch(submission, user_id)
    _audit(
        submission, user_id, "approve",
        changes={"achievement": str(proposal.achievement), "hasil": decision.hasil.value,
                 "perilaku": decision.perilaku.value, "predikat": decision.predikat.value,
                 "proposed_hasil": proposal.hasil.value,
                 "proposed_perilaku": proposal.perilaku.value,
                 "template_version": submission.template_version_id,
                 "from_unit_rating": proposal.from_unit_rating},
    )  # fmt: skip
    if decision.overridden:
        _audit(
            submission, user_id, "override", comment=decision.override_reason,
            changes={"hasil": [proposal.hasil.value, decision.hasil.value],
                     "perilaku": [proposal.perilaku.value, decision.perilaku.value],
                     "predikat": [proposal.predikat.value, decision.predikat.value]},
        )  # fmt: skip
    _commit()
    return decision


def rescore_unit_head(unit, period_id: int, rating: str | None, user_id) -> list[Submission]:
    """Re-score the approved evaluation of `unit`'s head after its rating changed to `rating`.

    The head's hasil kerja is the unit's rating (PermenPANRB 6/2022): the new rating
    replaces the proposed and final hasil kerja and the predikat follows from the matrix;
    each change is written to the evaluation's history. The caller commits. Raises
    ValidationFailed when the rating is removed from an approved head evaluation.
    """
    if unit.head_id is None:
        return []
    heads = list(
        db.session.scalars(
            select(Submission).where(
                Submission.unit_id == unit.id,
                Submission.period_id == period_id,
                Submission.employee_id == unit.head_id,
                Submission.state == SubmissionState.APPROVED.value,
            )
        )
    )
    if heads and rating is None:
        raise ValidationFailed(
            {"rating": [str(_l(
                "The approved evaluation of the unit head rests on this rating: reopen it "
                "before removing the rating."
            ))]}
        )  # fmt: skip
    changed = []
    for submission in heads:
        hasil = ORG_TO_HASIL[OrgRating(rating)]
        result = predikat(hasil, Rating(submission.perilaku_rating), predikat_matrix())
        before = (submission.hasil_rating, submission.predikat)
        if before == (hasil.value, result.value):
            continue
        submission.proposed_hasil_rating = submission.hasil_rating = hasil.value
        submission.predikat = result.value
        _touch(submission, user_id)
        _audit(
            submission, user_id, "rescore",
            changes={"unit_rating": rating, "hasil": [before[0], hasil.value],
                     "predikat": [before[1], result.value]},
        )  # fmt: skip
        changed.append(submission)
    return changed


def reopen(
    submission: Submission, reason: str, scope: Scope, user_id, lock_version: int | None = None
) -> None:
    """HR sends an approved submission back to review, with a reason (required)."""
    _require(submission, scope, "reopen")
    _check_lock(submission, lock_version)
    errors: dict[str, list[str]] = {}
    reason = _clean_text(reason, "reason", errors)
    if not reason:
        errors.setdefault("reason", []).append(str(_l("Give the reason for reopening.")))
    if errors:
        raise ValidationFailed(errors)
    submission.state = SubmissionState.SUBMITTED.value
    submission.achievement = submission.predikat = None
    submission.calibrated_predikat = submission.calibration_reason = None  # to be redone
    submission.calibrated_at = submission.calibrated_by_id = None
    submission.hasil_rating = submission.perilaku_rating = None
    submission.proposed_hasil_rating = submission.proposed_perilaku_rating = None
    submission.override_reason = None
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
