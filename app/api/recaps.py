"""`/api/v1/recap/` and `/api/v1/submission/<id>/document`: the same files as the web views.

`SubmissionDocumentApi` shares the URL prefix of `SubmissionApi` (resource "submission");
FAB names blueprints and permissions after the class, so the two do not clash.
"""

from __future__ import annotations

from flask import g
from flask_appbuilder.api import BaseApi

from app.api import schemas
from app.api.errors import ApiContract, ApiError, endpoint, load_args
from app.extensions import db
from app.i18n import lang
from app.models import Submission
from app.printing import PrintError
from app.scope import current_scope, is_allowed, visible_submissions
from app.services import documents as docs
from app.services import exports, recaps


class RecapApi(ApiContract, BaseApi):
    """Recaps of a period: one unit, or every unit (HR only)."""

    resource_name = "recap"
    allow_browser_login = False
    openapi_spec_tag = "Recaps"

    @endpoint("/", "GET", "get")
    def get_recap(self):
        """The recap of a period for one unit, or regency-wide (no unit: HR only).
        ---
        get:
          summary: The recap of a period as PDF, XLSX or CSV
          parameters:
          - {in: query, name: period, required: true, schema: {type: integer, minimum: 1}}
          - {in: query, name: unit, schema: {type: integer, minimum: 1}}
          - {in: query, name: format, schema: {type: string, enum: [pdf, xlsx, csv], default: pdf}}
          responses:
            200:
              description: The recap file
              content:
                application/pdf: {schema: {type: string, format: binary}}
                application/vnd.openxmlformats-officedocument.spreadsheetml.sheet:
                  schema: {type: string, format: binary}
                text/csv: {schema: {type: string}}
                application/zip: {schema: {type: string, format: binary}}
            404: {$ref: '#/components/responses/404'}
        """
        args = load_args(schemas.RecapArgs())
        scope = current_scope()
        unit = args.get("unit")
        if unit is None and not scope.regency_wide:
            raise ApiError(403)
        try:
            download = docs.recap_download(
                scope, args["period"], unit, args["format"], lang(), g.user.id
            )
        except (recaps.RecapRefused, LookupError):
            raise ApiError(404) from None
        except exports.NoTables as exc:
            raise ApiError(404, str(exc)) from None
        except PrintError as exc:
            raise ApiError(422, str(exc)) from None
        return download.send()


class SubmissionDocumentApi(ApiContract, BaseApi):
    """The printed documents of one submission."""

    resource_name = "submission"
    allow_browser_login = False
    openapi_spec_tag = "Submissions"

    @endpoint("/<int:pk>/document", "GET", "get")
    def document(self, pk):
        """The evaluation document (approved only) or the filled-in form, as PDF.
        ---
        get:
          summary: A submission's evaluation document (approved only) or its form, as PDF
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer, minimum: 1}}
          - in: query
            name: type
            schema: {type: string, enum: [evaluation, form], default: evaluation}
          responses:
            200:
              description: The PDF
              content:
                application/pdf: {schema: {type: string, format: binary}}
            409: {$ref: '#/components/responses/409'}
        """
        kind = load_args(schemas.DocumentArgs())["type"]
        if not is_allowed(Submission, pk, visible_submissions):
            raise ApiError(404)
        submission = db.session.get(Submission, pk)
        try:
            download = docs.submission_download(submission, kind, lang(), g.user.id)
        except docs.DocumentUnavailable as exc:
            raise ApiError(409, str(exc)) from None
        except PrintError as exc:
            raise ApiError(422, str(exc)) from None
        return download.send()
