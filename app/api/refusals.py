"""The 4xx answer of the evidence and template APIs, and its OpenAPI description.

Every refusal has the body ``{"message": "<translated sentence>", "errors": {"<field>":
["<translated message>", …]}}`` (`errors` may be empty).
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from flask_appbuilder.api import BaseApi
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields

#: Ids are INTEGER columns (32 bits on PostgreSQL); a larger one can name no row.
MAX_ID = 2**31 - 1

NOT_FOUND = _l("Not found, or not yours to see.")
INVALID = _l("Nothing was changed: correct the marked parts of the request.")
MISSING = _l("This part is missing.")


class RefusalSchema(Schema):
    """A refused request: why, and what is wrong by field."""

    __component_name__ = "Refusal"

    message = fields.String(required=True)
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), required=True)


_DESCRIPTIONS = {
    400: "Bad request",
    403: "Forbidden",
    404: "Not found",
    409: "Conflict",
    413: "Request too large",
    415: "Unsupported media type",
    422: "Invalid input",
}

#: Registered as `#/components/responses/refusal_<status>`.
RESPONSES: dict[str, Any] = {
    **BaseApi.responses,
    **{
        f"refusal_{status}": {
            "description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Refusal"}}},
        }
        for status, description in _DESCRIPTIONS.items()
    },
}


def _texts(messages) -> list[str]:
    # marshmallow keeps a lazily translated message as it is, not wrapped in a list
    if isinstance(messages, list | tuple):
        return [str(m) for m in messages]
    return [str(messages)]


def refusal(status: int, message, errors: dict[str, list] | None = None) -> Response:
    """A 4xx response in the shape above (messages made text in the request's language)."""
    response = jsonify(
        message=str(message),
        errors={field: _texts(messages) for field, messages in (errors or {}).items()},
    )
    response.status_code = status
    return response


def known_id(*ids: int) -> bool:
    """Whether every id could name a row (a larger path id is a 404, not a database error)."""
    return all(0 < pk <= MAX_ID for pk in ids)
