"""Idempotent loader of the reference data: ranks, BerAKHLAK values and units.

Rows are matched by natural key (Rank: status + golongan; BehaviourValue and Unit: code),
created when missing and updated when changed; nothing is ever deleted. The caller owns
the transaction: the loader flushes but does not commit.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.ranks import ranks
from app.models import BehaviourValue, Rank, Unit
from app.models.types import EmploymentStatus, UnitKind
from seeds import read_yaml

UNIT_FIELDS = ("name", "short_name", "kind")


def load_reference(session: Session) -> dict[str, int]:
    """Upsert ranks, BerAKHLAK values and units; return counts such as ``units_created``."""
    counts: Counter[str] = Counter()
    _load_ranks(session, counts)
    _load_behaviour_values(session, counts)
    _load_units(session, counts)
    session.flush()
    return dict(counts)


def _upsert(session: Session, model: type, key: dict[str, Any], values: dict[str, Any]) -> str:
    """Find the `model` row by `key` and set `values`; return "created", "updated" or ""."""
    row = session.scalars(select(model).filter_by(**key)).one_or_none()
    if row is None:
        row = model(**key, **values)
        session.add(row)
        return "created"
    changed = {name: value for name, value in values.items() if getattr(row, name) != value}
    for name, value in changed.items():
        setattr(row, name, value)
    return "updated" if changed else ""


def _count(counts: Counter[str], table: str, outcome: str) -> None:
    if outcome:
        counts[f"{table}_{outcome}"] += 1


def _load_ranks(session: Session, counts: Counter[str]) -> None:
    for status in EmploymentStatus:
        for rank in ranks(status.value):
            key = {"status": rank.status, "golongan": rank.golongan}
            values = {"pangkat": rank.pangkat, "position": rank.position}
            _count(counts, "ranks", _upsert(session, Rank, key, values))


def _load_behaviour_values(session: Session, counts: Counter[str]) -> None:
    for item in read_yaml("berakhlak.yaml"):
        values = {
            "position": item["position"],
            "name": item["name"],
            "behaviours": "\n".join(item["behaviours"]),
        }
        outcome = _upsert(session, BehaviourValue, {"code": item["code"]}, values)
        _count(counts, "behaviour_values", outcome)


def _load_units(session: Session, counts: Counter[str]) -> None:
    """Upsert the units, then resolve their parents by code in a second pass."""
    items = read_yaml("units.yaml")
    outcomes: dict[str, str] = {}
    for item in items:
        values = {field: item[field] for field in UNIT_FIELDS}
        values["kind"] = UnitKind(values["kind"]).value
        outcomes[item["code"]] = _upsert(session, Unit, {"code": item["code"]}, values)
    session.flush()
    by_code = {unit.code: unit for unit in session.scalars(select(Unit))}
    for item in items:
        if _set_parent(by_code, item) and not outcomes[item["code"]]:
            outcomes[item["code"]] = "updated"
    for outcome in outcomes.values():
        _count(counts, "units", outcome)


def _set_parent(by_code: dict[str, Unit], item: dict[str, Any]) -> bool:
    """Point the unit of `item` at its parent; True if that changed it."""
    parent_code = item.get("parent")
    if parent_code is not None and parent_code not in by_code:
        raise ValueError(f"unit {item['code']}: unknown parent {parent_code!r}")
    unit = by_code[item["code"]]
    parent_id = by_code[parent_code].id if parent_code else None
    if unit.parent_id == parent_id:
        return False
    unit.parent_id = parent_id
    return True
