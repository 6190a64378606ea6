"""Scoped REST resources: same rows and rules as the web views."""

from __future__ import annotations

from collections.abc import Callable

from flask import request
from flask_appbuilder.api import ModelRestApi
from flask_appbuilder.exceptions import DatabaseException
from marshmallow import RAISE, fields, validate
from marshmallow_sqlalchemy import SQLAlchemyAutoSchema
from sqlalchemy.exc import IntegrityError

from app.api.errors import ApiContract, api_error, endpoint
from app.api.schemas import MAX_ID, TOO_LARGE
from app.extensions import db
from app.i18n import lazy_gettext as _l
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
    schema = type(f"{model.__name__}Schema", (SQLAlchemyAutoSchema,), {"Meta": meta})()
    for field in schema.fields.values():
        if isinstance(field, fields.Integer):  # the database stores 64-bit integers
            field.validators.append(validate.Range(min=-MAX_ID, max=MAX_ID, error=TOO_LARGE))
    return schema


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


def parse_pk(pk) -> int | None:
    """A primary key from the URL, or None when it cannot name a row."""
    text = str(pk)
    return int(text) if text.isdigit() and int(text) <= MAX_ID else None


MAX_PAGE = 1_000_000


def _list_arg_errors(args: dict) -> dict[str, list[str]]:
    """Rison list arguments FAB would pass to the database unchecked (negative or huge)."""
    errors = {}
    for name in ("page", "page_size"):
        value = args.get(name)
        if value is not None and not 0 <= value <= MAX_PAGE:
            errors[name] = [str(_l("Give a number from 0 to %(max)s.", max=MAX_PAGE))]
    if _too_large(args.get("filters")):
        errors["filters"] = [str(TOO_LARGE)]
    return errors


def _too_large(value) -> bool:
    if isinstance(value, dict):
        return any(_too_large(v) for v in value.values())
    if isinstance(value, list):
        return any(_too_large(v) for v in value)
    return isinstance(value, int | float) and not -MAX_ID <= value <= MAX_ID


class _SchemaConverter:
    """FAB builds a schema for `?q=(columns:…)` that fails on foreign keys; this one doesn't."""

    def __init__(self, model):
        self.model = model

    def convert(self, columns, **kwargs):
        return model_schema(self.model, list(columns))


def _fix_fab_operation(operation: dict) -> None:
    """FAB documents ids as strings and `_info`'s column lists as objects; they are not."""
    for response in operation.get("responses", {}).values():
        schema = response.get("content", {}).get("application/json", {}).get("schema", {})
        properties = schema.get("properties", {})
        if "ids" in properties:
            properties["ids"]["items"] = {"type": "integer"}
        if properties.get("id", {}).get("type") == "string":
            properties["id"] = {"type": "integer"}
        for name in ("add_columns", "edit_columns"):
            if name in properties:
                properties[name] = {"type": "array", "items": {"type": "object"}}


class ScopedModelApi(ApiContract, ModelRestApi):
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
        self.model2schemaconverter = _SchemaConverter(model)

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
        # No flush of the half-changed row before the rules ran (a unique index would fail first).
        with db.session.no_autoflush:
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
        except IntegrityError:  # a constraint the rules in `check` did not foresee
            db.session.rollback()
            return api_error(
                422, errors={"_schema": [str(_l("This record conflicts with another one."))]}
            )

    def _body_call(self, call, *args):
        if not request.is_json:
            return api_error(415)
        return self._rejected(call, *args)

    # FAB routes PUT and DELETE as `/<pk>` (any text), GET as `/<int:pk>`: `/abc` or an id
    # beyond 64 bits then answered 405 to GET. Integer routes for all three: 404.
    @endpoint("/<int:pk>", "PUT", "put")
    def put(self, pk):
        return self.put_headless(pk)

    @endpoint("/<int:pk>", "DELETE", "delete")
    def delete(self, pk):
        return self.delete_headless(pk)

    put.__doc__ = ModelRestApi.put.__doc__
    delete.__doc__ = ModelRestApi.delete.__doc__

    def operation_helper(self, path=None, operations=None, methods=None, func=None, **kwargs):
        super().operation_helper(path, operations, methods, func, **kwargs)
        for operation in operations.values():
            _fix_fab_operation(operation)

    def get_list_headless(self, **kwargs):
        if errors := _list_arg_errors(kwargs.get("rison") or {}):
            return api_error(422, errors=errors)
        return super().get_list_headless(**kwargs)

    def get_headless(self, pk, **kwargs):
        pk = parse_pk(pk)
        return self.response_404() if pk is None else super().get_headless(pk, **kwargs)

    def post_headless(self):
        return self._body_call(super().post_headless)

    def put_headless(self, pk):
        pk = parse_pk(pk)
        return self.response_404() if pk is None else self._body_call(super().put_headless, pk)

    def delete_headless(self, pk):
        """Delete a record nothing refers to; else 409 saying what to do instead."""
        pk = parse_pk(pk)
        item = None if pk is None else self.datamodel.get(pk, self._base_filters)
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
            return api_error(409, message=str(exc))
        except DatabaseException:  # a reference the check did not know about
            return api_error(409, message=refused_by_database())
        self.post_delete(item)
        return self.response(200, message="OK")
