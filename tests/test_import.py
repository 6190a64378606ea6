"""Employee import (CSV/XLSX): all rows valid or nothing imported, errors by row and column."""

from __future__ import annotations

import io
import re
from html import unescape

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from app.extensions import db
from app.models import Employee
from app.services.imports import COLUMNS
from tests import factories as f

HEADER = ["nip", "nama", "status", "golongan", "jabatan", "jenis_jabatan", "kode_unit",
          "nip_atasan", "aktif"]  # fmt: skip


def _rows(world) -> list[list[str]]:
    """Three new people: a head of section, and two staff evaluated by the head (same file)."""
    boss, nurse, teacher = f.nip(), f.nip(), f.nip("PPPK")
    return [
        [boss, "Kasi Yankes", "PNS", "III/d", "Kepala Seksi", "pengawas", "DINKES",
         world.people["head.dinkes"].nip, "Ya"],
        [nurse, "Perawat Baru", "PNS", "iii-a", "Perawat Ahli Pertama", "fungsional_keahlian",
         "pkm-tp", boss, "Ya"],
        [teacher, "Staf PPPK", "PPPK", "IX", "Pengelola Data", "pelaksana", "DINKES", boss,
         "Tidak"],
    ]  # fmt: skip


def _csv(rows, delimiter=";", bom=True) -> bytes:
    lines = [delimiter.join(HEADER)] + [delimiter.join(r) for r in rows]
    text = "\r\n".join(lines) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


def _xlsx(rows, header=HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _upload(client, content: bytes, filename: str):
    return client.post(
        "/employees/import/",
        data={"file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
    )


def _errors(html: str) -> list[tuple[int, str, str]]:
    table = re.search(r'<table[^>]*id="import-errors".*?</table>', html, re.S)
    assert table, "no error table on the page"
    cells = re.findall(r"<tr><td>(\d+)</td><td>(.*?)</td><td>(.*?)</td></tr>", table.group(0), re.S)
    return [(int(row), col, unescape(message)) for row, col, message in cells]


def _file_error(html: str) -> str:
    match = re.search(r'id="import-file-error"[^>]*>(.*?)</div>', html, re.S)
    assert match, "no file error on the page"
    return unescape(match.group(1).strip())


def _count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(Employee.id)))


def _by_nip(nip: str) -> Employee | None:
    db.session.expire_all()
    return db.session.scalar(select(Employee).where(Employee.nip == nip))


def _assert_imported(world, rows):
    boss, nurse, teacher = (_by_nip(r[0]) for r in rows)
    assert boss.unit_id == world.dinkes.id
    assert boss.supervisor_id == world.people["head.dinkes"].id
    assert nurse.unit_id == world.puskesmas.id
    assert nurse.golongan == "III/a"
    assert nurse.supervisor_id == boss.id  # evaluator defined earlier in the same file
    assert teacher.supervisor_id == boss.id
    assert (teacher.status, teacher.golongan, teacher.active) == ("PPPK", "IX", False)


@pytest.mark.parametrize(
    ("filename", "build"),
    [
        ("pegawai.csv", lambda rows: _csv(rows, ";", bom=True)),
        ("pegawai.csv", lambda rows: _csv(rows, ",", bom=True)),
        ("pegawai.csv", lambda rows: _csv(rows, ",", bom=False)),
        ("PEGAWAI.XLSX", _xlsx),
    ],
    ids=["csv-semicolon-bom", "csv-comma-bom", "csv-comma", "xlsx"],
)
def test_valid_file_is_imported(login_as, world, filename, build):
    client = login_as("admin.dinkes")
    rows = _rows(world)
    before = _count()
    response = _upload(client, build(rows), filename)
    assert response.status_code == 200
    assert "Impor selesai: 3 ditambahkan, 0 diperbarui." in response.text
    assert _count() == before + 3
    _assert_imported(world, rows)


