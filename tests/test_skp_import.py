"""Importing per-employee SKP targets from XLSX: all or nothing, errors by row and column."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEntry, Skp, SkpIndicator, SkpRhk, SkpVersion
from app.scope import scope_for
from app.services import skp_import as service
from app.services.imports import ImportFileError
from tests import factories as f
from tests.test_import import _xlsx as employee_xlsx

RHK = "Asuhan keperawatan bayi di wilayah binaan"


def _xlsx(rows, header=service.COLUMNS) -> bytes:
    return employee_xlsx(rows, header)


@pytest.fixture
def nurses(world):
    leader = world.people["penilai.dinkes"]
    f.make_plan(leader, items=[("Cakupan layanan kesehatan ibu dan anak meningkat", [])])
    return [
        f.make_employee(world.dinkes, f"Perawat {i:03d}", supervisor=leader) for i in range(100)
    ]


def _rows_for(people, target=lambda i: 80 + i):
    rows = []
    for i, person in enumerate(people):
        rows.append(
            [
                person.nip,
                RHK,
                "utama",
                "kuantitas",
                "Bayi dilayani",
                str(target(i)),
                "bayi",
                "kunjungan",
                "Cakupan layanan kesehatan ibu dan anak meningkat",
            ]
        )
        rows.append(
            [person.nip, RHK, "utama", "waktu", "Laporan tepat waktu", "12", "laporan", "", ""]
        )
    return rows  # fmt: skip


def _import(world, content, user="admin.dinkes", year=2026):
    rows = service.read("targets.xlsx", content)
    return service.import_targets(rows, scope_for(world.users[user]), year, 1)


def test_importing_targets_for_100_employees(world, nurses):
    result = _import(world, _xlsx(_rows_for(nurses)))
    assert result.ok, result.errors[:3]
    assert (result.created, result.updated) == (100, 0)
    plan = db.session.scalar(select(Skp).where(Skp.employee_id == nurses[7].id))
    version = plan.versions[-1]
    assert version.state == "draft" and len(version.items) == 1
    rhk = version.items[0]
    assert rhk.title == RHK and rhk.parent_rhk is not None
    assert rhk.parent_rhk.title == "Cakupan layanan kesehatan ibu dan anak meningkat"
    assert [(i.aspect, i.target, i.unit_label, i.field_key) for i in rhk.indicators] == [
        ("kuantitas", Decimal(87), "bayi", "kunjungan"),
        ("waktu", Decimal(12), "laporan", None),
    ]
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.action == "skp_import")) == 100  # fmt: skip
    again = _import(world, _xlsx(_rows_for(nurses, target=lambda i: 200)))
    assert again.ok and (again.created, again.updated) == (0, 100)
    assert db.session.scalar(select(func.count(SkpRhk.id))) == 101  # replaced, not repeated
    targets = set(db.session.scalars(select(SkpIndicator.target).where(
        SkpIndicator.aspect == "kuantitas")))  # fmt: skip
    assert targets == {Decimal(200)}


def test_every_error_is_reported_by_row_and_column_and_nothing_is_written(world, nurses):
    rows = _rows_for(nurses[:3])
    rows[1][5] = "banyak"  # row 3: target
    rows[2][3] = "mutu"  # row 4: aspect
    rows[3][0] = world.people["pegawai.disdik"].nip  # row 5: another unit
    rows[4][8] = "RHK yang tidak ada"  # row 6: supervisor's RHK
    rows[5][1] = ""  # row 7: RHK title
    result = _import(world, _xlsx(rows))
    found = {(e.row, e.column) for e in result.errors}
    assert found == {(3, "target"), (4, "aspek"), (5, "nip"), (6, "rhk_atasan"), (7, "rhk")}
    assert db.session.scalar(select(func.count(Skp.id))) == 1  # only the leader's


def test_a_submitted_or_agreed_plan_is_refused(world, nurses):
    f.make_plan(nurses[0], items=[("Sudah disepakati", [])])
    result = _import(world, _xlsx(_rows_for(nurses[:2])))
    assert {(e.row, e.column) for e in result.errors} == {(2, "nip"), (3, "nip")}
    assert db.session.scalar(select(func.count(SkpVersion.id))) == 2


def test_missing_columns_and_oversized_workbooks_are_refused_before_reading(world, monkeypatch):
    with pytest.raises(ImportFileError):
        service.read("targets.xlsx", _xlsx([["1"]], header=["nip", "rhk"]))
    from app.services import imports

    monkeypatch.setattr(imports, "MAX_CELLS", 10)
    with pytest.raises(ImportFileError) as too_big:
        service.read("targets.xlsx", _xlsx([["x"] * 9] * 5))
    assert "too large" in str(too_big.value.args[0]) or "besar" in str(too_big.value.args[0])


def test_the_template_has_the_columns_and_text_cells(world):
    book = load_workbook(io.BytesIO(service.template_workbook()))
    sheet = book.active
    assert [c.value for c in sheet[1]] == service.COLUMNS
    assert sheet["A2"].data_type == "s" and sheet["A2"].value == "196608011988031001"
    rows = service.read("t.xlsx", service.template_workbook())
    assert rows[0]["kunci_field"] == "diimunisasi"


def test_the_import_page_for_unit_admins(world, nurses, login_as):
    client = login_as("admin.dinkes")
    page = client.get("/skp-tools/import")
    assert page.status_code == 200
    template = client.get("/skp-tools/import/template.xlsx")
    assert template.status_code == 200 and template.data[:2] == b"PK"
    bad = _rows_for(nurses[:1])
    bad[0][5] = "x"
    response = client.post("/skp-tools/import", data={
        "year": "2026", "file": (io.BytesIO(_xlsx(bad)), "t.xlsx")},
        content_type="multipart/form-data")  # fmt: skip
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "<tr><td>2</td><td>target</td>" in html
    response = client.post("/skp-tools/import", data={
        "year": "2026", "file": (io.BytesIO(_xlsx(_rows_for(nurses[:2]))), "t.xlsx")},
        content_type="multipart/form-data", follow_redirects=True)  # fmt: skip
    assert response.status_code == 200
    assert db.session.scalar(select(func.count(Skp.id))) == 3
    assert login_as("pegawai.dinkes").get("/skp-tools/import").status_code == 403
