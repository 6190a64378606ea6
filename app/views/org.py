"""Organisation views: the unit tree, employees and evaluation periods."""

from __future__ import annotations

from dataclasses import dataclass

from flask import flash, g, redirect, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.actions import action
from flask_appbuilder.fieldwidgets import Select2Widget
from flask_appbuilder.models.sqla.filters import FilterEqual
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_pgettext
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import SelectField

from app.domain.ratings import Predikat
from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.i18n import long_date, yes_no
from app.models import Employee, EvaluationPeriod, Submission, Unit
from app.models.types import (
    EmploymentStatus,
    JabatanType,
    PeriodKind,
    PeriodState,
    SubmissionState,
    UnitKind,
)
from app.scope import (
    ScopeFilter,
    current_scope,
    managed_employees,
    managed_units,
    visible_submissions,
    visible_units,
)
from app.scope import visible_employees as visible_employees_condition
from app.services import ValidationFailed
from app.services.accounts import create_accounts, reset_passwords
from app.services.org import (
    EmployeeInput,
    confirm_units,
    deactivate_employees,
    employee_errors,
    set_units_archived,
    unit_errors,
)
from app.services.periods import change_period_state, period_errors
from app.views.base import RuleValidator, ScopedModelView


def _select(label, enum_cls) -> SelectField:
    return SelectField(label, choices=enum_cls.choices, widget=Select2Widget())


def status_badges(labels: list[str]) -> Markup:
    """A unit's status labels (contoh, belum dikonfirmasi, diarsipkan) as badges."""
    badge = Markup('<span class="label label-warning unit-status">{}</span>')
    return Markup(" ").join(badge.format(label) for label in labels)


# Pickers offer only units in use and active people; history keeps the others.
_OPEN_UNITS = ["archived", FilterEqual, False]
_ACTIVE_PEOPLE = ["active", FilterEqual, True]


def _items(items) -> list:
    return items if isinstance(items, list) else [items]


def _related_id(field) -> int | None:
    return field.data.id if field.data is not None else None


def _unit_rules(form) -> dict[str, list[str]]:
    parent = _related_id(form.parent) if hasattr(form, "parent") else None
    return unit_errors(getattr(form, "_id", None), parent, form.code.data or "", form.kind.data)


def _employee_rules(form) -> dict[str, list[str]]:
    data = EmployeeInput(
        nip=(form.nip.data or "").strip(),
        status=form.status.data,
        golongan=(form.golongan.data or "").strip(),
        jabatan_type=form.jabatan_type.data,
        unit_id=_related_id(form.unit),
        supervisor_id=_related_id(form.supervisor),
        employee_id=getattr(form, "_id", None),
    )
    return employee_errors(data, current_scope())


class UnitView(ScopedModelView):
    """Units (perangkat daerah) and sub-units; HR and Admin maintain them."""

    datamodel = SQLAInterface(Unit)
    visible = staticmethod(visible_units)
    managed = staticmethod(managed_units)
    list_title = _l("Units")
    empty_list = {
        "title": _l("No units in your scope yet"),
        "text": _l(
            "Units (OPD) hold the employees and their forms. Add the regency's units first."
        ),
        "action": _l("Add the first unit"),
    }
    show_title = _l("Unit")
    add_title = _l("Add unit")
    edit_title = _l("Edit unit")
    list_columns = ["code", "short_name", "name", "kind_label", "parent", "status_labels"]
    show_columns = [
        "code", "name", "short_name", "kind_label", "parent", "head", "address", "phone",
        "status_labels",
    ]  # fmt: skip
    add_columns = edit_columns = [
        "code", "name", "short_name", "kind", "parent", "head", "address", "phone",
    ]  # fmt: skip
    search_columns = ["code", "name", "short_name", "kind", "parent", "archived"]
    order_columns = ["code", "short_name", "name"]
    base_order = ("code", "asc")
    label_columns = {
        "code": _l("Code"),
        "name": _l("Name"),
        "short_name": _l("Short name"),
        "kind": _l("Kind"),
        "kind_label": _l("Kind"),
        "parent": _l("Parent unit"),
        "head": _l("Head of unit"),
        "address": _l("Address (letterhead)"),
        "phone": _l("Phone (letterhead)"),
        "status_labels": _l("Status"),
        "archived": _l("Archived"),
    }
    formatters_columns = {"status_labels": status_badges}
    add_form_extra_fields = edit_form_extra_fields = {"kind": _select(_l("Kind"), UnitKind)}
    add_form_query_rel_fields = edit_form_query_rel_fields = {
        "parent": [["id", ScopeFilter, managed_units], _OPEN_UNITS],
        "head": [["id", ScopeFilter, managed_employees], _ACTIVE_PEOPLE],
    }
    validators_columns = {
        "code": [RuleValidator(_unit_rules)],
        "parent": [RuleValidator(_unit_rules)],
    }
    extra_args = {"tree_link": True}

    def _done(self, message):
        flash(message, "success")
        return redirect(self.get_redirect())

    @action("archive_units", _l("Archive"), _l("Archive the selected units?"), "fa-archive")
    def archive_action(self, items):
        set_units_archived(_items(items), True)
        return self._done(_l("Units archived: they stay in the history."))

    @action("restore_units", _l("Restore"), _l("Restore the selected units?"), "fa-undo")
    def restore_action(self, items):
        set_units_archived(_items(items), False)
        return self._done(_l("Units restored."))

    @action(
        "confirm_units",
        _l("Confirm name"),
        _l("Confirm that the selected units exist under these names?"),
        "fa-check",
    )
    def confirm_action(self, items):
        confirm_units(_items(items), g.user.id)
        return self._done(_l("Units confirmed."))


