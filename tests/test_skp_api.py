"""`/api/v1/skp/`: the SKP workflow through the API, as documented, with one error shape."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Skp, SkpVersion
from tests.conftest_skp import rhk_item as _item

API = "/api/v1/skp"


@pytest.fixture
def tokens(api_token):
    return {name: api_token(name) for name in ("pegawai.dinkes", "penilai.dinkes", "admin.disdik")}


def _create(client, world, tokens, documented=None):
    response = client.post(
        f"{API}/",
        json={"employee_id": world.people["pegawai.dinkes"].id, "year": 2026},
        headers=tokens["pegawai.dinkes"],
    )
    assert response.status_code == 201, response.json
    if documented:
        documented(response, f"{API}/", "POST")
    return response.json


def test_the_whole_workflow(client, world, chain, tokens, documented):
    created = _create(client, world, tokens, documented)
    pk, employee, penilai = created["id"], tokens["pegawai.dinkes"], tokens["penilai.dinkes"]
    assert (created["state"], created["version"]) == ("draft", 1)
    body = {
        "lock_version": created["lock_version"],
        "items": [_item(parent_rhk_id=chain["penilai_rhk"].id)],
        "expectations": {"akuntabel": "Laporan jujur"},
        "annex": {"resources": "Vaksin", "accountability": None},
    }
    body["items"][0]["indicators"][0]["target"] = 80.5
    saved = client.put(f"{API}/{pk}/items", json=body, headers=employee)
    assert saved.status_code == 200, saved.json
    documented(saved, f"{API}/{{pk}}/items", "PUT")
    submitted = client.post(
        f"{API}/{pk}/submit", json={"lock_version": saved.json["lock_version"]}, headers=employee
    )
    assert submitted.json["state"] == "submitted"
    refused = client.post(
        f"{API}/{pk}/agree", json={"lock_version": submitted.json["lock_version"]}, headers=employee
    )
    assert refused.status_code == 403 and set(refused.json) == {"message", "errors"}
    agreed = client.post(
        f"{API}/{pk}/agree", json={"lock_version": submitted.json["lock_version"]}, headers=penilai
    )
    assert agreed.status_code == 200 and agreed.json["state"] == "agreed"
    documented(agreed, f"{API}/{{pk}}/agree", "POST")
    revised = client.post(
        f"{API}/{pk}/revise",
        json={"lock_version": agreed.json["lock_version"], "reason": "Target naik"},
        headers=employee,
    )
    assert (revised.json["state"], revised.json["version"]) == ("draft", 2)
    detail = client.get(f"{API}/{pk}", headers=penilai)
    documented(detail, f"{API}/{{pk}}", "GET")
    result = detail.json["result"]
    assert [(v["number"], v["state"]) for v in result["versions"]] == [(1, "agreed"), (2, "draft")]
    first = result["versions"][0]
    assert first["items"][0]["indicators"][0]["target"] == 80.5
    assert first["expectations"] == {"akuntabel": "Laporan jujur"}
    assert first["annex"] == {"resources": "Vaksin"}
    assert first["published_at"].endswith("+00:00")
    assert [h["action"] for h in result["history"]] == [
        "skp_create", "skp_save", "skp_submit", "skp_agree", "skp_revise"
    ]  # fmt: skip
    assert result["allowed_actions"] == ["save", "submit"]  # the penilai may plan for them


def test_return_needs_a_reason(client, world, chain, tokens):
    pk = _create(client, world, tokens)["id"]
    skp = db.session.get(Skp, pk)
    version = skp.versions[0]
    version.state, version.evaluator_id = "submitted", world.people["penilai.dinkes"].id
    db.session.commit()
    lock = db.session.get(SkpVersion, version.id).lock_version
    headers = tokens["penilai.dinkes"]
    missing = client.post(f"{API}/{pk}/return", json={"lock_version": lock}, headers=headers)
    assert missing.status_code == 422 and "reason" in missing.json["errors"]
    empty = client.post(
        f"{API}/{pk}/return", json={"lock_version": lock, "reason": " "}, headers=headers
    )
    assert empty.status_code == 422 and "reason" in empty.json["errors"]
    done = client.post(
        f"{API}/{pk}/return", json={"lock_version": lock, "reason": "Lengkapi"}, headers=headers
    )
    assert done.json["state"] == "returned"


def test_lock_version_missing_is_422_and_stale_is_409(client, world, chain, tokens):
    created = _create(client, world, tokens)
    pk, headers = created["id"], tokens["pegawai.dinkes"]
    missing = client.post(f"{API}/{pk}/submit", headers=headers)
    assert missing.status_code == 422 and "lock_version" in missing.json["errors"]
    stale = client.put(
        f"{API}/{pk}/items",
        json={"lock_version": created["lock_version"] + 5, "items": []},
        headers=headers,
    )
    assert stale.status_code == 409 and stale.json["message"]


def test_refused_links_and_bad_items_are_422_by_field(client, world, chain, tokens):
    created = _create(client, world, tokens)
    pk, headers = created["id"], tokens["pegawai.dinkes"]
    body = {
        "lock_version": created["lock_version"],
        "items": [_item("RHK ke Disdik", parent_rhk_id=chain["other_rhk"].id)],
    }
    refused = client.put(f"{API}/{pk}/items", json=body, headers=headers)
    assert refused.status_code == 422
    assert "RHK ke Disdik" in refused.json["errors"]["items.0.link"][0]
    body["items"][0]["indicators"][0]["aspect"] = "keindahan"
    invalid = client.put(f"{API}/{pk}/items", json=body, headers=headers)
    assert invalid.status_code == 422
    assert "items.0.indicators.0.aspect" in invalid.json["errors"]
    assert db.session.get(Skp, pk).versions[0].items == []


def test_create_refusals(client, world, tokens, reference):
    other = world.people["pegawai.disdik"].id
    unseen = client.post(
        f"{API}/", json={"employee_id": other, "year": 2026}, headers=tokens["pegawai.dinkes"]
    )
    assert unseen.status_code == 422 and "employee_id" in unseen.json["errors"]
    _create(client, world, tokens)
    twice = client.post(
        f"{API}/",
        json={"employee_id": world.people["pegawai.dinkes"].id, "year": 2026},
        headers=tokens["pegawai.dinkes"],
    )
    assert twice.status_code == 422 and "year" in twice.json["errors"]


def test_feedback_through_the_api(client, world, chain, tokens, documented):
    pk = _create(client, world, tokens)["id"]
    penilai, employee = tokens["penilai.dinkes"], tokens["pegawai.dinkes"]
    note = client.post(
        f"{API}/{pk}/feedback", json={"kind": "coaching", "body": "Fokus ke posyandu"},
        headers=penilai,
    )  # fmt: skip
    assert note.status_code == 201, note.json
    documented(note, f"{API}/{{pk}}/feedback", "POST")
    reply = client.post(
        f"{API}/{pk}/feedback",
        json={"kind": "reply", "body": "Siap", "reply_to_id": note.json["id"]},
        headers=employee,
    )
    assert reply.status_code == 201
    coaching = client.post(
        f"{API}/{pk}/feedback", json={"kind": "coaching", "body": "x"}, headers=employee
    )
    assert coaching.status_code == 422 and "kind" in coaching.json["errors"]
    stranger = client.post(
        f"{API}/{pk}/feedback", json={"body": "Halo"}, headers=tokens["admin.disdik"]
    )
    assert stranger.status_code == 404
    listed = client.get(f"{API}/{pk}/feedback", headers=employee)
    documented(listed, f"{API}/{{pk}}/feedback", "GET")
    assert [(n["kind"], n["reply_to_id"]) for n in listed.json["result"]] == [
        ("coaching", None), ("reply", note.json["id"])
    ]  # fmt: skip
