"""Employee import from CSV or XLSX: validate every row, then all or nothing.

Rows are matched by NIP, so importing the same file again updates instead of
duplicating. Headers may be Indonesian or the national personnel system's.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from app import spreadsheets
from app.domain.ranks import normalise_golongan
from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.models import Employee, Unit
from app.models.types import JabatanType
from app.scope import Scope, managed_employees, visible_employees
from app.services.org import EmployeeInput, employee_errors, supervisor_error
from forms.workbook import workbook_problem

MAX_ROWS = 20_000
MAX_COLUMNS = 60  # columns read from a workbook; wider sheets are refused unread
MAX_CELLS = 250_000  # MAX_ROWS rows of the template's columns, and a few more
COLUMNS = ["nip", "nama", "status", "golongan", "jabatan", "jenis_jabatan", "kode_unit",
           "nip_atasan", "aktif"]  # fmt: skip
ROW_NUMBER = "__row__"  # key under which `read_rows` keeps each row's number in the file
REQUIRED = {"nip", "nama", "status", "golongan", "jabatan", "jenis_jabatan", "kode_unit"}
_ALIASES = {
    "nip_baru": "nip", "name": "nama", "nama_lengkap": "nama", "status_pegawai": "status",
    "jenis_pegawai": "status", "gol": "golongan", "gol_akhir": "golongan",
    "golongan_ruang": "golongan", "jabatan_nama": "jabatan", "nama_jabatan": "jabatan",
    "jenis_jabatan_nama": "jenis_jabatan", "jabatan_type": "jenis_jabatan", "unit": "kode_unit",
    "unit_code": "kode_unit", "supervisor_nip": "nip_atasan", "nip_penilai": "nip_atasan",
    "active": "aktif",
}  # fmt: skip
_TRUE = {"", "1", "ya", "y", "yes", "true", "aktif"}
_FALSE = {"0", "tidak", "t", "no", "false", "nonaktif", "tidak aktif"}


@dataclass
class RowError:
    """A problem in one cell: row number as the user sees it (header = row 1)."""

    row: int
    column: str
    message: str


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class ImportRow:
    """One checked row: the record's fields and its evaluator's NIP."""

    number: int
    data: EmployeeInput
    name: str
    jabatan: str
    active: bool
    supervisor_nip: str


class ImportFileError(Exception):
    """The file as a whole cannot be read (format, encoding, headers)."""


def _header(name, aliases: dict[str, str]) -> str:
    key = str(name or "").strip().lower().replace(" ", "_").replace("-", "_").replace("/", "_")
    return aliases.get(key, key)


def read_rows(
    filename: str, content: bytes, required=REQUIRED, aliases=None
) -> list[dict[str, str]]:
    """Rows of a CSV (`,` or `;`, UTF-8 with or without BOM) or XLSX file.

    `required` and `aliases` (header → column) default to the employee import's.
    """
    if filename.lower().endswith(".xlsx"):
        raw = _xlsx_rows(content)
    elif filename.lower().endswith(".csv"):
        raw = _csv_rows(content)
    else:
        raise ImportFileError(_l("Upload a .csv or .xlsx file."))
    if not raw:
        raise ImportFileError(_l("The file is empty."))
    headers = [_header(h, _ALIASES if aliases is None else aliases) for h in raw[0]]
    missing = sorted(set(required) - set(headers))
    if missing:
        raise ImportFileError(_l("Missing columns: %(columns)s.", columns=", ".join(missing)))
    if len(raw) - 1 > MAX_ROWS:
        raise ImportFileError(_l("At most %(n)d rows can be imported at once.", n=MAX_ROWS))
    rows = []
    for number, values in enumerate(raw[1:], start=2):
        row = {
            h: ("" if v is None else str(v).strip()) for h, v in zip(headers, values, strict=False)
        }
        if any(row.values()):
            row[ROW_NUMBER] = number  # blank rows are skipped, but errors cite the file's row
            rows.append(row)
    return rows


def _xlsx_rows(content: bytes) -> list[list]:
    problem = workbook_problem(content, MAX_ROWS + 2, MAX_COLUMNS, MAX_CELLS)
    if problem is not None:
        raise ImportFileError(_l("The workbook is too large to read (%(detail)s).", detail=problem))
    try:
        sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
        rows = sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 2, max_col=MAX_COLUMNS)
        return [list(r) for r in rows]
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise ImportFileError(_l("The file is not a readable XLSX workbook.")) from exc


def _csv_rows(content: bytes) -> list[list]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(_l("The CSV file must be encoded as UTF-8.")) from exc
    first = text.splitlines()[0] if text else ""
    delimiter = ";" if first.count(";") > first.count(",") else ","
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def _jabatan_type(value: str) -> str:
    key = value.strip().lower().replace(" ", "_")
    labels = {t.value: t.value for t in JabatanType}
    labels.update({str(t.label).lower().replace(" ", "_"): t.value for t in JabatanType})
    return labels.get(key, key)


def nip_text(value: str) -> str:
    """Spreadsheets turn NIPs into numbers such as 1.96608011988031E+17: undo what we can."""
    return value[:-2] if value.endswith(".0") else value.replace(" ", "")


def import_employees(rows: list[dict[str, str]], scope: Scope) -> ImportResult:
    """Validate every row; if none fails, create or update them all in one transaction."""
    result = ImportResult()
    units = {u.code.upper(): u.id for u in db.session.scalars(select(Unit))}
    existing = {e.nip: e for e in db.session.scalars(
        select(Employee).where(Employee.nip.in_([nip_text(r.get("nip", "")) for r in rows]))
    )}  # fmt: skip
    seen: dict[str, int] = {}
    prepared = []
    for number, row in enumerate(rows, start=2):
        number = row.get(ROW_NUMBER, number)
        prepared.append(_check_row(number, row, units, existing, seen, scope, result))
    for item in prepared:
        nip = item.supervisor_nip
        if nip and nip not in seen and not _known(nip, scope):
            message = _l("Evaluator NIP %(nip)s is neither in the file nor in your scope.", nip=nip)
            result.errors.append(RowError(item.number, "nip_atasan", str(message)))
    if result.errors:
        return result
    try:
        _apply(prepared, existing, scope, result)
    except Exception:
        db.session.rollback()
        raise
    if result.errors:
        db.session.rollback()
        result.created = result.updated = 0
    else:
        db.session.commit()
    return result


def _check_row(number, row, units, existing, seen, scope, result):
    def error(column, message):
        result.errors.append(RowError(number, column, str(message)))

    nip = nip_text(row.get("nip", ""))
    if nip in seen:
        error("nip", _l("NIP %(nip)s also appears in row %(row)d.", nip=nip, row=seen[nip]))
    seen.setdefault(nip, number)
    if nip in existing and not _manageable(existing[nip].id, scope):
        error("nip", _l("NIP %(nip)s belongs to an employee outside your scope.", nip=nip))
    for column in sorted(REQUIRED):
        if not row.get(column):
            error(column, _l("This column must not be empty."))
    unit_code = row.get("kode_unit", "").upper()
    if unit_code and unit_code not in units:
        error("kode_unit", _l("Unknown unit code %(code)s.", code=unit_code))
    active = row.get("aktif", "").lower()
    if active not in _TRUE | _FALSE:
        error("aktif", _l("Write Ya or Tidak."))
    data = EmployeeInput(
        nip=nip,
        status=row.get("status", "").upper(),
        golongan=normalise_golongan(row.get("golongan", "")),
        jabatan_type=_jabatan_type(row.get("jenis_jabatan", "")),
        unit_id=units.get(unit_code),
        employee_id=existing[nip].id if nip in existing else None,
    )
    columns = {"unit": "kode_unit", "jabatan_type": "jenis_jabatan"}
    for name, messages in employee_errors(data, scope).items():
        if name == "unit" and unit_code not in units:
            continue
        for message in messages:
            error(columns.get(name, name), message)
    return ImportRow(
        number=number,
        data=data,
        name=row.get("nama", ""),
        jabatan=row.get("jabatan", ""),
        active=active not in _FALSE,
        supervisor_nip=nip_text(row.get("nip_atasan", "")),
    )


def _manageable(employee_id: int, scope: Scope) -> bool:
    query = select(Employee.id).where(Employee.id == employee_id, managed_employees(scope))
    return db.session.execute(query).first() is not None


def _known(nip: str, scope: Scope) -> bool:
    query = select(Employee.id).where(Employee.nip == nip, visible_employees(scope))
    return db.session.execute(query).first() is not None


def _apply(prepared: list[ImportRow], existing, scope, result) -> None:
    by_nip: dict[str, Employee] = {}
    for item in prepared:
        data = item.data
        employee = existing.get(data.nip)
        if employee is None:
            employee = Employee(nip=data.nip)
            db.session.add(employee)
            result.created += 1
        else:
            result.updated += 1
        employee.name, employee.status, employee.golongan = item.name, data.status, data.golongan
        employee.jabatan, employee.jabatan_type = item.jabatan, data.jabatan_type
        employee.unit_id, employee.active = data.unit_id, item.active
        by_nip[data.nip] = employee
    db.session.flush()
    for item in prepared:
        supervisor = by_nip.get(item.supervisor_nip)
        if supervisor is None and item.supervisor_nip:
            supervisor = db.session.scalar(
                select(Employee).where(Employee.nip == item.supervisor_nip)
            )
        by_nip[item.data.nip].supervisor_id = supervisor.id if supervisor else None
    db.session.flush()
    for item in prepared:
        employee = by_nip[item.data.nip]
        if employee.supervisor_id and (
            message := supervisor_error(employee.id, employee.supervisor_id, scope)
        ):
            result.errors.append(RowError(item.number, "nip_atasan", str(message)))


def template_workbook() -> bytes:
    """An XLSX template with the expected headers and one example row."""
    book = Workbook()
    sheet = book.active
    sheet.title = "pegawai"
    sheet.append(COLUMNS)
    sheet.append(
        ["196608011988031001", "Contoh Nama, S.Kep.", "PNS", "III/a", "Perawat Ahli Pertama",
         "fungsional_keahlian", "DINKES", "", "Ya"]
    )  # fmt: skip
    for column in "ABCDEFGHI":
        sheet.column_dimensions[column].width = 22
    return spreadsheets.to_bytes(book)
