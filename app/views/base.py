"""Shared pieces of the portal's FAB views: scoped model views and rule validators."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, current_app, flash, render_template, request
from flask_appbuilder import ModelView, expose, has_access
from flask_appbuilder.exceptions import DatabaseException
from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

from app.extensions import db
from app.i18n import blank
from app.scope import ScopeFilter, is_allowed
from app.services.integrity import DeletionRefused, check_deletable, refused_by_database


class RuleValidator:
    """A WTForms validator that reports one field's share of a record-level rule check.

    `check(form)` returns every broken rule by field name; it runs once per form
    and each field validator raises the messages that belong to its field.
    """

    def __init__(self, check: Callable, field_name: str | None = None):
        self.check = check
        self.field_name = field_name

    def __call__(self, form, field):
        if not hasattr(form, "_rule_errors"):
            form._rule_errors = self.check(form)
        messages = form._rule_errors.get(self.field_name or field.name)
        if messages:
            raise ValidationError(" ".join(messages))


class _FreshValidators(dict):
    """`validators_columns` that hands FAB a copy of each list.

    FAB's form converter appends its own validators (Length, Unique, …) to the
    list it gets, and builds the add and edit forms from the same dict: without
    copies every validator ran twice and each message was shown twice.
    """

    def get(self, key, default=None):
        value = super().get(key, default)
        return list(value) if isinstance(value, list) else value


class _BlankFormatters(dict):
    """Column formatters where a column without one shows an empty value as "—", not "None"."""

    def get(self, key, default=None):
        return super().get(key) or blank


EMPTY_LIST = {
    "title": _l("Nothing here yet"),
    "text": _l("This list has no records yet."),
    "action": _l("Add the first one"),
}


def empty_list_text(view_name: str) -> dict:
    """What an empty FAB list says: its view's `empty_list` texts over `EMPTY_LIST`."""
    views = current_app.appbuilder.baseviews
    view = next((v for v in views if type(v).__name__ == view_name), None)
    return {**EMPTY_LIST, **getattr(view, "empty_list", {})}


class ScopedModelView(ModelView):
    """A ModelView whose rows, related choices and row actions follow `app.scope`.

    Subclasses set `visible` (rows one may see) and `managed` (rows one may
    change); FAB applies `visible` to list/show/edit/delete, this class checks
    `managed` on every change, including bulk actions.
    """

    visible: Callable
    managed: Callable
    page_size = 25

    def __init__(self, **kwargs):
        self.base_filters = [["id", ScopeFilter, type(self).visible]]
        self.validators_columns = _FreshValidators(type(self).validators_columns or {})
        super().__init__(**kwargs)
        self.formatters_columns = _BlankFormatters(self.formatters_columns or {})

    def _require_managed(self, pk) -> None:
        if not is_allowed(self.datamodel.obj, pk, type(self).managed):
            raise PermissionError(_l("You may not change this record."))

    def pre_update(self, item):
        self._require_managed(item.id)

    def _require_action(self, name: str, pks: list[str]) -> None:
        """404 for an unknown action or any row outside `managed` (FAB loads them unfiltered)."""
        if name not in self.actions or not pks:
            abort(404)
        for pk in pks:
            if not str(pk).isdigit() or not is_allowed(
                self.datamodel.obj, int(pk), type(self).managed
            ):
                abort(404)

    @expose("/action/<string:name>/<pk>", methods=["POST"])  # a state change is never a GET
    def action(self, name, pk):
        self._require_action(name, [pk])
        return super().action(name, pk)

    @expose("/action_post", methods=["POST"])
    def action_post(self):
        self._require_action(request.form.get("action", ""), request.form.getlist("rowid"))
        return super().action_post()

    @expose("/download/<string:filename>")
    @has_access
    def download(self, filename):
        """No portal model stores uploaded files: nothing to download (FAB would answer 500)."""
        abort(404)

    def pre_delete(self, item):
        self._require_managed(item.id)

    @expose("/delete/<pk>", methods=["GET", "POST"])
    @has_access
    def delete(self, pk):
        """Delete a record nothing refers to; else 409 with what to do instead."""
        try:
            return super().delete(pk)
        except DeletionRefused as exc:
            db.session.rollback()
            return self._conflict(str(exc))

    def _delete(self, pk):
        item = self.datamodel.get(pk, self._base_filters)
        if not item:
            abort(404)
        try:
            self.pre_delete(item)
        except PermissionError as exc:
            flash(str(exc), "danger")
            return
        check_deletable(item)
        try:
            self.datamodel.delete(item)
        except DatabaseException as exc:  # a reference the check did not know about
            raise DeletionRefused(refused_by_database()) from exc
        self.post_delete(item)
        flash(self.delete_row_message, "success")
        self.update_redirect()

    def _conflict(self, message: str):
        page = render_template(
            "errors/error.html",
            code=409,
            message=message,
            back=self.get_redirect(),
            appbuilder=current_app.appbuilder,
            base_template=current_app.appbuilder.base_template,
        )
        return page, 409
