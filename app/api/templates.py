"""`/api/v1/template/`: evaluation templates (templat penilaian), scoped like their designer.

List, read, import a JSON definition (the format of the export), publish and export,
through `app.services.templates` like the "Evaluation templates" pages.
"""

from __future__ import annotations

from flask import g, jsonify
from flask_appbuilder.api import BaseApi
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, fields, validate
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.api.errors import ApiContract, ApiError, endpoint, load_args, load_body, refusals, scoped
from app.api.schemas import MAX_ID, PublishedVersionSchema
from app.extensions import db
from app.models import EvaluationTemplate
from app.scope import current_scope, managed_templates
from app.services import ValidationFailed
from app.services import templates as template_service

WHOLE = _l("Give a whole number.")


class TemplateImportSchema(Schema):
    """A template definition to import; an export's body is accepted as it is."""

    __component_name__ = "TemplateImport"

    class Meta:
        unknown = EXCLUDE

    definition = fields.Dict(
        required=True,
        error_messages={
            "required": _l("This part is missing."),
            "invalid": _l("The template must be a JSON object."),
        },
        metadata={"description": "code, title, forms, rules, expectations (as exported)"},
    )
    unit_id = fields.Integer(
        strict=True,
        allow_none=True,
        validate=validate.Range(min=1, max=MAX_ID, error=WHOLE),
        error_messages={"invalid": WHOLE, "null": WHOLE},
        metadata={"description": "the unit (default: your own; null: regency-wide, HR only)"},
    )


class TemplateExportQuerySchema(Schema):
    """The query of an export."""

    class Meta:
        unknown = EXCLUDE

    version = fields.Integer(
        load_default=None,
        validate=validate.Range(min=1, max=MAX_ID, error=WHOLE),
        error_messages={"invalid": WHOLE},
    )


class TemplateVersionSchema(PublishedVersionSchema):
    """A published, frozen version of a template (also the export)."""

    __component_name__ = "TemplateVersion"

    code = fields.String(attribute="template.code")
    definition = fields.Dict()


class TemplateSummarySchema(Schema):
    """A template in a list."""

    __component_name__ = "TemplateSummary"

    id = fields.Integer()
    code = fields.String()
    title = fields.String()
    unit_id = fields.Integer(allow_none=True)
    archived = fields.Boolean()
    latest_version = fields.Function(
        lambda t: t.latest_version.number if t.latest_version else None, allow_none=True
    )
    has_draft = fields.Function(lambda t: t.draft is not None)


class TemplateSchema(TemplateSummarySchema):
    """A template with its draft and every published version."""

    __component_name__ = "Template"

    draft = fields.Dict(allow_none=True)
    draft_revision = fields.Integer()
    versions = fields.List(fields.Nested(TemplateVersionSchema))


IMPORT_SCHEMA = TemplateImportSchema()
EXPORT_QUERY_SCHEMA = TemplateExportQuerySchema()


class TemplateApi(ApiContract, BaseApi):
    """Evaluation templates: list, read, import, publish and export."""

    resource_name = "template"
    allow_browser_login = False  # the session cookie must not bypass CSRF
    openapi_spec_tag = "Evaluation templates"
    openapi_spec_component_schemas = (
        *ApiContract.openapi_spec_component_schemas,
        TemplateImportSchema,
        TemplateVersionSchema,
        TemplateSummarySchema,
        TemplateSchema,
    )

    @endpoint("/", "GET", "get")
    def get_list(self):
        """The templates in the caller's scope.
        ---
        get:
          operationId: listTemplates
          summary: Evaluation templates in your scope
          responses:
            200:
              description: The templates, by code
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      count: {type: integer}
                      result:
                        type: array
                        items: {$ref: '#/components/schemas/TemplateSummary'}
        """
        templates = db.session.scalars(
            select(EvaluationTemplate)
            .where(managed_templates(current_scope()))
            .options(selectinload(EvaluationTemplate.versions))
            .order_by(EvaluationTemplate.code, EvaluationTemplate.id)
        ).all()
        result = TemplateSummarySchema(many=True).dump(templates)
        return self.response(200, count=len(result), result=result)

    @endpoint("/<int:pk>", "GET", "get")
    def get(self, pk):
        """One template with its draft and every published version.
        ---
        get:
          operationId: getTemplate
          summary: One evaluation template
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          responses:
            200:
              description: The template
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      result: {$ref: '#/components/schemas/Template'}
        """
        template = scoped(EvaluationTemplate, pk, managed_templates)
        return self.response(200, result=TemplateSchema().dump(template))

    @endpoint("/import", "POST", "post")
    def import_definition(self):
        """Create a template, or replace its draft, from a JSON definition.
        ---
        post:
          operationId: importTemplate
          summary: Import a template definition (a new template, or the draft of the unit's
            template with the same code)
          requestBody:
            required: true
            content:
              application/json:
                schema: {$ref: '#/components/schemas/TemplateImport'}
          responses:
            201:
              description: Imported as the template's draft
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      id: {type: integer}
                      result: {$ref: '#/components/schemas/TemplateSummary'}
        """
        data = load_body(IMPORT_SCHEMA)
        scope = current_scope()
        with refusals():
            template = template_service.import_definition(
                data["definition"], data.get("unit_id", scope.unit_id), scope, g.user.id
            )
        return self.response(201, id=template.id, result=TemplateSummarySchema().dump(template))

    @endpoint("/<int:pk>/publish", "POST", "post")
    def publish(self, pk):
        """Publish the template's draft as its next version.
        ---
        post:
          operationId: publishTemplate
          summary: Publish the draft as the next version
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          responses:
            200:
              description: The number of the new version
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      version: {type: integer}
        """
        template = scoped(EvaluationTemplate, pk, managed_templates)
        try:
            version = template_service.publish(template, g.user.id)
        except ValidationFailed as exc:
            raise ApiError(
                422, _l("Not published: correct the template first."), exc.errors
            ) from None
        return self.response(200, version=version.number)

    @endpoint("/<int:pk>/export", "GET", "get")
    def export(self, pk):
        """A published version (latest by default) as JSON, importable as it is.
        ---
        get:
          operationId: exportTemplate
          summary: Export a published version as JSON
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          - in: query
            name: version
            required: false
            schema: {type: integer, minimum: 1}
            description: the version number (default the latest)
          responses:
            200:
              description: The version and its definition
              content:
                application/json:
                  schema: {$ref: '#/components/schemas/TemplateVersion'}
        """
        template = scoped(EvaluationTemplate, pk, managed_templates)
        wanted = load_args(EXPORT_QUERY_SCHEMA)["version"]
        versions = [v for v in template.versions if wanted in (None, v.number)]
        if not versions:
            raise ApiError(404, _l("This template has no such published version."))
        return jsonify(TemplateVersionSchema().dump(versions[-1]))  # has a "code": not response()