def test_supervisor_later_in_the_file_works(login_as, world):
    client = login_as("admin.dinkes")
    rows = list(reversed(_rows(world)))  # staff first, their evaluator last
    response = _upload(client, _csv(rows), "pegawai.csv")
    assert "Impor selesai: 3 ditambahkan, 0 diperbarui." in response.text
    _assert_imported(world, list(reversed(rows)))


def test_reimport_updates_instead_of_duplicating(login_as, world):
    client = login_as("hr")
    rows = _rows(world)
    _upload(client, _xlsx(rows), "pegawai.xlsx")
    count = _count()
    for row in rows:
        row[1] = row[1] + " (baru)"
    rows[1][3] = "III/b"
    response = _upload(client, _xlsx(rows), "pegawai.xlsx")
    assert "Impor selesai: 0 ditambahkan, 3 diperbarui." in response.text
    assert _count() == count
    assert _by_nip(rows[0][0]).name == "Kasi Yankes (baru)"
    assert _by_nip(rows[1][0]).golongan == "III/b"


def test_existing_employee_is_updated_by_nip(login_as, world):
    client = login_as("admin.dinkes")
    pegawai = world.people["pegawai.dinkes"]
    row = [pegawai.nip, "Nama Diperbaiki", "PNS", "III/b", "Analis SDM", "pelaksana", "PKM-TP",
           world.people["penilai.dinkes"].nip, "Ya"]  # fmt: skip
    response = _upload(client, _csv([row]), "pegawai.csv")
    assert "Impor selesai: 0 ditambahkan, 1 diperbarui." in response.text
    saved = _by_nip(pegawai.nip)
    assert (saved.name, saved.unit_id, saved.user_id) == (
        "Nama Diperbaiki",
        world.puskesmas.id,
        world.users["pegawai.dinkes"].id,
    )


def test_one_bad_nip_imports_nothing(login_as, world):
    client = login_as("admin.dinkes")
    rows = _rows(world)
    rows[1][0] = "198008012005131001"  # month 13, in the file's row 3
    rows[2][7] = ""  # its evaluator no longer exists in the file: keep that out of the way
    before = _count()
    response = _upload(client, _csv(rows), "pegawai.csv")
    assert response.status_code == 200
    assert _errors(response.text) == [
        (3, "nip", "Bulan pengangkatan dalam NIP harus 01–12 (tertulis 13).")
    ]
    assert "Tidak ada yang diimpor: ditemukan 1 masalah." in response.text
    assert _count() == before
    assert _by_nip(rows[0][0]) is None


def test_error_rows_count_blank_lines_like_the_spreadsheet(login_as, world):
    client = login_as("admin.dinkes")
    rows = _rows(world)
    rows[2][0] = "19800801200503100"  # 17 digits
    lines = [";".join(HEADER), ";".join(rows[0]), ";".join(rows[1]), "", ";".join(rows[2])]
    content = "\r\n".join(lines).encode("utf-8")
    response = _upload(client, content, "pegawai.csv")
    # header = row 1, two rows, one blank line (row 4), the bad row is row 5
    assert _errors(response.text) == [(5, "nip", "NIP harus terdiri atas 18 digit (tertulis 17).")]
    assert _by_nip(rows[0][0]) is None


def test_unknown_unit_code(login_as, world):
    client = login_as("hr")
    rows = _rows(world)
    rows[0][6] = "DINSOS"
    before = _count()
    response = _upload(client, _csv(rows), "pegawai.csv")
    assert _errors(response.text) == [(2, "kode_unit", "Kode unit DINSOS tidak dikenal.")]
    assert _count() == before


def test_unit_admin_cannot_import_into_another_unit(login_as, world):
    client = login_as("admin.dinkes")
    rows = _rows(world)
    rows[2][6] = "DISDIKPORA"
    before = _count()
    response = _upload(client, _csv(rows), "pegawai.csv")
    assert (4, "kode_unit", "Pilih unit dalam lingkup Anda sendiri.") in _errors(response.text)
    assert _count() == before


