"""The form builder: unit admins design, preview, publish and exchange indicator forms."""

from __future__ import annotations

import io

from flask import abort, flash, g, jsonify, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.decorators import permission_name
from flask_babel import get_locale
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import Form

from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.models import FormVersion, IndicatorForm, Unit
from app.scope import clonable_versions, current_scope, managed_forms, managed_units, require
from app.services import ValidationFailed
from app.services import forms as form_service
from app.services.form_files import FileProblem, UnsupportedRows, export_version, read_upload
from app.services.org import people_names
from app.services.submission_forms import page_form_class, row_form
from forms import DefinitionError, check_definition
from forms.evaluation import evaluate
from forms.preview import preview
from forms.rename import rewrites
from forms.schema import Aspect, FieldType, IndicatorGroup, Polarity, text
from forms.scoring import weighted_achievement

EXPORTS = {"json": ".json", "xlsx": ".xlsx", "xlsform": "-xlsform.xlsx"}

FIELD_TYPE_LABELS = {
    FieldType.INTEGER: _l("Whole number"),
    FieldType.DECIMAL: _l("Decimal number"),
    FieldType.PERCENT: _l("Percentage"),
    FieldType.TEXT: _l("Short text"),
    FieldType.TEXTAREA: _l("Long text"),
    FieldType.DATE: _l("Date"),
    FieldType.SELECT: _l("Choose one"),
    FieldType.MULTISELECT: _l("Choose several"),
    FieldType.BOOLEAN: _l("Yes / no"),
    FieldType.EVIDENCE: _l("Supporting evidence (file or link)"),
    FieldType.SECTION: _l("Section heading"),
    FieldType.REPEAT: _l("Repeating table (repeat)"),
}
GROUP_LABELS = {
    IndicatorGroup.UTAMA: _l("Main (utama)"),
    IndicatorGroup.TAMBAHAN: _l("Additional (tambahan)"),
}
ASPECT_LABELS = {
    Aspect.KUANTITAS: _l("Quantity"),
    Aspect.KUALITAS: _l("Quality"),
    Aspect.WAKTU: _l("Time"),
    Aspect.BIAYA: _l("Cost"),
}
CHANGE_LABELS = {
    "added": _l("added"),
    "removed": _l("removed"),
    "changed": _l("changed"),
    "moved": _l("moved"),
}
POLARITY_LABELS = {Polarity.HIGHER: _l("Higher is better"), Polarity.LOWER: _l("Lower is better")}


def _pairs(labels) -> list[tuple[str, str]]:
    return [(key.value, str(label)) for key, label in labels.items()]


def _lang() -> str:
    return "en" if str(get_locale() or "id").startswith("en") else "id"


def _json_body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400)
    return data


def _errors_response(errors, status=422):
    return jsonify(errors=form_service.engine_errors(errors)), status


def _managed_form(pk: int) -> IndicatorForm:
    return require(IndicatorForm, pk, managed_forms)


def _unit_choices(scope) -> list[tuple[str, str]]:
    units = db.session.scalars(select(Unit).where(managed_units(scope)).order_by(Unit.code)).all()
    choices = [(str(u.id), f"{u.code} — {u.name}") for u in units]
    if scope.regency_wide:
        choices.insert(0, ("", str(_l("Regency-wide (all units)"))))
    return choices


