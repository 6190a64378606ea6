"""Copying RHK items with targets from a supervisor's SKP to many subordinates at once."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEntry, Skp, SkpIndicator, SkpRhk, SkpVersion
from app.scope import scope_for
from app.services import ValidationFailed
from app.services import skp_copy as service
from tests import factories as f
from tests.querycount import count_queries

LEADER_PLAN = [
    ("Cakupan layanan kesehatan ibu dan anak meningkat",
     [("Bayi diimunisasi lengkap", 300, "cakupan"), ("Kunjungan rumah", 120, "kunjungan")]),
    ("Laporan program imunisasi tepat waktu", [("Laporan bulanan", 12, None)]),
]  # fmt: skip


@pytest.fixture
def team(world):
    """penilai.dinkes with an agreed SKP, 100 nurses under them (plus the world's two)."""
    leader = world.people["penilai.dinkes"]
    plan = f.make_plan(leader, items=LEADER_PLAN)
    nurses = [
        f.make_employee(world.dinkes, f"Perawat {i:03d}", supervisor=leader,
                        nip=f.nip(serial=500 + i))
        for i in range(100)
    ]  # fmt: skip
    return plan, nurses, scope_for(world.users["penilai.dinkes"])


def _counts():
    return {
        model.__name__: db.session.scalar(select(func.count(model.id)))
        for model in (Skp, SkpVersion, SkpRhk, SkpIndicator)
    }


def test_copy_to_100_subordinates_with_per_person_targets_in_bounded_queries(team, app):
    plan, nurses, scope = team
    first, second = plan.items[0].indicators
    cells = {service.target_name(nurses[0].id, first.id): "80",
             service.target_name(nurses[1].id, first.id): "310,5"}  # fmt: skip
    ids = [n.id for n in nurses]
    with count_queries(db.engine) as statements:
        result = service.copy_items(scope, plan.id, [], ids, cells, 7)
    assert len(result.created) == 100 and result.updated == []
    assert len(statements) < 40, len(statements)  # not one per person
    rhk = db.session.scalars(
        select(SkpRhk).join(SkpVersion).join(Skp).where(Skp.employee_id == nurses[0].id)
    ).all()
    assert [r.parent_rhk_id for r in rhk] == [item.id for item in plan.items]  # interventions
    assert {i.title: i.target for i in rhk[0].indicators} == {
        "Bayi diimunisasi lengkap": Decimal(80),
        "Kunjungan rumah": Decimal(120),
    }
    targets = db.session.scalars(
        select(SkpIndicator.target).join(SkpRhk).join(SkpVersion).join(Skp)
        .where(Skp.employee_id == nurses[1].id, SkpIndicator.title == first.title)
    ).all()  # fmt: skip
    assert targets == [Decimal("310.5")]
    version = db.session.scalar(select(SkpVersion).join(Skp).where(Skp.employee_id == nurses[5].id))
    assert version.state == "draft" and version.evaluator_id == plan.skp.employee_id
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.action == "skp_copy")) == 100  # fmt: skip
    assert second.field_key == "kunjungan"


def test_copying_again_updates_the_drafts_instead_of_repeating_items(team):
    plan, nurses, scope = team
    people = [n.id for n in nurses[:10]]
    service.copy_items(scope, plan.id, [plan.items[0].key], people)
    before = _counts()
    cell = service.target_name(nurses[0].id, plan.items[0].indicators[0].id)
    result = service.copy_items(scope, plan.id, [plan.items[0].key], people, {cell: "90"})
    assert result.created == [] and len(result.updated) == 10
    assert _counts() == before
    target = db.session.scalar(
        select(SkpIndicator.target).join(SkpRhk).join(SkpVersion).join(Skp)
        .where(Skp.employee_id == nurses[0].id, SkpIndicator.position == 0)
    )  # fmt: skip
    assert target == Decimal(90)


def test_nothing_is_written_when_one_plan_is_agreed_or_a_cell_is_wrong(team):
    plan, nurses, scope = team
    f.make_plan(nurses[50], items=[("Sudah disepakati", [])])
    before = _counts()
    with pytest.raises(ValidationFailed) as refused:
        service.copy_items(scope, plan.id, [], [n.id for n in nurses])
    assert "Perawat 050" in refused.value.errors["employee_ids"][0]
    bad = service.target_name(nurses[3].id, plan.items[0].indicators[0].id)
    with pytest.raises(ValidationFailed) as wrong:
        service.copy_items(scope, plan.id, [], [n.id for n in nurses[:5]], {bad: "-1"})
    assert list(wrong.value.errors) == [bad]
    assert _counts() == before


