"""Copying RHK items to many subordinates at once (salin RHK ke bawahan).

A pejabat penilai with, say, 100 nurses picks RHK items (with their indicators and
targets) from their own SKP, or from one subordinate's, and copies them into the draft
SKPs of the subordinates they choose, adjusting the target per person in one table.
Each copy intervenes the supervisor's RHK: the source RHK itself when the source is the
supervisor's SKP, else the RHK the source item intervenes. A subordinate without an
SKP for the year gets a new draft; a draft (or returned) plan is updated — a copy made
earlier from the same RHK is replaced, not repeated. A plan already submitted or agreed
is refused (revise it first). All or nothing: one transaction, a bounded number of
queries whatever the number of people.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.models import AuditEntry, Employee, Skp, SkpIndicator, SkpRhk, SkpVersion
from app.models.forms import _now
from app.models.planning import SkpState
from app.scope import Scope
from app.services import ValidationFailed

EDITABLE = (SkpState.DRAFT.value, SkpState.RETURNED.value)
MAX_TARGET = Decimal(10) ** 13


@dataclass
class CopyResult:
    created: list[int] = field(default_factory=list)  # SKP ids made for the copy
    updated: list[int] = field(default_factory=list)  # existing draft SKPs changed


def subordinates(scope: Scope) -> list[Employee]:
    """The active direct reports of the acting supervisor (bawahan langsung)."""
    if not scope.employee_id:
        return []
    return list(
        db.session.scalars(
            select(Employee)
            .where(Employee.supervisor_id == scope.employee_id, Employee.active.is_(True))
            .order_by(Employee.name)
        )
    )


def sources(scope: Scope) -> list[SkpVersion]:
    """The latest versions of the SKPs a supervisor may copy from: theirs and their team's."""
    if not scope.employee_id:
        return []
    team = select(Employee.id).where(Employee.supervisor_id == scope.employee_id)
    skps = db.session.scalars(
        select(Skp)
        .where((Skp.employee_id == scope.employee_id) | Skp.employee_id.in_(team))
        .options(selectinload(Skp.versions), selectinload(Skp.employee))
        .order_by(Skp.year.desc(), Skp.id)
    )
    return [skp.versions[-1] for skp in skps if skp.versions]


def source_version(scope: Scope, version_id: Any) -> SkpVersion:
    """A version of `sources(scope)`, or ValidationFailed."""
    for version in sources(scope):
        if str(version.id) == str(version_id):
            return version
    raise ValidationFailed({"source": [str(_l("Choose your SKP or a subordinate's."))]})


def _parent_of(rhk: SkpRhk, supervisor_id: int) -> int:
    """The supervisor's RHK a copy of `rhk` intervenes."""
    if rhk.version.skp.employee_id == supervisor_id:
        return rhk.id
    parent = rhk.parent_rhk
    if parent is None or parent.version.skp.employee_id != supervisor_id:
        message = _l("“%(rhk)s” intervenes no RHK of yours: copy from your own SKP.", rhk=rhk.title)
        raise ValidationFailed({"rhk_keys": [str(message)]})
    return parent.id


def _target(raw: Any, name: str, errors: dict) -> Decimal | None:
    text = str(raw if raw is not None else "").strip().replace(",", ".")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or value < 0 or value >= MAX_TARGET:
        errors[name] = [str(_l("Enter a target of at least 0."))]
        return None
    return value


def target_name(employee_id: int, indicator_id: int) -> str:
    """The name of a grid cell: one person's target for one source indicator."""
    return f"target-{employee_id}-{indicator_id}"


def _targets(items, employee_ids, posted: dict) -> dict[tuple[int, int], Decimal | None]:
    """(employee id, source indicator id) → target: the posted one, else the source's."""
    errors: dict[str, list[str]] = {}
    chosen = {}
    for employee_id in employee_ids:
        for rhk in items:
            for indicator in rhk.indicators:
                name = target_name(employee_id, indicator.id)
                if name in posted:
                    chosen[(employee_id, indicator.id)] = _target(posted[name], name, errors)
                else:
                    chosen[(employee_id, indicator.id)] = indicator.target
    if errors:
        raise ValidationFailed(errors)
    return chosen


