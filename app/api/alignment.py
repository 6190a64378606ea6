"""The alignment tree (pohon kinerja) as JSON, scoped like the web page.

``GET /api/v1/alignment?year=YYYY[&unit=<id>][&period=<id>]`` → nested nodes
``{type, id, code, title, achievement, children, people, gap, unit, indicators}``.
"""

from __future__ import annotations

from flask_appbuilder.api import BaseApi
from marshmallow import Schema, fields, validate

from app.api.errors import ApiContract, ApiError, endpoint, load_args
from app.api.schemas import Id, PeriodRef, Strict
from app.extensions import db
from app.models import EvaluationPeriod, Unit
from app.scope import current_scope, is_allowed, managed_units
from app.services import alignment as service

NODE_TYPES = ["vision", "mission", "sasaran", "iku", "rhk", "employee", "group"]


class AlignmentArgs(Strict):
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))
    unit = Id()
    period = Id()


class AlignmentPerson(Schema):
    id = fields.Integer()
    name = fields.String()
    jabatan = fields.String(allow_none=True)


class RegencyIndicatorRef(Schema):
    code = fields.String()
    title = fields.String()
    unit_label = fields.String()
    target = fields.Float(allow_none=True)


class AlignmentNode(Schema):
    """A node: a regency goal, a unit IKU, an RHK, an employee without SKP, or a gap group."""

    type = fields.String(validate=validate.OneOf(NODE_TYPES))
    id = fields.Integer()
    code = fields.String()
    title = fields.String()
    achievement = fields.Float(allow_none=True)
    children = fields.List(fields.Nested(lambda: AlignmentNode()))
    people = fields.List(fields.Nested(AlignmentPerson))
    gap = fields.String(allow_none=True, validate=validate.OneOf(list(service.GAP_LABELS)))
    unit = fields.String(allow_none=True)
    indicators = fields.List(fields.Nested(RegencyIndicatorRef))


class AlignmentTree(Schema):
    year = fields.Integer()
    period = fields.Nested(PeriodRef, allow_none=True)
    nodes = fields.List(fields.Nested(AlignmentNode))


class AlignmentApi(ApiContract, BaseApi):
    resource_name = "alignment"
    allow_browser_login = False
    openapi_spec_tag = "Alignment"
    openapi_spec_component_schemas = (
        *ApiContract.openapi_spec_component_schemas,
        AlignmentNode,
        AlignmentTree,
    )

    @endpoint("", "GET", "get")
    def tree(self):
        """The alignment tree of a year in the caller's scope.
        ---
        get:
          operationId: getAlignmentTree
          summary: Regency goals → unit IKU → RHK chain, with achievements, people and gaps
          parameters:
          - in: query
            name: year
            required: true
            schema: {type: integer, minimum: 2000, maximum: 2100}
          - {in: query, name: unit, schema: {type: integer, minimum: 1}}
          - {in: query, name: period, schema: {type: integer, minimum: 1}}
          responses:
            200:
              description: The tree (gaps gathered in `group` nodes after the visions)
              content:
                application/json:
                  schema: {$ref: '#/components/schemas/AlignmentTree'}
            404: {$ref: '#/components/responses/404'}
        """
        args = load_args(AlignmentArgs())
        period = None
        if args.get("period") is not None:
            period = db.session.get(EvaluationPeriod, args["period"])
            if period is None:
                raise ApiError(404)
        unit_id = args.get("unit")
        if unit_id is not None and not is_allowed(Unit, unit_id, managed_units):
            raise ApiError(404)
        tree = service.build(current_scope(), args["year"], period, unit_id)
        return self.response(200, **tree.to_dict())
