"""`/api/v1/unit/<id>/calibration?period=<id>`: a unit's calibration (kalibrasi) for a period.

GET: organisational rating, required curve, distribution, violations and every approved
evaluation with its approved and final predikat. POST: adjust predikat (each with a
reason), close the calibration, or (HR) reopen it. Who: the unit's head, or HR.
"""

from __future__ import annotations

from flask_appbuilder.api import BaseApi
from marshmallow import Schema, fields, validate

from app.api.errors import ApiContract, ApiError, endpoint, load_args, load_body, refusals
from app.api.schemas import (
    CurveViolation,
    EmployeeRef,
    PeriodArgs,
    PeriodRef,
    Ratings,
    Strict,
    StrictId,
    UnitRef,
)
from app.domain.ratings import Predikat
from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.models import EvaluationPeriod, Unit
from app.scope import current_scope, is_allowed, visible_units
from app.services import calibration as service

_PREDIKAT = validate.OneOf([p.value for p in Predikat], error=_l("Choose one of the predikat."))
_REQUIRED = {"required": _l("This field is required.")}


class CalibrationAdjustmentSchema(Strict):
    submission_id = StrictId(required=True)
    predikat = fields.String(required=True, validate=_PREDIKAT, error_messages=_REQUIRED)
    reason = fields.String(
        required=True,
        validate=validate.Length(
            1, service.MAX_REASON, error=_l("Give a reason (at most 2000 characters).")
        ),
        error_messages=_REQUIRED,
    )


class CalibrationPostSchema(Strict):
    """Adjustments to apply, then `close` (freeze) or, HR only, `reopen` with a `reason`."""

    adjustments = fields.List(
        fields.Nested(CalibrationAdjustmentSchema),
        load_default=list,
        validate=validate.Length(max=1000),
    )
    close = fields.Boolean(load_default=False)
    reopen = fields.Boolean(load_default=False)
    reason = fields.String(load_default="", validate=validate.Length(max=service.MAX_REASON))


class CalibratedEvaluation(Ratings):
    """An approved evaluation: its approved `predikat` and the calibrated `final_predikat`."""

    submission_id = fields.Integer()
    employee = fields.Nested(EmployeeRef)
    achievement = fields.Float(allow_none=True)
    final_predikat = fields.String(allow_none=True)
    calibration_reason = fields.String(allow_none=True)


class CalibrationResult(Schema):
    """A unit's calibration (kalibrasi) for a period."""

    unit = fields.Nested(UnitRef)
    period = fields.Nested(PeriodRef)
    state = fields.String(validate=validate.OneOf([service.OPEN, service.CLOSED]))
    closed_at = fields.String(allow_none=True)
    org_rating = fields.String(allow_none=True)
    required = fields.List(fields.String(), metadata={"description": "The curve's rules."})
    distribution = fields.Dict(keys=fields.String(), values=fields.Integer())
    violations = fields.List(fields.Nested(CurveViolation))
    evaluations = fields.List(fields.Nested(CalibratedEvaluation))


def _number(value):
    return None if value is None else float(value)


def to_dict(state: service.CalibrationState) -> dict:
    record = state.record
    return {
        "unit": {"id": state.unit.id, "code": state.unit.code, "name": state.unit.name},
        "period": {"id": state.period.id, "name": state.period.name, "state": state.period.state},
        "state": service.CLOSED if state.closed else service.OPEN,
        "closed_at": record.closed_at.isoformat() if state.closed else None,
        "org_rating": state.rating.rating if state.rating else None,
        "required": state.required,
        "distribution": {p.value: state.counts.get(p, 0) for p in Predikat},
        "violations": [
            {"rule": v.rule, "predikat": [p.value for p in v.predikats], "message": v.message}
            for v in state.violations
        ],
        "evaluations": [
            {
                "submission_id": s.id,
                "employee": {"id": s.employee.id, "nip": s.employee.nip, "name": s.employee.name},
                "achievement": _number(s.achievement),
                "hasil_rating": s.hasil_rating,
                "perilaku_rating": s.perilaku_rating,
                "predikat": s.predikat,
                "final_predikat": s.final_predikat,
                "calibration_reason": s.calibration_reason if s.calibrated_at else None,
            }
            for s in state.submissions
        ],
    }


class CalibrationApi(ApiContract, BaseApi):
    resource_name = "unit"
    allow_browser_login = False
    openapi_spec_tag = "Calibration"
    openapi_spec_component_schemas = (
        *ApiContract.openapi_spec_component_schemas,
        CalibrationPostSchema,
        CalibrationResult,
    )

    def _target(self, pk: int):
        """The unit and period of the request, if the caller calibrates the unit."""
        args = load_args(PeriodArgs())
        scope, unit = current_scope(), db.session.get(Unit, pk)
        if unit is None:
            raise ApiError(404)
        if not service.may_calibrate(scope, unit):
            raise ApiError(403 if is_allowed(Unit, pk, visible_units) else 404)
        period = db.session.get(EvaluationPeriod, args["period"])
        if period is None:
            raise ApiError(404, errors={"period": [_l("There is no such period.")]})
        return unit, period, scope

    @endpoint("/<int:pk>/calibration", "GET", "get")
    def calibration(self, pk):
        """A unit's calibration for a period.
        ---
        get:
          operationId: getUnitCalibration
          summary: The unit's calibration (kalibrasi) for a period
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer, minimum: 1}}
          - {in: query, name: period, required: true, schema: {type: integer, minimum: 1}}
          responses:
            200:
              description: Rating, required curve, distribution, violations and evaluations
              content:
                application/json:
                  schema: {$ref: '#/components/schemas/CalibrationResult'}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/403'}
            404: {$ref: '#/components/responses/404'}
            422: {$ref: '#/components/responses/422'}
        """

        unit, period, _scope = self._target(pk)
        return self.response(200, **to_dict(service.state_of(unit, period)))

    @endpoint("/<int:pk>/calibration", "POST", "post")
    def calibrate(self, pk):
        """Adjust predikat, close or reopen a unit's calibration.
        ---
        post:
          operationId: postUnitCalibration
          summary: Adjust predikat (with reasons), close or reopen the calibration
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer, minimum: 1}}
          - {in: query, name: period, required: true, schema: {type: integer, minimum: 1}}
          requestBody:
            required: true
            content:
              application/json:
                schema: {$ref: '#/components/schemas/CalibrationPostSchema'}
          responses:
            200:
              description: The calibration after the change
              content:
                application/json:
                  schema: {$ref: '#/components/schemas/CalibrationResult'}
            400: {$ref: '#/components/responses/400'}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/403'}
            404: {$ref: '#/components/responses/404'}
            409: {$ref: '#/components/responses/409'}
            422: {$ref: '#/components/responses/422'}
        """

        unit, period, scope = self._target(pk)
        body = load_body(CalibrationPostSchema())
        with refusals(service.CalibrationRefused):
            state = service.calibrate(
                unit, period, body["adjustments"], scope, scope.user_id,
                close=body["close"], reopen=body["reopen"], reason=body["reason"],
            )  # fmt: skip
        return self.response(200, **to_dict(state))
