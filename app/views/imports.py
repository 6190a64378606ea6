"""Employee import page: upload CSV/XLSX, see every error by row and column."""

from __future__ import annotations

import io

from flask import current_app, flash, g, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired

from app.i18n import lang
from app.i18n import lazy_gettext as _l
from app.scope import current_scope
from app.services.imports import ImportFileError, import_employees, read_rows, template_workbook
from app.services.job_kinds import start_employee_import

MAX_UPLOAD = 10 * 1024 * 1024


class ImportForm(FlaskForm):
    file = FileField(_l("CSV or XLSX file"), validators=[FileRequired(_l("Choose a file."))])


class EmployeeImportView(BaseView):
    """HR imports for every unit, unit admins for their own (sub-)units."""

    route_base = "/employees/import"
    default_view = "upload"

    @expose("/", methods=["GET", "POST"])
    @has_access
    def upload(self):
        form = ImportForm()
        result, file_error = None, None
        if form.validate_on_submit():
            content = form.file.data.read(MAX_UPLOAD + 1)
            try:
                if len(content) > MAX_UPLOAD:
                    raise ImportFileError(_l("The file is larger than 10 MB."))
                rows = read_rows(form.file.data.filename or "", content)
                if len(rows) > current_app.config["IMPORT_SYNC_ROWS"]:
                    return self._in_background(form.file.data.filename or "", content)
                result = import_employees(rows, current_scope())
            except ImportFileError as exc:
                file_error = str(exc.args[0])
            if result is not None and result.ok:
                flash(
                    _l("Import finished: %(created)d added, %(updated)d updated.",
                       created=result.created, updated=result.updated),
                    "success",
                )  # fmt: skip
        elif request.method == "POST":
            file_error = " ".join(str(e) for e in form.file.errors) or str(_l("Choose a file."))
        return self.render_template(
            "imports/employees.html",
            form=form,
            result=result,
            file_error=file_error,
            title=_l("Import employees"),
        )

    def _in_background(self, filename: str, content: bytes):
        """A large file is imported as a background job; its page shows the outcome."""
        job = start_employee_import(filename, content, lang(), g.user.id)
        return redirect(url_for("JobView.show", pk=job.id))

    @expose("/template.xlsx")
    @has_access
    def template(self):
        return send_file(
            io.BytesIO(template_workbook()),
            as_attachment=True,
            download_name="templat-impor-pegawai.xlsx",
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