def _chosen_people(scope: Scope, employee_ids: Any) -> list[Employee]:
    try:
        wanted = {int(i) for i in employee_ids or []}
    except (TypeError, ValueError):
        wanted = set()
    if not wanted:
        raise ValidationFailed({"employee_ids": [str(_l("Choose at least one subordinate."))]})
    people = [e for e in subordinates(scope) if e.id in wanted]
    if len(people) != len(wanted):
        raise ValidationFailed(
            {"employee_ids": [str(_l("You can copy only to your own subordinates."))]}
        )
    return people


def _plans(people: list[Employee], year: int, kind: str) -> dict[int, Skp]:
    rows = db.session.scalars(
        select(Skp)
        .where(Skp.employee_id.in_([p.id for p in people]), Skp.year == year,
               Skp.period_kind == kind)
        .options(
            selectinload(Skp.versions)
            .selectinload(SkpVersion.items)
            .selectinload(SkpRhk.indicators)
        )
    )  # fmt: skip
    return {skp.employee_id: skp for skp in rows}


def copy_items(scope: Scope, source_id: Any, rhk_keys: Any, employee_ids: Any,
               posted_targets: dict | None = None, user_id=None) -> CopyResult:  # fmt: skip
    """Copy the chosen RHK (all when `rhk_keys` is empty) to the chosen subordinates.

    `posted_targets` maps `target_name(employee, indicator)` to a target (the grid);
    a missing cell keeps the source's target, an empty one leaves no target.
    """
    source = source_version(scope, source_id)
    keys = set(rhk_keys or [])
    items = [rhk for rhk in source.items if not keys or rhk.key in keys]
    if not items:
        raise ValidationFailed({"rhk_keys": [str(_l("Choose at least one RHK to copy."))]})
    parents = {rhk.id: _parent_of(rhk, scope.employee_id) for rhk in items}
    people = _chosen_people(scope, employee_ids)
    targets = _targets(items, [p.id for p in people], posted_targets or {})
    plans = _plans(people, source.skp.year, source.skp.period_kind)
    locked = [p.name for p in people if p.id in plans and plans[p.id].versions
              and plans[p.id].versions[-1].state not in EDITABLE]  # fmt: skip
    if locked:
        message = _l("The SKP of %(names)s is already submitted or agreed: revise it first.",
                     names=", ".join(locked))  # fmt: skip
        raise ValidationFailed({"employee_ids": [str(message)]})
    writer = _Writer(source, user_id)
    for person in people:
        writer.plan(person, plans.get(person.id))
    writer.write(items, parents, targets)
    return CopyResult(writer.created, writer.updated)


