"""The alignment tree (pohon kinerja): regency vision → missions → sasaran (with the IKU
kabupaten) → unit IKU → the unit head's RHK → … → each employee's RHK.

Each employee counts with the current agreed version of their SKP for the year. An RHK
hangs under the RHK it intervenes (`SkpRhk.parent_rhk_id`; a link into a superseded
version follows `SkpRhk.key` to the supervisor's current agreed version) or, for a unit
head, under a unit IKU (`SkpRhk.iku_id`).

Achievement for a period: an employee's RHK from the indicator achievements of their
approved submission (`SkpIndicator.field_key` names the form field; target: the
submission's snapshot, else the SKP's, else the form's); a parent without indicators of
its own: the mean of its children that have a value; a unit IKU: the IKU roll-up
(`app.services.rollup`); goals: the mean of their children. Colours follow the hasil
kerja thresholds (`app.domain.ratings.DEFAULT_THRESHOLDS`).

Gaps: unit IKU that no RHK intervenes (`no_rhk`), unit IKU linked to no sasaran
(`no_sasaran`), RHK that intervene nothing (`no_parent`), employees without an agreed
SKP (`no_skp`); the last three are gathered in group nodes after the visions.

Scope (`app.scope`): HR sees every unit; a unit admin the units they manage; anyone
else (evaluator, employee) the RHK of their team and themself with the chain above it.
Queries are bounded by the tree's depth and the number of units, never per node.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import extract, or_, select

from app.domain.ratings import DEFAULT_THRESHOLDS
from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.models import Employee, EvaluationPeriod, Iku, Submission, Unit
from app.models.planning import Skp as SkpModel
from app.models.planning import SkpIndicator, SkpRhk, SkpState, SkpVersion
from app.models.types import PeriodState, SubmissionState
from app.scope import Scope, managed_units, unit_subtree, visible_employees
from app.services import regency_goals
from app.services import rollup as rollup_service
from app.services.templates import form_versions
from forms import achievement, evaluate, parse_definition, text

CENT = Decimal("0.01")
MAX_DEPTH = 12  # RHK chains deeper than this are cut (a cycle in bad data ends here too)
GAP_LABELS = {
    "no_rhk": _l("No RHK intervenes this IKU"),
    "no_sasaran": _l("Not linked to a regency sasaran"),
    "no_parent": _l("Intervenes nothing"),
    "no_skp": _l("No agreed SKP"),
}
GROUP_TITLES = {
    "no_sasaran": _l("Unit IKU not linked to a regency sasaran"),
    "no_parent": _l("RHK that intervene nothing"),
    "no_skp": _l("Employees without an agreed SKP"),
}
TYPE_LABELS = {
    "vision": _l("Vision"), "mission": _l("Mission"), "sasaran": _l("Sasaran"),
    "iku": _l("Unit IKU"), "rhk": _l("RHK"), "employee": _l("Employee"), "group": _l("Gaps"),
}  # fmt: skip


@dataclass
class Node:
    """One node of the tree; `gap` names what is missing, `people` who carries it."""

    type: str
    id: int
    code: str
    title: str
    achievement: Decimal | None = None
    children: list[Node] = field(default_factory=list)
    people: list[dict] = field(default_factory=list)
    gap: str | None = None
    indicators: list[dict] = field(default_factory=list)
    unit: str | None = None
    goal_id: int | None = None  # unit IKU: the sasaran it supports
    placed: bool = False  # unit IKU: hung under its sasaran

    @property
    def colour(self) -> str:
        return colour(self.achievement)

    def to_dict(self) -> dict:
        return {
            "type": self.type, "id": self.id, "code": self.code, "title": self.title,
            "achievement": None if self.achievement is None else float(self.achievement),
            "children": [child.to_dict() for child in self.children],
            "people": self.people, "gap": self.gap, "unit": self.unit,
            "indicators": self.indicators,
        }  # fmt: skip


@dataclass
class Tree:
    year: int
    period: EvaluationPeriod | None
    nodes: list[Node]

    def to_dict(self) -> dict:
        period = self.period
        return {
            "year": self.year,
            "period": {"id": period.id, "name": period.name} if period else None,
            "nodes": [node.to_dict() for node in self.nodes],
        }

    def walk(self):
        """(depth, node) of every node, depth first."""
        stack = [(0, node) for node in reversed(self.nodes)]
        while stack:
            depth, node = stack.pop()
            yield depth, node
            stack.extend((depth + 1, child) for child in reversed(node.children))


def colour(value: Decimal | None) -> str:
    """`above`, `expected`, `below` (hasil kerja thresholds) or `none`."""
    if value is None:
        return "none"
    if value >= DEFAULT_THRESHOLDS.above:
        return "above"
    if value >= DEFAULT_THRESHOLDS.as_expected:
        return "expected"
    return "below"


def _mean(values) -> Decimal | None:
    values = [v for v in values if v is not None]
    if not values:
        return None
    return (sum(values, Decimal(0)) / len(values)).quantize(CENT, ROUND_HALF_UP)


def periods_of(year: int) -> list[EvaluationPeriod]:
    """The evaluation periods that start in `year`, newest first."""
    query = select(EvaluationPeriod).where(extract("year", EvaluationPeriod.start_date) == year)
    return list(db.session.scalars(query.order_by(EvaluationPeriod.start_date.desc())))


def default_period(periods: list[EvaluationPeriod]) -> EvaluationPeriod | None:
    """The newest closed period (final results), else the newest one."""
    closed = [p for p in periods if p.state == PeriodState.CLOSED.value]
    return (closed or periods or [None])[0]


# --- scope -----------------------------------------------------------------------------------


def _unit_ids(scope: Scope, unit_id: int | None) -> set[int]:
    """Units whose IKU and people the user sees in full (HR: all; unit admin: managed)."""
    query = select(Unit.id).where(managed_units(scope))
    if unit_id is not None:
        query = query.where(Unit.id.in_(unit_subtree(unit_id)))
    return set(db.session.scalars(query))


def _employees(scope: Scope, units: set[int], unit_id: int | None) -> dict[int, Employee]:
    """Active employees in scope: of the units seen in full, plus one's team and self."""
    conditions = [Employee.unit_id.in_(units)] if units else []
    if not scope.regency_wide and scope.employee_id:
        conditions.append(visible_employees(scope))
    if not conditions:
        return {}
    query = select(Employee).where(Employee.active.is_(True), or_(*conditions))
    if unit_id is not None:
        query = query.where(Employee.unit_id.in_(unit_subtree(unit_id)))
    return {e.id: e for e in db.session.scalars(query)}


