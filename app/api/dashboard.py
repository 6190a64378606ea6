"""Dashboard figures, unit IKU achievement and awards as JSON; scoped like the web pages.

- ``GET /api/v1/dashboard/summary?period=<id>[&unit=<id>]``: completion, predikat
  distribution with curve violations, ranking and trend of the units in scope.
- ``GET /api/v1/unit/<id>/achievement?period=<id>``: the unit's IKU roll-up, overall
  achievement, proposed and confirmed organisational rating.
- ``GET /api/v1/award/[?period=<id>][&state=proposed|confirmed|dismissed]``: awards
  (confirmed ones unless HR asks for another state).
"""

from __future__ import annotations

from flask_appbuilder.api import BaseApi

from app.api import schemas
from app.api.errors import ApiContract, ApiError, endpoint, load_args
from app.extensions import db
from app.models import Employee, EvaluationPeriod, Unit
from app.scope import (
    achievement_units,
    allowed_ids,
    current_scope,
    dashboard_units,
    is_allowed,
    managed_awards,
    visible_awards,
    visible_employees,
)
from app.services import awards as award_service
from app.services import dashboard as figures
from app.services import rollup as rollup_service


def _period(period_id: int) -> EvaluationPeriod:
    period = db.session.get(EvaluationPeriod, period_id)
    if period is None:
        raise ApiError(404)
    return period


class DashboardApi(ApiContract, BaseApi):
    resource_name = "dashboard"
    allow_browser_login = False
    openapi_spec_tag = "Dashboard"

    @endpoint("/summary", "GET", "get")
    def summary(self):
        """The figures of the HR / unit dashboard for a period (units in scope).
        ---
        get:
          summary: Completion, predikat distribution, ranking and trend of the units in scope
          parameters:
          - {in: query, name: period, required: true, schema: {type: integer, minimum: 1}}
          - {in: query, name: unit, schema: {type: integer, minimum: 1}}
          responses:
            200:
              description: The dashboard figures
              content:
                application/json:
                  schema: {$ref: '#/components/schemas/DashboardSummary'}
            404: {$ref: '#/components/responses/404'}
        """
        args = load_args(schemas.SummaryArgs())
        scope = current_scope()
        period = _period(args["period"])
        if not (scope.regency_wide or scope.unit_id):
            raise ApiError(403)
        unit_id = args.get("unit")
        if unit_id is not None and not is_allowed(Unit, unit_id, dashboard_units):
            raise ApiError(404)
        return self.response(200, **figures.summary(scope, period, unit_id).to_dict())


class UnitAchievementApi(ApiContract, BaseApi):
    resource_name = "unit"
    allow_browser_login = False
    openapi_spec_tag = "Dashboard"

    @endpoint("/<int:pk>/achievement", "GET", "get")
    def achievement(self, pk):
        """A unit's IKU roll-up for a period.
        ---
        get:
          summary: A unit's IKU roll-up, overall achievement and organisational rating
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer, minimum: 1}}
          - {in: query, name: period, required: true, schema: {type: integer, minimum: 1}}
          responses:
            200:
              description: The roll-up
              content:
                application/json:
                  schema: {$ref: '#/components/schemas/UnitAchievement'}
        """
        args = load_args(schemas.PeriodArgs())
        if not is_allowed(Unit, pk, achievement_units):
            raise ApiError(404)
        rollup = rollup_service.unit_rollup(db.session.get(Unit, pk), _period(args["period"]))
        return self.response(200, **rollup.to_dict())


class AwardApi(ApiContract, BaseApi):
    resource_name = "award"
    allow_browser_login = False
    openapi_spec_tag = "Awards"

    @endpoint("/", "GET", "get")
    def list(self):
        """Awards in scope (a state other than confirmed: HR only).
        ---
        get:
          summary: Awards in scope; NIPs only for those who manage the awardee
          parameters:
          - {in: query, name: period, schema: {type: integer, minimum: 1}}
          - in: query
            name: state
            schema: {type: string, enum: [proposed, confirmed, dismissed], default: confirmed}
          responses:
            200:
              description: The awards
              content:
                application/json:
                  schema: {$ref: '#/components/schemas/AwardList'}
        """
        args = load_args(schemas.AwardArgs())
        scope = current_scope()
        state = args["state"]
        condition = visible_awards(scope)
        if state != award_service.CONFIRMED:
            condition = managed_awards(scope)
        rows = award_service.awards_of(condition, args.get("period"), state)
        # A NIP encodes birth date and sex: only for those who may see the awardee's record.
        known = allowed_ids(Employee, {row[1].id for row in rows}, visible_employees)
        result = [award_service.to_dict(*row, with_nip=row[1].id in known) for row in rows]
        return self.response(200, count=len(result), result=result)
