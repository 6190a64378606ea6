"""Importing per-employee SKP targets from XLSX/CSV (impor target SKP per pegawai).

A unit admin (or HR) uploads one row per employee (NIP) and indicator: the RHK title,
its kind (utama/tambahan), the aspect, the indicator, the individual target, its unit
and the form field whose default target it replaces; optionally the supervisor's RHK it
intervenes. Rows of one NIP and RHK title make one RHK. Each employee's SKP of the
chosen year gets the rows in its draft (made when missing): an RHK of the same title is
replaced, others are added. A plan already submitted or agreed is refused for that row.
The file is read by the employee import's machinery (`app.services.imports`: size check
before reading, headers, row numbers); every row is checked first, then all or nothing.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from decimal import Decimal, InvalidOperation

from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app import spreadsheets
from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.models import AuditEntry, Employee, Skp, SkpIndicator, SkpRhk, SkpVersion
from app.models.forms import _now
from app.models.planning import Aspect, RhkKind, SkpState
from app.scope import Scope, managed_employees
from app.services.imports import ROW_NUMBER, ImportResult, RowError, nip_text, read_rows

COLUMNS = ["nip", "rhk", "jenis", "aspek", "indikator", "target", "satuan", "kunci_field",
           "rhk_atasan"]  # fmt: skip
REQUIRED = {"nip", "rhk", "aspek", "indikator", "target"}
ALIASES = {
    "nip_baru": "nip", "judul_rhk": "rhk", "rencana_hasil_kerja": "rhk", "aspect": "aspek",
    "indikator_kinerja": "indikator", "indicator": "indikator", "unit": "satuan",
    "unit_label": "satuan", "field_key": "kunci_field", "kunci": "kunci_field",
    "rhk_pimpinan": "rhk_atasan", "kind": "jenis",
}  # fmt: skip
EDITABLE = (SkpState.DRAFT.value, SkpState.RETURNED.value)
MAX_TEXT, MAX_UNIT, MAX_KEY = 2000, 40, 80
MAX_TARGET = Decimal(10) ** 13


def read(filename: str, content: bytes) -> list[dict[str, str]]:
    """The rows of an uploaded file (raises `imports.ImportFileError`)."""
    return read_rows(filename, content, REQUIRED, ALIASES)


def _number(value: str) -> Decimal | None:
    try:
        number = Decimal(value.replace(" ", "").replace(",", "."))
    except InvalidOperation:
        return None
    return number if number.is_finite() and 0 <= number < MAX_TARGET else None


class _Checker:
    """Checks rows one by one, collecting errors by row and column."""

    def __init__(self, rows, scope: Scope, year: int, result: ImportResult):
        self.rows, self.year, self.result = rows, year, result
        nips = {nip_text(r.get("nip", "")) for r in rows}
        self.people = {e.nip: e for e in db.session.scalars(
            select(Employee).where(Employee.nip.in_(nips), managed_employees(scope)))}  # fmt: skip
        ids = [e.id for e in self.people.values()]
        supervisors = {e.supervisor_id for e in self.people.values() if e.supervisor_id}
        self.plans = {skp.employee_id: skp for skp in db.session.scalars(
            select(Skp)
            .where(Skp.employee_id.in_([*ids, *supervisors]), Skp.year == year,
                   Skp.period_kind == "annual")
            .options(selectinload(Skp.versions).selectinload(SkpVersion.items)
                     .selectinload(SkpRhk.indicators))
        )}  # fmt: skip

    def error(self, number: int, column: str, message) -> None:
        self.result.errors.append(RowError(number, column, str(message)))

    def text(self, row, number, column, limit, required=False) -> str:
        value = row.get(column, "")
        if required and not value:
            self.error(number, column, _l("This column must not be empty."))
        elif len(value) > limit:
            self.error(number, column, _l("At most %(n)d characters.", n=limit))
        return value[:limit]

    def parent(self, employee: Employee, title: str, number: int) -> int | None:
        """The id of the supervisor's RHK titled `title` (the latest version's)."""
        if not title:
            return None
        skp = self.plans.get(employee.supervisor_id)
        items = skp.versions[-1].items if skp is not None and skp.versions else []
        found = [rhk.id for rhk in items if rhk.title.strip().lower() == title.lower()]
        if not found:
            self.error(number, "rhk_atasan",
                       _l("The supervisor's SKP of %(year)d has no RHK with this title.",
                          year=self.year))  # fmt: skip
            return None
        return found[0]

    def row(self, row: dict) -> dict | None:
        number = row[ROW_NUMBER]
        nip = nip_text(row.get("nip", ""))
        employee = self.people.get(nip)
        if employee is None:
            self.error(number, "nip", _l("NIP %(nip)s is not an employee in your scope.", nip=nip))
        else:
            skp = self.plans.get(employee.id)
            if skp is not None and skp.versions and skp.versions[-1].state not in EDITABLE:
                self.error(number, "nip", _l("This SKP is already submitted or agreed: revise "
                                             "it first."))  # fmt: skip
        kind = (row.get("jenis") or RhkKind.UTAMA.value).lower()
        if kind not in {k.value for k in RhkKind}:
            self.error(number, "jenis", _l("Write utama or tambahan."))
        aspect = row.get("aspek", "").lower()
        if aspect and aspect not in {a.value for a in Aspect}:
            self.error(number, "aspek", _l("Write kuantitas, kualitas, waktu or biaya."))
        target = _number(row.get("target", ""))
        if target is None and row.get("target"):
            self.error(number, "target", _l("Enter a target of at least 0."))
        data = {
            "number": number, "employee": employee, "kind": kind, "aspect": aspect,
            "rhk": self.text(row, number, "rhk", MAX_TEXT, True),
            "indicator": self.text(row, number, "indikator", MAX_TEXT, True),
            "unit": self.text(row, number, "satuan", MAX_UNIT),
            "field_key": self.text(row, number, "kunci_field", MAX_KEY) or None,
            "target": target,
        }  # fmt: skip
        for column in ("aspek", "target"):
            if not row.get(column):
                self.error(number, column, _l("This column must not be empty."))
        if employee is not None:
            data["parent"] = self.parent(employee, row.get("rhk_atasan", ""), number)
        return data


def import_targets(rows: list[dict[str, str]], scope: Scope, year: int, user_id=None):
    """Check every row; if none fails, write every employee's draft SKP in one transaction."""
    result = ImportResult()
    checker = _Checker(rows, scope, year, result)
    checked = [checker.row(row) for row in rows]
    if result.errors:
        return result
    by_person: dict[int, list[dict]] = defaultdict(list)
    for data in checked:
        by_person[data["employee"].id].append(data)
    try:
        for person_rows in by_person.values():
            employee = person_rows[0]["employee"]
            skp = checker.plans.get(employee.id)
            if skp is None:
                result.created += 1
                skp = Skp(employee_id=employee.id, unit_id=employee.unit_id, year=year,
                          period_kind="annual", created_by_id=user_id)  # fmt: skip
                db.session.add(skp)
            else:
                result.updated += 1
            version = skp.versions[-1] if skp.versions else None
            if version is None:
                version = SkpVersion(skp=skp, number=1, state=SkpState.DRAFT.value,
                                     evaluator_id=employee.supervisor_id, expectations={},
                                     annex={})  # fmt: skip
                db.session.add(version)
            _place(version, person_rows)
            version.updated_at, version.updated_by_id = _now(), user_id
            db.session.flush()
            db.session.add(AuditEntry(skp_id=skp.id, user_id=user_id, action="skp_import",
                                      changes={"rows": len(person_rows)}))  # fmt: skip
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return result


