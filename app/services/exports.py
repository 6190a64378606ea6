"""Recap exports as XLSX (formatted; one sheet per unit regency-wide) and CSV.

The XLSX has one more sheet per repeat group (table) of the period's forms: one line
per table row, keyed to its submission (submission id, NIP, name, row number). The CSV
is the main list only: one file, as the API and the analysts' scripts read it; the
tables come as CSV files of their own, in one ZIP (`tables_zip`).

CSV: UTF-8 with a byte-order mark and ``;`` between fields, as spreadsheet programs
in Indonesian locales expect. Cells that a spreadsheet would run as a formula
(starting with = + - @, tab or CR) get a leading apostrophe in CSV; in XLSX they are
text cells with Excel's quote prefix (`forms.literal_text`), the text unchanged.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field

from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import select

from app import spreadsheets
from app.extensions import db
from app.i18n import lang
from app.models import Employee, Submission
from app.services import recaps
from app.services.submission_forms import display, groups
from app.services.templates import form_versions
from forms import parse_definition, text
from forms.schema import FieldSchema
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


def _csv_cell(value):
    """Decimals with the locale's separator and no grouping ("93,75"), as the `;` expects."""
    return format_decimal(value, format="0.##########") if isinstance(value, float) else value


def _csv(header: list, rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([_safe(_csv_cell(value)) for value in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_csv(recap: recaps.Recap) -> bytes:
    header = _columns()
    if recap.regency:
        header = [_("Unit code"), _("Unit"), *header]
    rows = (
        [section.code, section.name, *_values(row)] if recap.regency else _values(row)
        for section in recap.sections
        for row in recaps.labelled_rows(section)
    )
    return _csv(header, rows)


class NoTables(Exception):
    """The recap's evaluations have no table (repeat group) to export."""


def tables_zip(recap: recaps.Recap) -> bytes:
    """A ZIP with one CSV per table of the recap's forms, named after its form and key."""
    tables = repeat_tables(recap)
    if not tables:
        raise NoTables(_("The forms of this recap have no table (repeated rows) to export."))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for table in tables:
            archive.writestr(f"{table.name}.csv", _csv(_table_columns(table), table.rows))
    return out.getvalue()


def _sheet_title(name: str, used: set[str]) -> str:
    base = "".join("_" if c in "[]:*?/\\" else c for c in name)[:28] or "Unit"
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
        sheet = workbook.create_sheet(_sheet_title(section.code, used))
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
    for table in repeat_tables(recap):
        sheet = workbook.create_sheet(_sheet_title(table.key, used))
        sheet.append(_table_columns(table))
        for cell in sheet[1]:
            cell.font, cell.fill, cell.border = bold, fill, border
        for row in table.rows:
            sheet.append(row)
        sheet.freeze_panes = "A2"
    if not workbook.sheetnames:
        workbook.create_sheet(_("Summary")[:31])
    return spreadsheets.to_bytes(workbook)


# --- repeat groups ---------------------------------------------------------------------


@dataclass
class RepeatTable:
    """The rows of one repeat group of a form, over the recap's submissions."""

    key: str
    title: str
    form: str = ""  # the form's code
    columns: dict[str, str] = field(default_factory=dict)  # column key -> label
    rows: list[list] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The table's file name: form code and key, safe on every system."""
        return "".join(c if c.isalnum() or c in "-_" else "_" for c in f"{self.form}-{self.key}")


def _table_columns(table: RepeatTable) -> list[str]:
    fixed = [_("Submission"), _("NIP"), _("Name"), _("Form"), _("Table"), _("Row")]
    return [*fixed, *table.columns.values()]


def _cell(value, column: FieldSchema, language: str):
    """Numbers stay numbers; choices, dates and yes/no as on the pages."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    return display(value, column, language) if value is not None else None


def repeat_tables(recap: recaps.Recap) -> list[RepeatTable]:
    """One table per repeat group (by form and group key) of the recap's submissions."""
    language = lang()
    units = [section.unit_id for section in recap.sections]
    submissions = db.session.execute(
        select(Submission, Employee.nip, Employee.name)
        .join(Employee, Employee.id == Submission.employee_id)
        .where(Submission.period_id == recap.period.id, Submission.unit_id.in_(units))
        .order_by(Employee.name, Employee.nip, Submission.id)
    ).all()
    tables: dict[tuple[str, str], RepeatTable] = {}
    versions: dict[int, list] = {}
    for submission, nip, name in submissions:
        if submission.template_version_id not in versions:
            versions[submission.template_version_id] = [
                (fv.id, parse_definition(fv.definition))
                for fv, _w in form_versions(submission.template_version)
            ]
        for form_id, schema in versions[submission.template_version_id]:
            answers = (submission.answers or {}).get(str(form_id)) or {}
            for group in groups(schema):
                table = tables.setdefault(
                    (schema.code, group.key),
                    RepeatTable(group.key, text(group.label, language), schema.code),
                )
                table.columns |= {
                    c.key: text(c.label, language)
                    for c in group.fields
                    if c.key not in table.columns
                }
                by_key = {c.key: c for c in group.fields}
                for number, row in enumerate(answers.get(group.key) or [], start=1):
                    cells = [
                        _cell(row.get(key), by_key[key], language) if key in by_key else None
                        for key in table.columns
                    ]
                    head = [submission.id, nip, name, text(schema.title, language), table.title]
                    table.rows.append([*head, number, *cells])
    return list(tables.values())
