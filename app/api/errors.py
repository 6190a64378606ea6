"""One error shape for every 4xx of the API: `{"message": "...", "errors": {field: [...]}}`.

`api_error` builds it; `ApiContract` makes FAB's `response_4xx` helpers and `safe` use it;
`install` guards request bodies of `/api/` paths (bad or 100,000-deep JSON, wrong
content type) and rewrites the few 4xx that FAB or flask-jwt-extended answer themselves.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

import prison
from flask import Flask, Response, jsonify, request
from flask_appbuilder.api import expose, protect
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields
from werkzeug.exceptions import BadRequest

from app.api import schemas
from app.extensions import db
from app.scope import is_allowed
from app.services import ValidationFailed
from app.services.submissions import ActionRefused

log = logging.getLogger(__name__)

MESSAGES = {
    400: _l("The request could not be understood. Please check what you sent."),
    401: _l("Log in first: the token is missing, invalid or expired."),
    403: _l("You do not have access to this action."),
    404: _l("The page or record was not found, or it is outside your scope."),
    405: _l("This action is not allowed here."),
    409: _l("The record was changed by someone else. Reload it and try again."),
    413: _l("The request is too large."),
    415: _l("Send the request body as JSON (Content-Type: application/json)."),
    422: _l("Some values are not valid. See the errors by field."),
    429: _l("Too many attempts. Please wait a minute and try again."),
    500: _l("Something went wrong on our side. The error has been recorded."),
}
BAD_JSON = _l("The request body is not valid JSON.")
TOO_DEEP = _l("The request body is nested too deeply.")
BAD_TEXT = _l("Text may not contain NUL characters or invalid Unicode.")
_SURROGATE = re.compile("[\ud800-\udfff]")
# FAB answers these itself; they mean the body was not JSON.
_FAB_NOT_JSON = {"Request is not JSON", "Request payload is not JSON"}
_BODY_METHODS = {"POST", "PUT", "PATCH"}
_FORM_TYPES = {"multipart/form-data", "application/x-www-form-urlencoded"}


class Error(Schema):
    """The body of every 4xx (and 500) answer of the API."""

    message = fields.String(required=True)
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), required=True)


# Marshmallow formats these before we see them; translated by pattern.
_FORMATTED = [
    (re.compile(r"Longer than maximum length (?P<max>\d+)\.$"),
     _l("Longer than maximum length %(max)s.")),
    (re.compile(r"Must be one of: (?P<choices>.*)\.$"), _l("Must be one of: %(choices)s.")),
    (re.compile(r"Must be greater than or equal to (?P<min>\S+) and less than or equal to "
                r"(?P<max>\S+)\.$"), _l("Must be from %(min)s to %(max)s.")),
]  # fmt: skip


def translate(message) -> str:
    """A validation message in the user's language (marshmallow's are English)."""
    text = str(message)
    for pattern, template in _FORMATTED:
        if match := pattern.match(text):
            return str(template) % match.groupdict()
    return gettext(text)


def flat_errors(errors) -> dict[str, list[str]]:
    """Marshmallow's nested messages as `{"a.0.b": ["…"]}`, each message translated."""
    if errors is None:
        return {}
    if not isinstance(errors, Mapping):
        return {"_schema": [translate(m) for m in _as_list(errors)]}
    flat: dict[str, list[str]] = {}
    for key, value in errors.items():
        if isinstance(value, Mapping):
            for sub, messages in flat_errors(value).items():
                name = str(key) if sub == "_schema" else f"{key}.{sub}"
                flat.setdefault(name, []).extend(messages)
        else:
            flat.setdefault(str(key), []).extend(translate(m) for m in _as_list(value))
    return flat


def _as_list(value) -> list:
    return list(value) if isinstance(value, list | tuple) else [value]


def api_error(status: int, message=None, errors=None) -> Response:
    """A JSON error in the API's one shape; `message` defaults to the status' sentence."""
    text = str(message) if message else str(MESSAGES.get(status, MESSAGES[500]))
    response = jsonify(message=text, errors=flat_errors(errors))
    response.status_code = status
    return response


class ApiError(Exception):
    """Raised inside an endpoint to answer an error (caught by `safe`)."""

    def __init__(self, status: int, message=None, errors=None):
        super().__init__(message or status)
        self.status, self.message, self.errors = status, message, errors

    def response(self) -> Response:
        return api_error(self.status, self.message, self.errors)


def scoped(model, pk: int, condition):
    """Row `pk` of `model` if the scope rule `condition` lets the caller see it, else 404."""
    if not is_allowed(model, pk, condition):
        raise ApiError(404)
    return db.session.get(model, pk)


@contextmanager
def refusals(*conflicts: type[ValidationFailed]) -> Iterator[None]:
    """A service's refusals as API errors: `ActionRefused` 403, `conflicts` 409 (its first
    message as the sentence), any other `ValidationFailed` 422, by field."""
    try:
        yield
    except ActionRefused as exc:
        raise ApiError(403, str(exc)) from None
    except conflicts as exc:
        first = next(iter(flat_errors(exc.errors).values()), [None])[0]
        raise ApiError(409, first, exc.errors) from None
    except ValidationFailed as exc:
        raise ApiError(422, errors=exc.errors) from None