def test_only_own_subordinates_and_own_or_team_sources(team, world):
    plan, nurses, scope = team
    with pytest.raises(ValidationFailed) as outsider:
        service.copy_items(scope, plan.id, [], [nurses[0].id, world.people["pegawai.disdik"].id])
    assert "employee_ids" in outsider.value.errors
    foreign = f.make_plan(world.people["penilai.disdik"], items=LEADER_PLAN)
    with pytest.raises(ValidationFailed) as source:
        service.copy_items(scope, foreign.id, [], [nurses[0].id])
    assert "source" in source.value.errors
    pegawai = scope_for(world.users["pegawai.dinkes"])  # no subordinates
    with pytest.raises(ValidationFailed):
        service.copy_items(pegawai, plan.id, [], [nurses[0].id])


def test_copy_from_a_subordinates_plan_keeps_the_supervisors_rhk_as_parent(team):
    plan, nurses, scope = team
    service.copy_items(scope, plan.id, [plan.items[0].key], [nurses[0].id])
    model = db.session.scalar(select(SkpVersion).join(Skp).where(Skp.employee_id == nurses[0].id))
    service.copy_items(scope, model.id, [], [n.id for n in nurses[1:4]])
    parents = db.session.scalars(
        select(SkpRhk.parent_rhk_id).join(SkpVersion).join(Skp)
        .where(Skp.employee_id.in_([n.id for n in nurses[1:4]]))
    ).all()  # fmt: skip
    assert parents == [plan.items[0].id] * 3


def test_copy_api_documented_scoped_and_atomic(team, world, api_token, client, documented):
    plan, nurses, _scope = team
    headers = api_token("penilai.dinkes")
    indicator = plan.items[0].indicators[0]
    body = {"source_version_id": plan.id, "rhk_keys": [plan.items[0].key],
            "employee_ids": [n.id for n in nurses[:3]],
            "targets": {str(nurses[0].id): {str(indicator.id): 75}}}  # fmt: skip
    response = client.post("/api/v1/skp/copy", json=body, headers=headers)
    assert response.status_code == 200, response.json
    documented(response, "/api/v1/skp/copy", "POST")
    assert len(response.json["created"]) == 3
    target = db.session.scalar(
        select(SkpIndicator.target).join(SkpRhk).join(SkpVersion).join(Skp)
        .where(Skp.employee_id == nurses[0].id, SkpIndicator.title == indicator.title)
    )  # fmt: skip
    assert target == Decimal(75)
    outsider = client.post("/api/v1/skp/copy", json=body, headers=api_token("penilai.disdik"))
    assert outsider.status_code == 422 and "source" in outsider.json["errors"]
    documented(outsider, "/api/v1/skp/copy", "POST")
    before = _counts()
    bad = dict(body, employee_ids=[nurses[5].id, world.people["pegawai.disdik"].id])
    refused = client.post("/api/v1/skp/copy", json=bad, headers=api_token("penilai.dinkes"))
    assert refused.status_code == 422 and "employee_ids" in refused.json["errors"]
    assert _counts() == before
    employee = client.post("/api/v1/skp/copy", json=body, headers=api_token("pegawai.dinkes"))
    assert employee.status_code == 403


def test_copy_page_posts_one_grid(team, login_as):
    plan, nurses, _scope = team
    client = login_as("penilai.dinkes")
    page = client.get(f"/skp-tools/copy?source={plan.id}").get_data(as_text=True)
    assert page.count('name="employee_ids"') == 102  # 100 nurses and the world's two
    first = plan.items[0].indicators[0]
    cell = f"target-{nurses[0].id}-{first.id}"
    assert f'name="{cell}"' in page and 'value="300"' in page
    data = {"source": plan.id, "rhk_keys": [plan.items[0].key],
            "employee_ids": [str(nurses[0].id), str(nurses[1].id)], cell: "x"}  # fmt: skip
    refused = client.post("/skp-tools/copy", data=data)
    assert refused.status_code == 422
    assert "has-error" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Skp.id))) == 1
    data[cell] = "70,5"
    done = client.post("/skp-tools/copy", data=data)
    assert done.status_code == 302
    assert db.session.scalar(select(func.count(Skp.id))) == 3
    assert login_as("pegawai.dinkes").get("/skp-tools/copy").status_code == 403
