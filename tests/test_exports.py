"""XLSX and CSV recaps, and the scope of every export (web view and API)."""

# ruff: noqa: F811 - the `recap_data` fixture is imported from tests.printing_helpers
from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from tests.printing_helpers import recap_data  # noqa: F401


def _get(client, data, unit, fmt, headers=None):
    base = "/api/v1/recap/" if headers else "/recaps/download"
    unit_part = f"&unit={unit}" if unit is not None else ""
    return client.get(f"{base}?period={data.period.id}{unit_part}&format={fmt}", headers=headers)


def test_unit_xlsx(login_as, recap_data):
    response = _get(login_as("admin.dinkes"), recap_data, recap_data.world.dinkes.id, "xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["DINKES"]
    sheet = book["DINKES"]
    assert sheet.freeze_panes == "A4"
    header = [c.value for c in sheet[3]]
    assert header[:3] == ["No.", "NIP", "Nama"] and header[-1] == "Status"
    assert sheet["A3"].font.bold
    assert sheet.column_dimensions["C"].width > 20
    nips = [row[1] for row in sheet.iter_rows(min_row=4, values_only=True)]
    assert sorted(nips) == sorted(e.nip for e in recap_data.staff)
    assert all(isinstance(n, str) and len(n) == 18 for n in nips)


def test_regency_xlsx_has_one_sheet_per_unit(login_as, recap_data):
    response = _get(login_as("hr"), recap_data, "", "xlsx")
    book = load_workbook(io.BytesIO(response.data))
    # The puskesmas's staff have no evaluation yet: listed as not started, as on the dashboard.
    assert book.sheetnames == ["Ringkasan", "DINKES", "DISDIKPORA", "PKM-TP"]
    assert {r[-1] for r in book["PKM-TP"].iter_rows(min_row=4, values_only=True)} == {"Belum mulai"}
    summary = list(book["Ringkasan"].iter_rows(values_only=True))
    dinkes = next(r for r in summary if r[0] == "DINKES")
    assert dinkes[2:7] == (2, 3, 1, 1, 0) and dinkes[-2] == 9
    assert book["DISDIKPORA"].max_row == 3 + 4


def test_csv(login_as, recap_data):
    response = _get(login_as("hr"), recap_data, "", "csv")
    assert response.status_code == 200
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Kode unit" and rows[0][2:4] == ["No.", "NIP"]
    not_started = [r for r in rows[1:] if r[-1] == "Belum mulai"]
    assert {r[0] for r in not_started} == {"PKM-TP"}
    assert len(rows) == 1 + len(recap_data.submissions) + len(not_started)
    nips = [r[3] for r in rows[1:]]
    assert len(set(nips)) == len(nips)


def test_csv_neutralises_formulas(login_as, recap_data, db):
    recap_data.staff[0].jabatan = '=HYPERLINK("http://x")'
    db.session.commit()
    response = _get(login_as("hr"), recap_data, recap_data.world.dinkes.id, "csv")
    assert "'=HYPERLINK" in response.data.decode("utf-8-sig")


@pytest.mark.parametrize("fmt", ["pdf", "xlsx", "csv"])
def test_scope_of_exports(login_as, recap_data, fmt):
    world = recap_data.world
    admin = login_as("admin.dinkes")
    assert _get(admin, recap_data, world.disdik.id, fmt).status_code == 404
    assert _get(admin, recap_data, "", fmt).status_code == 404  # regency-wide: HR only
    assert _get(admin, recap_data, world.puskesmas.id, fmt).status_code == 200  # sub-unit
    for user in ("pegawai.dinkes", "penilai.dinkes"):
        client = login_as(user)
        assert _get(client, recap_data, world.dinkes.id, fmt).status_code in (302, 403)


def test_scope_of_the_recap_api(api_token, client, recap_data):
    world = recap_data.world
    admin = api_token("admin.dinkes")
    assert _get(client, recap_data, world.dinkes.id, "csv", admin).status_code == 200
    assert _get(client, recap_data, world.disdik.id, "csv", admin).status_code == 404
    assert _get(client, recap_data, None, "csv", admin).status_code == 403
    hr = api_token("hr")
    response = _get(client, recap_data, None, "xlsx", hr)
    assert response.status_code == 200 and response.data[:2] == b"PK"
    response = _get(client, recap_data, world.dinkes.id, "pdf", hr)
    assert response.status_code == 200 and response.data[:5] == b"%PDF-"
    assert _get(client, recap_data, world.dinkes.id, "doc", hr).status_code == 422
    employee = api_token("pegawai.dinkes")
    assert _get(client, recap_data, world.dinkes.id, "csv", employee).status_code == 403


def test_recap_page_and_menu(login_as, recap_data):
    page = login_as("admin.dinkes").get("/recaps/").text
    assert 'id="recap-downloads"' in page and "Rekapitulasi &" in page
    assert "Dinas Kesehatan" in page and "Dinas Pendidikan" not in page
    assert "Semua perangkat daerah" not in page  # regency-wide: HR only
    hr = login_as("hr").get("/recaps/").text
    assert "Semua perangkat daerah" in hr and "Dinas Pendidikan" in hr
    assert login_as("pegawai.dinkes").get("/recaps/").status_code in (302, 403)
