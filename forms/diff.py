"""Differences between two versions of a form definition (for change history/review).

Valid definitions are compared in their normalised form, so formatting-only differences
(e.g. ``"required": false`` versus no ``required``) are not reported. Nested objects
(labels, indicator) are compared property by property, with dotted paths such as
``label.en`` or ``indicator.target``; lists (choices) are compared as a whole. The
columns of a repeat are compared like fields, as targets ``group.column`` (added,
removed, changed, moved among the repeat's columns).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from forms.definition import parse_definition
from forms.errors import DefinitionError

FORM_TARGET = "form"


class ChangeKind(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"
    MOVED = "moved"


@dataclass(frozen=True)
class Change:
    """One difference; ``target`` is a field key, ``group.column`` or ``"form"``."""

    kind: ChangeKind
    target: str
    property: str | None = None
    old: Any = None
    new: Any = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "target": self.target,
            "property": self.property,
            "old": self.old,
            "new": self.new,
        }


def _normalised(definition: Any) -> dict[str, Any]:
    try:
        return parse_definition(definition).to_dict()
    except DefinitionError:
        return definition if isinstance(definition, dict) else {}


def _keyed(items: Any, prefix: str = "") -> dict[str, dict[str, Any]]:
    if not isinstance(items, list):
        return {}
    return {
        prefix + item["key"]: item
        for item in items
        if isinstance(item, dict) and isinstance(item.get("key"), str)
    }


def _fields(definition: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Fields by target; a repeat without its columns, its columns after it."""
    found: dict[str, dict[str, Any]] = {}
    for key, item in _keyed(definition.get("fields")).items():
        if item.get("type") != "repeat":
            found[key] = item
            continue
        found[key] = {name: value for name, value in item.items() if name != "fields"}
        found |= _keyed(item.get("fields"), f"{key}.")
    return found


def _siblings(targets: list[str]) -> dict[str, list[str]]:
    """Targets by the repeat they belong to (``""`` for the form's own fields)."""
    groups: dict[str, list[str]] = {}
    for target in targets:
        groups.setdefault(target.rpartition(".")[0], []).append(target)
    return groups


def _property_changes(target: str, old: Any, new: Any, prefix: str = "") -> list[Change]:
    """Changed properties of two objects, descending into nested objects."""
    changes: list[Change] = []
    for name in [*old, *(key for key in new if key not in old)]:
        before, after = old.get(name), new.get(name)
        path = f"{prefix}{name}"
        if isinstance(before, dict) and isinstance(after, dict):
            changes += _property_changes(target, before, after, f"{path}.")
        elif before != after:
            changes.append(Change(ChangeKind.CHANGED, target, path, before, after))
    return changes


def _moves(old: list[str], new: list[str]) -> list[Change]:
    common = set(old) & set(new)
    old_order = [key for key in old if key in common]
    new_order = [key for key in new if key in common]
    return [
        Change(ChangeKind.MOVED, key, None, old_order.index(key), position)
        for position, key in enumerate(new_order)
        if old_order[position] != key
    ]


def diff_definitions(old: Any, new: Any) -> list[Change]:
    """Changes from ``old`` to ``new``: form properties, then added, removed, changed and
    moved fields (positions relative to the fields both versions share)."""
    before, after = _normalised(old), _normalised(new)
    form_before = {name: value for name, value in before.items() if name != "fields"}
    form_after = {name: value for name, value in after.items() if name != "fields"}
    changes = _property_changes(FORM_TARGET, form_before, form_after)
    old_fields, new_fields = _fields(before), _fields(after)
    changes += [
        Change(ChangeKind.ADDED, key, None, None, field)
        for key, field in new_fields.items()
        if key not in old_fields
    ]
    changes += [
        Change(ChangeKind.REMOVED, key, None, field, None)
        for key, field in old_fields.items()
        if key not in new_fields
    ]
    for key in (key for key in new_fields if key in old_fields):
        changes += _property_changes(key, old_fields[key], new_fields[key])
    old_groups, new_groups = _siblings(list(old_fields)), _siblings(list(new_fields))
    for group, targets in new_groups.items():
        changes += _moves(old_groups.get(group, []), targets)
    return changes
