"""Hypothesis strategies over the form definition format (shared by the property tests)."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from forms.definition import RESERVED_KEYS
from forms.schema import Aspect, FieldType, IndicatorGroup, Polarity

NUMERIC = [FieldType.INTEGER.value, FieldType.DECIMAL.value, FieldType.PERCENT.value]
TYPES = [member.value for member in FieldType if member is not FieldType.REPEAT]
COLUMN_TYPES = [kind for kind in TYPES if kind not in ("section", "evidence")]
PROPERTIES = [
    "key", "type", "label", "help", "required", "min", "max", "pattern", "constraint",
    "constraint_message", "relevant", "calculate", "default", "choices", "indicator", "fields",
    "bogus",
]  # fmt: skip

# Printable text: no control characters but tab and newline; sometimes surrounding blanks.
texts = st.text(
    st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("\t\n"), max_size=30
)
labels = st.fixed_dictionaries({"id": texts.filter(str.strip)}, optional={"en": texts})
keys = st.from_regex(r"[a-z][a-z0-9]{0,7}", fullmatch=True).filter(
    lambda key: key not in RESERVED_KEYS
)
numbers = st.integers(-1000, 1000) | st.floats(-1e6, 1e6, allow_nan=False).map(
    lambda value: round(value, 3)
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=10,
)


def _choices(draw: st.DrawFn) -> list[dict[str, Any]]:
    values = draw(st.lists(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,5}", fullmatch=True),
                           min_size=1, max_size=4, unique=True))  # fmt: skip
    return [{"value": value, "label": draw(labels)} for value in values]


def _aggregates(earlier: list[dict[str, Any]]) -> list[str]:
    """Aggregates over the numeric columns of earlier repeats, and their row counts."""
    repeats = [item for item in earlier if item["type"] == "repeat"]
    return [f"count({item['key']})" for item in repeats] + [
        f"sum({item['key']}.{child['key']})"
        for item in repeats
        for child in item["fields"]
        if child["type"] in NUMERIC
    ]


def _field(
    draw: st.DrawFn, key: str, earlier: list[dict[str, Any]], types: list[str] = TYPES
) -> dict[str, Any]:
    kind = draw(st.sampled_from(types))
    field: dict[str, Any] = {"key": key, "type": kind, "label": draw(labels)}
    if draw(st.booleans()):
        field["help"] = draw(labels)
    if kind != "section" and draw(st.booleans()):
        field["required"] = draw(st.booleans())
    values = [item for item in earlier if item["type"] != "section"]
    if values and draw(st.booleans()):
        field["relevant"] = f"count({draw(st.sampled_from(values))['key']}) > 0"
    if kind in NUMERIC:
        numeric = [item["key"] for item in earlier if item["type"] in NUMERIC]
        _numeric(draw, field, numeric + _aggregates(earlier))
    elif kind in ("text", "textarea"):
        _textual(draw, field)
    elif kind in ("select", "multiselect"):
        field["choices"] = _choices(draw)
        if draw(st.booleans()):
            first = field["choices"][0]["value"]
            field["default"] = [first] if kind == "multiselect" else first
    elif kind == "boolean" and draw(st.booleans()):
        field["default"] = draw(st.booleans())
    elif kind == "date" and draw(st.booleans()):
        field["default"] = draw(st.dates()).isoformat()
    return field


def _numeric(draw: st.DrawFn, field: dict[str, Any], earlier: list[str]) -> None:
    low, high = sorted([draw(st.integers(-100, 100)), draw(st.integers(-100, 100))])
    if draw(st.booleans()):
        field["min"] = low
    if draw(st.booleans()):
        field["max"] = high
    if earlier and draw(st.booleans()):
        other = draw(st.sampled_from(earlier))
        field["calculate"] = draw(st.sampled_from([f"{other} * 2", f"{other} / 3", "1 + 1"]))
    else:
        if draw(st.booleans()):
            field["constraint"] = f"{field['key']} >= 0"
            field["constraint_message"] = draw(labels)
        if field["type"] == "integer" and draw(st.booleans()):
            field["default"] = draw(st.integers(-5, 5))


def _textual(draw: st.DrawFn, field: dict[str, Any]) -> None:
    if draw(st.booleans()):
        field["max"] = draw(st.integers(1, 50))
    if draw(st.booleans()):
        field["pattern"] = draw(st.sampled_from(["[0-9]{18}", "[A-Z]+-[0-9]+", "=.*"]))
    if draw(st.booleans()):
        field["default"] = draw(texts.filter(str.strip))


def _indicators(draw: st.DrawFn, fields: list[dict[str, Any]]) -> None:
    numeric = [field for field in fields if field["type"] in NUMERIC]
    chosen = draw(st.lists(st.sampled_from(numeric), unique_by=id, max_size=4)) if numeric else []
    weights = [draw(st.integers(1, 20)) for _ in chosen[1:]]
    for field, weight in zip(chosen, [100 - sum(weights), *weights], strict=False):
        field["indicator"] = {
            "group": draw(st.sampled_from([member.value for member in IndicatorGroup])),
            "aspect": draw(st.sampled_from([member.value for member in Aspect])),
            "target": abs(draw(numbers)),
            "polarity": draw(st.sampled_from([member.value for member in Polarity])),
            "weight": weight,
        }
        for name, value in (("unit", draw(texts)), ("parent", draw(texts)), ("rhk", draw(labels))):
            if draw(st.booleans()):
                field["indicator"][name] = value


def _repeat(draw: st.DrawFn, key: str, column_keys: list[str]) -> dict[str, Any]:
    columns: list[dict[str, Any]] = []
    for column_key in column_keys:
        columns.append(_field(draw, column_key, columns, COLUMN_TYPES))
    field = {"key": key, "type": "repeat", "label": draw(labels), "fields": columns}
    low, high = sorted([draw(st.integers(0, 5)), draw(st.integers(0, 5))])
    for name, value in (("min", low), ("max", high), ("required", draw(st.booleans()))):
        if draw(st.booleans()):
            field[name] = value
    return field


@st.composite
def definitions(draw: st.DrawFn) -> dict[str, Any]:
    """Valid definitions (before normalisation), sometimes with repeats."""
    fields: list[dict[str, Any]] = []
    pool = draw(st.lists(keys, min_size=1, max_size=10, unique=True))
    while pool:
        key = pool.pop(0)
        if pool and draw(st.integers(0, 4)) == 0:
            count = draw(st.integers(1, min(3, len(pool))))
            fields.append(_repeat(draw, key, pool[:count]))
            pool = pool[count:]
        else:
            fields.append(_field(draw, key, fields))
    _indicators(draw, fields)
    definition = {
        "code": draw(st.from_regex(r"[A-Z0-9][A-Z0-9_-]{1,10}", fullmatch=True)),
        "title": draw(labels),
        "fields": fields,
    }
    if draw(st.booleans()):
        definition["description"] = draw(labels)
    return definition


@st.composite
def damaged_definitions(draw: st.DrawFn) -> Any:
    """Valid definitions with random properties replaced by garbage, or plain garbage."""
    if draw(st.integers(0, 9)) == 0:
        return draw(json_values)
    definition = draw(definitions())
    targets = [definition, *definition["fields"]]
    for _ in range(draw(st.integers(1, 4))):
        target = draw(st.sampled_from(targets))
        names = ["code", "title", "description", "fields"] if target is definition else PROPERTIES
        target[draw(st.sampled_from(names))] = draw(json_values | st.sampled_from(TYPES))
    return definition


def answers(
    field_keys: list[str], tables: dict[str, list[str]] | None = None
) -> st.SearchStrategy[dict[str, Any]]:
    """Random raw answers: junk values for the schema's keys and for unknown keys, and for
    each repeat of ``tables`` ({repeat key: column keys}) sometimes rows of junk."""
    junk = json_values | st.sampled_from(["", " ", "1,5", "2024-02-30", "https://x.id", "a"])
    key_strategy = st.sampled_from(field_keys) | st.text(max_size=5) if field_keys else st.text()
    rows = {
        key: st.lists(
            st.dictionaries(st.sampled_from(columns) | st.text(max_size=3), junk), max_size=4
        )
        for key, columns in (tables or {}).items()
    }
    return st.tuples(
        st.dictionaries(key_strategy, junk, max_size=10),
        st.fixed_dictionaries({}, optional=rows),
    ).map(lambda parts: parts[0] | parts[1])
