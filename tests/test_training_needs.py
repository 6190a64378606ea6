"""Development follow-up: training needs per unit and period, XLSX, and one's own."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from app.services import training
from tests.conftest_dashboard import approved


def _seed(world, period, version):
    people = world.people
    approved(people["pegawai.dinkes"], period, version, recommendation="Pelatihan analisis data")
    approved(people["perawat.pkm"], period, version, recommendation='=HYPERLINK("x")')
    approved(people["admin.dinkes"], period, version, recommendation="   ")  # nothing to do
    approved(people["penilai.dinkes"], period, version, state="submitted",
             recommendation="belum disetujui")  # fmt: skip
    approved(people["pegawai.disdik"], period, version, recommendation="Diklat guru penggerak")


def test_needs_collect_approved_recommendations_by_unit(world, open_period, dinkes_template):
    _seed(world, open_period, dinkes_template)
    from app.models import Unit

    rows = training.needs(open_period, Unit.id.isnot(None))
    assert sorted(r.recommendation for r in rows) == [
        '=HYPERLINK("x")', "Diklat guru penggerak", "Pelatihan analisis data"]  # fmt: skip
    assert {code: n for code, _name, n in training.summary_by_unit(rows)} == {
        "DINKES": 1, "DISDIKPORA": 1, "PKM-TP": 1}  # fmt: skip


def test_hr_exports_xlsx_and_formulas_never_run(world, open_period, dinkes_template, login_as):
    _seed(world, open_period, dinkes_template)
    client = login_as("hr")
    page = client.get(f"/training-needs/?period={open_period.id}").get_data(as_text=True)
    assert "Pelatihan analisis data" in page and "belum disetujui" not in page
    response = client.get(f"/training-needs/export?period={open_period.id}")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = list(sheet.iter_rows(min_row=3, values_only=True))
    assert len(values) == 3
    cells = [row[6] for row in sheet.iter_rows(min_row=3)]
    texts = [c.value for c in cells]
    assert '=HYPERLINK("x")' in texts and "Diklat guru penggerak" in texts
    assert all(c.data_type == "s" for c in cells)
    assert all(c.quotePrefix for c in cells if c.value.startswith("="))


def test_unit_admin_exports_only_their_units(world, open_period, dinkes_template, login_as):
    _seed(world, open_period, dinkes_template)
    client = login_as("admin.dinkes")
    response = client.get(f"/training-needs/export?period={open_period.id}")
    sheet = load_workbook(io.BytesIO(response.data)).active
    texts = [row[6] for row in sheet.iter_rows(min_row=3, values_only=True)]
    assert "Diklat guru penggerak" not in texts and "Pelatihan analisis data" in texts
    assert login_as("pegawai.dinkes").get("/training-needs/").status_code == 403


def test_each_employee_sees_their_own(world, open_period, dinkes_template, login_as):
    _seed(world, open_period, dinkes_template)
    page = login_as("pegawai.dinkes").get("/dashboard/me").get_data(as_text=True)
    assert "Pelatihan analisis data" in page and "Diklat guru penggerak" not in page
    other = login_as("pegawai.disdik").get("/dashboard/me").get_data(as_text=True)
    assert "Diklat guru penggerak" in other and "Pelatihan analisis data" not in other
