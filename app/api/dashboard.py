"""Dashboard figures, unit IKU achievement and awards as JSON; scoped like the web pages.

- ``GET /api/v1/dashboard/summary?period=<id>[&unit=<id>]``: completion, predikat
  distribution with curve violations, ranking and trend of the units in scope.
- ``GET /api/v1/unit/<id>/achievement?period=<id>``: the unit's IKU roll-up, overall
  achievement, proposed and confirmed organisational rating.
- ``GET /api/v1/award/[?period=<id>][&state=proposed|confirmed|dismissed]``: awards
  (confirmed ones unless HR asks for another state).
"""

from __future__ import annotations

from flask import request
from flask_appbuilder.api import BaseApi, expose, protect, safe
from flask_appbuilder.security.decorators import permission_name

from app.extensions import db
from app.models import EvaluationPeriod, Unit
from app.scope import (
    achievement_units,
    current_scope,
    dashboard_units,
    is_allowed,
    managed_awards,
    visible_awards,
)
from app.services import awards as award_service
from app.services import dashboard as figures
from app.services import rollup as rollup_service


def _int_arg(name: str, required: bool = False) -> int | None:
    raw = request.args.get(name)
    if raw in (None, ""):
        if required:
            raise ValueError(name)
        return None
    return int(raw)


class DashboardApi(BaseApi):
    resource_name = "dashboard"
    allow_browser_login = False
    openapi_spec_tag = "Dashboard"

    @expose("/summary", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    def summary(self):
        """The figures of the HR / unit dashboard for a period (units in scope)."""
        try:
            period_id, unit_id = _int_arg("period", True), _int_arg("unit")
        except ValueError:
            return self.response_400(message="period (and unit) must be numbers")
        scope = current_scope()
        period = db.session.get(EvaluationPeriod, period_id)
        if period is None:
            return self.response_404()
        if not (scope.regency_wide or scope.unit_id):
            return self.response_403()
        if unit_id is not None and not is_allowed(Unit, unit_id, dashboard_units):
            return self.response_404()
        return self.response(200, **figures.summary(scope, period, unit_id).to_dict())


class UnitAchievementApi(BaseApi):
    resource_name = "unit"
    allow_browser_login = False
    openapi_spec_tag = "Dashboard"

    @expose("/<int:pk>/achievement", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    def achievement(self, pk):
        """A unit's IKU roll-up for a period."""
        try:
            period_id = _int_arg("period", True)
        except ValueError:
            return self.response_400(message="period must be a number")
        if not is_allowed(Unit, pk, achievement_units):
            return self.response_404()
        period = db.session.get(EvaluationPeriod, period_id)
        if period is None:
            return self.response_404()
        rollup = rollup_service.unit_rollup(db.session.get(Unit, pk), period)
        return self.response(200, **rollup.to_dict())


class AwardApi(BaseApi):
    resource_name = "award"
    allow_browser_login = False
    openapi_spec_tag = "Awards"

    @expose("/", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    def list(self):
        """Awards in scope (`state` other than confirmed: HR only)."""
        try:
            period_id = _int_arg("period")
        except ValueError:
            return self.response_400(message="period must be a number")
        state = request.args.get("state") or award_service.CONFIRMED
        if state not in award_service.STATE_LABELS:
            return self.response_400(message="state must be proposed, confirmed or dismissed")
        scope = current_scope()
        condition = visible_awards(scope)
        if state != award_service.CONFIRMED:
            condition = managed_awards(scope)
        rows = award_service.awards_of(condition, period_id, state)
        result = [award_service.to_dict(*row) for row in rows]
        return self.response(200, count=len(result), result=result)
