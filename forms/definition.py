"""Parsing and checking of JSON form definitions into :class:`~forms.schema.FormSchema`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from enum import StrEnum
from typing import Any

from flask_babel.speaklater import LazyString

from forms.errors import DefinitionError, EngineError, ErrorCode
from forms.expressions import (
    KEYWORDS,
    MAX_MAGNITUDE,
    Expression,
    ExpressionError,
    check_references,
    compile_expression,
)
from forms.i18n import lazy_gettext as _l
from forms.patterns import pattern_problem
from forms.schema import (
    EXPRESSION_PROPERTIES,
    LANGUAGES,
    Aspect,
    Choice,
    FieldSchema,
    FieldType,
    FormSchema,
    Indicator,
    IndicatorGroup,
    LocalText,
    Polarity,
    plain_number,
)
from forms.values import InvalidAnswer, coerce, to_json

MAX_FIELDS = 200
MAX_CHOICES = 500
MAX_TEXT_PROPERTY = 2000
WEIGHT_TOTAL = Decimal(100)
WEIGHT_TOLERANCE = Decimal("0.01")
CODE_RE = re.compile(r"[A-Z0-9][A-Z0-9_-]{1,39}")
KEY_RE = re.compile(r"[a-z](?:_?[a-z0-9])*_?")
MAX_KEY_LENGTH = 40
CHOICE_VALUE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
# Expression keywords and attribute names of WTForms / Flask-WTF / FAB form classes.
RESERVED_KEYS = KEYWORDS | {
    "data",
    "errors",
    "form_errors",
    "hidden_tag",
    "is_submitted",
    "meta",
    "populate_obj",
    "post_process",
    "process",
    "refresh",
    "schema",
    "lang",
    "evaluation",
    "validate",
    "validate_on_submit",
    "csrf_token",
}
RESERVED_PREFIXES = ("validate_", "filter_")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

FORM_PROPERTIES = frozenset({"code", "title", "description", "fields"})
INDICATOR_PROPERTIES = frozenset(
    {"group", "aspect", "target", "unit", "polarity", "weight", "parent", "rhk"}
)
_COMMON = frozenset({"key", "type", "label", "help", "relevant"})
_VALUE = _COMMON | {"required", "constraint", "constraint_message", "default", "calculate"}
_NUMERIC = _VALUE | {"min", "max", "indicator"}
_TEXT = _VALUE | {"min", "max", "pattern"}
ALLOWED_PROPERTIES: dict[FieldType, frozenset[str]] = {
    FieldType.INTEGER: _NUMERIC,
    FieldType.DECIMAL: _NUMERIC,
    FieldType.PERCENT: _NUMERIC,
    FieldType.TEXT: _TEXT,
    FieldType.TEXTAREA: _TEXT,
    FieldType.DATE: _VALUE,
    FieldType.SELECT: _VALUE | {"choices"},
    FieldType.MULTISELECT: (_VALUE - {"calculate"}) | {"choices", "min", "max"},
    FieldType.BOOLEAN: _VALUE,
    FieldType.EVIDENCE: _VALUE - {"default", "calculate"},
    FieldType.SECTION: _COMMON,
    FieldType.REPEAT: _COMMON | {"required", "min", "max", "fields"},
}
# Types a repeat cannot have as columns (no nesting; evidence is stored per field).
NOT_IN_REPEAT = frozenset({FieldType.SECTION, FieldType.REPEAT, FieldType.EVIDENCE})
FIELD_PROPERTIES = frozenset().union(*ALLOWED_PROPERTIES.values())


ROOT = "definition"


def _join(path: str, name: str) -> str:
    return name if path == ROOT else f"{path}.{name}"


def _as_decimal(value: Any) -> Decimal | None:
    """A JSON number (not bool, NaN or beyond 10^15) as Decimal, else ``None``."""
    valid = isinstance(value, int | float) and not isinstance(value, bool)
    if not valid or value != value or abs(value) > MAX_MAGNITUDE:
        return None
    return Decimal(str(value)) if isinstance(value, float) else Decimal(value)


_FIELD_PATH_RE = re.compile(r"^fields\[(\d+)\](?:\.fields\[(\d+)\])?(?:\.(.*))?$")


_PART_NAMES = {
    "label": _l("label"),
    "help": _l("help text"),
    "choices": _l("choices"),
    "value": _l("value"),
    "indicator": _l("indicator"),
    "target": _l("target"),
    "rhk": _l("work plan (RHK)"),
    "id": _l("Indonesian"),
    "en": _l("English"),
}


def _describe_part(part: str) -> str:
    """ "choices[2].label" → "choice 3 › label"."""
    names = []
    for name in part.split("."):
        choice = re.fullmatch(r"choices\[(\d+)\]", name)
        if choice:
            names.append(str(_l("choice %(number)s", number=int(choice[1]) + 1)))
        else:
            names.append(str(_PART_NAMES.get(name, name)))
    return " › ".join(names)


def _item(items: Any, index: str | None) -> dict[str, Any] | None:
    """Item ``index`` of a raw field list (``{}`` when it is no object), if it exists."""
    if index is None or not isinstance(items, list) or int(index) >= len(items):
        return None
    return items[int(index)] if isinstance(items[int(index)], dict) else {}


def _describe_field(field: dict[str, Any], index: str) -> str:
    key, label = field.get("key"), field.get("label")
    label = label.get("id") or label.get("en") if isinstance(label, dict) else None
    if isinstance(key, str) and key:
        where = _l("Field %(key)s", key=key)
    else:
        where = _l("Field number %(number)s", number=int(index) + 1)
    return f"{where} ({label})" if isinstance(label, str) and label.strip() else str(where)


def describe_path(path: str, data: Any) -> str:
    """A definition path as people read it: "fields[0].label" → "Field kia (KIA), label";
    a repeat's column "fields[2].fields[0]" is named after the repeat and the column."""
    match = _FIELD_PATH_RE.match(path or "")
    field = _item(data.get("fields") if isinstance(data, dict) else None, match and match[1])
    if field is None:
        return path
    where = _describe_field(field, match[1])
    child = _item(field.get("fields"), match[2])
    if child is not None:
        where = f"{where} › {_describe_field(child, match[2])}"
    return f"{where}, {_describe_part(match[3])}" if match[3] else where