# --- SKP data --------------------------------------------------------------------------------


def _current_versions(skp_condition) -> dict[int, tuple[int, int]]:
    """{version id: (skp id, employee id)} of the current agreed versions (annual first)."""
    rows = db.session.execute(
        select(SkpVersion.id, SkpModel.id, SkpModel.employee_id, SkpModel.period_kind,
               SkpVersion.number)
        .join(SkpModel, SkpVersion.skp_id == SkpModel.id)
        .where(SkpVersion.state == SkpState.AGREED.value, skp_condition)
    ).all()  # fmt: skip
    best: dict[int, tuple] = {}
    for version_id, skp_id, employee_id, kind, number in rows:
        rank = (kind == "annual", number)
        if employee_id not in best or rank > best[employee_id][0]:
            best[employee_id] = (rank, version_id, skp_id)
    return {version: (skp, employee) for employee, (_r, version, skp) in best.items()}


def _rhk_rows(version_ids) -> list[SkpRhk]:
    if not version_ids:
        return []
    return list(
        db.session.scalars(
            select(SkpRhk).where(SkpRhk.version_id.in_(list(version_ids))).order_by(SkpRhk.position)
        )
    )


@dataclass
class _Rhks:
    """The RHK of the tree with their owners, and how links resolve."""

    rows: dict[int, SkpRhk] = field(default_factory=dict)
    owner: dict[int, int] = field(default_factory=dict)  # rhk id → employee id
    skp_of_version: dict[int, int] = field(default_factory=dict)
    by_key: dict[tuple[int, str], int] = field(default_factory=dict)  # (skp, key) → rhk id
    links: dict[int, int] = field(default_factory=dict)  # superseded row → its current row
    context: set[int] = field(default_factory=set)  # ancestors shown only as the chain

    def add(self, versions: dict[int, tuple[int, int]], context: bool = False) -> list[SkpRhk]:
        added = []
        for rhk in _rhk_rows(set(versions) - set(self.skp_of_version)):
            skp_id, employee_id = versions[rhk.version_id]
            self.rows[rhk.id], self.owner[rhk.id] = rhk, employee_id
            self.by_key[(skp_id, rhk.key)] = rhk.id
            if context:
                self.context.add(rhk.id)
            added.append(rhk)
        for version_id, (skp_id, _employee) in versions.items():
            self.skp_of_version[version_id] = skp_id
        return added


