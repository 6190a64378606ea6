"""SKP tools: copy RHK items to many subordinates (one table of targets), import per-employee
targets from XLSX, and print an SKP (official when agreed, else marked DRAFT)."""

from __future__ import annotations

import datetime as dt
import io

from flask import abort, flash, g, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.decorators import permission_name
from wtforms import IntegerField
from wtforms.validators import NumberRange

from app.i18n import lang
from app.i18n import lazy_gettext as _l
from app.models import Skp
from app.printing import PrintError
from app.scope import current_scope, require, visible_skps
from app.services import ValidationFailed, skp_copy, skp_documents, skp_import
from app.services.imports import ImportFileError
from app.services.skp import STATE_LABELS
from app.views.imports import MAX_UPLOAD, ImportForm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class TargetImportForm(ImportForm):
    year = IntegerField(_l("Year"), validators=[NumberRange(2000, 2100)],
                        default=lambda: dt.date.today().year)  # fmt: skip


class SkpToolsView(BaseView):
    """Copy RHK to subordinates (pejabat penilai), import targets (unit admin), print SKPs."""

    route_base = "/skp-tools"
    default_view = "copy"

    @expose("/<int:pk>/document")
    @has_access
    @permission_name("show")
    def document(self, pk):
        skp = require(Skp, pk, visible_skps)
        number = request.args.get("version", type=int)
        versions = [v for v in skp.versions if number is None or v.number == number]
        if not versions:
            abort(404)
        version = versions[-1] if number is None else versions[0]
        try:
            return skp_documents.download(version, lang(), g.user.id).send()
        except PrintError as exc:
            flash(str(exc), "danger")
            return redirect(url_for("SkpView.show", pk=skp.id))

    # --- copy to subordinates ------------------------------------------------------------

    @expose("/copy", methods=["GET", "POST"])
    @has_access
    @permission_name("copy")
    def copy(self):
        scope = current_scope()
        sources = skp_copy.sources(scope)
        chosen = request.values.get("source", type=int) or (sources[0].id if sources else None)
        source = next((v for v in sources if v.id == chosen), None)
        errors, status = {}, 200
        if request.method == "POST" and source is not None:
            try:
                result = skp_copy.copy_items(
                    scope, source.id, request.form.getlist("rhk_keys"),
                    request.form.getlist("employee_ids"), request.form.to_dict(), g.user.id,
                )  # fmt: skip
            except ValidationFailed as exc:
                errors, status = exc.errors, 422
            else:
                message = _l("Copied: %(created)d SKPs made, %(updated)d drafts updated.",
                             created=len(result.created), updated=len(result.updated))  # fmt: skip
                flash(message, "success")
                return redirect(url_for("SkpToolsView.copy", source=source.id))
        html = self.render_template(
            "skp_tools/copy.html", sources=sources, source=source,
            people=skp_copy.subordinates(scope), errors=errors, posted=request.form,
            target_name=skp_copy.target_name, state_labels=STATE_LABELS,
            title=_l("Copy RHK to subordinates"),
        )  # fmt: skip
        return html, status

    # --- import from XLSX -------------------------------------------------------------------

    @expose("/import", methods=["GET", "POST"])
    @has_access
    @permission_name("import_targets")
    def upload(self):
        form = TargetImportForm()
        result, file_error, status = None, None, 200
        if form.validate_on_submit():
            content = form.file.data.read(MAX_UPLOAD + 1)
            try:
                if len(content) > MAX_UPLOAD:
                    raise ImportFileError(_l("The file is larger than 10 MB."))
                rows = skp_import.read(form.file.data.filename or "", content)
                result = skp_import.import_targets(rows, current_scope(), form.year.data,
                                                   g.user.id)  # fmt: skip
            except ImportFileError as exc:
                file_error, status = str(exc.args[0]), 422
            if result is not None and not result.ok:
                status = 422
        elif request.method == "POST":
            file_error, status = " ".join(
                str(e) for errors in form.errors.values() for e in errors
            ) or str(_l("Choose a file.")), 422  # fmt: skip
        html = self.render_template(
            "skp_tools/import.html", form=form, result=result, file_error=file_error,
            columns=skp_import.COLUMNS, title=_l("Import SKP targets"),
        )  # fmt: skip
        return html, status

    @expose("/import/template.xlsx")
    @has_access
    @permission_name("import_targets")
    def template(self):
        return send_file(io.BytesIO(skp_import.template_workbook()), as_attachment=True,
                         download_name="templat-target-skp.xlsx", mimetype=XLSX)  # fmt: skip


def register(appbuilder) -> None:
    planning = {"category": "Performance", "category_label": _l("Performance")}
    appbuilder.add_view(
        SkpToolsView, "Copy RHK to subordinates", label=_l("Copy RHK to subordinates"),
        icon="fa-clone", href="/skp-tools/copy", **planning,
    )  # fmt: skip
    appbuilder.add_link(
        "Import SKP targets", label=_l("Import SKP targets"), href="/skp-tools/import",
        icon="fa-upload", **planning,
    )  # fmt: skip
