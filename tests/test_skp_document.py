"""The SKP as a PDF: official layout for agreed versions, "DRAFT" for the others."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import IssuedDocument, SkpRhk
from app.services import documents as docs
from app.services import skp_documents
from tests import factories as f
from tests.printing_helpers import pdf_pages, squash

PLAN = [
    ("Imunisasi dasar lengkap bagi bayi wilayah binaan", [("Cakupan imunisasi", 95, "cakupan")]),
    ("Kunjungan rumah ibu & bayi <b>risiko</b>", [("Kunjungan rumah", 50, "kunjungan")]),
]  # fmt: skip


@pytest.fixture(autouse=True)
def request_context(app):
    """Documents print the verification address (url_for needs a request)."""
    with app.test_request_context():
        yield


@pytest.fixture
def plan(world, reference):
    people = world.people
    leading = [("Cakupan layanan kesehatan ibu dan anak meningkat", [])]
    parent = {"parent_rhk_id": f.make_plan(people["penilai.dinkes"], items=leading).items[0].id}
    items = [
        ("Imunisasi dasar lengkap bagi bayi wilayah binaan",
         [("Cakupan imunisasi", 95, "cakupan")], parent),
        ("Kunjungan rumah ibu & bayi <b>risiko</b>",
         [("Kunjungan rumah", 50, "kunjungan", "kunjungan")], {**parent, "kind": "tambahan"}),
    ]  # fmt: skip
    return f.make_plan(
        people["pegawai.dinkes"], items=items,
        expectations={"berorientasi_pelayanan": "Ramah kepada ibu dan bayi"},
        annex={"resources": "Sepeda motor dinas", "accountability": "Laporan bulanan",
               "consequences": "Tunjangan kinerja sesuai capaian"},
        published_at=dt.datetime(2026, 1, 15, 9, 0),
    )  # fmt: skip


def test_an_agreed_skp_prints_the_official_layout_with_code(plan, world):
    result = skp_documents.download(plan, "id", world.users["penilai.dinkes"].id)
    text = squash(" ".join(pdf_pages(result.content)))
    assert result.code and result.code in text
    for expected in (
        "SASARAN KINERJA PEGAWAI",
        "Pegawai dinkes",
        world.people["pegawai.dinkes"].nip,
        "Penilai dinkes",
        world.people["penilai.dinkes"].nip,
        "Dinas Kesehatan",
        "RHK pimpinan yang diintervensi",
        "Cakupan layanan kesehatan ibu dan anak meningkat",
        "Imunisasi dasar lengkap",
        "Cakupan imunisasi",
        "95",
        "50 kunjungan",
        "A. Utama",
        "B. Tambahan",
        "Kuantitas",
        "Berorientasi Pelayanan",
        "Ramah kepada ibu dan bayi",
        "Sepeda motor dinas",
        "Laporan bulanan",
        "Tunjangan kinerja sesuai capaian",
        "Mamuju, 15 Januari 2026",
        "Kunjungan rumah ibu & bayi <b>risiko</b>",  # user text printed as text
    ):
        assert expected in text, expected
    assert "DRAFT" not in text
    issued = db.session.scalar(select(IssuedDocument).where(IssuedDocument.code == result.code))
    assert issued.kind == "skp" and issued.unit_id == world.dinkes.id
    again = skp_documents.download(plan, "id")
    assert again.cached and again.code == result.code
    assert docs.verify(result.code).unchanged


def test_a_draft_prints_marked_draft_without_a_code(world, reference):
    version = f.make_plan(world.people["pegawai.dinkes"], items=PLAN, state="draft")
    result = skp_documents.download(version, "id")
    text = squash(" ".join(pdf_pages(result.content)))
    assert "DRAFT" in text and "Imunisasi dasar lengkap" in text
    assert result.code is None and "KM-" not in text
    assert db.session.scalar(select(func.count(IssuedDocument.id))) == 0


def test_a_revision_keeps_the_earlier_document_verifiable(plan, world):
    result = skp_documents.download(plan, "id")
    revised = f.make_plan(world.people["pegawai.dinkes"], items=PLAN, skp=plan.skp,
                         revision_reason="Wilayah binaan bertambah")  # fmt: skip
    db.session.refresh(plan)
    assert plan.state == "superseded" and revised.number == 2
    assert docs.verify(result.code).unchanged  # the agreed text is what it was
    new = skp_documents.download(revised, "id")
    assert new.code != result.code
    assert "Wilayah binaan bertambah" in squash(" ".join(pdf_pages(new.content)))
    assert db.session.scalar(select(func.count(SkpRhk.id))) == 5


def test_document_api_view_and_button_are_scoped(plan, world, api_token, client, documented,
                                                 login_as):  # fmt: skip
    skp_id = plan.skp_id
    own = client.get(f"/api/v1/skp/{skp_id}/document", headers=api_token("pegawai.dinkes"))
    assert own.status_code == 200 and own.data[:5] == b"%PDF-"
    assert own.headers["X-Document-Code"].startswith("KM-")
    documented(own, "/api/v1/skp/{pk}/document", "GET")
    leak = client.get(f"/api/v1/skp/{skp_id}/document", headers=api_token("pegawai.disdik"))
    assert leak.status_code == 404
    missing = client.get(f"/api/v1/skp/{skp_id}/document?version=9",
                         headers=api_token("penilai.dinkes"))  # fmt: skip
    assert missing.status_code == 404
    web = login_as("penilai.dinkes")
    assert 'id="skp-document"' in web.get(f"/skp/{skp_id}/").get_data(as_text=True)
    pdf = web.get(f"/skp-tools/{skp_id}/document")
    assert pdf.status_code == 200 and pdf.data[:5] == b"%PDF-"
    assert login_as("pegawai.disdik").get(f"/skp-tools/{skp_id}/document").status_code == 404


def test_the_evaluation_form_prints_the_skp_targets_and_rhk_or_the_notice(cycle, login_as):
    from app.models import Submission
    from app.services import skp_targets

    plan = f.make_plan(cycle.world.people["pegawai.dinkes"], items=[
        ("Imunisasi dasar lengkap bagi bayi binaan", [("Cakupan", 90, "cakupan")]),
        ("Kunjungan rumah ibu nifas", [("Kunjungan", 45, "kunjungan")]),
    ])  # fmt: skip
    item = cycle.reload()
    item.skp_version_id, item.targets = plan.id, skp_targets.targets_of(plan)
    db.session.commit()
    cycle.submit()
    client = login_as("penilai.dinkes")
    text = squash(" ".join(pdf_pages(client.get(f"/print/submission/{item.id}/form").data)))
    assert "Imunisasi dasar lengkap bagi bayi binaan" in text
    assert "Kunjungan rumah ibu nifas" in text and " 45 kunjungan" in text
    assert "target bawaan formulir" not in text
    other = db.session.get(Submission, cycle.other.id)
    plain = squash(" ".join(pdf_pages(client.get(f"/print/submission/{other.id}/form").data)))
    assert "target bawaan formulir" in plain and " 100 kunjungan" in plain