def _unit_arg(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


class FormBuilderView(BaseView):
    """Indicator forms of the units in one's scope (unit admins; HR and Admin: all)."""

    route_base = "/builder"
    default_view = "index"

    @expose("/")
    @has_access
    @permission_name("list")
    def index(self):
        scope = current_scope()
        forms = db.session.scalars(
            select(IndicatorForm)
            .where(managed_forms(scope))
            .options(selectinload(IndicatorForm.versions), selectinload(IndicatorForm.unit))
            .order_by(IndicatorForm.archived, IndicatorForm.code)
        ).all()
        clonable = db.session.execute(
            select(
                FormVersion.id,
                FormVersion.number,
                IndicatorForm.code,
                IndicatorForm.title,
                Unit.short_name,
            )
            .join(IndicatorForm, FormVersion.form_id == IndicatorForm.id)
            .outerjoin(Unit, IndicatorForm.unit_id == Unit.id)
            .where(clonable_versions(scope), IndicatorForm.archived.is_(False))
            .order_by(IndicatorForm.code, FormVersion.number.desc())
        ).all()
        return self.render_template(
            "builder/list.html",
            forms=forms,
            clonable=clonable,
            units=_unit_choices(scope),
            title=_l("Indicator forms"),
        )

    @expose("/new", methods=["POST"])
    @has_access
    @permission_name("edit")
    def new(self):
        try:
            form = form_service.create_form(
                _unit_arg(request.form.get("unit_id")),
                request.form.get("code", ""),
                request.form.get("title", ""),
                current_scope(),
                g.user.id,
            )
        except ValidationFailed as exc:
            flash(str(exc), "danger")
            return redirect(url_for("FormBuilderView.index"))
        flash(_l("Form %(code)s created. Add its fields below.", code=form.code), "success")
        return redirect(url_for("FormBuilderView.editor", pk=form.id))

    @expose("/clone", methods=["POST"])
    @has_access
    @permission_name("edit")
    def clone(self):
        source = require(FormVersion, _unit_arg(request.form.get("version_id")), clonable_versions)
        try:
            form = form_service.clone(
                source,
                _unit_arg(request.form.get("unit_id")),
                request.form.get("code", ""),
                current_scope(),
                g.user.id,
            )
        except ValidationFailed as exc:
            flash(str(exc), "danger")
            return redirect(url_for("FormBuilderView.index"))
        flash(_l("Form %(code)s created as a copy.", code=form.code), "success")
        return redirect(url_for("FormBuilderView.editor", pk=form.id))

    @expose("/import", methods=["POST"])
    @has_access
    @permission_name("edit")
    def import_file(self):
        upload = request.files.get("file")
        try:
            imported = read_upload(upload, bool(request.form.get("skip_unsupported")))
            form = form_service.import_definition(
                imported.definition,
                _unit_arg(request.form.get("unit_id")),
                current_scope(),
                g.user.id,
            )
        except UnsupportedRows as exc:
            return self._import_failed(exc.errors, unsupported=True)
        except FileProblem as exc:
            return self._import_failed(exc.errors)
        except DefinitionError as exc:
            return self._import_failed(form_service.engine_errors(exc.errors))
        except ValidationFailed as exc:
            flash(str(exc), "danger")
            return redirect(url_for("FormBuilderView.index"))
        for row in imported.skipped + imported.partial:
            flash(row["message"], "warning")
        if request.form.get("publish") and form.draft is not None:
            return self._publish(form)
        flash(_l("Definition imported as the draft of %(code)s.", code=form.code), "success")
        return redirect(url_for("FormBuilderView.editor", pk=form.id))

    def _import_failed(self, errors, unsupported: bool = False):
        flash(_l("Nothing was imported: the file has %(n)d problems.", n=len(errors)), "danger")
        return self.render_template(
            "builder/import_errors.html",
            errors=errors,
            unsupported=unsupported,
            units=_unit_choices(current_scope()),
            title=_l("Import problems"),
        )

    @expose("/<int:pk>/")
    @has_access
    @permission_name("list")
    def editor(self, pk):
        form = _managed_form(pk)
        data = {
            "draft": form_service.editable_draft(form),
            "revision": form.draft_revision,
            "urls": {
                name: url_for(f"FormBuilderView.{name}", pk=pk)
                for name in (
                    "draft",
                    "check",
                    "preview",
                    "evaluate",
                    "publish",
                    "versions",
                    "rename",
                )
            }
            | {
                "export_json": url_for("FormBuilderView.export", pk=pk, format="json"),
                "export_xlsx": url_for("FormBuilderView.export", pk=pk, format="xlsx"),
                "export_xlsform": url_for("FormBuilderView.export", pk=pk, format="xlsform"),
                "list": url_for("FormBuilderView.index"),
            },
            "field_types": _pairs(FIELD_TYPE_LABELS),
            "groups": _pairs(GROUP_LABELS),
            "aspects": _pairs(ASPECT_LABELS),
            "polarities": _pairs(POLARITY_LABELS),
            "ui_text": {key: str(value) for key, value in UI_TEXT.items()},
        }
        return self.render_template(
            "builder/editor.html", form=form, title=form.title, draft_json=data.pop("draft"), **data
        )

    @expose("/<int:pk>/draft", methods=["POST"])
    @has_access
    @permission_name("edit")
    def draft(self, pk):
        form = _managed_form(pk)
        body = _json_body()
        try:
            revision = form_service.save_draft(
                form, body.get("definition"), int(body.get("revision", -1)), g.user.id
            )
        except form_service.DraftConflict as exc:
            return jsonify(message=str(exc)), 409
        except (ValidationFailed, ValueError) as exc:
            return jsonify(message=str(exc)), 422
        errors = check_definition(form.draft)
        return jsonify(revision=revision, errors=form_service.engine_errors(errors))

    @expose("/<int:pk>/check", methods=["POST"])
    @has_access
    @permission_name("list")
    def check(self, pk):
        _managed_form(pk)
        errors = check_definition(_json_body().get("definition"))
        return jsonify(errors=form_service.engine_errors(errors))

    @expose("/<int:pk>/preview", methods=["POST"])
    @has_access
    @permission_name("list")
    def preview(self, pk):
        _managed_form(pk)
        body = _json_body()
        lang = "en" if body.get("lang") == "en" else "id"
        shown = preview(body.get("definition"))
        if shown.schema is None and not shown.broken:
            errors = check_definition(body.get("definition"))
            return jsonify(html="", errors=form_service.engine_errors(errors))
        html = self.render_template(
            "builder/_preview.html",
            schema=shown.schema,
            items=shown.items(),
            form=page_form_class(shown.schema, lang, base=Form)() if shown.schema else None,
            row_form=row_form,
            columns=shown.columns,
            lang=lang,
            text=text,
        )
        broken = [error.to_dict() for item in shown.broken for error in item.errors]
        return jsonify(html=html, errors=broken)

    @expose("/<int:pk>/rename", methods=["POST"])
    @has_access
    @permission_name("list")
    def rename(self, pk):
        """The expressions that use a renamed key, and how they would read with the new one."""
        _managed_form(pk)
        body = _json_body()
        old, new = body.get("old"), body.get("new")
        if not isinstance(old, str) or not isinstance(new, str):
            return jsonify(rewrites=[])
        found = rewrites(body.get("definition"), old.strip(), new.strip())
        return jsonify(rewrites=[item.to_dict() for item in found])

    @expose("/<int:pk>/evaluate", methods=["POST"])
    @has_access
    @permission_name("list")
    def evaluate(self, pk):
        _managed_form(pk)
        body = _json_body()
        schema = preview(body.get("definition")).schema  # the fields that work, while editing
        if schema is None:
            errors = check_definition(body.get("definition"))
            return jsonify(definition_errors=form_service.engine_errors(errors))
        answers = body.get("answers") if isinstance(body.get("answers"), dict) else {}
        lang = body.get("lang") if body.get("lang") in ("id", "en") else _lang()
        result = evaluate(schema, answers, lang=lang)
        achievement = weighted_achievement(schema, result.values)
        return jsonify(
            values=result.values,
            relevant=result.relevant,
            errors={k: [str(e.message) for e in v] for k, v in result.errors.items()},
            achievement=float(achievement) if achievement is not None else None,
            definition_errors=[],
        )

    @expose("/<int:pk>/publish", methods=["POST"])
    @has_access
    @permission_name("edit")
    def publish(self, pk):
        return self._publish(_managed_form(pk))

    def _publish(self, form: IndicatorForm):
        try:
            version = form_service.publish(form, g.user.id)
        except DefinitionError as exc:
            flash(_l("Not published: %(n)d problems remain.", n=len(exc.errors)), "danger")
            for error in exc.errors[:10]:
                flash(str(error.message), "warning")
        except ValidationFailed as exc:
            flash(str(exc), "danger")
        else:
            flash(
                _l("Version %(n)d of %(code)s published.", n=version.number, code=form.code),
                "success",
            )
            return redirect(url_for("FormBuilderView.versions", pk=form.id, published=1))
        return redirect(url_for("FormBuilderView.editor", pk=form.id))

    @expose("/<int:pk>/archive", methods=["POST"])
    @has_access
    @permission_name("edit")
    def archive(self, pk):
        form = _managed_form(pk)
        form_service.set_archived(form, request.form.get("restore") is None)
        flash(_l("Form archived.") if form.archived else _l("Form restored."), "success")
        return redirect(url_for("FormBuilderView.index"))

    @expose("/<int:pk>/share", methods=["POST"])
    @has_access
    @permission_name("edit")
    def share(self, pk):
        """Share the form regency-wide (`shared=1`) or keep it to its unit."""
        form = _managed_form(pk)
        try:
            form_service.set_shared(form, request.form.get("shared") == "1")
        except ValidationFailed as exc:
            flash(str(exc), "danger")
            return redirect(url_for("FormBuilderView.index"))
        flash(
            _l("Form shared: every unit may read and copy it.")
            if form.shared
            else _l("Form no longer shared: only its unit sees it."),
            "success",
        )
        return redirect(url_for("FormBuilderView.index"))

    @expose("/<int:pk>/versions")
    @has_access
    @permission_name("list")
    def versions(self, pk):
        form = _managed_form(pk)
        numbers = {v.number for v in form.versions}
        old = request.args.get("old", type=int)
        new = request.args.get("new", type=int)
        comparable = new in numbers if new is not None else form.draft is not None
        changes = form_service.diff(form, old, new) if old in numbers and comparable else None
        return self.render_template(
            "builder/versions.html", form=form, changes=changes, old=old, new=new,
            names=people_names(v.published_by for v in form.versions if v.published_by),
            change_labels=CHANGE_LABELS,
            title=_l("Versions of %(code)s", code=form.code),
        )  # fmt: skip

    @expose("/<int:pk>/export")
    @has_access
    @permission_name("list")
    def export(self, pk):
        form = _managed_form(pk)
        try:
            version = form_service.version(form, request.args.get("version", type=int))
        except ValidationFailed:
            abort(404)
        fmt = request.args.get("format") if request.args.get("format") in EXPORTS else "json"
        content, mimetype = export_version(version, fmt)
        return send_file(
            io.BytesIO(content),
            as_attachment=True,
            download_name=f"{form.code}-v{version.number}{EXPORTS[fmt]}",
            mimetype=mimetype,
        )


ENDPOINTS = ("draft", "check", "preview", "evaluate", "publish", "versions", "rename")
UI_TEXT = {
    "saved": _l("Saved"),
    "unsaved": _l("Not saved yet"),
    "saving": _l("Saving…"),
    "new_field_label": _l("New field"),
    "confirm_remove": _l("Remove this field?"),
    "publish_blocked": _l("Fix the problems before publishing."),
    "conflict": _l("Someone else changed this draft. Reload the page to continue."),
    "network_error": _l("The server could not be reached. Your changes are kept in this page."),
    "new_choice_label": _l("Choice %(n)s"),
    "new_column_label": _l("Column %(n)s"),
    "columns": _l("Columns"),
    "confirm_publish": _l(
        "Publish this draft as a new version? Published versions cannot be changed."
    ),
    "publish_hint": _l("Save the draft and publish it as a new version"),
    "publish_archived": _l("This form is archived."),
    "publish_saving": _l("Saving…"),
    "publish_checking": _l("Checking the form…"),
    "publish_conflict": _l("Reload the draft before publishing."),
    "status_save_failed": _l("The draft could not be saved."),
    "session_expired": _l(
        "Your session has ended. Log in again in another tab, then save again; "
        "your changes are kept in this page."
    ),
    "error_http": _l(
        "The server answered with status %(status)s. Your changes are kept in this page."
    ),
    "error_bad_response": _l("The server sent an unreadable answer."),
    "error_no_url": _l("This action is not available."),
    "error_check": _l("The form could not be checked."),
    "error_preview": _l("The preview could not be made."),
    "preview_unavailable": _l("Fix the problems listed above to see the preview."),
    "preview_stale": _l("The preview shows the last valid version of the form."),
    "no_fields": _l("No fields yet. Add one below."),
    "no_label": _l("(no label)"),
    "move_up": _l("Move up"),
    "move_down": _l("Move down"),
    "remove": _l("Remove"),
    "remove_choice": _l("Remove choice"),
    "indicator": _l("Performance indicator"),
    "required": _l("Required"),
    "calculated": _l("Calculated"),
    "conditional": _l("Shown only when a condition holds"),
    "choice_value": _l("Value"),
    "choice_label_id": _l("Label (Indonesian)"),
    "choice_label_en": _l("Label (English)"),
    "default_calculated": _l("A calculated field has no default value."),
    "default_boolean": _l("true or false"),
    "default_date": _l("A date as YYYY-MM-DD"),
    "default_multiselect": _l("Choice values separated by commas"),
    "default_select": _l("One of the choice values"),
    "rename_found": _l("%(n)s expressions use the old key “%(old)s”. Update them to “%(new)s”?"),
    "rename_apply": _l("Update them"),
    "rename_done": _l("%(n)s expressions now use “%(new)s”."),
    "cb_summary": _l("Build the condition"),
    "cb_add": _l("Add a condition"),
    "cb_write": _l("Write the expression"),
    "cb_all": _l("all of these (and)"),
    "cb_any": _l("any of these (or)"),
    "cb_field": _l("Field"),
    "cb_operator": _l("Condition"),
    "cb_value": _l("Value"),
    "op_eq": _l("is"),
    "op_ne": _l("is not"),
    "op_lt": _l("is less than"),
    "op_le": _l("is at most"),
    "op_gt": _l("is more than"),
    "op_ge": _l("is at least"),
    "op_selected": _l("has chosen"),
    "op_empty": _l("is empty"),
    "op_filled": _l("is filled"),
}
