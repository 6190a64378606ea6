"""Continuous feedback on the SKP: who writes what, replies, and where the notes show."""

from __future__ import annotations

import pytest

from app.services import ValidationFailed
from app.services import skp_feedback as feedback
from app.services.submissions import ActionRefused
from tests import factories as f


@pytest.fixture
def plan(world):
    return f.make_skp(world.people["pegawai.dinkes"], state="agreed",
                      rhk=[{"title": "Imunisasi dasar lengkap"}])  # fmt: skip


def _scope(world, key, roles=("Employee",)):
    return f.scope_of(world.people[key], roles, user_id=world.users[key].id)


def test_supervisor_coaches_employee_reports_and_replies(world, plan):
    key = plan.versions[0].items[0].key
    penilai = _scope(world, "penilai.dinkes", ("Supervisor", "Employee"))
    employee = _scope(world, "pegawai.dinkes")
    coaching = feedback.record(
        plan, {"kind": "coaching", "body": "Jadwalkan sweeping", "rhk_key": key}, penilai,
        world.users["penilai.dinkes"].id,
    )  # fmt: skip
    feedback.record(plan, {"kind": "obstacle", "body": "Vaksin terlambat", "rhk_key": key},
                    employee, world.users["pegawai.dinkes"].id)  # fmt: skip
    feedback.record(plan, {"kind": "reply", "body": "Baik, Pak", "reply_to_id": coaching.id},
                    employee, world.users["pegawai.dinkes"].id)  # fmt: skip
    notes = feedback.feedback_for(world.people["pegawai.dinkes"], 2026)
    assert [(n.kind, n.body) for n in notes] == [
        ("coaching", "Jadwalkan sweeping"),
        ("reply", "Baik, Pak"),  # under the note it answers
        ("obstacle", "Vaksin terlambat"),
    ]
    assert notes[1].rhk_key == key and notes[0].rhk_title == "Imunisasi dasar lengkap"
    assert feedback.feedback_for(world.people["pegawai.dinkes"], 2025) == []


def test_the_employee_does_not_coach_and_strangers_write_nothing(world, plan):
    with pytest.raises(ValidationFailed) as refused:
        feedback.record(plan, {"kind": "coaching", "body": "x"}, _scope(world, "pegawai.dinkes"),
                        None)  # fmt: skip
    assert "kind" in refused.value.errors
    with pytest.raises(ActionRefused):
        feedback.record(plan, {"body": "Halo"}, _scope(world, "admin.dinkes", ("UnitAdmin",)), None)


@pytest.mark.parametrize(
    "data, field",
    [
        ({"body": "  "}, "body"),
        ({"body": "x", "rhk_key": "bukan-kunci"}, "rhk_key"),
        ({"kind": "reply", "body": "x", "reply_to_id": 999}, "reply_to_id"),
        ({"body": "x" * 2001}, "body"),
    ],
)
def test_bad_notes_are_refused_by_field(world, plan, data, field):
    with pytest.raises(ValidationFailed) as refused:
        feedback.record(plan, data, _scope(world, "pegawai.dinkes"), None)
    assert field in refused.value.errors
    assert feedback.notes_of(plan) == []


def test_notes_show_at_once_on_the_skp_page(login_as, world, plan):
    client = login_as("penilai.dinkes")
    page = client.get(f"/skp/{plan.id}/")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post(
        f"/skp/{plan.id}/feedback",
        data={"csrf_token": token, "kind": "progress", "body": "Capaian <b>70%</b>"},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "Capaian &lt;b&gt;70%&lt;/b&gt;" in response.text  # escaped
    own = login_as("pegawai.dinkes").get(f"/skp/{plan.id}/")
    assert "Capaian &lt;b&gt;70%&lt;/b&gt;" in own.text


def test_notes_show_on_the_review_and_annual_pages(login_as, world, cycle):
    plan = f.make_skp(world.people["pegawai.dinkes"], state="agreed", rhk=[{"title": "RHK"}])
    feedback.record(plan, {"kind": "coaching", "body": "Catatan pembinaan triwulan"},
                    _scope(world, "penilai.dinkes", ("Supervisor", "Employee")),
                    world.users["penilai.dinkes"].id)  # fmt: skip
    cycle.submit()
    client = login_as("penilai.dinkes")
    review = client.get(f"/reviews/{cycle.submission.id}/")
    assert review.status_code == 200 and "Catatan pembinaan triwulan" in review.text
    annual = client.get(f"/annual/{world.people['pegawai.dinkes'].id}?year=2026")
    assert annual.status_code == 200 and "Catatan pembinaan triwulan" in annual.text
    other = client.get(f"/reviews/{cycle.other.id}/")  # another employee: not their notes
    assert "Catatan pembinaan triwulan" not in other.text
