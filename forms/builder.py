"""Build a WTForms form class from a schema; validation delegates to :func:`evaluate`.

Every call returns a fresh class. Labels and help texts are plain strings (the template
escapes them). Evidence fields become a link input ``<key>`` plus a file input
``<key>__file``; storing the upload is the caller's job. A repeat becomes a
``FieldList`` of row sub-forms (inputs ``<key>-<row>-<column>``, rows from 0), each
column input marked ``data-repeat="<key>"``; evaluation errors and calculations land on
the row's inputs. Page scripts find the fields
by their ``data-*`` attributes and fetch relevance and calculations from the live
preview (``evaluate(...).to_dict()``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import wtforms
from wtforms.fields.core import UnboundField

from forms.evaluation import evaluate
from forms.i18n import lazy_gettext
from forms.schema import FieldSchema, FieldType, FormSchema, plain_number, text
from forms.values import MAX_ROWS

FILE_SUFFIX = "__file"
FILE_LABEL = "%(label)s: upload a file"

_FIELD_CLASSES: dict[FieldType, type[wtforms.Field]] = {
    FieldType.INTEGER: wtforms.IntegerField,
    FieldType.DECIMAL: wtforms.DecimalField,
    FieldType.PERCENT: wtforms.DecimalField,
    FieldType.TEXT: wtforms.StringField,
    FieldType.TEXTAREA: wtforms.TextAreaField,
    FieldType.DATE: wtforms.DateField,
    FieldType.SELECT: wtforms.SelectField,
    FieldType.MULTISELECT: wtforms.SelectMultipleField,
    FieldType.BOOLEAN: wtforms.BooleanField,
    FieldType.EVIDENCE: wtforms.StringField,
}


def _render_kw(
    schema: FormSchema, field: FieldSchema, repeat: FieldSchema | None = None
) -> dict[str, Any]:
    section = schema.sections.get(field.key)
    hidden_by_section = section is not None and schema.by_key[section].relevant is not None
    conditional = field.relevant is not None or hidden_by_section
    attributes: dict[str, Any] = {
        "data-key": field.key,
        "data-type": field.type.value,
        "data-section": section,
        "data-repeat": repeat.key if repeat else None,
        "data-relevant": "1" if conditional else None,
        "data-required": "1" if field.required else None,
        "data-calculate": "1" if field.calculate else None,
        "readonly": bool(field.calculate),
    }
    attributes |= _limits(field)
    return {name: value for name, value in attributes.items() if value not in (None, False)}


def _limits(field: FieldSchema) -> dict[str, Any]:
    """HTML hints for min/max (the server still validates)."""
    names = ("min", "max") if field.type.is_numeric else ("minlength", "maxlength")
    hints = {}
    if field.type.is_numeric:
        hints["step"] = "1" if field.type is FieldType.INTEGER else "any"
    if field.type.is_numeric or field.type.is_text:
        for name, bound in zip(names, (field.min, field.max), strict=True):
            if bound is not None:
                hints[name] = plain_number(bound)
    return hints


def _default(field: FieldSchema) -> Any:
    if field.type is FieldType.DATE and field.default is not None:
        return dt.date.fromisoformat(field.default)
    if field.type.is_numeric and field.default is not None:
        return Decimal(str(field.default))
    return field.default


def _type_options(field: FieldSchema, lang: str) -> dict[str, Any]:
    """Constructor options specific to the WTForms field class."""
    if field.type in (FieldType.DECIMAL, FieldType.PERCENT):
        return {"places": None}
    if not field.type.has_choices:
        return {}
    choices = [(choice.value, choice.label.get(lang)) for choice in field.choices]
    blank = [("", "")] if field.type is FieldType.SELECT else []
    return {"choices": blank + choices, "validate_choice": False}


def _rows_field(schema: FormSchema, field: FieldSchema, lang: str) -> UnboundField:
    """A list of row sub-forms, one input per column (no CSRF token of their own)."""
    columns: dict[str, Any] = {}
    for child in field.fields:
        columns |= _unbound_fields(schema, child, lang, field)
    row_form = type(f"Row_{field.key}", (wtforms.Form,), columns)
    return wtforms.FieldList(
        wtforms.FormField(row_form),
        label=text(field.label, lang),
        description=text(field.help, lang),
        render_kw=_render_kw(schema, field),
        max_entries=MAX_ROWS,
    )


def _unbound_fields(
    schema: FormSchema, field: FieldSchema, lang: str, repeat: FieldSchema | None = None
) -> dict[str, UnboundField]:
    if field.type is FieldType.SECTION:
        return {}
    if field.type is FieldType.REPEAT:
        return {field.key: _rows_field(schema, field, lang)}
    unbound = _FIELD_CLASSES[field.type](
        label=text(field.label, lang),
        description=text(field.help, lang),
        default=_default(field),
        render_kw=_render_kw(schema, field, repeat),
        **_type_options(field, lang),
    )
    fields = {field.key: unbound}
    if field.type is FieldType.EVIDENCE:
        label = text(field.label, lang)
        fields[field.key + FILE_SUFFIX] = wtforms.FileField(
            label=label,
            render_kw={"data-key": field.key, "aria-label": lazy_gettext(FILE_LABEL, label=label)},
        )
    return fields


def _raw_answer(form: wtforms.Form, field: FieldSchema) -> Any:
    bound = form[field.key]
    if field.type is FieldType.REPEAT:
        return [
            {child.key: _raw_answer(entry.form, child) for child in field.fields}
            for entry in bound.entries
        ]
    if field.type is FieldType.EVIDENCE:
        upload = form[field.key + FILE_SUFFIX].data
        name = getattr(upload, "filename", upload)
        if isinstance(name, str) and name.strip():
            return {"kind": "file", "name": name}
    if not bound.raw_data:
        return bound.data
    return list(bound.raw_data) if field.type is FieldType.MULTISELECT else bound.raw_data[0]


def _bound_fields(form: wtforms.Form, schema: FormSchema) -> Iterator[tuple[str, wtforms.Field]]:
    """Each input with its evaluation key (field key, or row path in a repeat)."""
    for field in schema.fields:
        if field.type is FieldType.SECTION:
            continue
        yield field.key, form[field.key]
        for index, entry in enumerate(form[field.key].entries if field.fields else ()):
            for child in field.fields:
                yield f"{field.key}.{index}.{child.key}", entry.form[child.key]


def _validator(base: type[wtforms.Form]) -> Callable[..., bool]:
    def validate(self: Any, extra_validators: Any = None) -> bool:
        """Run the base validation (e.g. CSRF), then replace field errors by evaluate's."""
        base.validate(self, extra_validators)
        schema: FormSchema = self.schema
        answers = {
            field.key: _raw_answer(self, field)
            for field in schema.fields
            if field.type is not FieldType.SECTION
        }
        self.evaluation = evaluate(schema, answers, lang=self.lang)
        bound = dict(_bound_fields(self, schema))
        for key, field in bound.items():
            field.errors = [error.message for error in self.evaluation.errors.get(key, [])]
        for key, value in self.evaluation.calculated.items():
            bound[key].data, bound[key].raw_data = value, []
        return not self.errors and self.evaluation.valid

    return validate


def build_form_class(
    schema: FormSchema, lang: str = "id", base: type[wtforms.Form] = wtforms.Form
) -> type[wtforms.Form]:
    """A new form class for ``schema`` with labels in ``lang`` (fallback Indonesian)."""
    attributes: dict[str, Any] = {
        "schema": schema,
        "lang": lang,
        "evaluation": None,
        "validate": _validator(base),
    }
    for field in schema.fields:
        attributes |= _unbound_fields(schema, field, lang)
    name = "Form_" + re.sub(r"\W", "_", schema.code)
    return type(name, (base,), attributes)
