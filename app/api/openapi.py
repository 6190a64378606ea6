"""`/api/v1/_openapi`: FAB's spec, completed with what every operation shares.

Each endpoint documents its own parameters, body and success answers (YAML in its
docstring, marshmallow schemas as components). Here every operation also gets a unique
`operationId` and the error answers all of them can give, in the one `Error` shape.
"""

from __future__ import annotations

import re

from flask import current_app
from flask_appbuilder.api import BaseApi, expose, protect
from flask_appbuilder.api.manager import OpenApi as FabOpenApi
from flask_appbuilder.api.manager import SwaggerView
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

from app.api.errors import MESSAGES, ApiContract, safe
from app.api.schemas import MAX_ID

_ERROR_REF = {"$ref": "#/components/schemas/Error"}
_DOCUMENTED = (400, 401, 403, 404, 409, 413, 415, 422, 500)


class BoundedIntConverter(IntegerConverter):
    """`<int:…>` limited to the database's integer ids: a larger one is 404.

    (Refusing the match instead would answer 405 where another method has the same path.)
    """

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        if number > MAX_ID:
            raise NotFound()
        return number


def _operation_id(method: str, path: str) -> str:
    """`get_submission_pk_document`; a collection (trailing slash) ends in `_list`."""
    words = [w for w in re.split(r"[/{}_]+", path) if w]
    if words[:1] == ["api"] and re.fullmatch(r"v\d+", words[1] if len(words) > 1 else ""):
        words = words[2:]
    if path.endswith("/"):
        words.append("list")
    return "_".join([method, *words])


def _error_response(status: int) -> dict:
    return {
        "description": str(MESSAGES[status]),
        "content": {"application/json": {"schema": _ERROR_REF}},
    }


def _correct_menu(spec: dict) -> None:
    """FAB's menu API documents child items as objects; a separator is the string "-"."""
    operation = spec.get("paths", {}).get("/api/v1/menu/", {}).get("get", {})
    schema = operation.get("responses", {}).get("200", {}).get("content", {})
    items = schema.get("application/json", {}).get("schema", {}).get("properties", {})
    childs = items.get("result", {}).get("items", {}).get("properties", {}).get("childs")
    if childs:
        childs["items"] = {"oneOf": [{"type": "object"}, {"type": "string", "enum": ["-"]}]}


def complete(spec: dict) -> dict:
    """Shared error answers, `$ref`s to them and unique operation ids for every operation."""
    _correct_menu(spec)
    spec.setdefault("components", {})["responses"] = {
        str(status): _error_response(status) for status in _DOCUMENTED
    }
    for path, operations in spec.get("paths", {}).items():
        has_pk = "{" in path
        for method, operation in operations.items():
            operation.setdefault("operationId", _operation_id(method, path))
            responses = operation.setdefault("responses", {})
            needed = {400, 422}
            if operation.get("security") is not None or "security" in spec:
                needed |= {401, 403}
            if has_pk:
                needed.add(404)
            if "requestBody" in operation:
                needed |= {413, 415}
            for status in needed | {int(s) for s in responses if str(s)[0] in "45"}:
                responses[str(status)] = {"$ref": f"#/components/responses/{status}"}
    return spec


class OpenApi(ApiContract, FabOpenApi):
    """FAB's spec endpoint (same name, so the same permission), with `complete` applied."""

    @expose("/<version>/_openapi")
    @protect()
    @safe
    def get(self, version):
        """The OpenAPI 3 spec of one API version.
        ---
        get:
          description: The OpenAPI spec of the portal's API.
          parameters:
          - in: path
            schema: {type: string}
            name: version
            required: true
          responses:
            200:
              description: The OpenAPI spec
              content:
                application/json:
                  schema: {type: object}
            404:
              $ref: '#/components/responses/404'
        """
        spec = self._create_api_spec(version)
        apis = [
            api for api in current_app.appbuilder.baseviews
            if isinstance(api, BaseApi) and api.version == version
        ]  # fmt: skip
        if not apis:
            return self.response_404()
        for api in apis:
            api.add_api_spec(spec)
        return self.response(200, **complete(spec.to_dict()))


def register(appbuilder) -> None:
    """FAB's own OpenAPI views are off (`FAB_ADD_OPENAPI_VIEWS`); these replace them."""
    appbuilder.add_api(OpenApi)
    appbuilder.add_view_no_menu(SwaggerView)
