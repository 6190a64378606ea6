"""Issue 11 §5: official documents — /verify shows what was printed (document type, unit,
period, the predikat, the person's masked name)."""

from __future__ import annotations

import re

from app.extensions import db as _db
from app.services.documents import mask_name


def test_mask_name_keeps_only_initials():
    assert mask_name("Rahmat Baharudin") == "R***** B********"
    assert mask_name("  Ani ") == "A**"
    assert mask_name("") == ""


def test_verify_shows_the_printed_predikat_and_the_masked_name(login_as, cycle):
    cycle.submit()
    item = cycle.approve("above")
    assert item.predikat == "baik"
    client = login_as("pegawai.dinkes")
    response = client.get(f"/print/submission/{item.id}/evaluation")
    code = response.headers["X-Document-Code"]
    client.get("/logout/")
    page = client.get(f"/verify/{code}").text
    assert 'data-status="valid"' in page
    assert 'id="verify-person">P****** d*****<' in page
    assert 'id="verify-predikat">Baik<' in page
    assert "Pegawai dinkes" not in page
    assert "Dinas Kesehatan" in page and cycle.period.name in page

    item = cycle.reload()
    item.predikat = "sangat_baik"  # today's data differs from the paper copy
    _db.session.commit()
    page = client.get(f"/verify/{code}").text
    assert 'data-status="changed"' in page
    assert 'id="verify-predikat">Baik<' in page  # still what the copy must show


def test_evaluation_document_layout(login_as, cycle):
    from app.services.unit_ratings import set_unit_rating
    from tests.printing_helpers import pdf_pages, squash

    dinkes = cycle.world.dinkes
    dinkes.address, dinkes.phone = "Jl. Soekarno-Hatta No. 5, Mamuju", "(0426) 21234"
    _db.session.commit()
    set_unit_rating(dinkes, cycle.period, "baik", "", None)
    cycle.submit()
    cycle.approve("above")
    client = login_as("pegawai.dinkes")
    response = client.get(f"/print/submission/{cycle.submission.id}/evaluation")
    assert response.status_code == 200
    text = squash(" ".join(pdf_pages(response.data)))
    assert text.count("DOKUMEN EVALUASI KINERJA PEGAWAI") == 1  # the title printed once
    order = [
        "PEMERINTAH KABUPATEN MAMUJU", "Dinas Kesehatan",
        "Jl. Soekarno-Hatta No. 5, Mamuju · Telepon (0426) 21234",
        "DOKUMEN EVALUASI KINERJA PEGAWAI", "PEGAWAI YANG DINILAI",
        "Predikat kinerja organisasi Baik", "Pola distribusi", "Sangat Baik — 0 (0%)",
        "Baik terbanyak (bagian terbesar); paling banyak 70 %", "1 (100%)",
        "Butuh Perbaikan paling sedikit satu", "Hasil kerja Sesuai ekspektasi",
        "Perilaku kerja Di atas ekspektasi", "Predikat kinerja pegawai Baik",
        "Pejabat penilai", "Pegawai yang dinilai",
    ]  # fmt: skip
    position = 0
    for part in order:  # each section after the one before
        found = text.find(part, position)
        assert found >= 0, (part, text[position:])
        position = found + len(part)
    assert len(re.findall(r"Mamuju, \d{1,2} \w+ \d{4}", text)) == 2  # above both signatures


def test_evaluation_form_layout(login_as, cycle):
    from tests.printing_helpers import pdf_pages, squash

    cycle.submit()
    cycle.approve("above")
    client = login_as("penilai.dinkes")
    response = client.get(f"/print/submission/{cycle.submission.id}/form")
    assert response.status_code == 200
    text = squash(" ".join(pdf_pages(response.data)))
    assert text.count("FORMULIR PENILAIAN KINERJA PEGAWAI") == 1
    order = [
        "PEGAWAI YANG DINILAI", "PEJABAT PENILAI", "CAPAIAN KINERJA ORGANISASI",
        "Predikat kinerja organisasi", "Pola distribusi", "HASIL KERJA", "A. Utama",
        "RHK atasan yang diintervensi", "Rencana Hasil Kerja (RHK)", "Indikator",
        "Cakupan imunisasi", "B. Tambahan", "Kunjungan rumah", "PERILAKU KERJA",
        "Ekspektasi khusus", "Umpan balik 0", "PENILAIAN", "Hasil kerja : Sesuai ekspektasi",
        "Predikat kinerja pegawai : Baik", "Pejabat penilai", "Pegawai yang dinilai",
    ]  # fmt: skip
    position = 0
    for part in order:
        found = text.find(part, position)
        assert found >= 0, (part, text[position:])
        position = found + len(part)
    assert len(re.findall(r"Mamuju, \d{1,2} \w+ \d{4}", text)) == 2


def test_the_supported_leader_result_is_printed_as_text(cycle):
    from app.services import documents
    from app.services.rollup import set_iku_form

    ikus = set_iku_form(cycle.world.dinkes, cycle.form_version.form)
    code = ikus[0].code
    assert documents._supported_texts({code, "UNKNOWN"}, "id") == {code: "Cakupan imunisasi"}
