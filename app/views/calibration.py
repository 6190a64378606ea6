"""Calibration (kalibrasi) per unit and period, and the annual evaluation (evaluasi tahunan).

Thin pages over `app.services.calibration` and `app.services.annual`; who sees what
comes from `app.scope`.
"""

from __future__ import annotations

import datetime as dt

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext
from sqlalchemy import select

from app.domain.ratings import Predikat, Rating
from app.extensions import db
from app.i18n import lang
from app.i18n import lazy_gettext as _l
from app.models import Employee, EvaluationPeriod, Unit
from app.models.types import PeriodState
from app.scope import calibration_units, current_scope, is_allowed, visible_employees
from app.services import ValidationFailed
from app.services import annual as annual_service
from app.services import calibration as service
from app.services.annual_documents import annual_download
from app.services.recaps import org_label, predikat_label, rating_label
from app.services.skp_feedback import feedback_for

MAX_ID = 2**31 - 1
LABELS = {"predikat_label": predikat_label, "org_label": org_label, "rating_label": rating_label}


def _int(value) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= MAX_ID else None


def _errors(exc: ValidationFailed) -> None:
    for messages in exc.errors.values():
        for message in messages:
            flash(str(message), "danger")


class CalibrationView(BaseView):
    """The unit head's (or HR's) calibration page of a unit and period."""

    route_base = "/calibration"
    default_view = "index"

    def _choice(self, source):
        scope = current_scope()
        units = db.session.scalars(
            select(Unit).where(calibration_units(scope)).order_by(Unit.code)
        ).all()
        periods = db.session.scalars(
            select(EvaluationPeriod)
            .where(EvaluationPeriod.state != PeriodState.DRAFT.value)
            .order_by(EvaluationPeriod.start_date.desc())
        ).all()
        unit_id, period_id = _int(source.get("unit_id")), _int(source.get("period_id"))
        unit = next((u for u in units if u.id == unit_id), units[0] if units else None)
        if unit_id is not None and unit is not None and unit.id != unit_id:
            abort(404)
        period = next((p for p in periods if p.id == period_id), periods[0] if periods else None)
        return scope, units, periods, unit, period

    def _page(self, units, periods, unit, period, posted=None):
        state = service.state_of(unit, period) if unit and period else None
        return self.render_template(
            "calibration/index.html", units=units, periods=periods, unit=unit, period=period,
            state=state, predikats=list(Predikat), posted=posted or {},
            hr=current_scope().regency_wide, title=_l("Calibration"), **LABELS,
        )  # fmt: skip

    @expose("/")
    @has_access
    @permission_name("get")
    def index(self):
        _scope, units, periods, unit, period = self._choice(request.args)
        return self._page(units, periods, unit, period)

    @expose("/", methods=["POST"])
    @has_access
    @permission_name("post")
    def save(self):
        scope, units, periods, unit, period = self._choice(request.form)
        if unit is None or period is None:
            abort(404)
        form = request.form
        current = {s.id: s.final_predikat for s in service.state_of(unit, period).submissions}
        adjustments = [
            {"submission_id": sid, "predikat": form.get(f"predikat_{sid}"),
             "reason": form.get(f"reason_{sid}", "")}
            for sid, final in current.items()
            if form.get(f"predikat_{sid}") not in (None, final)
        ]  # fmt: skip
        action = form.get("action", "save")
        try:
            service.calibrate(
                unit, period, adjustments, scope, scope.user_id, close=action == "close",
                reopen=action == "reopen", reason=form.get("reopen_reason", ""),
            )  # fmt: skip
        except ValidationFailed as exc:
            _errors(exc)
            return self._page(units, periods, unit, period, posted=form)
        flash(gettext("The calibration was saved."), "success")
        return redirect(url_for(".index", unit_id=unit.id, period_id=period.id))


class AnnualView(BaseView):
    """Annual evaluations: the evaluator's team and one's own; propose, approve, print."""

    route_base = "/annual"
    default_view = "index"

    @staticmethod
    def _year(source) -> int:
        year = _int(source.get("year")) or dt.date.today().year
        if not annual_service.MIN_YEAR <= year <= annual_service.MAX_YEAR:
            abort(404)
        return year

    @staticmethod
    def _employee(pk: int) -> Employee:
        if pk > MAX_ID or not is_allowed(Employee, pk, visible_employees):
            abort(404)
        return db.session.get(Employee, pk)

    @expose("/")
    @has_access
    @permission_name("get")
    def index(self):
        scope, year = current_scope(), self._year(request.args)
        team = []
        if scope.employee_id:
            team = db.session.scalars(
                select(Employee)
                .where(Employee.supervisor_id == scope.employee_id, Employee.active.is_(True))
                .order_by(Employee.name)
            ).all()
        me = db.session.get(Employee, scope.employee_id) if scope.employee_id else None
        return self.render_template(
            "calibration/annual_index.html", year=year, team=team, me=me,
            title=_l("Annual evaluation"),
        )  # fmt: skip

    @expose("/<int:pk>")
    @has_access
    @permission_name("get")
    def show(self, pk):
        return self._show(self._employee(pk), self._year(request.args))

    def _show(self, employee, year, posted=None):
        proposal = annual_service.propose(employee, year, lang())
        return self.render_template(
            "calibration/annual.html", proposal=proposal, year=year, posted=posted or {},
            may_approve=annual_service.may_approve(current_scope(), proposal)
            and proposal.evaluation is None and proposal.perilaku is not None,
            ratings=list(Rating), title=_l("Annual evaluation"), **LABELS,
            skp_notes=feedback_for(employee, year),
        )  # fmt: skip

    @expose("/<int:pk>", methods=["POST"])
    @has_access
    @permission_name("post")
    def approve(self, pk):
        employee, year = self._employee(pk), self._year(request.form)
        proposal = annual_service.propose(employee, year, lang())
        scope = current_scope()
        if not annual_service.may_approve(scope, proposal):
            abort(403)
        form = request.form
        try:
            annual_service.approve(
                proposal, scope, scope.user_id, hasil=form.get("hasil"),
                perilaku=form.get("perilaku"), reason=form.get("reason", ""),
            )  # fmt: skip
        except ValidationFailed as exc:
            _errors(exc)
            return self._show(employee, year, posted=form)
        flash(gettext("The annual evaluation was approved."), "success")
        return redirect(url_for(".show", pk=employee.id, year=year))

    @expose("/<int:pk>/document")
    @has_access
    @permission_name("get")
    def document(self, pk):
        employee, year = self._employee(pk), self._year(request.args)
        evaluation = annual_service.propose(employee, year, lang()).evaluation
        if evaluation is None:
            abort(404)
        return annual_download(evaluation, lang(), current_scope().user_id).send()