class _Reader:
    """Reads untrusted JSON values, collecting every problem instead of stopping."""

    def __init__(self, data: Any = None) -> None:
        self.errors: list[EngineError] = []
        self.data = data

    def fail(self, code: ErrorCode, path: str, field: str | None = None, **params: Any) -> None:
        where = describe_path(path, self.data)
        self.errors.append(EngineError.of(code, field, path=path, where=where, **params))

    def wrong(self, path: str, expected: LazyString, field: str | None = None) -> None:
        self.fail(ErrorCode.BAD_DEFINITION, path, field, expected=expected)

    def properties(self, data: Mapping[Any, Any], path: str, known: frozenset[str]) -> None:
        for name in data:
            if name not in known:
                self.fail(ErrorCode.UNKNOWN_PROPERTY, path, name=str(name))

    def string(self, value: Any, path: str, limit: int = MAX_TEXT_PROPERTY) -> str | None:
        """A text with CR/LF normalised, or ``None`` (and an error) when invalid."""
        if not isinstance(value, str):
            self.wrong(path, _l("a text"))
        elif _CONTROL_RE.search(value):
            self.wrong(path, _l("a text without control characters"))
        elif len(value) > limit:
            self.wrong(path, _l("a text of at most %(max)s characters", max=limit))
        else:
            return value.replace("\r\n", "\n").replace("\r", "\n")
        return None

    def optional_string(self, data: Mapping[str, Any], name: str, path: str) -> str | None:
        if data.get(name) is None:
            return None
        value = self.string(data[name], _join(path, name))
        return (value.strip() or None) if value is not None else None

    def local_text(
        self, value: Any, path: str, missing: ErrorCode, field: str | None = None
    ) -> LocalText | None:
        """Multilingual text; ``missing`` is reported when the Indonesian text is absent."""
        if not isinstance(value, dict):
            self.wrong(path, _l("an object with texts per language"))
            return None
        texts: dict[str, str] = {}
        for lang, raw in value.items():
            if lang not in LANGUAGES:
                self.fail(ErrorCode.UNKNOWN_LANGUAGE, path, lang=str(lang))
            elif (cleaned := self.string(raw, f"{path}.{lang}")) and cleaned.strip():
                texts[lang] = cleaned.strip()
        if "id" not in texts:
            self.fail(missing, path, field)
            return None
        return LocalText(tuple((lang, texts[lang]) for lang in LANGUAGES if lang in texts))

    def optional_text(
        self, data: Mapping[str, Any], name: str, path: str, field: str | None = None
    ) -> LocalText | None:
        if data.get(name) is None:
            return None
        return self.local_text(data[name], _join(path, name), ErrorCode.MISSING_LABEL, field)

    def number(self, value: Any, path: str) -> Decimal | None:
        number = _as_decimal(value)
        if number is None:
            self.wrong(path, _l("a number between -10^15 and 10^15"))
        return number

    def boolean(self, value: Any, path: str) -> bool:
        """``value`` when it is a bool; ``None`` means false."""
        if value is not None and not isinstance(value, bool):
            self.wrong(path, _l("true or false"))
            return False
        return bool(value)

    def choice(self, enum: type[StrEnum], value: Any, code: ErrorCode, path: str, key: str) -> Any:
        if value not in [member.value for member in enum]:
            allowed = "/".join(member.value for member in enum)
            self.fail(code, path, key, allowed=allowed)
            return None
        return enum(value)

    def listing(self, value: Any, path: str) -> list[Any]:
        if not isinstance(value, list):
            self.wrong(path, _l("a list"))
            return []
        return value