def _load_rhks(employee_ids, year: int) -> _Rhks:
    """The current RHK of these employees, then the chain above them (bounded by depth)."""
    rhks = _Rhks()
    if not employee_ids:
        return rhks
    mine = SkpModel.employee_id.in_(list(employee_ids)) & (SkpModel.year == year)
    added = rhks.add(_current_versions(mine))
    for _depth in range(MAX_DEPTH):
        missing = {r.parent_rhk_id for r in added if r.parent_rhk_id and
                   r.parent_rhk_id not in rhks.rows}  # fmt: skip
        if not missing:
            break
        # The linked rows (maybe of a superseded version): their SKP and key.
        linked = db.session.execute(
            select(SkpRhk.id, SkpRhk.key, SkpVersion.skp_id)
            .join(SkpVersion, SkpRhk.version_id == SkpVersion.id)
            .where(SkpRhk.id.in_(missing))
        ).all()
        skps = {skp_id for _id, _key, skp_id in linked}
        added = rhks.add(_current_versions(SkpModel.id.in_(skps)), context=True)
        for rhk_id, key, skp_id in linked:
            current = rhks.by_key.get((skp_id, key))
            if current is not None and rhk_id not in rhks.rows:
                rhks.links[rhk_id] = current
    return rhks


def _parent_of(rhks: _Rhks, rhk: SkpRhk) -> int | None:
    """The tree RHK `rhk` intervenes: the linked row if current, else its key's current row."""
    target = rhk.parent_rhk_id
    if target is None:
        return None
    if target in rhks.rows:  # a row of a current version
        return target
    return rhks.links.get(target)


# --- achievements ----------------------------------------------------------------------------


def _field_results(period: EvaluationPeriod, employee_ids) -> dict[int, dict[str, Decimal]]:
    """{employee id: {field key: achievement}} from approved submissions of `period`."""
    if period is None or not employee_ids:
        return {}
    submissions = db.session.scalars(
        select(Submission).where(
            Submission.period_id == period.id,
            Submission.state == SubmissionState.APPROVED.value,
            Submission.employee_id.in_(list(employee_ids)),
        )
    ).all()
    schemas: dict[int, list] = {}
    found: dict[int, dict[str, Decimal]] = {}
    for submission in submissions:
        version_id = submission.template_version_id
        if version_id not in schemas:
            schemas[version_id] = [
                (fv.id, parse_definition(fv.definition))
                for fv, _w in form_versions(submission.template_version)
            ]
        targets = submission.targets or {}
        values: dict[str, Decimal] = {}
        for form_version_id, schema in schemas[version_id]:
            answers = submission.answers.get(str(form_version_id), {})
            evaluated = evaluate(schema, answers, partial=True).values
            for item in schema.indicators:
                indicator = item.indicator
                target = targets.get(item.key)
                target = indicator.target if target is None else target
                value = achievement(evaluated.get(item.key), Decimal(str(target)),
                                    indicator.polarity)  # fmt: skip
                if value is not None:
                    values[item.key] = value
        found[submission.employee_id] = values
    return found


def _rhk_indicator_keys(rhk_ids) -> dict[int, list[str]]:
    if not rhk_ids:
        return {}
    rows = db.session.execute(
        select(SkpIndicator.rhk_id, SkpIndicator.field_key).where(
            SkpIndicator.rhk_id.in_(list(rhk_ids)), SkpIndicator.field_key.isnot(None)
        )
    )
    keys: dict[int, list[str]] = defaultdict(list)
    for rhk_id, key in rows:
        keys[rhk_id].append(key)
    return keys


