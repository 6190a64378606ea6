"""Loader of the reference data: ranks, BerAKHLAK values, units and the example regency goals
(`seeds.regency_goals`); adds only what is missing.

Rows are matched by natural key (Rank: status + golongan; BehaviourValue and Unit: code) and
created when missing. Existing rows are never changed or deleted: once loaded, the data
belongs to HR, and re-running set-up must not undo its edits. Units carry the seed's
provenance flags (``unconfirmed``, ``example``) until HR confirms them. The caller owns the
transaction: the loader flushes but does not commit.
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
from seeds.regency_goals import load_regency_goals

UNIT_FIELDS = ("name", "short_name", "kind")
PROVENANCE_FLAGS = ("unconfirmed", "example")


def load_reference(session: Session) -> dict[str, int]:
    """Add missing ranks, BerAKHLAK values and units; return counts such as ``units_created``."""
    counts: Counter[str] = Counter()
    _load_ranks(session, counts)
    _load_behaviour_values(session, counts)
    _load_units(session, counts)
    counts.update(load_regency_goals(session))
    session.flush()
    return dict(counts)


def _add_missing(session: Session, model: type, key: dict[str, Any], values: dict[str, Any]):
    """The new `model` row for `key`, or None when one exists already (left as it is)."""
    if session.scalars(select(model).filter_by(**key)).first() is not None:
        return None
    row = model(**key, **values)
    session.add(row)
    return row


def _count(counts: Counter[str], table: str, row) -> None:
    if row is not None:
        counts[f"{table}_created"] += 1


def _load_ranks(session: Session, counts: Counter[str]) -> None:
    for status in EmploymentStatus:
        for rank in ranks(status.value):
            key = {"status": rank.status, "golongan": rank.golongan}
            values = {"pangkat": rank.pangkat, "position": rank.position}
            _count(counts, "ranks", _add_missing(session, Rank, key, values))


def _load_behaviour_values(session: Session, counts: Counter[str]) -> None:
    for item in read_yaml("berakhlak.yaml"):
        values = {
            "position": item["position"],
            "name": item["name"],
            "behaviours": "\n".join(item["behaviours"]),
        }
        row = _add_missing(session, BehaviourValue, {"code": item["code"]}, values)
        _count(counts, "behaviour_values", row)


def _load_units(session: Session, counts: Counter[str]) -> None:
    """Add the missing units, then point the new ones at their parents by code."""
    items = read_yaml("units.yaml")
    created: dict[str, Unit] = {}
    for item in items:
        values = {field: item[field] for field in UNIT_FIELDS}
        values["kind"] = UnitKind(values["kind"]).value
        values.update({flag: bool(item.get(flag)) for flag in PROVENANCE_FLAGS})
        if unit := _add_missing(session, Unit, {"code": item["code"]}, values):
            created[item["code"]] = unit
            _count(counts, "units", unit)
    session.flush()
    by_code = {unit.code: unit for unit in session.scalars(select(Unit))}
    for item in items:
        if item["code"] in created:
            created[item["code"]].parent_id = _parent_id(by_code, item)


def _parent_id(by_code: dict[str, Unit], item: dict[str, Any]) -> int | None:
    parent_code = item.get("parent")
    if parent_code is not None and parent_code not in by_code:
        raise ValueError(f"unit {item['code']}: unknown parent {parent_code!r}")
    return by_code[parent_code].id if parent_code else None
