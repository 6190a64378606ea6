"""Bounded opening of uploaded XLSX workbooks.

openpyxl parses every cell of a row even when asked for a few columns, so a small
zip of 300 rows × 16,384 columns costs tens of seconds. Before openpyxl sees an
upload, :func:`workbook_problem` checks the unpacked size of each part and scans each
sheet's XML for its rows and cells, stopping at the first row or cell past the limits
(openpyxl reads about 200,000 cells a second, so the cell limit bounds the reading time).
The scan counts real ``<row>`` and ``<c>`` elements, so a sheet whose ``<dimension>``
lies is bounded too.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator

from flask_babel.speaklater import LazyString

from forms.i18n import lazy_gettext as _l

MAX_PART_BYTES = 32 * 1024 * 1024  # unpacked size of a sheet or of the shared texts
MAX_OTHER_XML_BYTES = 4 * 1024 * 1024  # styles, workbook, relations… (parsed whole)
MAX_TOTAL_BYTES = 64 * 1024 * 1024
_CHUNK = 1024 * 1024
_TAG_ROOM = 64  # a tag name (with its namespace prefix) is shorter than this
_SHEET_RE = re.compile(r"xl/worksheets/[^/]+\.xml")
_SHARED_STRINGS = "xl/sharedStrings.xml"
_TAG_RE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|c|si)[\s/>]")


def _tags(stream) -> Iterator[bytes]:
    """``row``/``c``/``si`` tag names of a streamed XML part, in order."""
    carry = b""
    while chunk := stream.read(_CHUNK):
        data = carry + chunk
        cut = data.rfind(b"<")  # a tag may straddle the chunk boundary
        if cut < len(data) - _TAG_ROOM:
            cut = len(data)
        data, carry = data[:cut], data[cut:]
        for match in _TAG_RE.finditer(data):
            yield match.group(1)
    for match in _TAG_RE.finditer(carry + b" "):
        yield match.group(1)


def _sheet_problem(stream, max_rows: int, max_columns: int, max_cells: int) -> LazyString | None:
    rows = cells = total = 0
    for tag in _tags(stream):
        if tag == b"row":
            rows, cells = rows + 1, 0
        elif tag == b"c":
            cells, total = cells + 1, total + 1
        if rows > max_rows or cells > max_columns:
            return _l(
                "more than %(rows)d rows or %(columns)d columns in a sheet",
                rows=max_rows,
                columns=max_columns,
            )
        if total > max_cells:
            return _l("more than %(cells)d cells in a sheet", cells=max_cells)
    return None


def workbook_problem(
    data: bytes, max_rows: int, max_columns: int, max_cells: int
) -> LazyString | None:
    """Why the workbook is too large to read (a phrase), or ``None``.

    Data that is not a zip archive passes: openpyxl then reports the unreadable file.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return None
    with archive:
        parts = archive.infolist()
        if any(part.file_size > _part_limit(part.filename) for part in parts) or (
            sum(part.file_size for part in parts) > MAX_TOTAL_BYTES
        ):
            return _l("more than %(mb)d MB unpacked", mb=MAX_TOTAL_BYTES // (1024 * 1024))
        for part in parts:
            with archive.open(part) as stream:
                problem = _part_problem(part.filename, stream, max_rows, max_columns, max_cells)
            if problem is not None:
                return problem
    return None


def _part_limit(name: str) -> int:
    if _SHEET_RE.fullmatch(name) or name == _SHARED_STRINGS:
        return MAX_PART_BYTES
    return MAX_OTHER_XML_BYTES if name.endswith((".xml", ".rels")) else MAX_PART_BYTES


def _part_problem(name: str, stream, max_rows: int, max_columns: int, max_cells: int):
    if _SHEET_RE.fullmatch(name):
        return _sheet_problem(stream, max_rows, max_columns, max_cells)
    if name == _SHARED_STRINGS and sum(1 for tag in _tags(stream) if tag == b"si") > max_cells:
        # openpyxl reads every shared text when it opens the workbook
        return _l("more than %(cells)d cells in a sheet", cells=max_cells)
    return None
