"""`/api/v1/employee/<id>/annual?year=YYYY`: an employee's annual evaluation.

GET: the portal's proposal from the year's approved periodic evaluations and the
approved annual evaluation, if any (the employee, their evaluators, unit admins, HR).
POST `…/annual/approve`: the evaluator confirms or overrides it (with a reason).
GET `…/annual/document`: the approved evaluation as PDF.
"""

from __future__ import annotations

from flask_appbuilder.api import BaseApi
from flask_babel import get_locale
from marshmallow import Schema, fields, validate

from app.api.errors import ApiContract, ApiError, endpoint, load_args, load_body, refusals
from app.api.schemas import EmployeeRef, Indicator, Ratings, Strict
from app.domain.ratings import Rating
from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.models import Employee
from app.scope import current_scope, is_allowed, visible_employees
from app.services import annual as service
from app.services.annual_documents import annual_download

_RATING = validate.OneOf([r.value for r in Rating], error=_l("Choose one of the ratings."))


class AnnualQuerySchema(Strict):
    year = fields.Integer(
        required=True,
        validate=validate.Range(
            service.MIN_YEAR, service.MAX_YEAR, error=_l("Enter a year from 2000 to 2100.")
        ),
        error_messages={"invalid": _l("Enter a year from 2000 to 2100."),
                        "required": _l("This field is required.")},
    )  # fmt: skip


class AnnualApproveSchema(Strict):
    """Empty: confirm the proposal. `hasil`/`perilaku` other than proposed need a `reason`."""

    hasil = fields.String(load_default=None, allow_none=True, validate=_RATING)
    perilaku = fields.String(load_default=None, allow_none=True, validate=_RATING)
    reason = fields.String(load_default="", validate=validate.Length(max=service.MAX_REASON))


class AnnualPeriod(Ratings):
    """A periodic evaluation of the year, with its final (calibrated) predikat."""

    submission_id = fields.Integer()
    period = fields.String()


class IndicatorPeriod(Schema):
    period = fields.String()
    target = fields.Float(allow_none=True)
    realisation = fields.Float(allow_none=True)


class AnnualIndicator(Indicator):
    """An indicator's year: target, realisation and achievement, period by period."""

    key = fields.String()
    group = fields.String(allow_none=True)
    aspect = fields.String(allow_none=True)
    periods = fields.List(fields.Nested(IndicatorPeriod))


class AnnualProposal(Ratings):
    indicators = fields.List(fields.Nested(AnnualIndicator))
    achievement = fields.Float(allow_none=True)
    org_rating = fields.String(allow_none=True)


class AnnualEvaluation(Ratings):
    id = fields.Integer()
    state = fields.String()
    achievement = fields.Float(allow_none=True)
    override_reason = fields.String(allow_none=True)
    approved_at = fields.String()


class AnnualResult(Schema):
    """An employee's annual evaluation: the proposal and the approved result (or null)."""

    employee = fields.Nested(EmployeeRef)
    year = fields.Integer()
    periods = fields.List(fields.Nested(AnnualPeriod))
    proposal = fields.Nested(AnnualProposal)
    evaluation = fields.Nested(AnnualEvaluation, allow_none=True)
    may_approve = fields.Boolean()


def _lang() -> str:
    return "en" if str(get_locale() or "id").startswith("en") else "id"


def _num(value):
    return None if value is None else float(value)


def to_dict(proposal: service.Proposal, may_approve: bool) -> dict:
    row = proposal.evaluation
    employee = proposal.employee
    return {
        "employee": {"id": employee.id, "nip": employee.nip, "name": employee.name},
        "year": proposal.year,
        "periods": [
            {
                "submission_id": s.id,
                "period": s.period.name,
                "predikat": s.final_predikat,
                "hasil_rating": s.hasil_rating,
                "perilaku_rating": s.perilaku_rating,
            }
            for s in proposal.submissions
        ],  # fmt: skip
        "proposal": {
            "indicators": [line.to_dict() for line in proposal.indicators],
            "achievement": _num(proposal.achievement),
            "hasil_rating": proposal.hasil.value if proposal.hasil else None,
            "perilaku_rating": proposal.perilaku.value if proposal.perilaku else None,
            "predikat": proposal.predikat.value if proposal.predikat else None,
            "org_rating": proposal.org_rating,
        },
        "evaluation": None
        if row is None
        else {
            "id": row.id,
            "state": row.state,
            "achievement": _num(row.achievement),
            "hasil_rating": row.hasil_rating,
            "perilaku_rating": row.perilaku_rating,
            "predikat": row.predikat,
            "override_reason": row.override_reason,
            "approved_at": row.approved_at.isoformat(),
        },  # fmt: skip
        "may_approve": may_approve and row is None and proposal.perilaku is not None,
    }