def safe(f: Callable) -> Callable:
    """FAB's `safe` with the API's error shape: ApiError and marshmallow errors are 4xx."""

    @functools.wraps(f)
    def wraps(self, *args, **kwargs):
        try:
            return f(self, *args, **kwargs)
        except ApiError as exc:
            db.session.rollback()
            return exc.response()
        except ValidationError as exc:
            db.session.rollback()
            return api_error(422, errors=exc.messages)
        except BadRequest:
            return api_error(400)
        except Exception:
            db.session.rollback()
            log.exception("API error on %s", request.path)
            return api_error(500)

    return wraps


def endpoint(rule: str, method: str, permission: str) -> Callable:
    """An API method at `rule`: FAB's `expose` and `protect` (as permission `permission`),
    with `safe`'s error shape in between."""

    def decorate(f: Callable) -> Callable:
        return expose(rule, methods=[method])(protect()(safe(permission_name(permission)(f))))

    return decorate


def load_args(schema: Schema) -> dict:
    """The query string loaded by `schema` (`safe` answers its errors 422, by parameter)."""
    return schema.load(request.args.to_dict())


def load_body(schema: Schema, *, optional: bool = False) -> dict:
    """The JSON body loaded by `schema`; 415 if it is not JSON, 422 by field (via `safe`).

    An `optional` body may be left out (it then loads as `{}`).
    """
    if optional and not request.content_length and not request.data:
        return schema.load({})
    if not request.is_json:
        raise ApiError(415)
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(422, errors={"_schema": [gettext("Send a JSON object.")]})
    return schema.load(data)


class ApiContract:
    """Mixin for the portal's `BaseApi`s: FAB's 4xx helpers answer in the error shape."""

    openapi_spec_component_schemas = (Error, *schemas.SCHEMAS)

    def response_400(self, message=None):
        return _fab_error(400, message)

    def response_401(self):
        return api_error(401)

    def response_403(self):
        return api_error(403)

    def response_404(self):
        return api_error(404)

    def response_422(self, message=None):
        return _fab_error(422, message)

    def response_500(self, message=None):
        return api_error(500)


def _fab_error(status: int, message) -> Response:
    """FAB passes either marshmallow's messages by field or an English sentence."""
    if isinstance(message, Mapping):
        return api_error(status, errors=message)
    if message in _FAB_NOT_JSON:
        return api_error(415)
    return api_error(status)


def _guard_body():
    """Refuse unreadable bodies before any endpoint (FAB's login included) parses them."""
    if not request.path.startswith("/api/") or request.method not in _BODY_METHODS:
        return None
    if not request.content_length and not request.data:
        return None
    if request.is_json:
        try:
            data = request.get_json()  # cached for the endpoint
        except RecursionError:
            return api_error(400, TOO_DEEP)
        except BadRequest:
            return api_error(400, BAD_JSON)
        return None if _storable(data) else api_error(422, errors={"_schema": [str(BAD_TEXT)]})
    if request.mimetype not in _FORM_TYPES:
        return api_error(415)
    return None


def _guard_query():
    """Query values must be storable text; FAB parses `?q=` (Rison, else JSON) itself but
    lets some parser errors through (500)."""
    if not request.path.startswith("/api/"):
        return None
    if not _storable(request.args.to_dict(flat=False)):
        return api_error(422, errors={"_schema": [str(BAD_TEXT)]})
    if "q" not in request.args:
        return None
    value = request.args["q"]
    try:
        try:
            prison.loads(value)
        except prison.decoder.ParserException:  # FAB then tries JSON
            json.loads(value)
    except Exception:  # noqa: BLE001 - whatever the parsers raise, the argument is bad
        return api_error(400, errors={"q": [gettext("This is not valid Rison or JSON.")]})
    return None


def _storable(value) -> bool:
    """No NUL character and no lone surrogate anywhere (PostgreSQL cannot store them)."""
    if isinstance(value, str):
        return "\x00" not in value and not _SURROGATE.search(value)
    if isinstance(value, dict):
        return all(_storable(k) and _storable(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_storable(v) for v in value)
    return True


def _reshape(response: Response) -> Response:
    """4xx answered outside our classes (JWT errors, FAB's login) in the one shape."""
    if not (request.path.startswith("/api/") and response.status_code >= 400):
        return response
    if response.mimetype != "application/json" or response.direct_passthrough:
        return api_error(response.status_code)
    try:
        body = json.loads(response.get_data())
    except ValueError:
        return api_error(response.status_code)
    if isinstance(body, dict) and set(body) == {"message", "errors"}:
        return response
    message = body.get("message") if isinstance(body, dict) else None
    if isinstance(message, str) and message in _FAB_NOT_JSON:
        return api_error(415)
    if isinstance(message, Mapping):
        return api_error(response.status_code, errors=message)
    return api_error(response.status_code)


def install(app: Flask) -> None:
    """Guard API request bodies and reshape errors answered outside our endpoints."""
    app.before_request(_guard_body)
    app.before_request(_guard_query)
    app.after_request(_reshape)
