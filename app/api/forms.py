"""`/api/v1/form/`: indicator forms, scoped like the builder views."""

from __future__ import annotations

import io

from flask import g, request, send_file
from flask_appbuilder.api import BaseApi
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.api import schemas
from app.api.errors import ApiContract, ApiError, endpoint, load_args, load_body, scoped
from app.extensions import db
from app.models import IndicatorForm
from app.scope import current_scope, is_allowed, managed_forms, visible_forms
from app.services import ValidationFailed
from app.services import forms as form_service
from app.services.form_files import FileProblem, ImportedFile, export_version, read_upload
from forms import DefinitionError


def _version_json(version) -> dict:
    return schemas.FormVersion().dump(version)


def definition_errors(exc: DefinitionError) -> ApiError:
    """The form engine's problems as 422 errors keyed `definition[.<path or field>]`."""
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        where = error.path or error.field
        errors.setdefault(f"definition.{where}" if where else "definition", []).append(
            str(error.message)
        )
    return ApiError(422, errors=errors)


def _uploaded(skip_unsupported: bool) -> ImportedFile:
    """The definition of the multipart upload `file`; 422 keyed `file[.sheet!row]`."""
    try:
        return read_upload(request.files.get("file"), skip_unsupported)
    except FileProblem as exc:
        errors: dict[str, list[str]] = {}
        for error in exc.errors:
            where = f"file.{error['path']}" if error.get("path") else "file"
            errors.setdefault(where, []).append(error["message"])
        raise ApiError(422, errors=errors) from None


def _upload_fields() -> dict:
    """`draft_revision` of a multipart import, validated like the JSON body's."""
    if "draft_revision" not in request.form:
        return {}
    return schemas.UploadFields().load({"draft_revision": request.form["draft_revision"]})


def _form_json(form: IndicatorForm, full: bool, own: bool = True) -> dict:
    data = {
        "id": form.id,
        "code": form.code,
        "title": form.title,
        "unit_id": form.unit_id,
        "archived": form.archived,
        "shared": form.shared,
        "latest_version": form.latest_version.number if form.latest_version else None,
        "has_draft": form.draft is not None,
    }
    if full:
        if own:  # another unit reads a shared form's published versions, not its draft
            data["draft"] = form.draft
            data["draft_revision"] = form.draft_revision
        data["versions"] = [_version_json(v) for v in form.versions]
    return data


