"""Every write to a submission names the version it was based on (web and API)."""

from __future__ import annotations

import io

import pytest

from app.extensions import db as _db
from app.models import AuditEntry, Evidence
from tests.conftest_cycle import GOOD, TINY_PDF

API = "/api/v1/submission"


def _fill_data(cycle, **answers):
    data = {cycle.ref(k): str(v) for k, v in answers.items()}
    data["action"] = "save"
    return data


def test_web_save_without_lock_version_writes_nothing(login_as, cycle):
    client = login_as("pegawai.dinkes")
    data = _fill_data(cycle, sasaran=10)
    data[cycle.ref("bukti") + "__file"] = (io.BytesIO(TINY_PDF), "bukti.pdf")
    response = client.post(
        f"/my/{cycle.submission.id}/", data=data, content_type="multipart/form-data",
        follow_redirects=True,
    )  # fmt: skip
    assert "lock_version" in response.get_data(as_text=True)
    item = cycle.reload()
    assert item.answers == {} and item.lock_version == 1
    assert _db.session.query(Evidence).count() == 0
    assert _db.session.query(AuditEntry).count() == 0


def test_web_save_based_on_a_version_older_than_an_api_edit_is_refused(
    login_as, api_token, client, cycle
):
    seen = cycle.reload().lock_version
    headers = api_token("pegawai.dinkes")
    body = {"answers": cycle.answers(sasaran=50), "lock_version": seen}
    assert (
        client.put(f"{API}/{cycle.submission.id}/answers", json=body, headers=headers).status_code
        == 200
    )
    web = login_as("pegawai.dinkes")
    response = web.post(
        f"/my/{cycle.submission.id}/", data={**_fill_data(cycle, sasaran=7), "lock_version": seen}
    )
    assert response.status_code == 409
    assert "diubah oleh Pegawai dinkes pada" in response.get_data(as_text=True)
    assert cycle.reload().answers[cycle.fv]["sasaran"] == 50


@pytest.mark.parametrize("action", ["return", "approve"])
def test_review_without_lock_version_writes_nothing(login_as, cycle, action):
    cycle.submit()
    before = cycle.reload().lock_version
    data = {"reason": "Perbaiki", "feedback": "F"}
    for code, entry in cycle.ratings().items():
        data[f"behaviour:{code}:rating"] = entry["rating"]
    client = login_as("penilai.dinkes")
    response = client.post(
        f"/reviews/{cycle.submission.id}/{action}", data=data, follow_redirects=True
    )
    assert "lock_version" in response.get_data(as_text=True)
    item = cycle.reload()
    assert item.state == "submitted" and item.lock_version == before


def test_review_page_carries_the_version_and_a_stale_one_is_a_conflict(login_as, cycle):
    cycle.submit()
    client = login_as("penilai.dinkes")
    page = client.get(f"/reviews/{cycle.submission.id}/").get_data(as_text=True)
    lock = cycle.reload().lock_version
    assert f'name="lock_version" value="{lock}"' in page
    response = client.post(
        f"/reviews/{cycle.submission.id}/return",
        data={"reason": "Perbaiki", "lock_version": lock - 1},
    )
    assert response.status_code == 409
    assert cycle.reload().state == "submitted"


def test_api_writes_need_the_version(client, api_token, cycle):
    cycle.save(GOOD)
    sub = cycle.submission.id
    employee, evaluator = api_token("pegawai.dinkes"), api_token("penilai.dinkes")
    missing = client.post(f"{API}/{sub}/submit", json={}, headers=employee)
    assert missing.status_code == 422 and "lock_version" in missing.json["errors"]
    stale = client.post(f"{API}/{sub}/submit", json={"lock_version": 1}, headers=employee)
    assert stale.status_code == 409
    assert cycle.reload().state == "draft"
    lock = cycle.reload().lock_version
    assert (
        client.post(
            f"{API}/{sub}/submit", json={"lock_version": lock}, headers=employee
        ).status_code
        == 200
    )
    for action, body in (("return", {"reason": "x"}), ("approve", {"behaviour": cycle.ratings()})):
        response = client.post(f"{API}/{sub}/{action}", json=body, headers=evaluator)
        assert response.status_code == 422 and "lock_version" in response.json["errors"]
    assert cycle.reload().state == "submitted"
