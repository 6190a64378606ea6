"""Development follow-up: the recommendations recorded at approval, as training needs.

Per unit and period for HR and unit admins (web page and XLSX), and per employee
across periods. Only approved submissions with a recommendation count.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select

from app import spreadsheets
from app.domain.ratings import Predikat
from app.extensions import db
from app.models import Employee, EvaluationPeriod, Submission, Unit
from app.models.types import SubmissionState


@dataclass(frozen=True)
class Need:
    submission_id: int
    period: str
    unit_code: str
    unit_name: str
    employee_id: int
    nip: str
    name: str
    jabatan: str
    predikat: str | None
    recommendation: str

    @property
    def predikat_label(self) -> str:
        try:
            return Predikat(self.predikat).label if self.predikat else ""
        except ValueError:
            return self.predikat or ""


def _query(condition):
    return (
        select(
            Submission.id, EvaluationPeriod.name, Unit.code, Unit.name, Employee.id, Employee.nip,
            Employee.name, Employee.jabatan, Submission.final_predikat, Submission.recommendation,
        )
        .join(Employee, Submission.employee_id == Employee.id)
        .join(Unit, Submission.unit_id == Unit.id)
        .join(EvaluationPeriod, Submission.period_id == EvaluationPeriod.id)
        .where(
            Submission.state == SubmissionState.APPROVED.value,
            func.length(func.trim(func.coalesce(Submission.recommendation, ""))) > 0,
            condition,
        )
    )  # fmt: skip


def needs(period: EvaluationPeriod, unit_condition) -> list[Need]:
    """Training needs of the period in the units matching `unit_condition` (on `Unit`)."""
    query = _query(
        (Submission.period_id == period.id)
        & Submission.unit_id.in_(select(Unit.id).where(unit_condition))
    ).order_by(Unit.code, Employee.name)
    return [Need(*row) for row in db.session.execute(query)]


def own_needs(employee_id: int) -> list[Need]:
    """An employee's recommendations across periods, newest first."""
    query = _query(Submission.employee_id == employee_id).order_by(
        EvaluationPeriod.start_date.desc()
    )
    return [Need(*row) for row in db.session.execute(query)]


def summary_by_unit(rows: list[Need]) -> list[tuple[str, str, int]]:
    counts: dict[tuple[str, str], int] = {}
    for row in rows:
        counts[(row.unit_code, row.unit_name)] = counts.get((row.unit_code, row.unit_name), 0) + 1
    return [(code, name, n) for (code, name), n in sorted(counts.items())]


def to_xlsx(period: EvaluationPeriod, rows: list[Need]) -> bytes:
    """A sheet of the training needs (user text never runs as a formula)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = _("Training needs")[:31]
    sheet.append([_("Training needs") + " — " + period.name])
    sheet["A1"].font = Font(bold=True, size=12)
    headers = [_("No"), _("Unit"), _("NIP"), _("Name"), _("Position"), _("Performance rating"),
               _("Development recommendation")]  # fmt: skip
    sheet.append(headers)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for number, row in enumerate(rows, start=1):
        values = [number, row.unit_name, row.nip, row.name, row.jabatan, row.predikat_label,
                  row.recommendation]  # fmt: skip
        sheet.append(values)
        sheet.cell(row=sheet.max_row, column=3).number_format = "@"
        sheet.cell(row=sheet.max_row, column=7).alignment = Alignment(wrap_text=True)
    for column, width in zip("ABCDEFG", [6, 32, 21, 32, 32, 20, 60], strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A3"
    return spreadsheets.to_bytes(book)
