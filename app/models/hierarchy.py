"""Closure tables of the two hierarchies: units (induk/sub-unit) and supervision (atasan).

A row (ancestor, descendant, depth) says `descendant` sits `depth` levels below
`ancestor`; every node is its own ancestor at depth 0. `app.scope` reads a unit subtree
or a supervisor's team with one index lookup instead of a recursive query.

The tables are derived data, kept in the same transaction as the change: a session
listener rebuilds the closure of every inserted or re-parented node's subtree after each
flush (ORM inserts, edits, imports, seeds), and code that bulk-inserts with Core calls
`rebuild` itself. `flask scope check` compares them with the parent columns.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_appbuilder import Model
from sqlalchemy import (
    ColumnElement,
    Connection,
    ForeignKey,
    Index,
    Integer,
    Select,
    and_,
    delete,
    event,
    func,
    insert,
    inspect,
    literal,
    select,
)
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column

from app.models.org import Employee, Unit

MAX_DEPTH = 64  # deeper chains are data errors (or cycles), not organisations


class _Closure:
    """The columns of a closure table over the table `_nodes`."""

    _nodes: str

    @declared_attr
    def ancestor_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey(f"{cls._nodes}.id", ondelete="CASCADE"), primary_key=True)

    @declared_attr
    def descendant_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey(f"{cls._nodes}.id", ondelete="CASCADE"), primary_key=True)

    depth: Mapped[int] = mapped_column(Integer, nullable=False)

    @declared_attr.directive
    def __table_args__(cls) -> tuple:
        return (Index(f"ix_{cls.__tablename__}_descendant", "descendant_id", "ancestor_id"),)


class UnitClosure(_Closure, Model):
    """A unit (ancestor) and a unit at or below it (descendant)."""

    __tablename__ = "unit_closure"
    _nodes = "units"


class SupervisorClosure(_Closure, Model):
    """A supervisor (ancestor, atasan) and an employee at or below them (descendant)."""

    __tablename__ = "supervisor_closure"
    _nodes = "employees"


@dataclass(frozen=True)
class Hierarchy:
    """A self-referencing model, its parent attribute and its closure table."""

    name: str
    model: type
    parent: str  # the parent foreign key column
    relationship: str  # the parent relationship
    closure: type

    @property
    def parent_column(self):
        return getattr(self.model, self.parent)


UNITS = Hierarchy("units", Unit, "parent_id", "parent", UnitClosure)
SUPERVISION = Hierarchy("supervision", Employee, "supervisor_id", "supervisor", SupervisorClosure)
HIERARCHIES = (UNITS, SUPERVISION)


def subtree(hierarchy: Hierarchy, roots=None) -> Select:
    """The ids of `roots` and every node under them by the parent column (None: every node).

    `roots` is a list of ids or a SELECT of ids.
    """
    model = hierarchy.model
    if roots is None:
        return select(model.id.label("id"))
    down = select(model.id).where(model.id.in_(roots)).cte("down", recursive=True)
    down = down.union(select(model.id).join(down, hierarchy.parent_column == down.c.id))
    return select(down.c.id.label("id"))


def expected_rows(hierarchy: Hierarchy, roots=None) -> Select:
    """The closure rows the parent column implies for `roots`' subtrees (None: every node).

    A cycle yields each pair once, at its shortest depth, and stops at MAX_DEPTH.
    """
    model = hierarchy.model
    start = subtree(hierarchy, roots).subquery()
    up = select(
        start.c.id.label("descendant_id"),
        start.c.id.label("ancestor_id"),
        literal(0).label("depth"),
    ).cte("up", recursive=True)
    up = up.union_all(
        select(up.c.descendant_id, hierarchy.parent_column, up.c.depth + 1)
        .join(model, model.id == up.c.ancestor_id)
        .where(hierarchy.parent_column.isnot(None), up.c.depth < MAX_DEPTH)
    )
    return select(
        up.c.ancestor_id.label("ancestor_id"),
        up.c.descendant_id.label("descendant_id"),
        func.min(up.c.depth).label("depth"),
    ).group_by(up.c.ancestor_id, up.c.descendant_id)


COLUMNS = ("ancestor_id", "descendant_id", "depth")


def rebuild(connection: Connection, hierarchy: Hierarchy, roots=None) -> None:
    """Rewrite the closure rows of `roots`' subtrees (None: the whole table) from the parents."""
    closure = hierarchy.closure
    stale = delete(closure)
    if roots is not None:
        stale = stale.where(closure.descendant_id.in_(subtree(hierarchy, roots)))
    connection.execute(stale)
    rows = expected_rows(hierarchy, roots).subquery()
    connection.execute(
        insert(closure).from_select(list(COLUMNS), select(*(rows.c[c] for c in COLUMNS)))
    )


def below(hierarchy: Hierarchy, node_id) -> Select:
    """The ids of `node_id` and every node under it (one index range of the closure)."""
    closure = hierarchy.closure
    return select(closure.descendant_id).where(closure.ancestor_id == node_id)


def is_below(hierarchy: Hierarchy, node_id: int, ancestor_id: int) -> ColumnElement:
    """Whether `node_id` is `ancestor_id` or sits under it."""
    closure = hierarchy.closure
    return and_(closure.ancestor_id == ancestor_id, closure.descendant_id == node_id)


# --- maintenance in the flush that makes the change ------------------------------------


def _moved(obj, hierarchy: Hierarchy) -> bool:
    state = inspect(obj)
    return any(
        state.attrs[name].history.has_changes()
        for name in (hierarchy.parent, hierarchy.relationship)
    )


@event.listens_for(Session, "before_flush")
def _orphans_of_deleted(session: Session, _context, _instances) -> None:
    """Children of deleted nodes lose their parent (SET NULL): rebuild them after the flush."""
    for hierarchy in HIERARCHIES:
        deleted = [o.id for o in session.deleted if isinstance(o, hierarchy.model)]
        if deleted:
            children = select(hierarchy.model.id).where(hierarchy.parent_column.in_(deleted))
            found = session.connection().scalars(children).all()
            session.info.setdefault(("hierarchy", hierarchy.name), set()).update(found)


@event.listens_for(Session, "after_flush")
def _maintain(session: Session, _context) -> None:
    """Rebuild the closure of every new, moved or orphaned node's subtree."""
    for hierarchy in HIERARCHIES:
        roots = session.info.pop(("hierarchy", hierarchy.name), set())
        roots.update(o.id for o in session.new if isinstance(o, hierarchy.model))
        roots.update(
            o.id for o in session.dirty if isinstance(o, hierarchy.model) and _moved(o, hierarchy)
        )
        if roots:
            rebuild(session.connection(), hierarchy, sorted(roots))