def _place(version: SkpVersion, rows: list[dict]) -> None:
    """The rows' RHK in `version`: an RHK of the same title gets the file's indicators."""
    current = {rhk.title.strip().lower(): rhk for rhk in version.items}
    done: set[str] = set()
    for data in rows:
        name = data["rhk"].strip().lower()
        rhk = current.get(name)
        if rhk is None:
            rhk = SkpRhk(version=version, key=str(uuid.uuid4()), position=len(version.items),
                         title=data["rhk"])  # fmt: skip
            db.session.add(rhk)
            current[name] = rhk
            done.add(name)
        elif name not in done:  # the file replaces this RHK's indicators
            for old in list(rhk.indicators):
                rhk.indicators.remove(old)
                db.session.delete(old)
            done.add(name)
        rhk.kind = data["kind"]
        if data.get("parent"):
            rhk.parent_rhk_id = data["parent"]
        rhk.indicators.append(
            SkpIndicator(position=len(rhk.indicators), aspect=data["aspect"],
                         title=data["indicator"], target=data["target"],
                         unit_label=data["unit"], field_key=data["field_key"])
        )  # fmt: skip


def template_workbook() -> bytes:
    """An XLSX template with the columns and two example rows (text cells kept as text)."""
    book = Workbook()
    sheet = book.active
    sheet.title = "target_skp"
    sheet.append(COLUMNS)
    sheet.append(["196608011988031001", "Imunisasi dasar lengkap bagi bayi wilayah binaan",
                  "utama", "kuantitas", "Bayi diimunisasi lengkap", "80", "bayi", "diimunisasi",
                  "Cakupan layanan kesehatan ibu dan anak meningkat"])  # fmt: skip
    sheet.append(["196608011988031001", "Imunisasi dasar lengkap bagi bayi wilayah binaan",
                  "utama", "waktu", "Laporan imunisasi tepat waktu", "12", "laporan"])  # fmt: skip
    for column in "ABCDEFGHI":
        sheet.column_dimensions[column].width = 24
    return spreadsheets.to_bytes(book)
