"""Renaming a field key: the expressions of the other fields that use it, before and after."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from forms.expressions import ExpressionError, tokenize
from forms.schema import EXPRESSION_PROPERTIES


@dataclass(frozen=True)
class Rewrite:
    """One expression that names the old key, and the same expression with the new one."""

    index: int
    key: str
    property: str
    before: str
    after: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "key": self.key,
            "property": self.property,
            "before": self.before,
            "after": self.after,
        }


def rename_in_expression(source: str, old: str, new: str) -> str:
    """`source` with every reference to `old` (bare or ``${old}``) naming `new` instead."""
    try:
        tokens = tokenize(source)
    except ExpressionError:
        return source
    out, last = [], 0
    for index, token in enumerate(tokens[:-1]):
        is_call = tokens[index + 1].text == "("
        if token.kind != "name" or token.text != old or is_call:
            continue
        if source.startswith("$", token.pos):
            end = re.compile(r"\$\{\s*" + re.escape(old) + r"\s*\}").match(source, token.pos).end()
            replacement = "${" + new + "}"
        else:
            end, replacement = token.pos + len(old), new
        out.append(source[last : token.pos] + replacement)
        last = end
    return "".join(out) + source[last:]


def rewrites(definition: Any, old: str, new: str) -> list[Rewrite]:
    """Every expression of `definition` that uses `old`, rewritten to use `new`."""
    fields = definition.get("fields") if isinstance(definition, dict) else None
    if not isinstance(fields, list) or not old or not new or old == new:
        return []
    found = []
    for index, field in enumerate(fields):
        if not isinstance(field, dict):
            continue
        for name in EXPRESSION_PROPERTIES:
            source = field.get(name)
            if (
                isinstance(source, str)
                and (after := rename_in_expression(source, old, new)) != source
            ):
                found.append(Rewrite(index, str(field.get("key") or ""), name, source, after))
    return found
