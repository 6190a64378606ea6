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
* A repeat's value is its list of rows (missing = no rows), each row an object with
  every column key. Each row's columns are resolved like fields, their expressions
  seeing the row's other columns by bare key and the form's fields. Per-row results
  are keyed by path: ``relevant["posyandu.0.realisasi"]``, likewise ``calculated`` and
  ``errors``. An irrelevant repeat has no rows. Row-count errors are keyed by the
  repeat: no rows is empty (``REQUIRED`` when required), else ``min``/``max`` rows apply.
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from forms.errors import EngineError, ErrorCode
from forms.expressions import Column, Value, truth
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


def _row_count_error(field: FieldSchema, count: int, partial: bool) -> EngineError | None:
    if count == 0:
        required = field.required and not partial
        return EngineError.of(ErrorCode.REQUIRED, field.key) if required else None
    if field.min is not None and count < field.min:
        return EngineError.of(ErrorCode.ROWS_BELOW_MIN, field.key, min=plain_number(field.min))
    if field.max is not None and count > field.max:
        return EngineError.of(ErrorCode.ROWS_ABOVE_MAX, field.key, max=plain_number(field.max))
    return None


def _row_path(field: FieldSchema, index: int, child: FieldSchema) -> str:
    return f"{field.key}.{index}.{child.key}"


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
        self.rows: dict[str, list[dict[str, Value]]] = {}  # repeat key -> each row's values
        self.relevant: dict[str, bool] = {}
        self.errors: dict[str, list[EngineError]] = {}

    def add(self, error: EngineError | None, key: str | None = None) -> None:
        """Record ``error`` under ``key`` (a row path), by default its field's key."""
        if error is None or (key := key or error.field) is None:
            return
        self.errors.setdefault(key, []).append(replace(error, field=key))

    def is_relevant(self, field: FieldSchema, env: Mapping[str, Value]) -> bool:
        section = self.schema.sections.get(field.key)
        if section is not None and not self.relevant.get(section, True):
            return False
        expression = field.expression("relevant")
        return expression is None or truth(expression.evaluate(env)) is True

    def answer(
        self, field: FieldSchema, answers: Mapping[str, Any], env: Mapping[str, Value], key: str
    ) -> Value:
        calculation = field.expression("calculate")
        if calculation is not None:
            raw = _calculation_input(field, calculation.evaluate(env))
        else:
            raw = answers.get(field.key, field.default)
        try:
            return coerce(field, raw)
        except InvalidAnswer as invalid:
            if calculation is None:
                self.add(invalid.error, key)
            return None

    def resolve(self, field: FieldSchema) -> None:
        relevant = self.relevant[field.key] = self.is_relevant(field, self.env)
        if field.type is FieldType.REPEAT:
            rows = self.answer(field, self.answers, self.env, field.key) if relevant else None
            self.resolve_rows(field, rows or Column())
        elif field.type is not FieldType.SECTION:
            self.env[field.key] = (
                self.answer(field, self.answers, self.env, field.key) if relevant else None
            )

    def resolve_rows(self, field: FieldSchema, rows: Column) -> None:
        """Each row's columns, then the repeat and its columns as aggregates see them."""
        values = [self.resolve_row(field, index, raw) for index, raw in enumerate(rows)]
        self.rows[field.key] = values
        self.env[field.key] = Column(values)
        for child in field.fields:
            self.env[f"{field.key}.{child.key}"] = Column(row[child.key] for row in values)

    def resolve_row(self, field: FieldSchema, index: int, raw: Mapping[str, Any]) -> dict:
        values: dict[str, Value] = {}
        env = ChainMap(values, self.env)
        for child in self.schema.row_order[field.key]:
            path = _row_path(field, index, child)
            relevant = self.relevant[path] = self.is_relevant(child, env)
            values[child.key] = self.answer(child, raw, env, path) if relevant else None
        return {child.key: values[child.key] for child in field.fields}

    def constraint_error(self, field: FieldSchema, env: Mapping[str, Value]) -> EngineError | None:
        expression = field.expression("constraint")
        if expression is None or truth(expression.evaluate(env)) is not False:
            return None
        if field.constraint_message is None:
            return EngineError.of(ErrorCode.CONSTRAINT_FAILED, field.key)
        message = text(field.constraint_message, self.lang)
        return EngineError(ErrorCode.CONSTRAINT_FAILED, message, field.key)

    def validate(self, field: FieldSchema, partial: bool) -> None:
        if field.type is not FieldType.REPEAT:
            self.check(field, self.env, field.key, partial)
            return
        if field.key in self.errors or not self.relevant[field.key]:
            return
        rows = self.rows[field.key]
        self.add(_row_count_error(field, len(rows), partial))
        for index, values in enumerate(rows):
            env = ChainMap(values, self.env)
            for child in field.fields:
                self.check(child, env, _row_path(field, index, child), partial)

    def check(self, field: FieldSchema, env: Mapping[str, Value], key: str, partial: bool) -> None:
        """Validate the value of ``field`` (in ``env``) whose results are under ``key``."""
        skip = field.type is FieldType.SECTION or key in self.errors
        if skip or not self.relevant[key]:
            return
        value = env[field.key]
        if value is None:
            if field.required and not partial:
                self.add(EngineError.of(ErrorCode.REQUIRED, field.key), key)
            return
        self.add(_bound_error(field, value), key)
        self.add(_pattern_error(field, value), key)
        self.add(self.constraint_error(field, env), key)

    def results(self) -> Iterator[tuple[str, FieldSchema, Value]]:
        """Every result key (field keys, row paths after their repeat), field and value."""
        for field in self.schema.fields:
            yield field.key, field, self.env.get(field.key)
            for index, row in enumerate(self.rows.get(field.key, ())):
                for child in field.fields:
                    yield _row_path(field, index, child), child, row[child.key]

    def result(self) -> Evaluation:
        values = {
            field.key: to_json(self.env[field.key])
            for field in self.schema.fields
            if field.type is not FieldType.SECTION
        }
        results = list(self.results())
        relevant = {key: self.relevant[key] for key, _, _ in results}
        calculated = {key: to_json(value) for key, field, value in results if field.calculate}
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
        if key in schema.by_key:  # a repeat resolves its columns itself
            run.resolve(schema.by_key[key])
    for field in schema.fields:
        run.validate(field, partial)
    return run.result()