def _settle(node: Node) -> Decimal | None:
    """Fill in the achievements bottom-up: own value if any, else the mean of the children."""
    values = [_settle(child) for child in node.children]
    if node.achievement is None and node.type not in ("iku", "employee", "group"):
        node.achievement = _mean(values)
    return node.achievement


# --- IKU -------------------------------------------------------------------------------------


def _ikus(units: set[int], referenced: set[int], period) -> dict[int, Node]:
    """Unit IKU nodes: of the units seen in full and those the RHK intervene."""
    conditions = []
    if units:
        conditions.append(Iku.unit_id.in_(units))
    if referenced:
        conditions.append(Iku.id.in_(referenced))
    if not conditions:
        return {}
    ikus = db.session.scalars(select(Iku).where(or_(*conditions)).order_by(Iku.code)).all()
    labels: dict[int, tuple[str, Decimal | None]] = {}
    for unit_id in {iku.unit_id for iku in ikus}:
        labels.update(_iku_labels(db.session.get(Unit, unit_id), period))
    nodes = {}
    for iku in ikus:
        label, value = labels.get(iku.id, (iku.code, None))
        nodes[iku.id] = Node(
            "iku",
            iku.id,
            iku.code,
            label,
            achievement=value,
            unit=iku.unit.short_name,
            goal_id=iku.regency_goal_id,
        )
    return nodes


def _iku_labels(unit: Unit, period) -> dict[int, tuple[str, Decimal | None]]:
    """{IKU id: (label, achievement)} of a unit: its roll-up for `period`, else the form."""
    if period is not None:
        result = rollup_service.unit_rollup(unit, period)
        return {r.iku.id: (r.label, r.achievement) for r in result.results}
    form = rollup_service.iku_form_of(unit.id)
    version = form.latest_version if form else None
    if version is None:
        return {}
    fields = {f.key: f for f in parse_definition(version.definition).fields}
    lang = rollup_service._lang()
    return {
        iku.id: (text(fields[iku.key].label, lang), None)
        for iku in rollup_service.ikus_of(unit.id)
        if iku.key in fields
    }


# --- building --------------------------------------------------------------------------------


def _person(employee: Employee) -> dict:
    return {"id": employee.id, "name": employee.name, "jabatan": employee.jabatan}


def build(scope: Scope, year: int, period: EvaluationPeriod | None = None,
          unit_id: int | None = None) -> Tree:  # fmt: skip
    """The alignment tree of `year` as `scope` may see it (optionally one unit's subtree)."""
    units = _unit_ids(scope, unit_id)
    employees = _employees(scope, units, unit_id)
    rhks = _load_rhks(employees, year)
    owners = {rhks.owner[r] for r in rhks.rows}
    missing = owners - set(employees)
    if missing:
        employees.update({e.id: e for e in db.session.scalars(
            select(Employee).where(Employee.id.in_(missing)))})  # fmt: skip
    results = _field_results(period, set(employees) - {rhks.owner[r] for r in rhks.context})
    keys = _rhk_indicator_keys([r for r in rhks.rows if r not in rhks.context])

    rhk_nodes: dict[int, Node] = {}
    for rhk_id, rhk in rhks.rows.items():
        owner = employees[rhks.owner[rhk_id]]
        own = results.get(owner.id, {})
        node = Node("rhk", rhk.id, rhk.kind, rhk.title, people=[_person(owner)],
                    unit=owner.unit.short_name if owner.unit else None,
                    achievement=_mean(own.get(key) for key in keys.get(rhk_id, [])))  # fmt: skip
        rhk_nodes[rhk_id] = node

    iku_nodes = _ikus(units, {r.iku_id for r in rhks.rows.values() if r.iku_id}, period)
    orphans: list[Node] = []
    for rhk_id, rhk in sorted(rhks.rows.items(), key=lambda item: (
            employees[rhks.owner[item[0]]].name, item[1].position)):  # fmt: skip
        node = rhk_nodes[rhk_id]
        parent = _parent_of(rhks, rhk)
        if parent is not None and parent in rhk_nodes and parent != rhk_id:
            rhk_nodes[parent].children.append(node)
        elif rhk.iku_id is not None and rhk.iku_id in iku_nodes:
            iku_nodes[rhk.iku_id].children.append(node)
        else:
            node.gap = "no_parent"
            orphans.append(node)
    orphans = [n for n in orphans if _keep(n, rhks.context)]
    full = _full_ikus(iku_nodes, units)
    for iku_id, iku in list(iku_nodes.items()):
        iku.children = [n for n in iku.children if _keep(n, rhks.context)]
        for child in iku.children:
            if child.people[0] not in iku.people:
                iku.people.append(child.people[0])
        if iku_id not in full and not iku.children:
            del iku_nodes[iku_id]  # reached only through a chain that is not shown
        elif not iku.children:
            iku.gap = "no_rhk"

    nodes = _goal_nodes(year, iku_nodes, prune=not scope.regency_wide or unit_id is not None)
    unlinked = [n for n in iku_nodes.values() if not n.placed]
    for node in unlinked:
        node.gap = node.gap or "no_sasaran"
    with_skp, team = set(rhks.owner.values()), _own_team(scope, employees)
    no_skp = [
        Node("employee", e.id, e.nip, e.name, people=[_person(e)], gap="no_skp",
             unit=e.unit.short_name if e.unit else None)
        for e in sorted(employees.values(), key=lambda e: e.name)
        if e.id not in with_skp and (e.unit_id in units or e.id in team)
    ]  # fmt: skip
    for code, children in (("no_sasaran", unlinked), ("no_parent", orphans), ("no_skp", no_skp)):
        if children:
            nodes.append(Node("group", 0, code, str(GROUP_TITLES[code]), children=children))
    for node in nodes:
        _settle(node)
    return Tree(year, period, nodes)


