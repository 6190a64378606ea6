"""SKP scoping: each role sees exactly its rows, like submissions, in the pages and the API."""

from __future__ import annotations

import re

import pytest

from app.models import Skp
from tests import factories as f
from tests.test_scoping import VISIBLE_EMPLOYEES

API = "/api/v1/skp"
# account -> SKPs (by owner) waiting for its agreement
QUEUE = {
    "penilai.dinkes": {"pegawai.dinkes", "perawat.pkm"},
    "penilai.disdik": {"pegawai.disdik"},
}


@pytest.fixture
def skps(world) -> dict[str, Skp]:
    """One SKP per employee; the ones under a penilai are submitted to them."""
    made = {}
    for key, person in world.people.items():
        submitted = person.supervisor is not None and person.supervisor.name.startswith("Penilai")
        made[key] = f.make_skp(
            person, state="submitted" if submitted else "draft", rhk=[{"title": f"RHK {key}"}]
        )
    return made


def _ids(skps, keys) -> set[int]:
    return {skps[k].id for k in keys}


def _shown(html: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'href="/skp/(\d+)/"', html)}


@pytest.mark.parametrize("account", sorted(VISIBLE_EMPLOYEES))
def test_skp_list_page_shows_exactly_the_rows_in_scope(login_as, skps, account):
    client = login_as(account)
    response = client.get("/skp/list?year=2026")
    assert response.status_code == 200
    assert _shown(response.text) == _ids(skps, VISIBLE_EMPLOYEES[account])


@pytest.mark.parametrize("account", sorted(VISIBLE_EMPLOYEES))
def test_skp_api_lists_exactly_the_rows_in_scope(client, api_token, skps, account):
    response = client.get(f"{API}/?page_size=100", headers=api_token(account))
    assert response.status_code == 200
    assert {item["id"] for item in response.json["result"]} == _ids(
        skps, VISIBLE_EMPLOYEES[account]
    )
    assert response.json["count"] == len(VISIBLE_EMPLOYEES[account])


@pytest.mark.parametrize("account", ["pegawai.dinkes", "penilai.dinkes", "admin.disdik"])
def test_an_skp_out_of_scope_is_not_found(client, api_token, login_as, skps, account):
    outside = [k for k in skps if k not in VISIBLE_EMPLOYEES[account]]
    assert outside
    headers = api_token(account)
    for key in outside:
        pk = skps[key].id
        assert client.get(f"{API}/{pk}", headers=headers).status_code == 404
        assert client.get(f"{API}/{pk}/feedback", headers=headers).status_code == 404
        answer = client.post(f"{API}/{pk}/agree", json={"lock_version": 1}, headers=headers)
        assert answer.status_code == 404
    page = login_as(account)
    for key in outside:
        assert page.get(f"/skp/{skps[key].id}/").status_code == 404
        posted = page.post(f"/skp/{skps[key].id}/agree", data={"lock_version": "1"})
        assert posted.status_code in (400, 404)  # no CSRF token or not found: never done
    assert all(s.versions[0].state in ("draft", "submitted") for s in skps.values())


@pytest.mark.parametrize("account", sorted(QUEUE))
def test_approval_queue_shows_only_plans_submitted_to_me(login_as, skps, account):
    response = login_as(account).get("/skp/approvals")
    assert response.status_code == 200
    assert _shown(response.text) == _ids(skps, QUEUE[account])


def test_my_skp_shows_only_my_own(login_as, skps):
    response = login_as("pegawai.dinkes").get("/skp/")
    assert response.status_code == 200
    assert _shown(response.text) == _ids(skps, {"pegawai.dinkes"})


@pytest.mark.parametrize(
    "account, links",
    [
        ("pegawai.dinkes", {"/skp/"}),
        ("penilai.dinkes", {"/skp/", "/skp/approvals", "/skp/list"}),
        ("admin.dinkes", {"/skp/", "/skp/list"}),  # also an employee
        ("hr", {"/skp/approvals", "/skp/list"}),
    ],
)
def test_menu_entries_per_role(login_as, world, account, links):
    page = login_as(account).get("/skp/list").text
    shown = set(re.findall(r'href="(/skp/(?:approvals|list)?)"', page))
    assert shown == links
