"""The regency's goals (RPJMD): vision (visi), missions (misi), sasaran daerah with their key
indicators (IKU kabupaten) and yearly targets, and the link of a unit's IKU to a sasaran.

HR keeps this tree. Nothing referenced is ever deleted: goals are archived (hidden from
choices, kept for the history); an indicator may be deleted only while it has no target.
Every change leaves an audit entry; bad input raises `ValidationFailed` with translated
messages per field and writes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.models import AuditEntry, Iku, Unit
from app.models.planning import GoalKind, RegencyGoal, RegencyIndicator, RegencyIndicatorTarget
from app.scope import Scope, managed_units
from app.services import ValidationFailed

CODE = re.compile(r"^[A-Za-z0-9._-]{1,40}$")
MAX_TITLE = 5000
MIN_YEAR, MAX_YEAR = 2000, 2100
#: The level a goal of each kind hangs under (a vision is a root).
PARENT_KIND = {GoalKind.VISION: None, GoalKind.MISSION: GoalKind.VISION,
               GoalKind.SASARAN: GoalKind.MISSION}  # fmt: skip
KIND_LABELS = {
    GoalKind.VISION: _l("Vision"),
    GoalKind.MISSION: _l("Mission"),
    GoalKind.SASARAN: _l("Regional goal (sasaran)"),
}


@dataclass
class GoalNode:
    """A goal with its visible children, for the tree page and the alignment tree."""

    goal: RegencyGoal
    children: list[GoalNode] = field(default_factory=list)


def _error(name: str, message) -> ValidationFailed:
    return ValidationFailed({name: [str(message)]})


def _audit(action: str, user_id, changes: dict) -> None:
    db.session.add(AuditEntry(user_id=user_id, action=action, changes=changes))


# --- reading ---------------------------------------------------------------------------------


def goal_tree(include_archived: bool = False, year: int | None = None) -> list[GoalNode]:
    """The visions with their missions and sasaran, in order (one query).

    `year` keeps the goals whose plan covers it; archived goals (and their subtrees)
    only when asked.
    """
    query = select(RegencyGoal).order_by(RegencyGoal.position, RegencyGoal.code)
    if not include_archived:
        query = query.where(RegencyGoal.archived.is_(False))
    if year is not None:
        query = query.where(RegencyGoal.start_year <= year, RegencyGoal.end_year >= year)
    goals = db.session.scalars(query).all()
    nodes = {goal.id: GoalNode(goal) for goal in goals}
    roots = []
    for goal in goals:
        if goal.parent_id is None:
            roots.append(nodes[goal.id])
        elif goal.parent_id in nodes:
            nodes[goal.parent_id].children.append(nodes[goal.id])
    return roots


def indicators_by_goal(goal_ids) -> dict[int, list[RegencyIndicator]]:
    """The indicators of these goals with their targets loaded (two queries)."""
    rows = db.session.scalars(
        select(RegencyIndicator)
        .where(RegencyIndicator.goal_id.in_(list(goal_ids)))
        .options(selectinload(RegencyIndicator.targets))
        .order_by(RegencyIndicator.position, RegencyIndicator.code)
    )
    found: dict[int, list[RegencyIndicator]] = {}
    for row in rows:
        found.setdefault(row.goal_id, []).append(row)
    return found


def sasaran_choices() -> list[RegencyGoal]:
    """Sasaran a unit IKU may support: not archived, by code."""
    return list(
        db.session.scalars(
            select(RegencyGoal)
            .where(RegencyGoal.kind == GoalKind.SASARAN.value, RegencyGoal.archived.is_(False))
            .order_by(RegencyGoal.code)
        )
    )


def any_example() -> bool:
    """Whether the tree still holds the illustrative seed (to replace by the regulation)."""
    query = select(RegencyGoal.id).where(
        RegencyGoal.example.is_(True), RegencyGoal.archived.is_(False)
    )
    return db.session.execute(query.limit(1)).first() is not None


# --- goals -----------------------------------------------------------------------------------


def _year(data: dict, name: str, errors: dict) -> int | None:
    raw = str(data.get(name) or "").strip()
    if not raw.isdigit() or not MIN_YEAR <= int(raw) <= MAX_YEAR:
        errors[name] = [str(_l("Enter a year from %(min)d to %(max)d.", min=MIN_YEAR,
                                max=MAX_YEAR))]  # fmt: skip
        return None
    return int(raw)


def _code(data: dict, model, pk, errors: dict) -> str:
    code = str(data.get("code") or "").strip().upper()
    if not CODE.match(code):
        errors["code"] = [str(_l("A code of letters, digits, '-', '_' or '.' (at most 40)."))]
    elif db.session.scalar(select(model.id).where(model.code == code, model.id != (pk or 0))):
        errors["code"] = [str(_l("The code %(code)s is already used.", code=code))]
    return code


def _title(data: dict, errors: dict) -> str:
    title = str(data.get("title") or "").strip()
    if not title:
        errors["title"] = [str(_l("Enter the text."))]
    elif len(title) > MAX_TITLE:
        errors["title"] = [str(_l("At most %(n)d characters.", n=MAX_TITLE))]
    return title


def _position(data: dict, errors: dict) -> int:
    raw = str(data.get("position") or "0").strip()
    if not raw.isdigit() or int(raw) > 10_000:
        errors["position"] = [str(_l("Enter an order number from 0 to 10000."))]
        return 0
    return int(raw)


def _flag(data: dict, name: str) -> bool:
    """A checkbox: still the example text (contoh) until HR unticks it."""
    return str(data.get(name) or "").strip().lower() in ("1", "y", "on", "true")


def _parent(kind: GoalKind, data: dict, errors: dict) -> RegencyGoal | None:
    expected = PARENT_KIND[kind]
    raw = str(data.get("parent_id") or "").strip()
    if expected is None:
        return None
    parent = db.session.get(RegencyGoal, int(raw)) if raw.isdigit() else None
    if parent is None or parent.kind != expected.value or parent.archived:
        errors["parent_id"] = [str(_l("Choose the %(kind)s this belongs to.",
                                      kind=str(KIND_LABELS[expected]).lower()))]  # fmt: skip
    return parent


def save_goal(data: dict, goal: RegencyGoal | None = None, user_id=None) -> RegencyGoal:
    """Add a goal (`goal` None) or change one; the kind of an existing goal stays."""
    errors: dict[str, list[str]] = {}
    try:
        kind = GoalKind(goal.kind if goal else str(data.get("kind") or ""))
    except ValueError:
        raise _error("kind", _l("Choose vision, mission or sasaran.")) from None
    parent = _parent(kind, data, errors)
    code = _code(data, RegencyGoal, goal.id if goal else None, errors)
    title = _title(data, errors)
    start, end = _year(data, "start_year", errors), _year(data, "end_year", errors)
    if start and end and start > end:
        errors["end_year"] = [str(_l("The last year may not precede the first."))]
    position = _position(data, errors)
    if errors:
        raise ValidationFailed(errors)
    if goal is None:
        goal = RegencyGoal(kind=kind.value)
        db.session.add(goal)
    old = {"code": goal.code, "title": goal.title}
    goal.parent_id = parent.id if parent else None
    goal.code, goal.title, goal.start_year, goal.end_year = code, title, start, end
    goal.position = position
    goal.example = _flag(data, "example")
    db.session.flush()
    _audit("regency_goal", user_id, {"goal": goal.id, "kind": kind.value, "code": [old["code"],
           code], "title_changed": old["title"] != title})  # fmt: skip
    db.session.commit()
    return goal


def archive_goal(goal: RegencyGoal, archived: bool = True, user_id=None) -> None:
    """Archive (or restore) a goal: kept with its links, hidden from the tree and choices.

    A goal with active children is archived only after them; a goal is restored only
    under an active parent.
    """
    if archived and any(not child.archived for child in goal.children):
        raise _error("archived", _l("Archive the goals under it first."))
    if not archived and goal.parent is not None and goal.parent.archived:
        raise _error("archived", _l("Restore the goal above it first."))
    goal.archived = archived
    _audit("regency_goal_archive", user_id, {"goal": goal.id, "archived": archived})
    db.session.commit()


# --- indicators and targets ------------------------------------------------------------------


def save_indicator(goal: RegencyGoal, data: dict, indicator: RegencyIndicator | None = None,
                   targets: dict | None = None, user_id=None) -> RegencyIndicator:  # fmt: skip
    """Add or change a key indicator (IKU kabupaten) of a sasaran and its yearly targets
    `{year: value}` (empty removes one); all checked before anything is written."""
    if goal.kind != GoalKind.SASARAN.value:
        raise _error("goal", _l("Key indicators belong to a sasaran."))
    errors: dict[str, list[str]] = {}
    code = _code(data, RegencyIndicator, indicator.id if indicator else None, errors)
    title = _title(data, errors)
    unit_label = str(data.get("unit_label") or "").strip()
    if len(unit_label) > 40:
        errors["unit_label"] = [str(_l("At most %(n)d characters.", n=40))]
    position = _position(data, errors)
    clean = _clean_targets(goal, targets or {}, errors)
    if errors:
        raise ValidationFailed(errors)
    if indicator is None:
        indicator = RegencyIndicator(goal_id=goal.id)
        db.session.add(indicator)
    indicator.code, indicator.title, indicator.unit_label = code, title, unit_label
    indicator.position = position
    indicator.example = _flag(data, "example")
    db.session.flush()
    _apply_targets(indicator, clean)
    saved = {str(year): None if v is None else str(v) for year, v in clean.items()}
    _audit("regency_indicator", user_id, {"indicator": indicator.id, "code": code,
                                          "targets": saved})  # fmt: skip
    db.session.commit()
    return indicator


def delete_indicator(indicator: RegencyIndicator, user_id=None) -> None:
    """Delete an indicator that has no target yet (else: refused, keep it)."""
    if indicator.targets:
        raise _error("indicator", _l("This indicator has targets: it is kept."))
    _audit("regency_indicator_delete", user_id, {"code": indicator.code})
    db.session.delete(indicator)
    db.session.commit()


def _target_value(raw) -> Decimal | None:
    text = str(raw if raw is not None else "").strip().replace(",", ".")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError from None
    if not value.is_finite() or value < 0 or value >= Decimal(10) ** 13:
        raise ValueError
    return value


def _clean_targets(goal: RegencyGoal, values: dict, errors: dict) -> dict[int, Decimal | None]:
    """The targets by year, checked: years of the sasaran's plan, numbers of at least 0."""
    clean: dict[int, Decimal | None] = {}
    for year, raw in values.items():
        try:
            year = int(year)
            if not goal.start_year <= year <= goal.end_year:
                raise ValueError
        except (TypeError, ValueError):
            errors["year"] = [str(_l("Targets only for the years %(start)d–%(end)d.",
                                     start=goal.start_year, end=goal.end_year))]  # fmt: skip
            continue
        try:
            clean[year] = _target_value(raw)
        except ValueError:
            errors[f"target_{year}"] = [str(_l("%(year)d: enter a target of at least 0.",
                                               year=year))]  # fmt: skip
    return clean


