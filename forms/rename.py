"""Renaming a field key: the expressions of the other fields that use it, before and after.

A repeat's key and a column's key are renamed in ``group.column`` references too."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from forms.expressions import ExpressionError, tokenize
from forms.schema import EXPRESSION_PROPERTIES


@dataclass(frozen=True)
class Rewrite:
    """One expression that names the old key, and the same expression with the new one;
    ``column`` is the place of a repeat's column in the repeat at ``index``."""

    index: int
    key: str
    property: str
    before: str
    after: str
    column: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "column": self.column,
            "key": self.key,
            "property": self.property,
            "before": self.before,
            "after": self.after,
        }


def rename_in_expression(source: str, old: str, new: str) -> str:
    """`source` with every reference to `old` (bare, ``${old}``, or a part of
    ``group.column``) naming `new` instead."""
    try:
        tokens = tokenize(source)
    except ExpressionError:
        return source
    out, last = [], 0
    for index, token in enumerate(tokens[:-1]):
        is_call = tokens[index + 1].text == "("
        parts = token.text.split(".")
        if token.kind != "name" or old not in parts or is_call:
            continue
        renamed = ".".join(new if part == old else part for part in parts)
        if source.startswith("$", token.pos):
            spelled = re.compile(r"\$\{\s*" + re.escape(token.text) + r"\s*\}")
            end, replacement = spelled.match(source, token.pos).end(), "${" + renamed + "}"
        else:
            end, replacement = token.pos + len(token.text), renamed
        out.append(source[last : token.pos] + replacement)
        last = end
    return "".join(out) + source[last:]


def rewrites(definition: Any, old: str, new: str) -> list[Rewrite]:
    """Every expression of `definition` that uses `old`, rewritten to use `new`."""
    fields = definition.get("fields") if isinstance(definition, dict) else None
    if not isinstance(fields, list) or not old or not new or old == new:
        return []
    found = []
    for index, column, field in _fields(fields):
        for name in EXPRESSION_PROPERTIES:
            source = field.get(name)
            if (
                isinstance(source, str)
                and (after := rename_in_expression(source, old, new)) != source
            ):
                key = str(field.get("key") or "")
                found.append(Rewrite(index, key, name, source, after, column))
    return found


def _fields(fields: list[Any]) -> Iterator[tuple[int, int | None, dict[str, Any]]]:
    """Every field object with its index, a repeat's columns after it with their place."""
    for index, field in enumerate(fields):
        if not isinstance(field, dict):
            continue
        yield index, None, field
        columns = field.get("fields") if field.get("type") == "repeat" else None
        for column, child in enumerate(columns if isinstance(columns, list) else ()):
            if isinstance(child, dict):
                yield index, column, child
