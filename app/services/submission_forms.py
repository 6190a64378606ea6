"""A submission's forms as the web pages and the API handle them (formulir pengisian).

Shared by "Kinerja Saya", "Penilaian Bawahan" and the submission APIs: assembling
the forms of a submission, reading posted answers and storing evidence uploads.

The form engine renders each form of a submission's template version as one
WTForms form with the prefix ``"<form version id>:"``, so the inputs of the
one HTML form are named ``<form version id>:<key>`` — the same references the
services use for answers, errors and comments.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask_wtf import FlaskForm

from app.i18n import lang
from app.i18n import lazy_gettext as _l
from app.models import Evidence, Submission
from app.models.types import SubmissionState
from app.services import ValidationFailed, skp_targets
from app.services import evidence as evidence_service
from app.services.recaps import predikat_label
from app.services.submissions import (
    SubmissionConflict,
    allowed_actions,
    require_action,
    save_answers,
)
from app.services.templates import form_versions, parse_rules
from forms import build_form_class, evaluate, indicator_breakdown, parse_definition, text
from forms.builder import FILE_SUFFIX
from forms.schema import FieldSchema, FieldType, FormSchema
from forms.scoring import weighted_achievement

ACTION_LABELS = {
    "answers": _l("Answers saved"),
    "submit": _l("Submitted"),
    "return": _l("Returned for revision"),
    "approve": _l("Approved"),
    "reopen": _l("Reopened"),
    "calibrate": _l("Predikat calibrated"),
    "migrate": _l("Moved to a new template version"),
}
NEEDS_EMPLOYEE = (SubmissionState.DRAFT.value, SubmissionState.RETURNED.value)


# --- forms of a submission ------------------------------------------------------------


@dataclass
class FormPart:
    """One form of a submission: its version, schema, bound WTForms form and evaluation."""

    version: Any
    weight: Decimal
    schema: FormSchema
    form: Any = None
    relevant: dict[str, bool] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)
    achievement: Decimal | None = None
    cap: Decimal | None = None

    @property
    def id(self) -> int:
        return self.version.id

    def ref(self, key: str) -> str:
        return f"{self.version.id}:{key}"

    def title(self, language: str) -> str:
        return text(self.schema.title, language)


def form_parts(submission: Submission) -> list[FormPart]:
    """The forms of the submission's template version, with their saved answers evaluated."""
    rules = parse_rules(submission.template_version.definition.get("rules"))
    parts = []
    for version, weight in form_versions(submission.template_version):
        schema = skp_targets.schema(submission, version.definition)
        answers = (submission.answers or {}).get(str(version.id)) or {}
        result = evaluate(schema, answers, partial=True, lang=lang())
        part = FormPart(version, weight, schema, relevant=result.relevant, values=result.values)
        part.cap = rules.cap
        part.achievement = weighted_achievement(schema, result.values, rules.cap)
        parts.append(part)
    return parts


def _as_form_data(field_schema: FieldSchema, value: Any) -> Any:
    """A stored (JSON) answer as the data of its WTForms field."""
    if value is None:
        return None
    kind = field_schema.type
    if kind is FieldType.DATE and isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    if kind in (FieldType.DECIMAL, FieldType.PERCENT) and isinstance(value, int | float):
        return Decimal(str(value))
    if kind is FieldType.EVIDENCE:
        return value.get("url") if isinstance(value, dict) and value.get("kind") == "link" else None
    return value


def bind_forms(parts: list[FormPart], formdata: Any = None, invalid: Any = None) -> None:
    """Attach a WTForms form to each part: from `formdata` (a POST) or the saved values,
    with a draft's `invalid` answers ("<form>:<key>" → as typed) shown as typed."""
    for part in parts:
        form_class = build_form_class(part.schema, lang(), base=FlaskForm)
        if formdata is not None:
            part.form = form_class(formdata=formdata, prefix=f"{part.id}:", meta={"csrf": False})
            continue
        data = {
            f.key: _as_form_data(f, part.values.get(f.key))
            for f in part.schema.fields
            if f.type is not FieldType.SECTION
        }
        # formdata=None: never read the request; the saved answers are the data.
        part.form = form_class(formdata=None, data=data, prefix=f"{part.id}:", meta={"csrf": False})
        _show_as_typed(part, invalid or {})


