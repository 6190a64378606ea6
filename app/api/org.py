"""`/api/v1/unit/`, `/api/v1/employee/` and `/api/v1/period/`."""

from __future__ import annotations

from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l

from app.api.base import ScopedModelApi
from app.models import Employee, EvaluationPeriod, Unit
from app.scope import (
    is_allowed,
    managed_employees,
    managed_units,
    visible_employees,
    visible_units,
)
from app.services.org import EmployeeInput, employee_errors, unit_errors
from app.services.periods import period_errors

_UNIT_COLUMNS = ["id", "code", "name", "short_name", "kind", "parent_id", "head_id"]
_EMPLOYEE_COLUMNS = [
    "id", "nip", "name", "status", "golongan", "jabatan", "jabatan_type", "unit_id",
    "supervisor_id", "active",
]  # fmt: skip
_PERIOD_COLUMNS = ["id", "name", "kind", "start_date", "end_date", "state"]


def _writable(columns: list[str]) -> list[str]:
    return [c for c in columns if c != "id"]


class UnitApi(ScopedModelApi):
    resource_name = "unit"
    datamodel = SQLAInterface(Unit)
    visible = staticmethod(visible_units)
    managed = staticmethod(managed_units)
    list_columns = show_columns = _UNIT_COLUMNS
    add_columns = edit_columns = _writable(_UNIT_COLUMNS)
    search_columns = ["code", "name", "kind", "parent_id"]
    order_columns = ["code", "name"]

    def check(self, item, scope):
        errors = unit_errors(item.id, item.parent_id, item.code or "", item.kind)
        if "parent" in errors:
            errors["parent_id"] = errors.pop("parent")
        if item.parent_id is not None and not is_allowed(Unit, item.parent_id, managed_units):
            errors.setdefault("parent_id", []).append(
                str(_l("Choose a parent unit within your own scope."))
            )
        return errors


class EmployeeApi(ScopedModelApi):
    resource_name = "employee"
    datamodel = SQLAInterface(Employee)
    visible = staticmethod(visible_employees)
    managed = staticmethod(managed_employees)
    list_columns = show_columns = _EMPLOYEE_COLUMNS
    add_columns = edit_columns = _writable(_EMPLOYEE_COLUMNS)
    search_columns = ["nip", "name", "unit_id", "golongan", "jabatan_type", "status", "active"]
    order_columns = ["nip", "name", "golongan"]

    def check(self, item, scope):
        data = EmployeeInput(
            nip=item.nip or "",
            status=item.status,
            golongan=item.golongan or "",
            jabatan_type=item.jabatan_type,
            unit_id=item.unit_id,
            supervisor_id=item.supervisor_id,
            employee_id=item.id,
        )
        errors = employee_errors(data, scope)
        if "unit" in errors:
            errors["unit_id"] = errors.pop("unit")
        if "supervisor" in errors:
            errors["supervisor_id"] = errors.pop("supervisor")
        return errors


class PeriodApi(ScopedModelApi):
    resource_name = "period"
    datamodel = SQLAInterface(EvaluationPeriod)
    visible = staticmethod(lambda scope: EvaluationPeriod.id.isnot(None))
    managed = staticmethod(lambda scope: EvaluationPeriod.id.isnot(None))
    list_columns = show_columns = _PERIOD_COLUMNS
    add_columns = edit_columns = ["name", "kind", "start_date", "end_date"]
    order_columns = ["name", "start_date"]

    def check(self, item, scope):
        return period_errors(item.start_date, item.end_date)
