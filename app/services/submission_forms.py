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
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict

from app.i18n import lang, long_date, number
from app.i18n import lazy_gettext as _l
from app.models import Evidence, Submission
from app.models.types import SubmissionState
from app.services import ValidationFailed, skp_targets
from app.services import evidence as evidence_service
from app.services.org import people_names
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
from forms.schema import FieldSchema, FieldType, FormSchema, plain_number
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
    rows: dict[str, list[Any]] = field(default_factory=dict)  # group key -> bound row forms
    group_errors: dict[str, list[str]] = field(default_factory=dict)  # row-count problems

    @property
    def id(self) -> int:
        return self.version.id

    def ref(self, key: str) -> str:
        return f"{self.version.id}:{key}"

    def row_prefix(self, key: str, index: int | str) -> str:
        """Input-name prefix of one row of a repeat group ("<form>:<group>.<row>.")."""
        return f"{self.version.id}:{key}.{index}."

    def blank_row(self, key: str) -> Any:
        """An empty row of the group (defaults filled in), numbered ``__i__`` for the page
        script to renumber: the template for "add a row" and the rows the minimum needs."""
        return row_form(self.schema.by_key[key], self.row_prefix(key, ROW_PLACEHOLDER))

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


# --- repeat groups (tables): each row is a small form of the group's columns -------------

ROW_PLACEHOLDER = "__i__"


def groups(schema: FormSchema) -> list[FieldSchema]:
    """The repeat groups (tables) of a form."""
    return [f for f in schema.fields if f.type is FieldType.REPEAT]


def page_form_class(schema: FormSchema, language: str, base: Any = FlaskForm) -> Any:
    """The WTForms class of the form's single inputs; each row of a repeat group is a
    form of its own (`row_form`)."""
    single = tuple(f for f in schema.fields if f.type is not FieldType.REPEAT)
    return build_form_class(replace(schema, fields=single), language, base=base)


def row_form(group: FieldSchema, prefix: str, formdata: Any = None, language: str = "") -> Any:
    """One row of a repeat group as a form of its columns, inputs named "<prefix><column>"."""
    columns = FormSchema(code=group.key, title=group.label, fields=tuple(group.fields))
    form_class = build_form_class(columns, language or lang(), base=FlaskForm)
    return form_class(formdata=formdata, prefix=prefix, meta={"csrf": False})


def _posted_rows(formdata: Any, prefix: str) -> list[MultiDict]:
    """The posted rows of a group ("<prefix><n>.<column>"), in row order, each as the
    form data of a row numbered from 0 (a row removed in the page leaves no gap)."""
    by_row: dict[int, MultiDict] = {}
    for name in formdata:
        index, dot, column = name[len(prefix) :].partition(".")
        # row numbers of at most 4 digits: the page never makes more (the engine caps rows)
        if name.startswith(prefix) and dot and index.isdigit() and len(index) < 5:
            by_row.setdefault(int(index), MultiDict()).setlist(column, formdata.getlist(name))
    return [by_row[index] for index in sorted(by_row)]


def _as_row_data(group: FieldSchema, row: Any) -> MultiDict:
    """A stored (or kept-as-typed) row as the form data of its inputs."""
    data = MultiDict()
    for column in group.fields:
        value = row.get(column.key) if isinstance(row, dict) else None
        if value is None or value is False:
            continue
        if isinstance(value, list):
            data.setlist(column.key, [str(v) for v in value])
        elif value is True:
            data[column.key] = "y"
        elif isinstance(value, int | float):
            data[column.key] = plain_number(Decimal(str(value)))
        else:
            data[column.key] = str(value)
    return data


def _renumbered(data: MultiDict, prefix: str) -> MultiDict:
    return MultiDict([(prefix + name, value) for name, value in data.items(multi=True)])


def _rows_of(part: FormPart, group: FieldSchema, formdata: Any, invalid: dict) -> list:
    """The rows to show: posted, else kept as typed (an invalid draft), else saved."""
    if formdata is not None:
        return _posted_rows(formdata, f"{part.id}:{group.key}.")
    typed = invalid.get(part.ref(group.key), part.values.get(group.key))
    rows = typed if isinstance(typed, list) else []
    return [_as_row_data(group, row) for row in rows if isinstance(row, dict)]


def _bind_rows(part: FormPart, formdata: Any, invalid: dict[str, Any]) -> None:
    """Bind every row of the part's groups, at least the group's minimum (empty rows)."""
    for group in groups(part.schema):
        rows = _rows_of(part, group, formdata, invalid)
        rows += [None] * (int(group.min or 0) - len(rows))
        part.rows[group.key] = [
            row_form(group, prefix, None if row is None else _renumbered(row, prefix))
            for prefix, row in ((part.row_prefix(group.key, i), row) for i, row in enumerate(rows))
        ]


def bind_forms(parts: list[FormPart], formdata: Any = None, invalid: Any = None) -> None:
    """Attach a WTForms form to each part: from `formdata` (a POST) or the saved values,
    with a draft's `invalid` answers ("<form>:<key>" → as typed) shown as typed. The rows
    of repeat groups are bound as one small form each (`FormPart.rows`)."""
    for part in parts:
        form_class = page_form_class(part.schema, lang())
        _bind_rows(part, formdata, invalid or {})
        if formdata is not None:
            part.form = form_class(formdata=formdata, prefix=f"{part.id}:", meta={"csrf": False})
            continue
        data = {
            f.key: _as_form_data(f, part.values.get(f.key))
            for f in part.schema.fields
            if f.type not in (FieldType.SECTION, FieldType.REPEAT)
        }
        # formdata=None: never read the request; the saved answers are the data.
        part.form = form_class(formdata=None, data=data, prefix=f"{part.id}:", meta={"csrf": False})
        _show_as_typed(part, invalid or {})


