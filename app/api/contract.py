"""Input and error helpers of the calibration and annual-evaluation endpoints.

Every 4xx has the shape `{"message": "<sentence>", "errors": {"<field>": ["…"]}}`, nested
marshmallow messages flattened to dotted names (`adjustments.0.reason`), all translated.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import Response, jsonify, request
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate

MAX_ID = 2**31 - 1
MESSAGES = {
    400: _l("The request could not be understood. Please check what you sent."),
    403: _l("You do not have access to this action."),
    404: _l("The page or record was not found, or it is outside your scope."),
    409: _l("The record cannot be changed now."),
    422: _l("Some values are not valid. See the errors by field."),
}


class FieldErrorsSchema(Schema):
    """The body of a 4xx answer."""

    message = fields.String(required=True)
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), required=True)


def flat(errors) -> dict[str, list[str]]:
    """Nested messages as `{"a.0.b": ["…"]}`, each one a translated string."""
    if not isinstance(errors, Mapping):
        items = errors if isinstance(errors, list | tuple) else [errors]
        return {"_schema": [str(m) for m in items]}
    result: dict[str, list[str]] = {}
    for key, value in errors.items():
        if isinstance(value, Mapping):
            for sub, messages in flat(value).items():
                name = str(key) if sub == "_schema" else f"{key}.{sub}"
                result.setdefault(name, []).extend(messages)
        else:
            items = value if isinstance(value, list | tuple) else [value]
            result.setdefault(str(key), []).extend(str(m) for m in items)
    return result


def error(status: int, errors=None, message=None) -> Response:
    response = jsonify(message=str(message or MESSAGES[status]), errors=flat(errors or {}))
    response.status_code = status
    return response


class Invalid(Exception):
    """Answer `status` with `errors` (raised while reading the request)."""

    def __init__(self, status: int, errors):
        super().__init__(status)
        self.status, self.errors = status, errors


def Id(strict: bool = True, **kwargs) -> fields.Integer:  # noqa: N802 - a field factory
    """A database id: a positive integer that fits the column (as text in query strings)."""
    return fields.Integer(
        strict=strict,
        validate=validate.Range(1, MAX_ID, error=_l("Enter a valid identifier.")),
        error_messages={
            "invalid": _l("Enter a whole number."),
            "required": _l("This field is required."),
        },
        **kwargs,
    )


def load(schema: Schema, data) -> dict:
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise Invalid(422, exc.messages) from exc


def load_args(schema: Schema) -> dict:
    """The query string through `schema` (numbers as text are fine there)."""
    return load(schema, request.args.to_dict())


def load_json(schema: Schema) -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Invalid(400, {"_schema": [_l("Send a JSON object.")]})
    return load(schema, body)


def bounded(pk: int) -> None:
    """A path id beyond the column's range cannot exist: 404 instead of a database error."""
    if pk > MAX_ID:
        raise Invalid(404, {})
