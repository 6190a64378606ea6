"""`/api/v1/form/`: indicator forms, scoped like the builder views."""

from __future__ import annotations

import io

from flask import g, request, send_file
from flask_appbuilder.api import BaseApi, expose, protect, safe
from flask_appbuilder.security.decorators import permission_name
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import IndicatorForm
from app.scope import current_scope, is_allowed, managed_forms, visible_forms
from app.services import ValidationFailed
from app.services import forms as form_service
from app.services.form_files import export_version
from forms import DefinitionError


def _version_json(version) -> dict:
    return {
        "number": version.number,
        "published_at": version.published_at.isoformat(),
        "definition": version.definition,
    }


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


class FormApi(BaseApi):
    """Indicator forms: list, read, import, publish and export."""

    resource_name = "form"
    allow_browser_login = False
    openapi_spec_tag = "Indicator forms"

    def _get(self, pk: int, condition=visible_forms) -> IndicatorForm | None:
        """The form `pk` if the caller may read it (`managed_forms`: change it)."""
        if not is_allowed(IndicatorForm, pk, condition):
            return None
        return db.session.get(IndicatorForm, pk)

    @expose("/", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    def get_list(self):
        """List the forms the caller may read: their units', regency-wide and shared ones."""
        forms = db.session.scalars(
            select(IndicatorForm)
            .where(visible_forms(current_scope()))
            .options(selectinload(IndicatorForm.versions))
            .order_by(IndicatorForm.code)
        ).all()
        return self.response(200, count=len(forms), result=[_form_json(f, False) for f in forms])

    @expose("/<int:pk>", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    def get(self, pk):
        """One form with its draft and every published version."""
        form = self._get(pk)
        if form is None:
            return self.response_404()
        own = is_allowed(IndicatorForm, pk, managed_forms)
        return self.response(200, result=_form_json(form, True, own))

    @expose("/import", methods=["POST"])
    @protect()
    @safe
    @permission_name("post")
    def import_definition(self):
        """Create a form (or replace its draft) from a JSON definition."""
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return self.response_400(message="Request is not a JSON object")
        definition = body.get("definition", body)
        scope = current_scope()
        unit_id = body.get("unit_id", request.args.get("unit_id", type=int) or scope.unit_id)
        if isinstance(definition, dict) and "definition" not in body:
            definition = {k: v for k, v in definition.items() if k != "unit_id"}
        try:
            form = form_service.import_definition(definition, unit_id, scope, g.user.id)
        except DefinitionError as exc:
            return self.response(
                422, message="invalid definition", errors=form_service.engine_errors(exc.errors)
            )
        except ValidationFailed as exc:
            return self.response_422(message=exc.errors)
        return self.response(201, id=form.id, result=_form_json(form, False))

    @expose("/<int:pk>/publish", methods=["POST"])
    @protect()
    @safe
    @permission_name("post")
    def publish(self, pk):
        """Publish the form's draft as its next version."""
        form = self._get(pk, managed_forms)
        if form is None:
            return self.response_404()
        try:
            version = form_service.publish(form, g.user.id)
        except DefinitionError as exc:
            return self.response(
                422, message="invalid definition", errors=form_service.engine_errors(exc.errors)
            )
        except ValidationFailed as exc:
            return self.response_422(message=exc.errors)
        return self.response(200, version=version.number)

    @expose("/<int:pk>/export", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    def export(self, pk):
        """A published version (latest by default) as JSON or XLSX."""
        form = self._get(pk)
        if form is None:
            return self.response_404()
        try:
            version = form_service.version(form, request.args.get("version", type=int))
        except ValidationFailed:
            return self.response_404()
        fmt = "xlsx" if request.args.get("format") == "xlsx" else "json"
        if fmt == "json":
            return self.response(200, **_version_json(version))
        content, mimetype = export_version(version, fmt)
        return send_file(
            io.BytesIO(content),
            as_attachment=True,
            download_name=f"{form.code}-v{version.number}.xlsx",
            mimetype=mimetype,
        )