def _keep(node: Node, context: set[int]) -> bool:
    """Drop the chain's RHK (of people out of sight) that lead to nothing shown."""
    node.children = [child for child in node.children if _keep(child, context)]
    return node.type != "rhk" or node.id not in context or bool(node.children)


def _full_ikus(iku_nodes: dict[int, Node], units: set[int]) -> set[int]:
    """IKU of units seen in full (only there does "no RHK" mean a gap, not lack of sight)."""
    ids = list(iku_nodes)
    return set(db.session.scalars(select(Iku.id).where(Iku.id.in_(ids), Iku.unit_id.in_(units))))


def _own_team(scope: Scope, employees: dict[int, Employee]) -> set[int]:
    """Employees in the user's team (self included), for those who see no unit in full."""
    if scope.regency_wide or not scope.employee_id:
        return set()
    query = select(Employee.id).where(Employee.id.in_(list(employees)), visible_employees(scope))
    return set(db.session.scalars(query))


def _goal_nodes(year: int, iku_nodes: dict[int, Node], prune: bool) -> list[Node]:
    """Vision → mission → sasaran (with the IKU kabupaten and their target for `year`)."""
    tree = regency_goals.goal_tree(year=year)
    sasaran_ids = [c.goal.id for v in tree for m in v.children for c in m.children]
    indicators = regency_goals.indicators_by_goal(sasaran_ids)
    by_goal: dict[int, list[Node]] = defaultdict(list)
    for node in iku_nodes.values():
        if node.goal_id is not None:
            by_goal[node.goal_id].append(node)

    def convert(goal_node) -> Node | None:
        goal = goal_node.goal
        node = Node(goal.kind, goal.id, goal.code, goal.title)
        if goal.kind == "sasaran":
            node.indicators = [_indicator(i, year) for i in indicators.get(goal.id, [])]
            node.children = by_goal.get(goal.id, [])
            for child in node.children:
                child.placed = True
        else:
            node.children = [c for c in (convert(child) for child in goal_node.children) if c]
        if prune and not node.children:
            return None
        return node

    return [node for node in (convert(v) for v in tree) if node]


def _indicator(row, year: int) -> dict:
    target = next((t.target for t in row.targets if t.year == year), None)
    return {"code": row.code, "title": row.title, "unit_label": row.unit_label,
            "target": None if target is None else float(target)}  # fmt: skip


__all__ = ["GAP_LABELS", "TYPE_LABELS", "Node", "Tree", "build", "colour", "periods_of"]
