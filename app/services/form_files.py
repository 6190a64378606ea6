"""Form definitions as files: JSON, the portal's XLSX and standard XLSForm, in and out."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from app.i18n import lazy_gettext as _l
from app.models import FormVersion
from forms import (
    DefinitionError,
    definition_to_xlsform,
    definition_to_xlsx,
    parse_definition,
)
from forms.xlsform import Unsupported, workbook_to_definition

JSON_MIME = "application/json"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_UPLOAD = 5 * 1024 * 1024  # a form definition file


class FileProblem(Exception):
    """An uploaded definition file cannot be read; `errors` are JSON-able dicts."""

    def __init__(self, errors: list[dict[str, Any]]):
        super().__init__(errors)
        self.errors = errors


def _problem(message) -> FileProblem:
    return FileProblem([{"code": "BAD_FILE", "field": None, "message": str(message)}])


class UnsupportedRows(FileProblem):
    """An XLSForm has rows the portal cannot represent; nothing was imported."""

    def __init__(self, rows: list[Unsupported]):
        super().__init__([_row_error(row) for row in rows])
        self.rows = rows


def _row_error(row: Unsupported) -> dict[str, Any]:
    message = _l(
        "%(sheet)s sheet, row %(row)d (%(name)s, %(type)s): %(reason)s",
        sheet=row.sheet,
        row=row.row,
        name=row.name or "—",
        type=row.type or "—",
        reason=str(row.reason),
    )
    where = f"{row.sheet}!{row.row}"
    return {"code": "UNSUPPORTED_ROW", "field": row.name, "message": str(message), "path": where}


@dataclass
class ImportedFile:
    """A definition read from a file, and the XLSForm rows left out or imported in part."""

    definition: Any
    skipped: list[dict[str, Any]] = field(default_factory=list)
    partial: list[dict[str, Any]] = field(default_factory=list)


def read_upload(
    upload, skip_unsupported: bool = False, max_bytes: int = MAX_UPLOAD
) -> ImportedFile:
    """Read a definition from an uploaded .json or .xlsx file (portal workbook or XLSForm).

    An XLSForm with unsupported rows raises :class:`UnsupportedRows` unless
    `skip_unsupported`, when the rest is imported and the skipped rows are listed.
    """
    if upload is None or not upload.filename:
        raise _problem(_l("Choose a .json or .xlsx file."))
    content = upload.read(max_bytes + 1)
    if len(content) > max_bytes:
        raise _problem(_l("The file is too large."))
    name = upload.filename.lower()
    if name.endswith(".json"):
        return ImportedFile(definition_from_json(content))
    if not name.endswith(".xlsx"):
        raise _problem(_l("Choose a .json or .xlsx file."))
    try:
        stem = PurePath(upload.filename).stem
        result = workbook_to_definition(content, stem, stem)
    except DefinitionError as exc:
        raise FileProblem([error.to_dict() for error in exc.errors]) from exc
    if result.skipped and not skip_unsupported:
        raise UnsupportedRows(result.skipped)
    partial = [item for item in result.unsupported if item.partial]
    return ImportedFile(
        result.definition,
        [_row_error(row) for row in result.skipped],
        [_row_error(row) for row in partial],
    )


def definition_from_json(content: bytes) -> Any:
    try:
        return json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _problem(_l("The file is not valid JSON: %(error)s", error=str(exc))) from exc


def export_version(version: FormVersion, fmt: str) -> tuple[bytes, str]:
    """The definition of `version` as JSON, portal XLSX or XLSForm bytes, with its MIME type."""
    if fmt == "xlsx":
        return definition_to_xlsx(parse_definition(version.definition)), XLSX_MIME
    if fmt == "xlsform":
        return definition_to_xlsform(parse_definition(version.definition)), XLSX_MIME
    text = json.dumps(version.definition, ensure_ascii=False, indent=2)
    return text.encode("utf-8"), JSON_MIME
