"""Scoped REST resources: same rows and rules as the web views."""

from __future__ import annotations

from collections.abc import Callable

from flask import request
from flask_appbuilder.api import ModelRestApi
from flask_babel import lazy_gettext as _l
from marshmallow import RAISE, fields, validate
from marshmallow_sqlalchemy import SQLAlchemyAutoSchema
from sqlalchemy.exc import IntegrityError

from app.api.errors import ApiContract, api_error
from app.api.schemas import MAX_ID, TOO_LARGE
from app.extensions import db
from app.scope import ScopeFilter, current_scope, is_allowed
from app.services import ValidationFailed


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


def parse_pk(pk) -> int | None:
    """A primary key from the URL, or None when it cannot name a row."""
    text = str(pk)
    return int(text) if text.isdigit() and int(text) <= MAX_ID else None


class ScopedModelApi(ApiContract, ModelRestApi):
    """A ModelRestApi filtered by `visible`, changing only `managed` rows.

    `check(item, scope)` returns broken rules by field; they answer 422 and
    nothing is written.
    """

    visible: Callable
    managed: Callable
    allow_browser_login = False  # the session cookie must not bypass CSRF
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

    def get_headless(self, pk, **kwargs):
        pk = parse_pk(pk)
        return self.response_404() if pk is None else super().get_headless(pk, **kwargs)

    def post_headless(self):
        return self._body_call(super().post_headless)

    def put_headless(self, pk):
        pk = parse_pk(pk)
        return self.response_404() if pk is None else self._body_call(super().put_headless, pk)

    def delete_headless(self, pk):
        pk = parse_pk(pk)
        return self.response_404() if pk is None else self._rejected(super().delete_headless, pk)