class UnitTreeView(BaseView):
    """The unit tree as an indented outline, limited to the units one may see."""

    route_base = "/units/tree"
    default_view = "tree"

    @expose("/")
    @has_access
    def tree(self):
        units = db.session.scalars(
            select(Unit).where(visible_units(current_scope())).order_by(Unit.code)
        ).all()
        by_parent: dict[int | None, list[Unit]] = {}
        ids = {u.id for u in units}
        for unit in units:
            key = unit.parent_id if unit.parent_id in ids else None
            by_parent.setdefault(key, []).append(unit)
        return self.render_template(
            "org/unit_tree.html", by_parent=by_parent, title=_l("Unit tree")
        )


class EmployeeView(ScopedModelView):
    """Employees (ASN); unit admins keep their own unit's people up to date."""

    datamodel = SQLAInterface(Employee)
    visible = staticmethod(visible_employees_condition)
    managed = staticmethod(managed_employees)
    list_title = _l("Employees")
    empty_list = {
        "title": _l("No employees in your scope yet"),
        "text": _l("Add employees one by one here, or many at once under Import employees."),
        "action": _l("Add an employee"),
    }
    show_title = _l("Employee")
    add_title = _l("Add employee")
    edit_title = _l("Edit employee")
    list_columns = ["nip", "name", "golongan", "jabatan", "unit", "supervisor", "active"]
    show_columns = [
        "nip", "name", "status", "golongan", "pangkat", "jabatan", "jabatan_type_label",
        "unit", "supervisor", "active",
    ]  # fmt: skip
    add_columns = edit_columns = [
        "nip", "name", "status", "golongan", "jabatan", "jabatan_type", "unit", "supervisor",
        "active",
    ]  # fmt: skip
    search_columns = [
        "nip",
        "name",
        "unit",
        "golongan",
        "jabatan",
        "jabatan_type",
        "status",
        "active",
    ]
    order_columns = ["nip", "name", "golongan", "jabatan"]
    base_order = ("name", "asc")
    list_select_related = True
    show_template = "org/employee_show.html"  # adds the evaluations panel with print buttons
    formatters_columns = {"active": yes_no}
    label_columns = {
        "nip": _l("NIP"),
        "name": _l("Name"),
        "status": _l("Status"),
        "golongan": _l("Golongan/ruang"),
        "pangkat": _l("Pangkat"),
        "jabatan": _l("Position (jabatan)"),
        "jabatan_type": _l("Position type"),
        "jabatan_type_label": _l("Position type"),
        "unit": _l("Unit"),
        "supervisor": _l("Evaluator (pejabat penilai)"),
        "active": _l("Active"),
    }
    description_columns = {
        "nip": _l("18 digits, as on the civil servant's decree."),
        "golongan": _l("PNS: I/a to IV/e. PPPK: I to XVII."),
    }
    add_form_extra_fields = edit_form_extra_fields = {
        "status": _select(_l("Status"), EmploymentStatus),
        "jabatan_type": _select(_l("Position type"), JabatanType),
    }
    add_form_query_rel_fields = edit_form_query_rel_fields = {
        "unit": [["id", ScopeFilter, managed_units], _OPEN_UNITS],
        "supervisor": [["id", ScopeFilter, visible_employees_condition], _ACTIVE_PEOPLE],
    }
    search_form_query_rel_fields = {
        "unit": [["id", ScopeFilter, visible_units]],
        "supervisor": [["id", ScopeFilter, visible_employees_condition]],
    }
    validators_columns = {
        name: [RuleValidator(_employee_rules)]
        for name in ("nip", "status", "golongan", "jabatan_type", "unit", "supervisor")
    }

    def _issue(self, items, issue, title):
        items = _items(items)
        return self.render_template("accounts/issued.html", issued=issue(items), title=title)

    @action(
        "create_accounts",
        _l("Create login accounts"),
        _l("Create login accounts for the selected employees?"),
        "fa-key",
    )
    def create_accounts(self, items):
        return self._issue(items, create_accounts, _l("Login accounts"))

    @action(
        "reset_passwords",
        _l("Reset passwords"),
        _l("Give the selected employees a new temporary password?"),
        "fa-refresh",
    )
    def reset_passwords(self, items):
        return self._issue(items, reset_passwords, _l("New passwords"))

    @action(
        "deactivate_employees",
        _l("Deactivate"),
        _l("Deactivate the selected employees? They stay in the history."),
        "fa-user-times",
    )
    def deactivate_action(self, items):
        deactivate_employees(_items(items))
        flash(_l("Employees deactivated: they stay in the history."), "success")
        return redirect(self.get_redirect())