def test_unit_admin_cannot_update_another_units_employee(login_as, world):
    client = login_as("admin.dinkes")
    other = world.people["pegawai.disdik"]
    row = [other.nip, "Dibajak", "PNS", "III/a", "Analis", "pelaksana", "DINKES", "", "Ya"]
    response = _upload(client, _csv([row]), "pegawai.csv")
    assert _errors(response.text) == [
        (2, "nip", f"NIP {other.nip} milik pegawai di luar lingkup Anda.")
    ]
    saved = _by_nip(other.nip)
    assert (saved.name, saved.unit_id) == (other.name, world.disdik.id)


def test_evaluator_outside_file_and_scope_is_rejected(login_as, world):
    client = login_as("admin.dinkes")
    rows = _rows(world)
    outsider = world.people["head.disdik"].nip
    rows[0][7] = outsider
    response = _upload(client, _csv(rows), "pegawai.csv")
    errors = _errors(response.text)
    assert [(r, c) for r, c, _ in errors] == [(2, "nip_atasan")]
    assert outsider in errors[0][2]
    assert _by_nip(rows[0][0]) is None


def test_several_errors_are_all_listed(login_as, world):
    client = login_as("hr")
    rows = _rows(world)
    rows[0][3] = "V/a"
    rows[1][1] = ""
    rows[2][0] = rows[1][0]  # duplicate NIP within the file
    response = _upload(client, _csv(rows), "pegawai.csv")
    got = {(r, c) for r, c, _ in _errors(response.text)}
    assert {(2, "golongan"), (3, "nama"), (4, "nip")} <= got


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("pegawai.txt", b"nip;nama\n1;2\n", "Unggah berkas .csv atau .xlsx."),
        ("pegawai.pdf", b"%PDF-1.4", "Unggah berkas .csv atau .xlsx."),
        ("pegawai.csv", b"", "Berkas kosong."),
        ("pegawai.csv", b"\xef\xbb\xbf", "Berkas kosong."),
        ("pegawai.xlsx", b"", None),
        ("pegawai.xlsx", b"not a workbook", None),
        ("pegawai.csv", "nip;nama\n1;Ã©".encode("latin-1"), None),
        (
            "pegawai.csv",
            b"nip;nama\n198008012005031001;A\n",
            "Kolom yang belum ada: golongan, jabatan, jenis_jabatan, kode_unit, status.",
        ),
    ],  # fmt: skip
    ids=[
        "txt",
        "pdf",
        "empty-csv",
        "bom-only",
        "empty-xlsx",
        "broken-xlsx",
        "latin1",
        "missing-columns",
    ],  # fmt: skip
)
def test_bad_files_get_a_clear_message(login_as, world, filename, content, message):
    client = login_as("admin.dinkes")
    before = _count()
    response = _upload(client, content, filename)
    assert response.status_code == 200
    assert "Traceback" not in response.text
    error = _file_error(response.text)
    assert error
    if message:
        assert error == message
    assert _count() == before


def test_no_file_chosen(login_as, world):
    client = login_as("admin.dinkes")
    response = client.post("/employees/import/", data={}, content_type="multipart/form-data")
    assert response.status_code == 200
    assert _file_error(response.text) == "Pilih berkas."


def test_template_is_a_valid_workbook_that_imports(login_as, world):
    client = login_as("hr")
    response = client.get("/employees/import/template.xlsx")
    assert response.status_code == 200
    assert response.mimetype == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "attachment" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == COLUMNS
    assert len(rows) == 2
    response = _upload(client, response.data, "templat.xlsx")
    assert "Impor selesai: 1 ditambahkan, 0 diperbarui." in response.text


@pytest.mark.parametrize("account", ["pegawai.dinkes", "penilai.dinkes"])
def test_import_is_for_hr_and_unit_admins_only(login_as, world, account):
    client = login_as(account)
    assert client.get("/employees/import/").status_code == 403
    before = _count()
    response = _upload(client, _csv(_rows(world)), "pegawai.csv")
    assert response.status_code == 403
    assert _count() == before
