"""The form runtime: coerce answers, compute calculations and relevance, validate.

Semantics:

* Fields are resolved in dependency order (``FormSchema.order``). A field is relevant
  when its section (if any) is relevant and its ``relevant`` expression is true
  (unknown counts as false). Irrelevant fields are neither validated nor kept: their
  value is empty, also for expressions that refer to them.
* A key missing from the answers takes the field's ``default``; a present but empty
  answer stays empty.
* User input for calculated fields is ignored. Calculated numbers are rounded half up
  to 0 (integer) or 2 (decimal, percent) places; a result of the wrong type is empty.
* Validation of a relevant field: type errors, ``REQUIRED`` (not in ``partial`` mode),
  then min/max, pattern and ``constraint`` (only when a value is present; a constraint
  fails only when it is false, not when unknown).
* ``values`` are JSON-able: numbers as int/float, dates as ISO strings, multiselect as a
  list, evidence as a dict, empty as ``None``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from forms.errors import EngineError, ErrorCode
from forms.expressions import Value, truth
from forms.patterns import matches
from forms.schema import FieldSchema, FieldType, FormSchema, plain_number, text
from forms.values import InvalidAnswer, coerce, to_json

CALCULATION_PLACES = {FieldType.INTEGER: 0, FieldType.DECIMAL: 2, FieldType.PERCENT: 2}


@dataclass(frozen=True)
class Evaluation:
    """Outcome of :func:`evaluate`."""

    values: dict[str, Any]
    relevant: dict[str, bool]
    calculated: dict[str, Any]
    errors: dict[str, list[EngineError]]

    @property
    def valid(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form, e.g. for the live-preview endpoint."""
        return {
            "valid": self.valid,
            "values": self.values,
            "relevant": self.relevant,
            "calculated": self.calculated,
            "errors": {key: [e.to_dict() for e in errors] for key, errors in self.errors.items()},
        }


def _calculation_input(field: FieldSchema, result: Value) -> Value:
    """Adapt an expression result to the calculated field's type."""
    if field.type is FieldType.BOOLEAN:
        return truth(result)
    if not isinstance(result, Decimal):
        return result
    if field.type.is_text:
        return plain_number(result)
    places = CALCULATION_PLACES.get(field.type)
    if places is None:
        return result
    return result.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _measure(field: FieldSchema, value: Value) -> tuple[Decimal, ErrorCode, ErrorCode] | None:
    """The quantity min/max apply to, with the codes for too low and too high."""
    if field.type.is_numeric and isinstance(value, Decimal):
        return value, ErrorCode.BELOW_MIN, ErrorCode.ABOVE_MAX
    if field.type.is_text and isinstance(value, str):
        return Decimal(len(value)), ErrorCode.TOO_SHORT, ErrorCode.TOO_LONG
    if field.type is FieldType.MULTISELECT and isinstance(value, tuple):
        return Decimal(len(value)), ErrorCode.TOO_FEW_SELECTED, ErrorCode.TOO_MANY_SELECTED
    return None


def _bound_error(field: FieldSchema, value: Value) -> EngineError | None:
    measured = _measure(field, value)
    if measured is None:
        return None
    amount, too_low, too_high = measured
    if field.min is not None and amount < field.min:
        return EngineError.of(too_low, field.key, min=plain_number(field.min))
    if field.max is not None and amount > field.max:
        return EngineError.of(too_high, field.key, max=plain_number(field.max))
    return None


def _pattern_error(field: FieldSchema, value: Value) -> EngineError | None:
    if field.pattern is None or matches(field.pattern, str(value)):
        return None
    return EngineError.of(ErrorCode.PATTERN_MISMATCH, field.key)


class _Run:
    """State of one evaluation."""

    def __init__(self, schema: FormSchema, answers: Mapping[str, Any], lang: str) -> None:
        self.schema = schema
        self.answers = answers
        self.lang = lang
        self.env: dict[str, Value] = {}
        self.relevant: dict[str, bool] = {}
        self.errors: dict[str, list[EngineError]] = {}

    def add(self, error: EngineError | None) -> None:
        if error is not None and error.field is not None:
            self.errors.setdefault(error.field, []).append(error)

    def is_relevant(self, field: FieldSchema) -> bool:
        section = self.schema.sections.get(field.key)
        if section is not None and not self.relevant.get(section, True):
            return False
        expression = field.expression("relevant")
        return expression is None or truth(expression.evaluate(self.env)) is True

    def answer(self, field: FieldSchema) -> Value:
        calculation = field.expression("calculate")
        if calculation is not None:
            raw = _calculation_input(field, calculation.evaluate(self.env))
        else:
            raw = self.answers.get(field.key, field.default)
        try:
            return coerce(field, raw)
        except InvalidAnswer as invalid:
            if calculation is None:
                self.add(invalid.error)
            return None

    def resolve(self, field: FieldSchema) -> None:
        self.relevant[field.key] = self.is_relevant(field)
        if field.type is not FieldType.SECTION:
            self.env[field.key] = self.answer(field) if self.relevant[field.key] else None

    def constraint_error(self, field: FieldSchema) -> EngineError | None:
        expression = field.expression("constraint")
        if expression is None or truth(expression.evaluate(self.env)) is not False:
            return None
        if field.constraint_message is None:
            return EngineError.of(ErrorCode.CONSTRAINT_FAILED, field.key)
        message = text(field.constraint_message, self.lang)
        return EngineError(ErrorCode.CONSTRAINT_FAILED, message, field.key)

    def validate(self, field: FieldSchema, partial: bool) -> None:
        skip = field.type is FieldType.SECTION or field.key in self.errors
        if skip or not self.relevant[field.key]:
            return
        value = self.env[field.key]
        if value is None:
            if field.required and not partial:
                self.add(EngineError.of(ErrorCode.REQUIRED, field.key))
            return
        self.add(_bound_error(field, value))
        self.add(_pattern_error(field, value))
        self.add(self.constraint_error(field))

    def result(self) -> Evaluation:
        values = {
            field.key: to_json(self.env[field.key])
            for field in self.schema.fields
            if field.type is not FieldType.SECTION
        }
        calculated = {
            field.key: values[field.key] for field in self.schema.fields if field.calculate
        }
        relevant = {field.key: self.relevant[field.key] for field in self.schema.fields}
        return Evaluation(values, relevant, calculated, self.errors)


def evaluate(
    schema: FormSchema,
    raw_answers: Mapping[str, Any],
    *,
    partial: bool = False,
    lang: str = "id",
) -> Evaluation:
    """Evaluate answers against a schema (``partial=True``: draft, no REQUIRED errors)."""
    run = _Run(schema, raw_answers, lang)
    for key in schema.order:
        run.resolve(schema.by_key[key])
    for field in schema.fields:
        run.validate(field, partial)
    return run.result()
