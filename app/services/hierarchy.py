"""Consistency of the closure tables with the parent columns (`flask scope check`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import except_, func, select

from app.extensions import db
from app.models.hierarchy import COLUMNS, HIERARCHIES, Hierarchy, expected_rows, rebuild


@dataclass
class Finding:
    """What one closure table gets wrong: rows missing, rows too many, nodes in a cycle."""

    hierarchy: str
    rows: int = 0
    missing: list[tuple] = field(default_factory=list)
    extra: list[tuple] = field(default_factory=list)
    cycles: list[int] = field(default_factory=list)

    @property
    def consistent(self) -> bool:
        return not (self.missing or self.extra or self.cycles)


def _stored(hierarchy: Hierarchy):
    closure = hierarchy.closure
    return select(*(getattr(closure, c) for c in COLUMNS))


def _difference(first, second, limit: int) -> list[tuple]:
    rows = except_(first, second).subquery()
    return [tuple(r) for r in db.session.execute(select(rows).order_by(*rows.c).limit(limit))]


def inspect_hierarchy(hierarchy: Hierarchy, limit: int = 20) -> Finding:
    """Compare one closure table with what its parent column implies (at most `limit` each)."""
    expected = expected_rows(hierarchy)
    size = select(func.count()).select_from(hierarchy.closure)
    finding = Finding(hierarchy.name, rows=db.session.scalar(size))
    finding.missing = _difference(expected, _stored(hierarchy), limit)
    finding.extra = _difference(_stored(hierarchy), expected, limit)
    rows = expected.subquery()
    looped = select(rows.c.descendant_id).where(
        rows.c.ancestor_id == rows.c.descendant_id, rows.c.depth > 0
    )
    finding.cycles = list(db.session.scalars(looped.order_by(rows.c.descendant_id).limit(limit)))
    return finding


def check(repair: bool = False) -> list[Finding]:
    """Every hierarchy's findings; with `repair`, rebuild the inconsistent tables (committed).

    A cycle in the parents cannot be repaired here: the services refuse to make one, so a
    cycle means data changed behind their back and a person must break it.
    """
    findings = [inspect_hierarchy(h) for h in HIERARCHIES]
    if repair:
        for hierarchy, finding in zip(HIERARCHIES, findings, strict=True):
            if finding.missing or finding.extra:
                rebuild(db.session.connection(), hierarchy)
        db.session.commit()
    return findings
