"""Submission documents: the evaluation document and the filled form, their scope and API."""

# ruff: noqa: F811 - the `recap_data` fixture is imported from tests.printing_helpers
from __future__ import annotations

import re

from sqlalchemy import select

from app.models import BehaviourValue
from tests.printing_helpers import pdf_pages, recap_data, squash  # noqa: F401

MONTHS = "Januari|Februari|Maret|April|Mei|Juni|Juli|Agustus|September|Oktober|November|Desember"


def _print(client, submission, kind):
    return client.get(f"/print/submission/{submission.id}/{kind}")


def test_evaluation_document(login_as, recap_data, db):
    submission = recap_data.approved
    client = login_as("pegawai.dinkes")
    response = _print(client, submission, "evaluation")
    assert response.status_code == 200, response.data[:200]
    pages = pdf_pages(response.data)
    text = squash(" ".join(pages))
    assert "DOKUMEN EVALUASI KINERJA PEGAWAI" in text
    for number, page in enumerate(pages, start=1):
        assert "PEMERINTAH KABUPATEN MAMUJU" in page
        assert f"Halaman {number} dari {len(pages)}" in squash(page)
    people = recap_data.world.people
    for heading, key in (("PEGAWAI YANG DINILAI", "pegawai.dinkes"),
                         ("PEJABAT PENILAI KINERJA", "penilai.dinkes"),
                         ("ATASAN PEJABAT PENILAI KINERJA", "head.dinkes")):  # fmt: skip
        assert heading in text
        assert people[key].nip in text and people[key].name in text
    assert "Penata Muda" in text  # pangkat of III/a
    assert "Predikat kinerja organisasi Baik" in text
    assert "Pertahankan kinerja." in text and "Ikut pelatihan." in text
    assert re.search(rf"Mamuju, \d{{1,2}} ({MONTHS}) \d{{4}}", text)
    assert response.headers["X-Document-Code"] in text


def test_filled_form(login_as, recap_data, db):
    submission = recap_data.approved
    fv = str(next(iter(submission.answers)))
    submission.comments = {f"{fv}:capaian": "Capaian sudah baik"}
    codes = list(db.session.scalars(select(BehaviourValue)))
    submission.behaviour = {
        row.code: {"rating": "above", "feedback": f"Umpan {row.code}", "expectation": ""}
        for row in codes
    }
    db.session.commit()
    client = login_as("penilai.dinkes")
    response = _print(client, submission, "form")
    assert response.status_code == 200
    text = squash(" ".join(pdf_pages(response.data)))
    assert "FORMULIR PENILAIAN KINERJA PEGAWAI" in text
    assert "A. Utama" in text and "B. Tambahan" in text
    assert "Capaian Kuantitas 100 % 97,5 % 97,5 Capaian sudah baik" in text
    assert "PERILAKU KERJA" in text
    for row in codes:
        assert row.name in text
    assert len(codes) == 7
    assert text.count("Di atas ekspektasi") >= 7


def test_scope_of_submission_documents(login_as, recap_data):
    approved = recap_data.approved
    other = next(s for s in recap_data.submissions
                 if s.employee_id == recap_data.world.people["pegawai.disdik"].id)  # fmt: skip
    client = login_as("pegawai.dinkes")
    assert _print(client, other, "form").status_code == 404
    assert _print(client, other, "evaluation").status_code == 404
    client = login_as("admin.disdik")  # unit admin of another unit
    assert _print(client, approved, "form").status_code == 404
    assert _print(client, other, "form").status_code == 200
    client = login_as("hr")
    assert _print(client, approved, "evaluation").status_code == 200
    assert _print(client, approved, "nonsense").status_code == 404


def test_evaluation_document_needs_approval(login_as, recap_data):
    draft = next(s for s in recap_data.submissions if s.state == "draft")
    client = login_as("hr")
    response = _print(client, draft, "evaluation")
    assert response.status_code == 302
    assert _print(client, draft, "form").status_code == 200


def test_submission_document_api(api_token, client, recap_data):
    approved = recap_data.approved
    headers = api_token("pegawai.dinkes")
    url = f"/api/v1/submission/{approved.id}/document"
    response = client.get(f"{url}?type=evaluation", headers=headers)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "DOKUMEN EVALUASI KINERJA PEGAWAI" in squash(" ".join(pdf_pages(response.data)))
    assert client.get(f"{url}?type=form", headers=headers).status_code == 200
    assert client.get(f"{url}?type=other", headers=headers).status_code == 422
    # The submission API of the same resource name still answers (separate blueprints).
    assert client.get(f"/api/v1/submission/{approved.id}", headers=headers).status_code == 200
    other = next(s for s in recap_data.submissions
                 if s.employee_id == recap_data.world.people["pegawai.disdik"].id)  # fmt: skip
    response = client.get(f"/api/v1/submission/{other.id}/document?type=form", headers=headers)
    assert response.status_code == 404
    draft = next(s for s in recap_data.submissions if s.state == "draft")
    hr = api_token("hr")
    response = client.get(f"/api/v1/submission/{draft.id}/document?type=evaluation", headers=hr)
    assert response.status_code == 409
    assert client.get(url).status_code == 401