@dataclass(frozen=True)
class EmployeeSubmission:
    """A line of the evaluations panel on an employee's page."""

    id: int
    period: EvaluationPeriod
    state: str
    state_label: str
    predikat_label: str


def employee_submissions(employee_id) -> list[EmployeeSubmission]:
    """The employee's submissions the current user may see, newest period first."""
    if not str(employee_id).isdigit():  # FAB passes the URL's pk as text
        return []
    employee_id = int(employee_id)
    query = (
        select(Submission)
        .join(EvaluationPeriod, Submission.period_id == EvaluationPeriod.id)
        .where(Submission.employee_id == employee_id, visible_submissions(current_scope()))
        .options(selectinload(Submission.period))
        .order_by(EvaluationPeriod.start_date.desc())
    )
    return [
        EmployeeSubmission(
            item.id,
            item.period,
            item.state,
            SubmissionState(item.state).label,
            Predikat(item.predikat).label if item.predikat else "",
        )  # fmt: skip
        for item in db.session.scalars(query)
    ]


class PeriodView(ScopedModelView):
    """Evaluation periods; HR creates, opens and closes them."""

    datamodel = SQLAInterface(EvaluationPeriod)
    visible = staticmethod(lambda scope: EvaluationPeriod.id.isnot(None))
    managed = staticmethod(lambda scope: EvaluationPeriod.id.isnot(None))
    list_title = _l("Evaluation periods")
    empty_list = {
        "title": _l("No evaluation period yet"),
        "text": _l(
            "Employees report their results per period. Add the first period, then open it."
        ),
        "action": _l("Add a period"),
    }
    show_title = _l("Evaluation period")
    add_title = _l("Add evaluation period")
    edit_title = _l("Edit evaluation period")
    list_columns = ["name", "kind_label", "start_date", "end_date", "state_label"]
    show_columns = ["name", "kind_label", "start_date", "end_date", "state_label"]
    add_columns = edit_columns = ["name", "kind", "start_date", "end_date"]
    search_columns = ["name", "kind", "state", "start_date", "end_date"]
    order_columns = ["name", "start_date", "end_date"]
    base_order = ("start_date", "desc")
    label_columns = {
        "name": _l("Name"),
        "kind": _l("Kind"),
        "kind_label": _l("Kind"),
        "start_date": _l("Start"),
        "end_date": _l("End"),
        "state": _l("State"),
        "state_label": _l("State"),
    }
    formatters_columns = {"start_date": long_date, "end_date": long_date}
    add_form_extra_fields = edit_form_extra_fields = {"kind": _select(_l("Kind"), PeriodKind)}
    validators_columns = {
        "end_date": [
            RuleValidator(lambda form: period_errors(form.start_date.data, form.end_date.data))
        ]
    }

    def _change_state(self, items, state: PeriodState, reason: str = ""):
        items = _items(items)
        try:
            change_period_state(items, state, g.user.id, reason)
        except ValidationFailed as exc:
            flash(str(exc), "danger")
        else:
            flash(_l("Period state changed to %(state)s.", state=state.label), "success")
        return redirect(self.get_redirect())

    @action(
        "open_period", lazy_pgettext("verb", "Open"), _l("Open the selected periods?"), "fa-unlock"
    )
    def open_period(self, items):
        return self._change_state(items, PeriodState.OPEN)

    @action("close_period", _l("Close"), "", "fa-lock")
    def close_period(self, items):
        """Closing is confirmed on its own page, after seeing what is still unfinished."""
        items = _items(items)
        if len(items) > 1:
            flash(_l("Close periods one at a time, after seeing what is unfinished."), "warning")
        return redirect(url_for("PeriodAdminView.close", pk=items[0].id))