def _show_as_typed(part: FormPart, invalid: dict[str, Any]) -> None:
    """Put the invalid answers of a draft back into their inputs, as the employee typed them."""
    for ref, raw in invalid.items():
        form_id, _, key = ref.partition(":")
        if form_id != str(part.id) or key not in part.schema.by_key:
            continue
        bound = part.form[key]
        if isinstance(raw, str):
            bound.raw_data = [raw]
        elif isinstance(raw, list):
            bound.data = raw


def posted_answers(part: FormPart) -> dict[str, Any]:
    """The raw answers of one bound form (without files: the caller stores uploads)."""
    answers: dict[str, Any] = {}
    for f in part.schema.fields:
        if f.type is FieldType.SECTION or f.calculate:
            continue
        bound = part.form[f.key]
        if f.type is FieldType.MULTISELECT:
            answers[f.key] = list(bound.raw_data or [])
        elif f.type is FieldType.BOOLEAN:
            answers[f.key] = bool(bound.data)
        else:
            answers[f.key] = bound.raw_data[0] if bound.raw_data else None
    return answers


def uploads(part: FormPart, files) -> dict[str, Any]:
    """{key: FileStorage} of the evidence files chosen in this POST for the part's form."""
    chosen = {}
    for f in part.schema.fields:
        if f.type is FieldType.EVIDENCE:
            upload = files.get(f"{part.id}:{f.key}{FILE_SUFFIX}")
            if upload is not None and upload.filename:
                chosen[f.key] = upload
    return chosen


def set_errors(parts: list[FormPart], errors: dict[str, list[str]]) -> list[str]:
    """Put "<form>:<key>" errors on their fields; return the rest (form-level) as text."""
    by_id = {str(part.id): part for part in parts}
    general = []
    for ref, messages in errors.items():
        form_id, _, key = ref.partition(":")
        part = by_id.get(form_id)
        if part is not None and part.form is not None and key in part.schema.by_key:
            part.form[key].errors = list(messages)
        else:
            general.extend(str(m) for m in messages)
    return general


# --- labels, history, display -----------------------------------------------------------


def field_labels(parts: list[FormPart], language: str) -> dict[str, str]:
    """ "<form>:<key>" → field label (with the form's title when there are several forms)."""
    labels = {}
    for part in parts:
        for f in part.schema.fields:
            label = text(f.label, language)
            if len(parts) > 1:
                label = f"{part.title(language)} · {label}"
            labels[part.ref(f.key)] = label
    return labels