class AnnualApi(ApiContract, BaseApi):
    resource_name = "employee"
    allow_browser_login = False
    openapi_spec_tag = "Annual evaluation"
    openapi_spec_component_schemas = (
        *ApiContract.openapi_spec_component_schemas,
        AnnualApproveSchema,
        AnnualResult,
    )

    def _proposal(self, pk: int) -> service.Proposal:
        args = load_args(AnnualQuerySchema())
        if not is_allowed(Employee, pk, visible_employees):
            raise ApiError(404)
        return service.propose(db.session.get(Employee, pk), args["year"], _lang())

    @endpoint("/<int:pk>/annual", "GET", "get")
    def annual(self, pk):
        """An employee's annual evaluation: proposal and approved result.
        ---
        get:
          operationId: getEmployeeAnnualEvaluation
          summary: The proposal from the year's periodic evaluations, and the approved result
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer, minimum: 1}}
          - in: query
            name: year
            required: true
            schema: {type: integer, minimum: 2000, maximum: 2100}
          responses:
            200:
              description: Periodic evaluations, proposal per indicator, approved evaluation
              content:
                application/json:
                  schema: {$ref: '#/components/schemas/AnnualResult'}
            401: {$ref: '#/components/responses/401'}
            404: {$ref: '#/components/responses/404'}
            422: {$ref: '#/components/responses/422'}
        """

        proposal = self._proposal(pk)
        allowed = service.may_approve(current_scope(), proposal)
        return self.response(200, **to_dict(proposal, allowed))

    @endpoint("/<int:pk>/annual/approve", "POST", "post")
    def approve(self, pk):
        """Confirm or override the annual evaluation (the evaluator).
        ---
        post:
          operationId: approveEmployeeAnnualEvaluation
          summary: Confirm the proposal, or override hasil/perilaku with a reason
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer, minimum: 1}}
          - in: query
            name: year
            required: true
            schema: {type: integer, minimum: 2000, maximum: 2100}
          requestBody:
            required: true
            content:
              application/json:
                schema: {$ref: '#/components/schemas/AnnualApproveSchema'}
          responses:
            200:
              description: The approved annual evaluation
              content:
                application/json:
                  schema: {$ref: '#/components/schemas/AnnualResult'}
            400: {$ref: '#/components/responses/400'}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/403'}
            404: {$ref: '#/components/responses/404'}
            409: {$ref: '#/components/responses/409'}
            422: {$ref: '#/components/responses/422'}
        """

        proposal = self._proposal(pk)
        scope = current_scope()
        if not service.may_approve(scope, proposal):
            raise ApiError(403)
        body = load_body(AnnualApproveSchema())
        with refusals(service.AnnualRefused):
            service.approve(proposal, scope, scope.user_id, **body)
        return self.response(200, **to_dict(proposal, True))

    @endpoint("/<int:pk>/annual/document", "GET", "get")
    def document(self, pk):
        """The approved annual evaluation as PDF.
        ---
        get:
          operationId: getEmployeeAnnualDocument
          summary: Dokumen Evaluasi Kinerja Pegawai (tahunan) as PDF
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer, minimum: 1}}
          - in: query
            name: year
            required: true
            schema: {type: integer, minimum: 2000, maximum: 2100}
          responses:
            200:
              description: The PDF; its verification code in X-Document-Code
              content:
                application/pdf:
                  schema: {type: string, format: binary}
            401: {$ref: '#/components/responses/401'}
            404: {$ref: '#/components/responses/404'}
            422: {$ref: '#/components/responses/422'}
        """

        proposal = self._proposal(pk)
        if proposal.evaluation is None:
            raise ApiError(404, errors={"year": [_l("The annual evaluation is not approved yet.")]})
        download = annual_download(proposal.evaluation, _lang(), current_scope().user_id)
        return download.send()
