"""Recap exports as XLSX (formatted; one sheet per unit regency-wide) and CSV.

CSV: UTF-8 with a byte-order mark and ``;`` between fields, as spreadsheet programs
in Indonesian locales expect. Cells that a spreadsheet would run as a formula
(starting with = + - @, tab or CR) get a leading apostrophe in CSV; in XLSX they are
text cells with Excel's quote prefix (`forms.literal_text`), the text unchanged.
"""

from __future__ import annotations

import csv
import io

from flask_babel import gettext as _

from app.services import recaps
from forms import literal_text
from forms.xlsx import FORMULA_START

_WIDTHS = [6, 21, 32, 8, 32, 20, 20, 20, 16]


def _columns() -> list[str]:
    return [
        _("No."), _("NIP"), _("Name"), _("Grade"), _("Position"), _("Work results"),
        _("Work behaviour"), _("Performance rating"), _("Status"),
    ]  # fmt: skip


def _values(row: dict) -> list:
    return [row["no"], row["nip"], row["name"], row["golongan"], row["jabatan"], row["hasil"],
            row["perilaku"], row["predikat"], row["state"]]  # fmt: skip


def _safe(value):
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def to_csv(recap: recaps.Recap) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    header = _columns()
    if recap.regency:
        header = [_("Unit code"), _("Unit"), *header]
    writer.writerow(header)
    for section in recap.sections:
        for row in recaps.labelled_rows(section):
            values = [_safe(v) for v in _values(row)]
            if recap.regency:
                values = [_safe(section.code), _safe(section.name), *values]
            writer.writerow(values)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _sheet_title(section: recaps.Section, used: set[str]) -> str:
    base = "".join("_" if c in "[]:*?/\\" else c for c in section.code)[:28] or "Unit"
    title, number = base, 2
    while title.lower() in used:
        title, number = f"{base[:26]}~{number}", number + 1
    used.add(title.lower())
    return title


def to_xlsx(recap: recaps.Recap) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDDDDD")
    thin = Side(style="thin", color="999999")
    border = Border(top=thin, bottom=thin, left=thin, right=thin)
    period = recap.period
    used: set[str] = set()
    sections = [s for s in recap.sections if s.rows] if recap.regency else recap.sections
    if recap.regency:
        summary = workbook.create_sheet(_("Summary")[:31])
        used.add(summary.title.lower())
        head = (
            [
                _("Unit code"),
                _("Unit"),
                *(label for label, _n in recaps.unit_counts_by_predikat(recap.sections[0])),
            ]
            if recap.sections
            else []
        )
        head += [_("Not yet rated"), _("Total"), _("Completion") + " %"]
        summary.append(head)
        for section in recap.sections:
            counts = [n for _l, n in recaps.unit_counts_by_predikat(section)]
            summary.append([section.code, section.name, *counts, section.count - section.rated,
                            section.count, float(section.completion)])  # fmt: skip
        for cell in summary[1]:
            cell.font, cell.fill, cell.border = bold, fill, border
        summary.freeze_panes = "A2"
        summary.column_dimensions["A"].width = 16
        summary.column_dimensions["B"].width = 48
    for section in sections:
        sheet = workbook.create_sheet(_sheet_title(section, used))
        sheet.append([_("Unit"), section.name])
        sheet.append([_("Period"), period.name])
        sheet.append(_columns())
        for cell in sheet[3]:
            cell.font, cell.fill, cell.border = bold, fill, border
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        for row in recaps.labelled_rows(section):
            sheet.append(_values(row))
        sheet.freeze_panes = "A4"
        sheet["A1"].font = sheet["A2"].font = bold
        for index, width in enumerate(_WIDTHS, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        last = sheet.max_row
        if last > 3:
            sheet.auto_filter.ref = f"A3:{get_column_letter(len(_WIDTHS))}{last}"
    if not workbook.sheetnames:
        workbook.create_sheet(_("Summary")[:31])
    out = io.BytesIO()
    literal_text(workbook).save(out)
    return out.getvalue()