# ---------------------------------------------------------------- field properties


def _read_key(reader: _Reader, data: Mapping[str, Any], path: str) -> str | None:
    key = data.get("key")
    if not isinstance(key, str) or len(key) > MAX_KEY_LENGTH or not KEY_RE.fullmatch(key):
        reader.fail(ErrorCode.INVALID_KEY, f"{path}.key", key=str(key)[: MAX_KEY_LENGTH + 10])
        return None
    if key in RESERVED_KEYS or key.startswith(RESERVED_PREFIXES):
        reader.fail(ErrorCode.RESERVED_KEY, f"{path}.key", key, key=key)
        return None
    return key


def _read_type(reader: _Reader, data: Mapping[str, Any], path: str, key: str) -> FieldType | None:
    kind = data.get("type")
    if kind not in [member.value for member in FieldType]:
        reader.fail(ErrorCode.UNKNOWN_TYPE, f"{path}.type", key, type=str(kind)[:50])
        return None
    return FieldType(kind)


def _check_applicable(
    reader: _Reader, data: Mapping[str, Any], path: str, key: str, kind: FieldType
) -> None:
    reader.properties(data, path, FIELD_PROPERTIES)
    for name in data.keys() & (FIELD_PROPERTIES - ALLOWED_PROPERTIES[kind]):
        if name == "indicator":
            reader.fail(ErrorCode.INDICATOR_NOT_NUMERIC, f"{path}.indicator", key)
        else:
            reader.fail(ErrorCode.NOT_APPLICABLE, f"{path}.{name}", key, name=name)
    if data.get("calculate") is not None and "default" in data:
        reader.fail(ErrorCode.NOT_APPLICABLE, f"{path}.default", key, name="default")


def _read_bound(
    reader: _Reader, data: Mapping[str, Any], name: str, path: str, kind: FieldType
) -> Decimal | None:
    if data.get(name) is None:
        return None
    number = reader.number(data[name], f"{path}.{name}")
    is_count = not kind.is_numeric
    if number is not None and is_count and (number < 0 or number != int(number)):
        reader.wrong(f"{path}.{name}", _l("a whole number of at least 0"))
        return None
    return number


def _read_bounds(
    reader: _Reader, data: Mapping[str, Any], path: str, key: str, kind: FieldType
) -> tuple[Decimal | None, Decimal | None]:
    low = _read_bound(reader, data, "min", path, kind)
    high = _read_bound(reader, data, "max", path, kind)
    if low is not None and high is not None and low > high:
        reader.fail(ErrorCode.MIN_GT_MAX, f"{path}.min", key)
    return low, high


