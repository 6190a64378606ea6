"""`/api/v1/skp/copy` and `/api/v1/skp/<id>/document`: SKP tools beside the core SKP API.

A separate API class under the same `/api/v1/skp/` prefix (its own blueprint); its routes
do not clash with `app.api.skp` (no other POST on `/copy`, no other `/document`).
"""

from __future__ import annotations

from flask import g
from flask_appbuilder.api import BaseApi
from marshmallow import fields, validate

from app.api.errors import ApiContract, ApiError, endpoint, load_args, load_body, refusals, scoped
from app.api.schemas import Strict
from app.i18n import lang
from app.models import Skp
from app.printing import PrintError
from app.scope import current_scope, visible_skps
from app.services import skp_copy, skp_documents
from app.services.skp import current_version


class SkpCopyBody(Strict):
    """Copy RHK items (all when `rhk_keys` is empty) of a source SKP version to subordinates."""

    source_version_id = fields.Integer(required=True, validate=validate.Range(min=1))
    rhk_keys = fields.List(fields.String(validate=validate.Length(max=36)), load_default=list,
                           validate=validate.Length(max=200))  # fmt: skip
    employee_ids = fields.List(fields.Integer(validate=validate.Range(min=1)), required=True,
                               validate=validate.Length(min=1, max=2000))  # fmt: skip
    targets = fields.Dict(
        keys=fields.String(validate=validate.Length(max=40)),
        values=fields.Dict(keys=fields.String(validate=validate.Length(max=20)),
                           values=fields.Decimal(allow_none=True, allow_nan=False)),
        load_default=dict,
        metadata={"description": "{employee id: {source indicator id: target}}; a missing "
                                 "one keeps the source's target"},
    )  # fmt: skip


class SkpCopyOut(Strict):
    created = fields.List(fields.Integer(), metadata={"description": "SKP ids made"})
    updated = fields.List(fields.Integer(), metadata={"description": "draft SKP ids updated"})


class SkpDocumentArgs(Strict):
    version = fields.Integer(validate=validate.Range(min=1))


def _cells(targets: dict) -> dict:
    """The API's nested targets as the grid's cells (`skp_copy.target_name`)."""
    cells = {}
    for employee, row in targets.items():
        for indicator, value in row.items():
            if employee.isdigit() and indicator.isdigit():
                name = skp_copy.target_name(int(employee), int(indicator))
                cells[name] = "" if value is None else str(value)
    return cells


class SkpToolsApi(ApiContract, BaseApi):
    """Copy RHK items to many subordinates; print an SKP (official when agreed)."""

    resource_name = "skp"
    allow_browser_login = False  # the session cookie must not bypass CSRF
    openapi_spec_tag = "SKP"
    openapi_spec_component_schemas = (
        *ApiContract.openapi_spec_component_schemas, SkpCopyBody, SkpCopyOut, SkpDocumentArgs,
    )  # fmt: skip

    @endpoint("/copy", "POST", "post")
    def copy(self):
        """Copy RHK items with their indicators and targets to subordinates' draft SKPs.
        ---
        post:
          summary: Copy RHK items (with targets per person) to many subordinates at once
          requestBody:
            required: true
            content:
              application/json:
                schema: {$ref: '#/components/schemas/SkpCopyBody'}
          responses:
            200:
              description: The SKPs made and updated
              content:
                application/json:
                  schema: {$ref: '#/components/schemas/SkpCopyOut'}
        """
        body = load_body(SkpCopyBody())
        with refusals():
            result = skp_copy.copy_items(
                current_scope(), body["source_version_id"], body["rhk_keys"],
                body["employee_ids"], _cells(body["targets"]), g.user.id,
            )  # fmt: skip
        return self.response(200, created=result.created, updated=result.updated)

    @endpoint("/<int:pk>/document", "GET", "get")
    def document(self, pk):
        """The SKP as PDF: the official document when agreed, else marked DRAFT.
        ---
        get:
          summary: The SKP as PDF (official when agreed, else marked DRAFT)
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer, minimum: 1}}
          - {in: query, name: version, schema: {type: integer, minimum: 1}}
          responses:
            200:
              description: The PDF
              content:
                application/pdf: {schema: {type: string, format: binary}}
        """
        args = load_args(SkpDocumentArgs())
        skp = scoped(Skp, pk, visible_skps)
        version = current_version(skp)
        if "version" in args:
            chosen = [v for v in skp.versions if v.number == args["version"]]
            if not chosen:
                raise ApiError(404)
            version = chosen[0]
        try:
            download = skp_documents.download(version, lang(), g.user.id)
        except PrintError as exc:
            raise ApiError(422, str(exc)) from None
        return download.send()