class FormApi(ApiContract, BaseApi):
    """Indicator forms: list, read, import, publish and export."""

    resource_name = "form"
    allow_browser_login = False
    openapi_spec_tag = "Indicator forms"

    def _get(self, pk: int, condition=visible_forms) -> IndicatorForm:
        """The form `pk` if the caller may read it (`managed_forms`: change it); else 404."""
        return scoped(IndicatorForm, pk, condition)

    @endpoint("/", "GET", "get")
    def get_list(self):
        """List the forms the caller may read: their units', regency-wide and shared ones.
        ---
        get:
          summary: The indicator forms in the caller's scope
          responses:
            200:
              description: The forms
              content:
                application/json:
                  schema: {$ref: '#/components/schemas/FormList'}
        """
        forms = db.session.scalars(
            select(IndicatorForm)
            .where(visible_forms(current_scope()))
            .options(selectinload(IndicatorForm.versions))
            .order_by(IndicatorForm.code)
        ).all()
        return self.response(200, count=len(forms), result=[_form_json(f, False) for f in forms])

    @endpoint("/<int:pk>", "GET", "get")
    def get(self, pk):
        """One form with its draft and every published version.
        ---
        get:
          summary: One form with its draft and every published version
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer, minimum: 1}}
          responses:
            200:
              description: The form
              content:
                application/json:
                  schema: {$ref: '#/components/schemas/FormResult'}
        """
        form = self._get(pk)
        own = is_allowed(IndicatorForm, pk, managed_forms)
        return self.response(200, result=_form_json(form, True, own))

    @endpoint("/import", "POST", "post")
    def import_definition(self):
        """Create a form, or replace its draft, from a JSON definition.
        ---
        post:
          summary: Create a form (or replace its draft) from a definition or a workbook
          description: >-
            The form is the unit's form with the definition's code. Replacing an existing
            draft needs the `draft_revision` last read (409 when someone saved since).
            A multipart upload (`file`) takes a .json file, the portal's own .xlsx or a
            standard XLSForm; an XLSForm with unsupported rows gives 422 listing them by
            sheet and row, unless `skip_unsupported=true`, which imports the rest and lists
            what was skipped.
          parameters:
          - {in: query, name: unit_id, schema: {type: integer, minimum: 1}}
          - {in: query, name: skip_unsupported, schema: {type: boolean, default: false}}
          requestBody:
            required: true
            content:
              application/json:
                schema: {$ref: '#/components/schemas/ImportBody'}
              multipart/form-data:
                schema:
                  type: object
                  required: [file]
                  properties:
                    file: {type: string, format: binary}
                    draft_revision: {type: integer, minimum: 0}
          responses:
            201:
              description: The form and its new draft revision
              content:
                application/json:
                  schema: {$ref: '#/components/schemas/FormImported'}
            409: {$ref: '#/components/responses/409'}
        """
        scope = current_scope()
        args = load_args(schemas.ImportArgs())
        imported = None
        if request.mimetype == "multipart/form-data":
            imported = _uploaded(args["skip_unsupported"])
            body = {"definition": imported.definition, **_upload_fields()}
        else:
            body = load_body(schemas.ImportBody())
        unit_id = body.get("unit_id", args.get("unit_id"))
        try:
            form = form_service.import_definition(
                body["definition"],
                scope.unit_id if unit_id is None else unit_id,
                scope,
                g.user.id,
                revision=body.get("draft_revision"),
            )
        except DefinitionError as exc:
            raise definition_errors(exc) from None
        except form_service.DraftConflict as exc:
            raise ApiError(409, errors=exc.errors) from None
        except ValidationFailed as exc:
            raise ApiError(422, errors=exc.errors) from None
        return self.response(
            201,
            id=form.id,
            draft_revision=form.draft_revision,
            result=_form_json(form, False),
            skipped=imported.skipped if imported else [],
            partial=imported.partial if imported else [],
        )

    @endpoint("/<int:pk>/publish", "POST", "post")
    def publish(self, pk):
        """Publish the form's draft as its next version.
        ---
        post:
          summary: Publish the form's draft as its next version
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer, minimum: 1}}
          responses:
            200:
              description: The number of the new version
              content:
                application/json:
                  schema: {$ref: '#/components/schemas/Published'}
        """
        form = self._get(pk, managed_forms)
        try:
            version = form_service.publish(form, g.user.id)
        except DefinitionError as exc:
            raise definition_errors(exc) from None
        except ValidationFailed as exc:
            raise ApiError(422, errors=exc.errors) from None
        return self.response(200, version=version.number)

    @endpoint("/<int:pk>/export", "GET", "get")
    def export(self, pk):
        """A published version (latest by default) as JSON or XLSX.
        ---
        get:
          summary: A published version (latest by default) as JSON or XLSX
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer, minimum: 1}}
          - {in: query, name: version, schema: {type: integer, minimum: 1}}
          - in: query
            name: format
            schema: {type: string, enum: [json, xlsx, xlsform], default: json}
            description: json, the portal's own workbook (xlsx) or a standard XLSForm
          responses:
            200:
              description: The version's definition, or the workbook
              content:
                application/json:
                  schema: {$ref: '#/components/schemas/FormVersion'}
                application/vnd.openxmlformats-officedocument.spreadsheetml.sheet:
                  schema: {type: string, format: binary}
        """
        args = load_args(schemas.ExportArgs())
        form = self._get(pk)
        try:
            version = form_service.version(form, args.get("version"))
        except ValidationFailed:
            raise ApiError(404) from None
        if args["format"] == "json":
            return self.response(200, **_version_json(version))
        content, mimetype = export_version(version, args["format"])
        suffix = "-xlsform" if args["format"] == "xlsform" else ""
        return send_file(
            io.BytesIO(content),
            as_attachment=True,
            download_name=f"{form.code}-v{version.number}{suffix}.xlsx",
            mimetype=mimetype,
        )