def _read_pattern(reader: _Reader, data: Mapping[str, Any], path: str, key: str) -> str | None:
    if data.get("pattern") is None:
        return None
    pattern = reader.string(data["pattern"], f"{path}.pattern")
    problem = pattern_problem(pattern) if pattern else None
    if problem is not None:
        reader.fail(ErrorCode.BAD_PATTERN, f"{path}.pattern", key, reason=problem)
        return None
    return pattern or None


def _read_expression(
    reader: _Reader, data: Mapping[str, Any], name: str, path: str, key: str
) -> str | None:
    source = reader.optional_string(data, name, path)
    if source is None:
        return None
    try:
        compile_expression(source)
    except ExpressionError as error:
        reader.errors.append(replace(error.error, field=key, path=f"{path}.{name}"))
        return None
    return source


def _read_choice(reader: _Reader, data: Any, path: str, key: str, seen: set[str]) -> Choice | None:
    if not isinstance(data, dict):
        reader.wrong(path, _l("an object"), key)
        return None
    reader.properties(data, path, frozenset({"value", "label"}))
    value = data.get("value")
    if not isinstance(value, str) or not CHOICE_VALUE_RE.fullmatch(value):
        reader.fail(ErrorCode.INVALID_CHOICE_VALUE, f"{path}.value", key, value=str(value)[:70])
        value = None
    elif value in seen:
        reader.fail(ErrorCode.DUPLICATE_CHOICE, f"{path}.value", key, value=value)
    else:
        seen.add(value)
    label = reader.local_text(data.get("label"), f"{path}.label", ErrorCode.MISSING_LABEL, key)
    return Choice(value, label) if value is not None and label is not None else None


def _read_choices(
    reader: _Reader, data: Mapping[str, Any], path: str, key: str, kind: FieldType
) -> tuple[Choice, ...]:
    if not kind.has_choices:
        return ()
    items = reader.listing(data.get("choices", []), f"{path}.choices")
    if not items:
        reader.fail(ErrorCode.MISSING_CHOICES, f"{path}.choices", key)
    if len(items) > MAX_CHOICES:
        reader.fail(ErrorCode.TOO_MANY_CHOICES, f"{path}.choices", key, max=MAX_CHOICES)
        return ()
    seen: set[str] = set()
    choices = [
        _read_choice(reader, item, f"{path}.choices[{index}]", key, seen)
        for index, item in enumerate(items)
    ]
    return tuple(choice for choice in choices if choice is not None)


def _read_indicator(
    reader: _Reader, data: Mapping[str, Any], path: str, key: str
) -> Indicator | None:
    raw = data.get("indicator")
    if raw is None:
        return None
    path = f"{path}.indicator"
    if not isinstance(raw, dict):
        reader.wrong(path, _l("an object"), key)
        return None
    reader.properties(raw, path, INDICATOR_PROPERTIES)
    parts = {
        "group": reader.choice(
            IndicatorGroup, raw.get("group"), ErrorCode.BAD_INDICATOR_GROUP, f"{path}.group", key
        ),
        "aspect": reader.choice(
            Aspect, raw.get("aspect"), ErrorCode.BAD_INDICATOR_ASPECT, f"{path}.aspect", key
        ),
        "polarity": reader.choice(
            Polarity, raw.get("polarity"), ErrorCode.BAD_INDICATOR_POLARITY, f"{path}.polarity", key
        ),
        "target": _read_target(reader, raw, path, key),
        "weight": _read_weight(reader, raw, path, key),
    }
    extras = {
        "unit": reader.optional_string(raw, "unit", path) or "",
        "parent": reader.optional_string(raw, "parent", path),
        "rhk": reader.optional_text(raw, "rhk", path, key),
    }
    return None if None in parts.values() else Indicator(**parts, **extras)


