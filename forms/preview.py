"""A live preview of a definition that is still being edited.

While some fields have errors, the preview leaves those fields out (with the fields whose
expressions depend on them), shows their errors in their place, and keeps the rest of the
form live. A repeat's broken columns are left out of the repeat the same way (a repeat
left without columns is broken itself). Form-level problems (a missing code or title,
weights that do not total 100) never stop a preview.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from forms.definition import CODE_RE, WEIGHT_TOTAL, check_definition, parse_definition
from forms.errors import EngineError, ErrorCode
from forms.schema import FormSchema

_FIELD_RE = re.compile(r"fields\[(\d+)\](?:\.fields\[(\d+)\])?")
PLACEHOLDER_CODE = "PREVIEW"


@dataclass(frozen=True)
class Broken:
    """A field left out of the preview, where it stood, and why; a repeat's column has the
    repeat's ``index`` and its own place among the columns as ``column``."""

    index: int
    key: str
    label: str
    errors: tuple[EngineError, ...]
    column: int | None = None


@dataclass(frozen=True)
class Preview:
    """The schema of the fields that work, in order, and the fields left out."""

    schema: FormSchema | None
    broken: tuple[Broken, ...]
    kept: tuple[int, ...]  # the original index of each field of `schema`
    kept_columns: Mapping[int, tuple[int, ...]] = field(default_factory=dict)  # per repeat

    def items(self) -> list[tuple[str, Any]]:
        """("field", FieldSchema) and ("broken", Broken) in the definition's order."""
        fields = dict(zip(self.kept, self.schema.fields if self.schema else (), strict=True))
        broken = {item.index: item for item in self.broken if item.column is None}
        return [
            ("field", fields[i]) if i in fields else ("broken", broken[i])
            for i in sorted([*fields, *broken])
        ]

    def columns(self, key: str) -> list[tuple[str, Any]]:
        """("field", column) and ("broken", Broken) of the repeat ``key``, in order."""
        index = self.kept[[item.key for item in self.schema.fields].index(key)]
        kept = self.kept_columns[index]
        fields = dict(zip(kept, self.schema.by_key[key].fields, strict=True))
        broken = {b.column: b for b in self.broken if b.index == index and b.column is not None}
        return [
            ("field", fields[i]) if i in fields else ("broken", broken[i])
            for i in sorted([*fields, *broken])
        ]


def _place(error: EngineError) -> tuple[int, int | None] | None:
    """(field index, column index or ``None``) of an error's definition path."""
    match = _FIELD_RE.match(error.path or "")
    if not match:
        return None
    return int(match[1]), int(match[2]) if match[2] is not None else None


def _key(item: Any) -> str:
    return str(item.get("key") or "") if isinstance(item, dict) else ""


def _label(item: Any) -> str:
    label = item.get("label") if isinstance(item, dict) else None
    if isinstance(label, dict):
        return str(label.get("id") or label.get("en") or "")
    return ""


def _form_level_fixed(data: dict[str, Any]) -> dict[str, Any]:
    """`data` with a usable code and title (the preview does not need the real ones)."""
    fixed = dict(data)
    if not isinstance(fixed.get("code"), str) or not CODE_RE.fullmatch(fixed["code"]):
        fixed["code"] = PLACEHOLDER_CODE
    title = fixed.get("title")
    if not isinstance(title, dict) or not str(title.get("id") or "").strip():
        fixed["title"] = {"id": "—"}
    return fixed


def _even_weights(fields: list[Any]) -> None:
    """Share 100 among the indicators, so the weight total never blocks the preview."""
    indicators = [
        field["indicator"]
        for field in fields
        if isinstance(field, dict) and isinstance(field.get("indicator"), dict)
    ]
    if not indicators:
        return
    share = (WEIGHT_TOTAL / len(indicators)).quantize(Decimal("0.01"))
    for indicator in indicators:
        indicator["weight"] = float(share)
    indicators[-1]["weight"] = float(WEIGHT_TOTAL - share * (len(indicators) - 1))


class _Working:
    """The fields (and repeat columns) still in the preview, with their original places."""

    def __init__(self, fields: list[Any]) -> None:
        self.items = [copy.deepcopy(item) for item in fields]
        self.positions = list(range(len(self.items)))
        self.columns = {
            index: list(range(len(item["fields"])))
            for index, item in enumerate(self.items)
            if _columns(item) is not None
        }
        self.broken: dict[tuple[int, int | None], list[EngineError]] = {}

    def leave_out(self, errors: list[EngineError]) -> bool:
        """Leave out the fields and columns with errors; whether there were any."""
        places = {place for error in errors if (place := _place(error)) is not None}
        fields = {index for index, column in places if column is None}
        for error in errors:
            if (place := _place(error)) is not None:  # a left-out repeat takes its columns' errors
                column = None if place[0] in fields else place[1]
                self.broken.setdefault(self.original(place[0], column), []).append(error)
        for index in {index for index, column in places if index not in fields}:
            columns = {column for i, column in places if i == index}
            item, original = self.items[index], self.columns[self.positions[index]]
            item["fields"] = [c for i, c in enumerate(item["fields"]) if i not in columns]
            original[:] = [p for i, p in enumerate(original) if i not in columns]
        self.items = [item for i, item in enumerate(self.items) if i not in fields]
        self.positions = [p for i, p in enumerate(self.positions) if i not in fields]
        return bool(places)

    def original(self, index: int, column: int | None) -> tuple[int, int | None]:
        position = self.positions[index]
        return position, None if column is None else self.columns[position][column]


def _columns(item: Any) -> list[Any] | None:
    columns = item.get("fields") if isinstance(item, dict) else None
    return columns if isinstance(columns, list) and item.get("type") == "repeat" else None


def _broken(data: dict[str, Any], place: tuple[int, int | None], errors: list) -> Broken:
    item = data["fields"][place[0]]
    if place[1] is not None:
        item = item["fields"][place[1]]
    return Broken(place[0], _key(item), _label(item), tuple(errors), place[1])


def preview(data: Any) -> Preview:
    """The previewable part of `data` (a definition dict, valid or not)."""
    if not isinstance(data, dict) or not isinstance(data.get("fields"), list):
        return Preview(None, (), ())
    candidate = _form_level_fixed(data)
    working = _Working(data["fields"])
    for _ in range(len(working.items) + sum(map(len, working.columns.values())) + 2):
        if not working.items:
            break
        candidate["fields"] = working.items
        errors = check_definition(candidate)
        if not errors:
            break
        if not working.leave_out(errors):
            if any(error.code == ErrorCode.WEIGHTS_NOT_100 for error in errors):
                _even_weights(working.items)
                continue
            return Preview(None, (), ())
    else:
        return Preview(None, (), ())
    schema = parse_definition(candidate) if working.items else None
    places = sorted(
        working.broken, key=lambda place: (place[0], -1 if place[1] is None else place[1])
    )
    left_out = tuple(_broken(data, place, working.broken[place]) for place in places)
    if schema is None:
        return Preview(None, left_out, ())
    kept_columns = {p: tuple(working.columns[p]) for p in working.positions if p in working.columns}
    return Preview(schema, left_out, tuple(working.positions), kept_columns)