def _apply_targets(indicator: RegencyIndicator, clean: dict[int, Decimal | None]) -> None:
    existing = {row.year: row for row in indicator.targets}
    for year, value in clean.items():
        row = existing.get(year)
        if value is None and row is not None:
            db.session.delete(row)
        elif value is not None and row is None:
            db.session.add(RegencyIndicatorTarget(indicator_id=indicator.id, year=year,
                                                  target=value))  # fmt: skip
        elif value is not None:
            row.target = value


# --- unit IKU → sasaran ----------------------------------------------------------------------


def link_iku(iku: Iku, goal_id, scope: Scope, user_id=None) -> None:
    """Make `iku` support the sasaran `goal_id` (empty: none); unit admins of its unit, HR."""
    allowed = db.session.scalar(select(Iku.id).where(Iku.id == iku.id, _managed_iku(scope)))
    if allowed is None:
        raise _error("regency_goal", _l("You may not change this IKU."))
    raw = str(goal_id if goal_id is not None else "").strip()
    if raw == str(iku.regency_goal_id or ""):
        return  # unchanged (an archived sasaran may stay linked)
    goal = db.session.get(RegencyGoal, int(raw)) if raw.isdigit() and len(raw) < 10 else None
    if raw and (goal is None or goal.kind != GoalKind.SASARAN.value or goal.archived):
        raise _error("regency_goal", _l("Choose a sasaran of the regency."))
    new = goal.id if goal else None
    _audit("iku_regency_goal", user_id, {"iku": iku.id, "goal": [iku.regency_goal_id, new]})
    iku.regency_goal_id = new
    db.session.commit()


def _managed_iku(scope: Scope):
    return Iku.unit_id.in_(select(Unit.id).where(managed_units(scope)))
