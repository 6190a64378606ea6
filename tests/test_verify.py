"""/verify/<code>: public, shows only type, period, unit, date and whether data is unchanged."""

# ruff: noqa: F811 - the `recap_data` fixture is imported from tests.printing_helpers
from __future__ import annotations

from tests.printing_helpers import recap_data  # noqa: F401


def _issue(login_as, data):
    client = login_as("hr")
    response = client.get(
        f"/recaps/download?period={data.period.id}&unit={data.world.dinkes.id}&format=pdf"
    )
    code = response.headers["X-Document-Code"]
    client.get("/logout/")
    return client, code


def test_valid_document(login_as, recap_data):
    client, code = _issue(login_as, recap_data)
    response = client.get(f"/verify/{code}")  # no login
    assert response.status_code == 200
    page = response.text
    assert 'data-status="valid"' in page
    assert "Rekapitulasi kinerja perangkat daerah" in page
    assert "Triwulan I 2026" in page and "Dinas Kesehatan" in page
    for employee in recap_data.staff:  # no personal data
        assert employee.nip not in page and employee.name not in page


def test_unknown_code(client, recap_data):
    response = client.get("/verify/KM-AAAA-BBBB-CCCC-DDDD-EEEE")
    assert response.status_code == 404
    assert 'data-status="unknown"' in response.text
    assert client.get("/verify/?code=km-aaaa").status_code == 302


def test_changed_document(login_as, recap_data, db):
    client, code = _issue(login_as, recap_data)
    submission = next(s for s in recap_data.submissions if s.unit_id == recap_data.world.dinkes.id)
    submission.predikat = "sangat_kurang"
    db.session.commit()
    response = client.get(f"/verify/{code}")
    assert response.status_code == 200
    assert 'data-status="changed"' in response.text


def test_submission_document_verification(login_as, recap_data, db):
    client = login_as("pegawai.dinkes")
    response = client.get(f"/print/submission/{recap_data.approved.id}/evaluation")
    code = response.headers["X-Document-Code"]
    client.get("/logout/")
    page = client.get(f"/verify/{code}").text
    assert 'data-status="valid"' in page
    assert "Dokumen evaluasi kinerja pegawai" in page
    assert recap_data.approved.employee.name not in page
    recap_data.approved.recommendation = "Diubah"
    db.session.commit()
    assert 'data-status="changed"' in client.get(f"/verify/{code}").text
