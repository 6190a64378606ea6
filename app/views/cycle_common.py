"""Pieces shared by "Kinerja Saya", "Penilaian Bawahan" and the submission API.

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

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from app.models import Submission
from app.models.types import SubmissionState
from app.services.recaps import predikat_label
from app.services.submissions import changes_since_return
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
}
NEEDS_EMPLOYEE = (SubmissionState.DRAFT.value, SubmissionState.RETURNED.value)


def lang() -> str:
    return "en" if str(get_locale() or "id").startswith("en") else "id"


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
        schema = parse_definition(version.definition)
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


def bind_forms(parts: list[FormPart], formdata: Any = None) -> None:
    """Attach a WTForms form to each part: from `formdata` (a POST) or the saved values."""
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


def changed_refs(submission: Submission) -> dict[str, list]:
    return changes_since_return(submission)
