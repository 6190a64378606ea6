"""`/api/v1/unit/`, `/api/v1/employee/` and `/api/v1/period/`."""

from __future__ import annotations

from flask import g
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l

from app.api import schemas
from app.api.base import ScopedModelApi
from app.api.errors import ApiError, endpoint, load_body
from app.extensions import db
from app.models import Employee, EvaluationPeriod, TemplateVersion, Unit
from app.models.types import JabatanType, PeriodKind, PeriodState
from app.scope import (
    assignable_versions,
    current_scope,
    is_allowed,
    managed_employees,
    managed_units,
    visible_employees,
    visible_units,
)
from app.services import ValidationFailed
from app.services.assignment import assign
from app.services.org import EmployeeInput, employee_errors, unit_errors
from app.services.periods import change_period_state, period_errors

_UNIT_COLUMNS = ["id", "code", "name", "short_name", "kind", "parent_id", "head_id", "archived"]
_UNIT_PROVENANCE = ["unconfirmed", "example"]  # cleared by HR's confirmation in the view
_EMPLOYEE_COLUMNS = [
    "id", "nip", "name", "status", "golongan", "jabatan", "jabatan_type", "unit_id",
    "supervisor_id", "active",
]  # fmt: skip
_PERIOD_COLUMNS = ["id", "name", "kind", "start_date", "end_date", "state"]


def require_version(version_id: int) -> TemplateVersion | None:
    """The template version if the current user may assign it."""
    if not is_allowed(TemplateVersion, version_id, assignable_versions):
        return None
    return db.session.get(TemplateVersion, version_id)


def _writable(columns: list[str]) -> list[str]:
    return [c for c in columns if c != "id"]


class UnitApi(ScopedModelApi):
    resource_name = "unit"
    datamodel = SQLAInterface(Unit)
    visible = staticmethod(visible_units)
    managed = staticmethod(managed_units)
    list_columns = show_columns = _UNIT_COLUMNS + _UNIT_PROVENANCE
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
        errors = period_errors(item.start_date, item.end_date)
        if item.kind is not None and item.kind not in {k.value for k in PeriodKind}:
            errors["kind"] = [str(_l("Choose a valid kind of period."))]
        return errors

    # --- the evaluation cycle: assign a template, close and reopen -----------------------

    def _period(self, pk) -> EvaluationPeriod:
        period = db.session.get(EvaluationPeriod, pk)
        if period is None:
            raise ApiError(404)
        return period

    @endpoint("/<int:pk>/assign", "POST", "assign")
    def assign(self, pk):
        """Assign a published template version to employees for the period.
        ---
        post:
          summary: Assign a published template version to employees for the period
          description: >-
            One submission per chosen employee (a unit, optionally with its sub-units and
            only some position types, or a list of employees); existing ones are kept.
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer, minimum: 1}}
          requestBody:
            required: true
            content:
              application/json:
                schema: {$ref: '#/components/schemas/AssignBody'}
          responses:
            200:
              description: Counts, and the employees left out with the reason
              content:
                application/json:
                  schema: {$ref: '#/components/schemas/AssignResult'}
        """
        period = self._period(pk)
        body = load_body(schemas.AssignBody())
        version = require_version(body["template_version_id"])
        if version is None:  # not published, or not the caller's to assign
            raise ApiError(404)
        errors: dict[str, list[str]] = {}
        employee_ids = body.get("employee_ids") or []
        jabatan_types = body.get("jabatan_types") or []
        unit_id = body.get("unit_id")
        if any(t not in set(JabatanType) for t in jabatan_types):
            errors["jabatan_types"] = [str(_l("Unknown position type."))]
        if not employee_ids and unit_id is None:
            errors["unit_id"] = [str(_l("Choose a unit or employees."))]
        elif unit_id is not None and not is_allowed(Unit, unit_id, managed_units):
            errors["unit_id"] = [str(_l("Choose one of your own units."))]
        if errors:
            raise ApiError(422, errors=errors)
        try:
            result = assign(
                period,
                version,
                current_scope(),
                unit_id=unit_id,
                include_subunits=body["include_subunits"],
                jabatan_types=jabatan_types or None,
                employee_ids=employee_ids or None,
            )
        except ValidationFailed as exc:
            raise ApiError(422, errors=exc.errors) from None
        problems = [
            {"employee_id": e.id, "nip": e.nip, "name": e.name, "message": message}
            for e, message in result.problems
        ]
        return self.response(
            200, created=result.created, existing=result.existing, problems=problems
        )

    def _change_state(self, pk, state: PeriodState, reason: str = ""):
        period = self._period(pk)
        try:
            change_period_state([period], state, g.user.id, reason)
        except ValidationFailed as exc:
            raise ApiError(422, errors=exc.errors) from None
        return self.response(200, id=period.id, state=period.state)

    @endpoint("/<int:pk>/close", "POST", "close")
    def close(self, pk):
        """Close the period: every submission of it is locked.
        ---
        post:
          summary: Close the period; every submission of it is locked
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer, minimum: 1}}
          responses:
            200:
              description: The period's new state
              content:
                application/json:
                  schema: {$ref: '#/components/schemas/PeriodStateResult'}
        """
        return self._change_state(pk, PeriodState.CLOSED)

    @endpoint("/<int:pk>/reopen", "POST", "reopen")
    def reopen(self, pk):
        """Reopen a closed period; the reason is required and kept in its history.
        ---
        post:
          summary: Reopen a closed period; the reason is kept in its history
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer, minimum: 1}}
          requestBody:
            required: true
            content:
              application/json:
                schema: {$ref: '#/components/schemas/ReasonBody'}
          responses:
            200:
              description: The period's new state
              content:
                application/json:
                  schema: {$ref: '#/components/schemas/PeriodStateResult'}
        """
        self._period(pk)
        return self._change_state(pk, PeriodState.OPEN, load_body(schemas.ReasonBody())["reason"])