def _read_target(reader: _Reader, raw: Mapping[str, Any], path: str, key: str) -> Decimal | None:
    if raw.get("target") is None:
        reader.fail(ErrorCode.MISSING_TARGET, f"{path}.target", key)
        return None
    target = _as_decimal(raw["target"])
    if target is None or target < 0:
        reader.fail(ErrorCode.INVALID_TARGET, f"{path}.target", key)
        return None
    return target


def _read_weight(reader: _Reader, raw: Mapping[str, Any], path: str, key: str) -> Decimal | None:
    weight = _as_decimal(raw.get("weight"))
    if weight is None or not 0 < weight <= WEIGHT_TOTAL:
        reader.fail(ErrorCode.INVALID_WEIGHT, f"{path}.weight", key)
        return None
    return weight


def _read_default(reader: _Reader, field: FieldSchema, raw: Any, path: str) -> Any:
    if raw is None:
        return None
    try:
        return to_json(coerce(field, raw))
    except InvalidAnswer as invalid:
        reason = invalid.error.message
        reader.fail(ErrorCode.BAD_DEFAULT, f"{path}.default", field.key, reason=reason)
        return None


def _read_child(reader: _Reader, data: Any, path: str) -> FieldSchema | None:
    """A column of a repeat: no nesting, no evidence, no indicator."""
    if not isinstance(data, dict):
        return _read_field(reader, data, path)
    kind, key = data.get("type"), data.get("key") if isinstance(data.get("key"), str) else None
    if kind in NOT_IN_REPEAT:
        reader.fail(ErrorCode.REPEAT_CHILD_TYPE, f"{path}.type", key, type=kind)
        return None
    if "indicator" in data:
        reader.fail(ErrorCode.INDICATOR_IN_REPEAT, f"{path}.indicator", key)
        data = {name: value for name, value in data.items() if name != "indicator"}
    return _read_field(reader, data, path)


def _read_children(
    reader: _Reader, data: Mapping[str, Any], path: str, key: str, kind: FieldType
) -> tuple[FieldSchema, ...]:
    if kind is not FieldType.REPEAT:
        return ()
    items = reader.listing(data.get("fields", []), f"{path}.fields")
    if not items:
        reader.fail(ErrorCode.REPEAT_NO_FIELDS, f"{path}.fields", key)
    children = (
        _read_child(reader, item, f"{path}.fields[{index}]") for index, item in enumerate(items)
    )
    return tuple(child for child in children if child is not None)


def _read_field(reader: _Reader, data: Any, path: str) -> FieldSchema | None:
    if not isinstance(data, dict):
        reader.wrong(path, _l("an object"))
        return None
    key = _read_key(reader, data, path)
    kind = _read_type(reader, data, path, key) if key else None
    if key is None or kind is None:
        return None
    _check_applicable(reader, data, path, key, kind)
    low, high = _read_bounds(reader, data, path, key, kind)
    expressions = {
        name: _read_expression(reader, data, name, path, key) for name in EXPRESSION_PROPERTIES
    }
    field = FieldSchema(
        key=key,
        type=kind,
        label=reader.local_text(data.get("label"), f"{path}.label", ErrorCode.MISSING_LABEL, key),
        help=reader.optional_text(data, "help", path, key),
        required=reader.boolean(data.get("required"), f"{path}.required"),
        min=low,
        max=high,
        pattern=_read_pattern(reader, data, path, key),
        constraint_message=reader.optional_text(data, "constraint_message", path, key),
        choices=_read_choices(reader, data, path, key, kind),
        indicator=_read_indicator(reader, data, path, key) if kind.is_numeric else None,
        fields=_read_children(reader, data, path, key, kind),
        **expressions,
    )
    return replace(field, default=_read_default(reader, field, data.get("default"), path))


# ---------------------------------------------------------------- whole-form checks


def _raw_children(item: Any) -> list[tuple[int, dict[str, Any]]]:
    """The columns of a raw repeat field that are objects, with their indexes."""
    children = item.get("fields") if isinstance(item, dict) else None
    if not isinstance(children, list) or item.get("type") != FieldType.REPEAT.value:
        return []
    return [(index, child) for index, child in enumerate(children) if isinstance(child, dict)]


