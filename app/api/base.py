"""Scoped REST resources: same rows and rules as the web views."""

from __future__ import annotations

from collections.abc import Callable

from flask_appbuilder.api import ModelRestApi
from flask_appbuilder.exceptions import DatabaseException
from flask_babel import lazy_gettext as _l
from marshmallow import RAISE
from marshmallow_sqlalchemy import SQLAlchemyAutoSchema

from app.extensions import db
from app.scope import ScopeFilter, current_scope, is_allowed
from app.services import ValidationFailed
from app.services.integrity import DeletionRefused, check_deletable, refused_by_database


def model_schema(model, columns: list[str]) -> SQLAlchemyAutoSchema:
    """A schema that dumps and loads `columns`, foreign keys included as plain ids."""
    meta = type(
        "Meta",
        (),
        {
            "model": model,
            "fields": columns,
            "dump_only": ("id",),
            "include_fk": True,
            "load_instance": True,
            "sqla_session": db.session,
            "unknown": RAISE,
        },
    )
    return type(f"{model.__name__}Schema", (SQLAlchemyAutoSchema,), {"Meta": meta})()


def _ref(code: int) -> dict:
    return {"$ref": f"#/components/responses/{code}"}


_MESSAGE = {
    "type": "object",
    "properties": {"message": {"type": "string"}, "errors": {"type": "object"}},
}
_DELETE_RESPONSES = {
    200: {"description": "Item deleted", "content": {"application/json": {"schema": _MESSAGE}}},
    404: _ref(404),
    409: {
        "description": "Other records refer to this one: the message says what to do instead",
        "content": {"application/json": {"schema": _MESSAGE}},
    },
    422: _ref(422),
    500: _ref(500),
}


class ScopedModelApi(ModelRestApi):
    """A ModelRestApi filtered by `visible`, changing only `managed` rows.

    `check(item, scope)` returns broken rules by field; they answer 422 and
    nothing is written.
    """

    visible: Callable
    managed: Callable
    allow_browser_login = False  # the session cookie must not bypass CSRF
    openapi_spec_methods = {"delete": {"delete": {"responses": _DELETE_RESPONSES}}}
    page_size = 50

    def __init__(self):
        self.base_filters = [["id", ScopeFilter, type(self).visible]]
        model = self.datamodel.obj
        self.list_model_schema = model_schema(model, self.list_columns)
        self.show_model_schema = model_schema(model, self.show_columns)
        self.add_model_schema = model_schema(model, self.add_columns)
        self.edit_model_schema = model_schema(model, self.edit_columns)
        super().__init__()

    def check(self, item, scope) -> dict[str, list[str]]:
        return {}

    def _get_field_info(self, field, filter_rel_field, page=None, page_size=None):
        # FAB translates a missing description as gettext(""), which is the catalog header.
        info = super()._get_field_info(field, filter_rel_field, page=page, page_size=page_size)
        if not self.description_columns.get(field.name):
            info["description"] = ""
        return info

    def _validate(self, item, *, existing: bool) -> None:
        errors = {}
        if existing and not is_allowed(self.datamodel.obj, item.id, type(self).managed):
            errors["_schema"] = [str(_l("You may not change this record."))]
        errors.update(self.check(item, current_scope()))
        if errors:
            raise ValidationFailed(errors)

    def pre_add(self, item):
        self._validate(item, existing=False)

    def pre_update(self, item):
        self._validate(item, existing=True)

    def pre_delete(self, item):
        self._validate_delete(item)

    def _validate_delete(self, item) -> None:
        if not is_allowed(self.datamodel.obj, item.id, type(self).managed):
            raise ValidationFailed({"_schema": [str(_l("You may not change this record."))]})

    def _rejected(self, call, *args):
        try:
            return call(*args)
        except ValidationFailed as exc:
            db.session.rollback()
            return self.response_422(message=exc.errors)

    def post_headless(self):
        return self._rejected(super().post_headless)

    def put_headless(self, pk):
        return self._rejected(super().put_headless, pk)

    def delete_headless(self, pk):
        """Delete a record nothing refers to; else 409 saying what to do instead."""
        item = self.datamodel.get(pk, self._base_filters)
        if not item:
            return self.response_404()
        try:
            self.pre_delete(item)
            check_deletable(item)
            self.datamodel.delete(item)
        except ValidationFailed as exc:
            db.session.rollback()
            return self.response_422(message=exc.errors)
        except DeletionRefused as exc:
            return self.response(409, message=str(exc), errors={})
        except DatabaseException:  # a reference the check did not know about
            return self.response(409, message=refused_by_database(), errors={})
        self.post_delete(item)
        return self.response(200, message="OK")
