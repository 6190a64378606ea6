"""Recap PDFs: header and numbering on every page, each employee once, totals, dates."""

# ruff: noqa: F811 - the `recap_data` fixture is imported from tests.printing_helpers
from __future__ import annotations

import re

from sqlalchemy import func, select

from app.models import IssuedDocument
from tests.printing_helpers import pdf_pages, recap_data, squash  # noqa: F401

ID_HEADER = "PEMERINTAH KABUPATEN MAMUJU"
MONTHS = "Januari|Februari|Maret|April|Mei|Juni|Juli|Agustus|September|Oktober|November|Desember"


def recap(client, data, unit=None, fmt="pdf"):
    return client.get(f"/recaps/download?period={data.period.id}&unit={unit or ''}&format={fmt}")


def check_pages(pages: list[str], unit_name: str, code: str) -> None:
    for number, page in enumerate(pages, start=1):
        flat = squash(page)
        assert ID_HEADER in flat
        assert unit_name in flat
        assert f"Halaman {number} dari {len(pages)}" in flat
        assert code in flat


def test_unit_recap_pdf(login_as, recap_data):
    client = login_as("admin.dinkes")
    client.post(
        f"/recaps/signatory/{recap_data.world.dinkes.id}",
        data={"name": "dr. Kepala Dinas", "nip": "197001011995031001",
              "jabatan": "Kepala Dinas Kesehatan", "place": "Mamuju"},
    )  # fmt: skip
    response = recap(client, recap_data, recap_data.world.dinkes.id)
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == "application/pdf"
    pages = pdf_pages(response.data)
    text = squash(" ".join(pages))
    check_pages(pages, "Dinas Kesehatan", response.headers["X-Document-Code"])
    for employee in recap_data.staff:
        assert text.count(employee.nip) == 1, employee.nip
    assert "Pegawai disdik" not in text  # another unit
    # 7 approved: Sangat Baik ×2, Baik ×3, Butuh Perbaikan 1, Kurang 1; 2 not yet rated
    totals = re.search(r"Total per predikat kinerja(.*?)Predikat kinerja organisasi", text)
    assert totals, text
    assert totals.group(1).strip().endswith("2 3 1 1 0 2 9")
    assert "Predikat kinerja organisasi : Baik" in text
    # "Baik": Baik is the largest group (3/7 ≤ 70 %) and there is Butuh Perbaikan/Kurang.
    assert "Kurva distribusi : memenuhi ketentuan" in text
    assert "Di atas ekspektasi" in text and "Disetujui" in text
    assert re.search(rf"Mamuju, \d{{1,2}} ({MONTHS}) \d{{4}}", text)
    assert "dr. Kepala Dinas" in text and "NIP 197001011995031001" in text


def test_long_unit_recap_repeats_header_and_never_splits_rows(login_as, recap_data, db):
    from tests import factories as f
    from tests.printing_helpers import _submission

    for n in range(120):
        employee = f.make_employee(recap_data.world.dinkes, f"Pegawai Banyak {n:03d}")
        _submission(employee, recap_data.period, recap_data.version, "approved", "baik")
    db.session.commit()
    client = login_as("hr")
    response = recap(client, recap_data, recap_data.world.dinkes.id)
    pages = pdf_pages(response.data)
    assert len(pages) >= 3
    check_pages(pages, "Dinas Kesehatan", response.headers["X-Document-Code"])
    table_pages = [p for p in pages if "Pegawai Banyak" in p]
    for page in table_pages:
        assert "Hasil kerja" in page and "Predikat kinerja" in page  # repeated header
    text = " ".join(pages)
    for n in range(120):  # each row whole on one page, exactly once
        assert sum(f"Pegawai Banyak {n:03d}" in p for p in pages) == 1
        assert text.count(f"Pegawai Banyak {n:03d}") == 1


def test_regency_recap_pdf(login_as, recap_data):
    client = login_as("hr")
    response = recap(client, recap_data)
    assert response.status_code == 200
    pages = pdf_pages(response.data)
    code = response.headers["X-Document-Code"]
    for number, page in enumerate(pages, start=1):
        flat = squash(page)
        assert ID_HEADER in flat and code in flat
        assert f"Halaman {number} dari {len(pages)}" in flat
    text = squash(" ".join(pages))
    assert "REKAPITULASI KINERJA PEGAWAI ASN TINGKAT KABUPATEN" in text
    for submission in recap_data.submissions:
        nip = submission.employee.nip
        assert text.count(nip) == 1, nip
    # Each unit with rows: its section, then its summary page with its name in the header
    # (the puskesmas's staff have no evaluation yet: its section lists them as not started).
    summaries = [squash(p) for p in pages if "Ringkasan —" in p]
    assert len(summaries) == 3
    assert any("Puskesmas" in p and "Belum mulai" in p for p in summaries)
    assert any("Dinas Kesehatan" in p and "Penyelesaian 77,8 %" in p for p in summaries)
    assert any("Dinas Pendidikan, Pemuda, dan Olahraga" in p and "100 %" in p
               for p in summaries)  # fmt: skip


def test_same_data_is_served_from_cache(login_as, recap_data, app, db):
    client = login_as("hr")
    first = recap(client, recap_data, recap_data.world.disdik.id)
    assert first.headers["X-Document-Cache"] == "miss"
    second = recap(client, recap_data, recap_data.world.disdik.id)
    assert second.headers["X-Document-Cache"] == "hit"
    assert second.data == first.data
    assert db.session.scalar(select(func.count(IssuedDocument.id))) == 1
    from pathlib import Path

    stored = list((Path(app.config["STORAGE_DIR"]) / "documents").glob("*.pdf"))
    assert any(p.read_bytes() == first.data for p in stored)  # the default: a folder
    # Changed data: a new document, a new code.
    recap_data.submissions[-1].state = "submitted"
    db.session.commit()
    third = recap(client, recap_data, recap_data.world.disdik.id)
    assert third.headers["X-Document-Cache"] == "miss"
    assert third.headers["X-Document-Code"] != first.headers["X-Document-Code"]


def test_documents_follow_the_user_language(login_as, recap_data):
    client = login_as("hr")
    client.get("/lang/en")
    response = recap(client, recap_data, recap_data.world.disdik.id)
    text = squash(" ".join(pdf_pages(response.data)))
    assert "MAMUJU REGENCY GOVERNMENT" in text and "Page 1 of 1" in text
    assert "Halaman" not in text