def display(value: Any) -> str:
    """A stored answer as plain text (evidence shown separately)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(_l("Yes")) if value else str(_l("No"))
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        if value.get("kind") == "link":
            return str(value.get("url", ""))
        if value.get("kind") == "file":
            return str(value.get("name", ""))
        return ""
    return str(value)


def history_rows(submission: Submission, labels: dict[str, str]) -> list[dict[str, Any]]:
    """The audit trail, newest first, with translated actions and changed field labels."""
    rows = []
    for entry in reversed(submission.history):
        changed = []
        if entry.action == "answers" and entry.changes:
            changed = [labels.get(ref, ref) for ref in entry.changes]
        elif entry.action == "return" and entry.changes and entry.changes.get("comments"):
            changed = [labels.get(ref, ref) for ref in entry.changes["comments"]]
        elif entry.action == "calibrate" and entry.changes:
            changed = [" → ".join(predikat_label(p) for p in entry.changes["predikat"])]
        rows.append(
            {
                "at": entry.at,
                "who": entry.user.username if entry.user else "",
                "action": str(ACTION_LABELS.get(entry.action, entry.action)),
                "comment": entry.comment or "",
                "changed": changed,
            }
        )
    return rows


def indicator_rows(part: FormPart, language: str) -> list[Any]:
    return indicator_breakdown(part.schema, part.values, part.cap, language)


def evidence_of(submission: Submission) -> dict[str, Any]:
    """Evidence id (text) → Evidence row of the submission."""
    return {str(e.id): e for e in submission.evidence}


# --- answers and evidence posted by the employee -------------------------------------------


def _is_file(answer: Any) -> bool:
    return isinstance(answer, dict) and answer.get("kind") == "file"


def collect_answers(
    submission: Submission, parts: list[FormPart], scope, formdata, files, user_id
) -> tuple[dict[str, Any], list[str]]:
    """The answers of a posted page by form, uploads stored as evidence (not yet committed).

    Returns the answers and the stored file names (to discard if the save fails);
    a refused upload discards the others and raises ValidationFailed.
    """
    may_save = "save" in allowed_actions(submission, scope)
    answers: dict[str, Any] = {}
    stored: list[str] = []
    errors: dict[str, list[str]] = {}
    for part in parts:
        values = posted_answers(part)
        chosen = uploads(part, files) if may_save else {}
        for f in part.schema.fields:
            if f.type is not FieldType.EVIDENCE:
                continue
            ref = part.ref(f.key)
            current = part.values.get(f.key)
            if f.key in chosen:
                upload = chosen[f.key]
                try:
                    evidence = evidence_service.store(
                        submission, ref, upload.filename, upload.stream, user_id
                    )
                except ValidationFailed as exc:
                    errors.update(exc.errors)
                    continue
                stored.append(evidence.stored_name)
                values[f.key] = evidence_service.as_answer(evidence)
            elif formdata.get(f"{ref}__remove"):
                values[f.key] = None
            elif not values.get(f.key) and _is_file(current):
                values[f.key] = current  # keep the uploaded file
        answers[str(part.id)] = values
    if errors:
        evidence_service.discard(stored)
        raise ValidationFailed(errors)
    return answers, stored


def _evidence_field(submission: Submission, field_ref: Any) -> tuple[str, str]:
    """(form version id, key) of `field_ref` if it names an evidence field of the submission."""
    form_id, _, key = str(field_ref or "").partition(":")
    for version, _weight in form_versions(submission.template_version):
        if str(version.id) != form_id:
            continue
        found = parse_definition(version.definition).by_key.get(key)
        if found is not None and found.type is FieldType.EVIDENCE:
            return form_id, key
    raise ValidationFailed(
        {"field": [str(_l("Name an evidence field of this submission's forms."))]}
    )


def _set_answer(submission, form_id, key, value, scope, user_id, lock_version) -> None:
    answers = dict((submission.answers or {}).get(form_id) or {}, **{key: value})
    save_answers(submission, {form_id: answers}, scope, user_id, lock_version=lock_version)


def attach_evidence(
    submission: Submission, field_ref: Any, upload, scope, user_id, lock_version=None
) -> Evidence:
    """Store an upload as the answer of the evidence field `field_ref` (a save, audited).

    Raises ActionRefused (not the owner, not editable, period closed), ValidationFailed
    by "field"/"file" (unknown field, refused content) or SubmissionConflict (stale lock).
    """
    require_action(submission, scope, "save")
    form_id, key = _evidence_field(submission, field_ref)
    ref = f"{form_id}:{key}"
    try:
        evidence = evidence_service.store(submission, ref, upload.filename, upload.stream, user_id)
    except ValidationFailed as exc:
        raise ValidationFailed({"file": exc.errors[ref]}) from exc
    try:
        _set_answer(
            submission, form_id, key, evidence_service.as_answer(evidence), scope, user_id,
            lock_version,
        )  # fmt: skip
    except Exception:
        evidence_service.discard([evidence.stored_name])
        raise
    return evidence


def detach_evidence(
    submission: Submission, evidence: Evidence, scope, user_id, lock_version=None
) -> None:
    """Remove `evidence` from the answers, as the page's "remove" does (a save, audited).

    Like every save, this deletes the upload's row and file once no answer names it.
    """
    require_action(submission, scope, "save")
    form_id, _, key = evidence.field_ref.partition(":")
    current = ((submission.answers or {}).get(form_id) or {}).get(key)
    if not (_is_file(current) and current.get("ref") == str(evidence.id)):
        raise SubmissionConflict(
            {"_form": [str(_l("This file is no longer one of the submission's answers."))]}
        )
    _set_answer(submission, form_id, key, None, scope, user_id, lock_version)
