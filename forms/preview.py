"""A live preview of a definition that is still being edited.

While some fields have errors, the preview leaves those fields out (with the fields whose
expressions depend on them), shows their errors in their place, and keeps the rest of the
form live. Form-level problems (a missing code or title, weights that do not total 100)
never stop a preview.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from forms.definition import CODE_RE, WEIGHT_TOTAL, check_definition, parse_definition
from forms.errors import EngineError, ErrorCode
from forms.schema import FormSchema

_FIELD_RE = re.compile(r"fields\[(\d+)\]")
PLACEHOLDER_CODE = "PREVIEW"


@dataclass(frozen=True)
class Broken:
    """A field left out of the preview, where it stood, and why."""

    index: int
    key: str
    label: str
    errors: tuple[EngineError, ...]


@dataclass(frozen=True)
class Preview:
    """The schema of the fields that work, in order, and the fields left out."""

    schema: FormSchema | None
    broken: tuple[Broken, ...]
    kept: tuple[int, ...]  # the original index of each field of `schema`

    def items(self) -> list[tuple[str, Any]]:
        """("field", FieldSchema) and ("broken", Broken) in the definition's order."""
        fields = dict(zip(self.kept, self.schema.fields if self.schema else (), strict=True))
        broken = {item.index: item for item in self.broken}
        return [
            ("field", fields[i]) if i in fields else ("broken", broken[i])
            for i in sorted([*fields, *broken])
        ]


def _index(error: EngineError) -> int | None:
    match = _FIELD_RE.match(error.path or "")
    return int(match.group(1)) if match else None


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


def preview(data: Any) -> Preview:
    """The previewable part of `data` (a definition dict, valid or not)."""
    if not isinstance(data, dict) or not isinstance(data.get("fields"), list):
        return Preview(None, (), ())
    candidate = _form_level_fixed(data)
    items = [copy.deepcopy(item) for item in data["fields"]]
    positions = list(range(len(items)))
    broken: dict[int, list[EngineError]] = {}
    for _ in range(len(items) + 2):
        if not items:
            break
        candidate["fields"] = items
        errors = check_definition(candidate)
        if not errors:
            break
        bad = {_index(error) for error in errors} - {None}
        if not bad:
            if any(error.code == ErrorCode.WEIGHTS_NOT_100 for error in errors):
                _even_weights(items)
                continue
            return Preview(None, (), ())
        for error in errors:
            if _index(error) in bad:
                broken.setdefault(positions[_index(error)], []).append(error)
        items = [item for i, item in enumerate(items) if i not in bad]
        positions = [p for i, p in enumerate(positions) if i not in bad]
    else:
        return Preview(None, (), ())
    schema = parse_definition(candidate) if items else None
    left_out = tuple(
        Broken(index, _key(data["fields"][index]), _label(data["fields"][index]), tuple(errors))
        for index, errors in sorted(broken.items())
    )
    return Preview(schema, left_out, tuple(positions) if schema else ())
