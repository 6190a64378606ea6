"""Rules for units and employees that every entry point must obey."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.domain.nip import validate_nip
from app.domain.ranks import golongan_error
from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.models import AuditEntry, Employee, Unit
from app.models.types import EmploymentStatus, JabatanType, UnitKind
from app.scope import Scope, managed_units, visible_employees

MAX_CHAIN = 64  # deeper supervisor chains are data errors, not organisations


@dataclass
class EmployeeInput:
    """The fields of an employee record that rules look at."""

    nip: str
    status: str
    golongan: str
    jabatan_type: str
    unit_id: int | None
    supervisor_id: int | None = None
    employee_id: int | None = None  # None for a new record


def employee_errors(data: EmployeeInput, scope: Scope) -> dict[str, list[str]]:
    """Every broken rule of `data`, by field; empty when the record may be saved."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message) -> None:
        errors.setdefault(field, []).append(str(message))

    if data.status not in {s.value for s in EmploymentStatus}:
        add("status", _l("Choose PNS or PPPK."))
    else:
        for problem in validate_nip(data.nip or "", data.status):
            add("nip", problem.message)
        if message := golongan_error(data.status, data.golongan or ""):
            add("golongan", message)
    if data.jabatan_type not in {t.value for t in JabatanType}:
        add("jabatan_type", _l("Choose a valid jabatan type."))
    if data.nip and _nip_taken(data.nip, data.employee_id):
        add("nip", _l("Another employee already has NIP %(nip)s.", nip=data.nip))
    if data.unit_id is None or not _unit_manageable(data.unit_id, scope):
        add("unit", _l("Choose a unit within your own scope."))
    elif _newly_chosen(data, Employee.unit_id, data.unit_id) and _archived(data.unit_id):
        add("unit", _l("This unit is archived; choose a unit in use."))
    if data.supervisor_id is not None and (
        message := supervisor_error(data.employee_id, data.supervisor_id, scope)
    ):
        add("supervisor", message)
    elif (
        data.supervisor_id is not None
        and _newly_chosen(data, Employee.supervisor_id, data.supervisor_id)
        and not _active(data.supervisor_id)
    ):
        add("supervisor", _l("The chosen evaluator is no longer active."))
    return errors


def _newly_chosen(data: EmployeeInput, column, value) -> bool:
    """Whether `value` differs from what the stored employee has (always for a new one).

    Archived units and inactive evaluators stay on records that already had them.
    """
    if data.employee_id is None:
        return True
    return db.session.scalar(select(column).where(Employee.id == data.employee_id)) != value


def _active(employee_id: int) -> bool:
    return bool(db.session.scalar(select(Employee.active).where(Employee.id == employee_id)))


def _archived(unit_id: int) -> bool:
    return bool(db.session.scalar(select(Unit.archived).where(Unit.id == unit_id)))


def supervisor_error(employee_id: int | None, supervisor_id: int, scope: Scope):
    """Why `supervisor_id` cannot evaluate `employee_id`, or None."""
    if employee_id is not None and supervisor_id == employee_id:
        return _l("An employee cannot be their own evaluator.")
    query = select(Employee.id).where(Employee.id == supervisor_id, visible_employees(scope))
    if scope.regency_wide is False and db.session.execute(query).first() is None:
        return _l("The chosen evaluator does not exist or is outside your scope.")
    if employee_id is not None and employee_id in _chain_above(supervisor_id):
        return _l("This evaluator would create a cycle: they report to this employee.")
    return None


def _chain_above(employee_id: int) -> list[int]:
    """Ids of `employee_id` and every supervisor above it."""
    chain, current = [], employee_id
    while current is not None and current not in chain and len(chain) < MAX_CHAIN:
        chain.append(current)
        current = db.session.scalar(select(Employee.supervisor_id).where(Employee.id == current))
    return chain


def _nip_taken(nip: str, employee_id: int | None) -> bool:
    query = select(Employee.id).where(Employee.nip == nip)
    if employee_id is not None:
        query = query.where(Employee.id != employee_id)
    return db.session.execute(query).first() is not None


def _unit_manageable(unit_id: int, scope: Scope) -> bool:
    query = select(Unit.id).where(Unit.id == unit_id, managed_units(scope))
    return db.session.execute(query).first() is not None


def unit_errors(
    unit_id: int | None, parent_id: int | None, code: str, kind: str
) -> dict[str, list[str]]:
    """Rules of the unit tree: unique code, a known kind, and no unit under itself."""
    errors: dict[str, list[str]] = {}
    if kind not in {k.value for k in UnitKind}:
        errors["kind"] = [str(_l("Choose a valid kind of unit."))]
    query = select(Unit.id).where(Unit.code == code)
    if unit_id is not None:
        query = query.where(Unit.id != unit_id)
    if db.session.execute(query).first() is not None:
        errors["code"] = [str(_l("Another unit already has code %(code)s.", code=code))]
    if unit_id is not None and parent_id is not None and unit_id in _units_above(parent_id):
        errors["parent"] = [str(_l("A unit cannot be placed under itself or its sub-units."))]
    return errors


def _units_above(unit_id: int) -> list[int]:
    chain, current = [], unit_id
    while current is not None and current not in chain and len(chain) < MAX_CHAIN:
        chain.append(current)
        current = db.session.scalar(select(Unit.parent_id).where(Unit.id == current))
    return chain


def deactivate_employees(employees: list[Employee]) -> None:
    """Deactivate employees (nonaktif): they leave pickers and assignments, keep their history."""
    for employee in employees:
        employee.active = False
    db.session.commit()


def set_units_archived(units: list[Unit], archived: bool) -> None:
    """Archive (arsipkan) or restore units: archived ones leave the pickers, keep their history."""
    for unit in units:
        unit.archived = archived
    db.session.commit()


def confirm_units(units: list[Unit], user_id: int | None) -> None:
    """HR confirms units loaded from the seed: the provenance flags go, an audit entry stays."""
    for unit in units:
        if not (unit.unconfirmed or unit.example):
            continue
        changes = {"unit": unit.code, "unconfirmed": unit.unconfirmed, "example": unit.example}
        unit.unconfirmed = unit.example = False
        db.session.add(AuditEntry(user_id=user_id, action="unit_confirmed", changes=changes))
    db.session.commit()


SEARCH_LIMIT = 25


def find_employees(scope: Scope, text: str, limit: int = SEARCH_LIMIT) -> list[Employee]:
    """Employees `scope` may see whose NIP starts with `text` or whose name contains it
    (cari pegawai); active ones first. Fewer than two characters find nothing."""
    text = " ".join(str(text or "").split())[:100]
    if len(text) < 2:
        return []
    if text.isdigit():
        match = Employee.nip.startswith(text, autoescape=True)
    else:
        match = Employee.name.icontains(text, autoescape=True)
    return list(
        db.session.scalars(
            select(Employee)
            .where(visible_employees(scope), match)
            .order_by(Employee.active.desc(), Employee.name)
            .limit(limit)
        )
    )
