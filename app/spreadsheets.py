"""Every XLSX workbook the portal writes, saved one way.

Text cells become literal text that no spreadsheet runs as a formula
(`forms.literal_text`), and a workbook made in practice mode says LATIHAN: in the
header of every printed page and on a last sheet of its own (the first sheet, which
imports read, stays where it is).
"""

from __future__ import annotations

import io

from openpyxl import Workbook

from app import practice
from app.i18n import gettext
from forms import literal_text


def to_bytes(workbook: Workbook) -> bytes:
    """The workbook as an .xlsx file."""
    mark = practice.watermark()
    if mark:
        _mark(workbook, mark)
    out = io.BytesIO()
    literal_text(workbook).save(out)
    return out.getvalue()


def _mark(workbook: Workbook, mark: str) -> None:
    notice = workbook.create_sheet(mark)
    notice["A1"] = mark
    notice["A2"] = gettext("Made in practice mode: example data, not a real record.")
    for sheet in workbook.worksheets:
        sheet.oddHeader.center.text = mark
    workbook.properties.title = mark
