"""Form definitions as files: JSON and XLSX (XLSForm-like) import and export."""

from __future__ import annotations

import json
from typing import Any

from app.i18n import lazy_gettext as _l
from app.models import FormVersion
from forms import DefinitionError, definition_to_xlsx, parse_definition, xlsx_to_definition

JSON_MIME = "application/json"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class FileProblem(Exception):
    """An uploaded definition file cannot be read; `errors` are JSON-able dicts."""

    def __init__(self, errors: list[dict[str, Any]]):
        super().__init__(errors)
        self.errors = errors


def _problem(message) -> FileProblem:
    return FileProblem([{"code": "BAD_FILE", "field": None, "message": str(message)}])


def definition_from_upload(upload, max_bytes: int) -> dict[str, Any]:
    """Read a definition from an uploaded .json or .xlsx file."""
    if upload is None or not upload.filename:
        raise _problem(_l("Choose a .json or .xlsx file."))
    content = upload.read(max_bytes + 1)
    if len(content) > max_bytes:
        raise _problem(_l("The file is too large."))
    name = upload.filename.lower()
    if name.endswith(".json"):
        return definition_from_json(content)
    if name.endswith(".xlsx"):
        try:
            return xlsx_to_definition(content)
        except DefinitionError as exc:
            raise FileProblem([error.to_dict() for error in exc.errors]) from exc
    raise _problem(_l("Choose a .json or .xlsx file."))


def definition_from_json(content: bytes) -> Any:
    try:
        return json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _problem(_l("The file is not valid JSON: %(error)s", error=str(exc))) from exc


def export_version(version: FormVersion, fmt: str) -> tuple[bytes, str]:
    """The definition of `version` as JSON or XLSX bytes, with its MIME type."""
    if fmt == "xlsx":
        return definition_to_xlsx(parse_definition(version.definition)), XLSX_MIME
    text = json.dumps(version.definition, ensure_ascii=False, indent=2)
    return text.encode("utf-8"), JSON_MIME