def _raw_fields(items: list[Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every raw field object with its path, the columns of repeats after their repeat."""
    found = []
    for index, item in enumerate(items):
        if isinstance(item, dict):
            found.append((f"fields[{index}]", item))
        found += [(f"fields[{index}].fields[{j}]", child) for j, child in _raw_children(item)]
    return found


def _check_duplicates(reader: _Reader, items: list[Any]) -> None:
    seen: set[str] = set()
    for path, item in _raw_fields(items):
        key = item.get("key")
        if not isinstance(key, str):
            continue
        if key in seen:
            reader.fail(ErrorCode.DUPLICATE_KEY, f"{path}.key", key)
        seen.add(key)


def _child_path(items: list[Any], index: int, key: str) -> str:
    raw = _raw_children(items[index])
    return f"fields[{index}].fields[{next(j for j, child in raw if child.get('key') == key)}]"


def _located(
    items: list[Any], fields: list[tuple[int, FieldSchema]]
) -> list[tuple[str, FieldSchema, FieldSchema | None]]:
    """Every parsed field with its path and its repeat (``None`` at the top level)."""
    located: list[tuple[str, FieldSchema, FieldSchema | None]] = []
    for index, field in fields:
        located.append((f"fields[{index}]", field, None))
        located += [(_child_path(items, index, child.key), child, field) for child in field.fields]
    return located


def _known_names(items: list[Any]) -> tuple[set[str], dict[str, set[str]]]:
    """Names top-level expressions may use (value keys, ``group.child``) and the sibling
    keys of each repeat's columns (from the raw fields, so that a broken field does not
    make every reference to it an error too)."""
    known, columns = set(), {}
    for item in items:
        key = item.get("key") if isinstance(item, dict) else None
        if not isinstance(key, str) or item.get("type") == FieldType.SECTION.value:
            continue
        known.add(key)
        if item.get("type") == FieldType.REPEAT.value:
            raw = _raw_children(item)
            columns[key] = {child["key"] for _, child in raw if isinstance(child.get("key"), str)}
            known |= {f"{key}.{sibling}" for sibling in columns[key]}
    return known, columns


def _check_references(
    reader: _Reader, items: list[Any], fields: list[tuple[int, FieldSchema]]
) -> None:
    known, columns = _known_names(items)
    located = _located(items, fields)
    choices = {field.key: set(field.choice_values) for _, field, _ in located if field.choices}
    for path, field, group in located:
        names = known | (columns.get(group.key, set()) if group else set())
        for name in EXPRESSION_PROPERTIES:
            expression = field.expression(name)
            if expression is None:
                continue
            errors = (
                check_references(expression, names)
                + _loose_tables(expression, set(columns))
                + _unknown_choices(expression, choices)
            )
            for error in errors:
                reader.errors.append(replace(error, field=field.key, path=f"{path}.{name}"))


def _loose_tables(expression: Expression, repeats: set[str]) -> list[EngineError]:
    """References to a repeat or its column outside an aggregate function."""
    aggregated = expression.aggregated()
    return [
        EngineError.of(ErrorCode.EXPR_NOT_AGGREGATED, position=pos, name=key)
        for key, pos in expression.references()
        if key.split(".")[0] in repeats and pos not in aggregated
    ]


def _unknown_choices(expression: Expression, choices: dict[str, set[str]]) -> list[EngineError]:
    """``selected(f, 'v')`` where ``f`` is a choice field without the value ``v``."""
    return [
        EngineError.of(ErrorCode.EXPR_UNKNOWN_CHOICE, position=pos, name=key, value=value)
        for key, value, pos in expression.selections()
        if key in choices and value not in choices[key]
    ]


def _check_weights(reader: _Reader, fields: list[FieldSchema]) -> None:
    weights = [field.indicator.weight for field in fields if field.indicator is not None]
    total = sum(weights, Decimal(0))
    if weights and abs(total - WEIGHT_TOTAL) > WEIGHT_TOLERANCE:
        reader.fail(ErrorCode.WEIGHTS_NOT_100, "fields", total=plain_number(total))


def _needed(field: FieldSchema) -> list[str]:
    """Keys the field's value or visibility uses; ``group.child`` stands for ``group``."""
    return [
        name.split(".")[0]
        for prop in ("relevant", "calculate")
        if (expression := field.expression(prop)) is not None
        for name, _ in expression.references()
    ]


def _dependencies(fields: list[FieldSchema]) -> dict[str, list[str]]:
    """Keys each field's value or visibility depends on (calculate, relevant, section);
    a repeat depends on its columns, so they and what they use come before it."""
    graph: dict[str, list[str]] = {}
    section = None
    for field in fields:
        for child in field.fields:
            graph.setdefault(child.key, []).extend(_needed(child))
        graph.setdefault(field.key, [])
        graph[field.key] += ([section] if section else []) + _needed(field)
        graph[field.key] += [child.key for child in field.fields]
        section = field.key if field.type is FieldType.SECTION else section
    return graph


class _Ordering:
    """Depth-first topological sort that records the cycles it meets."""

    def __init__(self, graph: Mapping[str, list[str]]) -> None:
        self.graph = graph
        self.state: dict[str, str] = {}
        self.stack: list[str] = []
        self.order: list[str] = []
        self.cycles: list[list[str]] = []

    def run(self) -> _Ordering:
        for key in self.graph:
            self.visit(key)
        return self

    def visit(self, key: str) -> None:
        if key not in self.graph or self.state.get(key) == "done":
            return
        if self.state.get(key) == "active":
            self.cycles.append([*self.stack[self.stack.index(key) :], key])
            return
        self.state[key] = "active"
        self.stack.append(key)
        for dependency in self.graph[key]:
            self.visit(dependency)
        self.stack.pop()
        self.state[key] = "done"
        self.order.append(key)


def _evaluation_order(reader: _Reader, fields: list[FieldSchema]) -> tuple[str, ...]:
    ordering = _Ordering(_dependencies(fields)).run()
    for cycle in ordering.cycles:
        reader.fail(ErrorCode.CALC_CYCLE, "fields", cycle[0], keys=" → ".join(cycle))
    return tuple(ordering.order)


def _read_fields(reader: _Reader, data: Mapping[str, Any]) -> list[FieldSchema]:
    items = reader.listing(data.get("fields", []), "fields")
    if not items:
        reader.fail(ErrorCode.NO_FIELDS, "fields")
    if len(items) + sum(len(_raw_children(item)) for item in items) > MAX_FIELDS:
        reader.fail(ErrorCode.TOO_MANY_FIELDS, "fields", max=MAX_FIELDS)
        return []
    parsed = [
        (index, _read_field(reader, item, f"fields[{index}]")) for index, item in enumerate(items)
    ]
    fields = [(index, field) for index, field in parsed if field is not None]
    _check_duplicates(reader, items)
    _check_references(reader, items, fields)
    return [field for _, field in fields]


def _read_code(reader: _Reader, data: Mapping[str, Any]) -> str | None:
    code = data.get("code")
    if not isinstance(code, str) or not CODE_RE.fullmatch(code):
        reader.fail(ErrorCode.INVALID_CODE, "code")
        return None
    return code


def _read_form(reader: _Reader, data: Any) -> FormSchema | None:
    if not isinstance(data, dict):
        reader.wrong(ROOT, _l("an object"))
        return None
    reader.properties(data, ROOT, FORM_PROPERTIES)
    code = _read_code(reader, data)
    title = reader.local_text(data.get("title"), "title", ErrorCode.MISSING_TITLE)
    description = reader.optional_text(data, "description", ROOT)
    fields = _read_fields(reader, data)
    _check_weights(reader, fields)
    order = _evaluation_order(reader, fields)
    if reader.errors or code is None or title is None:
        return None
    return FormSchema(code, title, tuple(fields), description, order)


def check_definition(data: Any) -> list[EngineError]:
    """Every problem of a definition (empty when it is valid)."""
    reader = _Reader(data)
    _read_form(reader, data)
    return reader.errors


def parse_definition(data: Any) -> FormSchema:
    """The schema of a definition; raise :class:`DefinitionError` listing all problems."""
    reader = _Reader(data)
    schema = _read_form(reader, data)
    if schema is None:
        raise DefinitionError(reader.errors)
    return schema
