"""The alignment tree (pohon kinerja) as XLSX and PDF: one row per node, indented by depth.

XLSX cells are literal text (`forms.literal_text`: a title starting with "=" stays text);
the PDF goes through `app.printing` (locked-down renderer, page numbers, a QR code with
the address of the live tree), its rows cut into tables of `ROWS_PER_TABLE`.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _

from app import practice, printing, spreadsheets
from app.i18n import lang, long_date, number
from app.services import emblem
from app.services.alignment import GAP_LABELS, TYPE_LABELS, Tree

ROWS_PER_TABLE = 40  # xhtml2pdf is quadratic in the length of one table
_WIDTHS = [8, 16, 22, 70, 40, 14, 30]


def _columns() -> list[str]:
    return [_("Level"), _("Type"), _("Code"), _("Title"), _("People"), _("Achievement") + " %",
            _("Gap")]  # fmt: skip


def rows(tree: Tree) -> list[dict]:
    """The nodes in tree order with their depth and printable texts."""
    found = []
    for depth, node in tree.walk():
        found.append({
            "depth": depth,
            "type": str(TYPE_LABELS.get(node.type, node.type)),
            "code": node.code,
            "title": node.title,
            "people": ", ".join(p["name"] for p in node.people),
            "achievement": node.achievement,
            "colour": node.colour,
            "gap": str(GAP_LABELS[node.gap]) if node.gap else "",
        })  # fmt: skip
    return found


def to_xlsx(tree: Tree) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Alignment tree")[:31]
    sheet.append([_("Year"), tree.year])
    sheet.append([_("Period"), tree.period.name if tree.period else "—"])
    sheet.append(_columns())
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for row in rows(tree):
        value = None if row["achievement"] is None else float(row["achievement"])
        sheet.append([row["depth"] + 1, row["type"], row["code"], row["title"], row["people"],
                      value, row["gap"]])  # fmt: skip
        sheet.cell(sheet.max_row, 4).alignment = Alignment(indent=min(row["depth"], 15),
                                                           wrap_text=True)  # fmt: skip
    for index, width in enumerate(_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A4"
    return spreadsheets.to_bytes(workbook)


def to_pdf(tree: Tree, scope_label: str, address: str) -> bytes:
    """The tree as a landscape A4 document; `address` (the live page) goes in the QR code."""
    all_rows = rows(tree)
    for row in all_rows:
        row["title"] = printing.clip(row["title"], 1000)
        row["achievement"] = "" if row["achievement"] is None else number(row["achievement"])
    chunks = [all_rows[i : i + ROWS_PER_TABLE] for i in range(0, len(all_rows), ROWS_PER_TABLE)]
    title = _("Alignment tree (pohon kinerja) %(year)s", year=tree.year)
    context = {
        "lang": lang(), "doc_title": title, "header_unit": scope_label, "header_contact": "",
        "orientation": "landscape", "emblem": emblem.for_print(), "title": title,
        "period": tree.period.name if tree.period else "", "chunks": chunks,
        "columns": _columns(), "printed_on": long_date(dt.date.today()),
    }  # fmt: skip
    stamp = printing.Stamp(
        code="", verify_url=address,
        page_label=lambda page, pages: _("Page %(page)d of %(pages)d", page=page, pages=pages),
        code_label=_("Printed %(date)s — the live tree:", date=context["printed_on"]),
        watermark=practice.watermark(),
    )  # fmt: skip
    return printing.finish([printing.render("alignment.html", context)], stamp, title=title)