class _Writer:
    """Writes the copies with a fixed number of statements (bulk inserts and updates)."""

    def __init__(self, source: SkpVersion, user_id):
        self.source, self.user_id, self.now = source, user_id, _now()
        self.people: list[Employee] = []
        self.existing: dict[int, SkpVersion] = {}  # employee id → draft version
        self.new_skps: dict[int, int] = {}  # employee id → SKP id made for the copy
        self.created: list[int] = []
        self.updated: list[int] = []

    def plan(self, person: Employee, skp: Skp | None) -> None:
        self.people.append(person)
        if skp is not None and skp.versions:
            self.existing[person.id] = skp.versions[-1]

    def _new_plans(self) -> dict[int, int]:
        """Create the missing SKPs and first versions; employee id → version id."""
        skp = self.source.skp
        missing = [p for p in self.people if p.id not in self.existing]
        found = dict(db.session.execute(
            select(Skp.employee_id, Skp.id).where(
                Skp.employee_id.in_([p.id for p in missing]), Skp.year == skp.year,
                Skp.period_kind == skp.period_kind)
        ).all())  # fmt: skip
        rows = [{"employee_id": p.id, "unit_id": p.unit_id, "year": skp.year,
                 "period_kind": skp.period_kind, "created_at": self.now,
                 "created_by_id": self.user_id} for p in missing if p.id not in found]  # fmt: skip
        if rows:
            db.session.execute(Skp.__table__.insert(), rows)
        skp_ids = dict(db.session.execute(
            select(Skp.employee_id, Skp.id).where(
                Skp.employee_id.in_([p.id for p in missing]), Skp.year == skp.year,
                Skp.period_kind == skp.period_kind)
        ).all())  # fmt: skip
        if missing:
            db.session.execute(SkpVersion.__table__.insert(), [
                {"skp_id": skp_ids[p.id], "number": 1, "state": SkpState.DRAFT.value,
                 "evaluator_id": p.supervisor_id, "expectations": {}, "annex": {},
                 "updated_at": self.now, "updated_by_id": self.user_id, "lock_version": 1}
                for p in missing
            ])  # fmt: skip
        versions = dict(db.session.execute(
            select(SkpVersion.skp_id, SkpVersion.id).where(
                SkpVersion.skp_id.in_(list(skp_ids.values())))
        ).all())  # fmt: skip
        self.new_skps = skp_ids
        self.created = [skp_ids[p.id] for p in missing]
        return {employee: versions[skp_id] for employee, skp_id in skp_ids.items()}

    def _touch_drafts(self) -> None:
        """Stamp the updated drafts (lock version + 1); refuse if one left the draft state."""
        versions = list(self.existing.values())
        if not versions:
            return
        changed = db.session.execute(
            update(SkpVersion)
            .where(SkpVersion.id.in_([v.id for v in versions]), SkpVersion.state.in_(EDITABLE))
            .values(updated_at=self.now, updated_by_id=self.user_id,
                    lock_version=SkpVersion.lock_version + 1)
            .execution_options(synchronize_session=False)
        ).rowcount  # fmt: skip
        if changed != len(versions):
            raise ValidationFailed(
                {"_form": [str(_l("Someone changed one of these SKPs meanwhile; try again."))]}
            )
        self.updated = [v.skp_id for v in versions]

    def write(self, items, parents, targets) -> None:
        """All inserts and updates, then the audit entries and the commit (or nothing)."""
        try:
            new_versions = self._new_plans()
            self._touch_drafts()
            rhk_rows, kinds, replaced, placed = [], [], [], []
            for person in self.people:
                version = self.existing.get(person.id)
                current = {(r.parent_rhk_id, r.title): r for r in version.items} if version else {}
                position = len(current)
                for item in items:
                    rhk = current.get((parents[item.id], item.title))
                    if rhk is not None:
                        replaced.append(rhk.id)
                        kinds.append({"id": rhk.id, "kind": item.kind})
                        placed.append((rhk.key, person.id, item))
                        continue
                    key = str(uuid.uuid4())
                    version_id = version.id if version else new_versions[person.id]
                    rhk_rows.append({"version_id": version_id, "key": key, "position": position,
                                     "kind": item.kind, "title": item.title,
                                     "parent_rhk_id": parents[item.id]})  # fmt: skip
                    placed.append((key, person.id, item))
                    position += 1
            if rhk_rows:
                db.session.execute(SkpRhk.__table__.insert(), rhk_rows)
            if kinds:
                db.session.execute(update(SkpRhk), kinds)
            if replaced:
                db.session.execute(delete(SkpIndicator).where(SkpIndicator.rhk_id.in_(replaced)))
            self._indicators(placed, targets)
            self._audit(new_versions)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise

    def _indicators(self, placed, targets) -> None:
        keys = [key for key, _person, _item in placed]
        found = select(SkpRhk.key, SkpRhk.id).where(SkpRhk.key.in_(keys))
        ids = {row.key: row.id for row in db.session.execute(found)}
        rows = [
            {"rhk_id": ids[key], "position": indicator.position, "aspect": indicator.aspect,
             "title": indicator.title, "target": targets[(person, indicator.id)],
             "unit_label": indicator.unit_label, "field_key": indicator.field_key}
            for key, person, item in placed
            for indicator in item.indicators
        ]  # fmt: skip
        if rows:
            db.session.execute(SkpIndicator.__table__.insert(), rows)

    def _audit(self, new_versions: dict[int, int]) -> None:
        versions = {**new_versions, **{e: v.id for e, v in self.existing.items()}}
        skps = {**self.new_skps, **{e: v.skp_id for e, v in self.existing.items()}}
        db.session.execute(AuditEntry.__table__.insert(), [
            {"skp_id": skps[p.id], "user_id": self.user_id, "at": self.now,
             "action": "skp_copy",
             "changes": {"source_version": self.source.id, "version": versions[p.id]}}
            for p in self.people
        ])  # fmt: skip
