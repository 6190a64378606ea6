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

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

MAX_PART_BYTES = 32 * 1024 * 1024  # unpacked size of any one part of the workbook
MAX_TOTAL_BYTES = 64 * 1024 * 1024
_CHUNK = 1024 * 1024
_SHEET_RE = re.compile(r"xl/worksheets/[^/]+\.xml")
_TAG_RE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|c)[\s/>]")


def _tags(stream) -> Iterator[bytes]:
    """``row``/``c`` tag names of a streamed XML part, in order."""
    carry = b""
    while chunk := stream.read(_CHUNK):
        data = carry + chunk
        cut = data.rfind(b"<")  # a tag may straddle the chunk boundary
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
        else:
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
        sizes = [part.file_size for part in parts]
        if max(sizes, default=0) > MAX_PART_BYTES or sum(sizes) > MAX_TOTAL_BYTES:
            return _l("more than %(mb)d MB unpacked", mb=MAX_TOTAL_BYTES // (1024 * 1024))
        for part in parts:
            if not _SHEET_RE.fullmatch(part.filename):
                continue
            with archive.open(part) as stream:
                problem = _sheet_problem(stream, max_rows, max_columns, max_cells)
            if problem is not None:
                return problem
    return None