def _show_as_typed(part: FormPart, invalid: dict[str, Any]) -> None:
    """Put the invalid answers of a draft back into their inputs, as the employee typed them."""
    for ref, raw in invalid.items():
        form_id, _, key = ref.partition(":")
        if form_id != str(part.id) or key not in part.form:
            continue
        bound = part.form[key]
        if isinstance(raw, str):
            bound.raw_data = [raw]
        elif isinstance(raw, list):
            bound.data = raw


def _posted(fields: Any, form: Any) -> dict[str, Any]:
    """The raw answers of the `fields` inputs of one bound WTForms form."""
    answers: dict[str, Any] = {}
    for f in fields:
        if f.type in (FieldType.SECTION, FieldType.REPEAT) or f.calculate:
            continue
        bound = form[f.key]
        if f.type is FieldType.MULTISELECT:
            answers[f.key] = list(bound.raw_data or [])
        elif f.type is FieldType.BOOLEAN:
            answers[f.key] = bool(bound.data)
        else:
            answers[f.key] = bound.raw_data[0] if bound.raw_data else None
    return answers


def posted_answers(part: FormPart) -> dict[str, Any]:
    """The raw answers of one bound form, a list of row answers per repeat group
    (without files: the caller stores uploads)."""
    answers = _posted(part.schema.fields, part.form)
    for group in groups(part.schema):
        answers[group.key] = [_posted(group.fields, row) for row in part.rows.get(group.key, [])]
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
        bound = _bound_input(part, key) if part is not None and part.form is not None else None
        if bound is not None:
            bound.errors = list(messages)
        elif part is not None and key in part.rows:
            part.group_errors[key] = list(messages)
        else:
            general.extend(str(m) for m in messages)
    return general


def _bound_input(part: FormPart, key: str) -> Any:
    """The input of `key`: a field of the page ("target") or a cell ("posyandu.0.nama")."""
    if key in part.form:
        return part.form[key]
    group, _, rest = key.partition(".")
    index, _, column = rest.partition(".")
    rows = part.rows.get(group, [])
    if index.isdigit() and int(index) < len(rows) and column in rows[int(index)]:
        return rows[int(index)][column]
    return None


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


def display(value: Any, field: FieldSchema | None = None, language: str = "id") -> str:
    """A stored answer as people read it (evidence shown separately).

    Choices show their labels ("KIA, PTM", not the codes "kia, ptm"), numbers the
    locale's separators ("1.234,5"), dates written out ("14 November 2026"); the rows
    of a repeat group one per line ("Mawar, 80, 75").
    """
    if value is None:
        return ""
    if field is not None and field.type is FieldType.REPEAT:
        return "\n".join(
            ", ".join(display(row.get(c.key), c, language) for c in field.fields)
            for row in value
            if isinstance(row, dict)
        )
    if isinstance(value, bool):
        return str(_l("Yes")) if value else str(_l("No"))
    if isinstance(value, list):
        return ", ".join(display(v, field, language) for v in value)
    if isinstance(value, dict):
        if value.get("kind") == "link":
            return str(value.get("url", ""))
        if value.get("kind") == "file":
            return str(value.get("name", ""))
        return ""
    if field is not None and field.type.has_choices:
        labels = {choice.value: text(choice.label, language) for choice in field.choices}
        return labels.get(str(value), str(value))
    if isinstance(value, int | float | Decimal):
        return number(value)
    if field is not None and field.type is FieldType.DATE:
        return _long_date(value)
    return str(value)


def _long_date(value: Any) -> str:
    try:
        return long_date(dt.date.fromisoformat(str(value)))
    except ValueError:
        return str(value)


class AnswerDisplay:
    """`display` for a page's forms: the template names the answer's "<form>:<key>"."""

    def __init__(self, parts: list[FormPart], language: str):
        self.fields = {part.ref(f.key): f for part in parts for f in part.schema.fields}
        self.fields |= {
            f"{ref}.{column.key}": column
            for ref, group in list(self.fields.items())
            if group.type is FieldType.REPEAT
            for column in group.fields
        }
        self.language = language

    def __call__(self, value: Any, ref: str | None = None) -> str:
        return display(value, self.fields.get(ref), self.language)

    def group(self, ref: str | None) -> FieldSchema | None:
        """The repeat group named `ref`, shown as a table rather than as text."""
        found = self.fields.get(ref)
        return found if found is not None and found.type is FieldType.REPEAT else None


def table_changes(old: Any, new: Any) -> dict[str, Any]:
    """How a group's rows changed: the changed cells (row, column), the rows added (by
    their new index) and how many rows were removed (from the end)."""
    old = old if isinstance(old, list) else []
    new = new if isinstance(new, list) else []
    cells = set()
    for index, (before, after) in enumerate(zip(old, new, strict=False)):
        before, after = before or {}, after or {}
        cells |= {(index, key) for key in {*before, *after} if before.get(key) != after.get(key)}
    return {
        "cells": cells,
        "added": list(range(len(old), len(new))),
        "removed": max(len(old) - len(new), 0),
    }


def history_rows(submission: Submission, labels: dict[str, str]) -> list[dict[str, Any]]:
    """The audit trail, newest first, with translated actions and changed field labels."""
    rows = []
    names = people_names({entry.user for entry in submission.history if entry.user})
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
                "who": names.get(entry.user_id, ""),
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
