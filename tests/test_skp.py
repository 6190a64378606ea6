"""The SKP: planning, intervention rules, submit/return/agree, freezing, revision, audit."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry, Skp, SkpVersion
from app.models.versioning import FrozenVersionError
from app.scope import reviewable_skps
from app.services import ValidationFailed
from app.services import skp as skp_service
from app.services.submissions import ActionRefused, VersionMissing
from tests import factories as f
from tests.conftest_dashboard import approved
from tests.conftest_skp import rhk_item as _item


@pytest.fixture(autouse=True)
def _reference(world, reference):
    """The BerAKHLAK values (after the world, whose units the reference data keeps)."""


def _scope(world, key, roles=("Employee",)):
    return f.scope_of(world.people[key], roles, user_id=world.users.get(key, None) and
                      world.users[key].id)  # fmt: skip


def _new(world, key="pegawai.dinkes"):
    return skp_service.create(world.people[key], 2026, _scope(world, key), None)


def _lock(skp):
    return skp_service.current_version(skp).lock_version


def _actions(skp) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.skp_id == skp.id).order_by(AuditEntry.id)
        )
    )


def test_one_skp_per_employee_and_year(world):
    skp = _new(world)
    assert [(v.number, v.state) for v in skp.versions] == [(1, "draft")]
    assert skp.versions[0].evaluator_id == world.people["penilai.dinkes"].id
    with pytest.raises(ValidationFailed) as refused:
        _new(world)
    assert "Pegawai dinkes" in str(refused.value) and "2026" in str(refused.value)
    with pytest.raises(ActionRefused):  # another unit's employee may not plan it
        skp_service.create(world.people["pegawai.dinkes"], 2027, _scope(world, "pegawai.disdik"),
                           None)  # fmt: skip


def test_intervening_the_supervisors_agreed_rhk_is_accepted(world, chain):
    skp = _new(world)
    version = skp_service.save(
        skp, _scope(world, "pegawai.dinkes"), None, _lock(skp),
        items=[_item(parent_rhk_id=chain["penilai_rhk"].id)],
    )  # fmt: skip
    rhk = version.items[0]
    assert rhk.parent_rhk_id == chain["penilai_rhk"].id
    assert [(i.aspect, i.target) for i in rhk.indicators] == [
        ("kuantitas", Decimal(80)),
        ("waktu", Decimal(12)),
    ]


@pytest.mark.parametrize("target", ["head_rhk", "other_rhk"])
def test_intervening_anyone_but_ones_own_supervisor_is_refused(world, chain, target):
    skp = _new(world)
    with pytest.raises(ValidationFailed) as refused:
        skp_service.save(
            skp, _scope(world, "pegawai.dinkes"), None, _lock(skp),
            items=[_item("RHK salah sambung", parent_rhk_id=chain[target].id)],
        )  # fmt: skip
    message = refused.value.errors["items.0.link"][0]
    assert "RHK salah sambung" in message and "Penilai dinkes" in message
    assert skp_service.current_version(skp).items == []  # nothing half-written


def test_a_supervisors_draft_cannot_be_intervened(world, chain):
    draft = f.make_skp(world.people["penilai.dinkes"], year=2027, rhk=[{"title": "Draf"}])
    skp = skp_service.create(world.people["pegawai.dinkes"], 2027,
                             _scope(world, "pegawai.dinkes"), None)  # fmt: skip
    with pytest.raises(ValidationFailed):
        skp_service.save(skp, _scope(world, "pegawai.dinkes"), None, _lock(skp),
                         items=[_item(parent_rhk_id=draft.versions[0].items[0].id)])  # fmt: skip


def test_only_a_unit_head_intervenes_an_iku(world, chain):
    skp = _new(world)
    with pytest.raises(ValidationFailed) as refused:
        skp_service.save(skp, _scope(world, "pegawai.dinkes"), None, _lock(skp),
                         items=[_item("RHK ke IKU", iku_id=chain["iku"].id)])  # fmt: skip
    assert "RHK ke IKU" in refused.value.errors["items.0.link"][0]
    head = skp_service.create(world.people["head.dinkes"], 2027,
                              f.scope_of(world.people["head.dinkes"]), None)  # fmt: skip
    version = skp_service.save(head, f.scope_of(world.people["head.dinkes"]), None, _lock(head),
                               items=[_item(iku_id=chain["iku"].id)])  # fmt: skip
    assert version.items[0].iku_id == chain["iku"].id


def test_field_key_must_be_an_indicator_of_the_assigned_form(world, chain, iku):
    skp = _new(world)
    item = _item(parent_rhk_id=chain["penilai_rhk"].id)
    item["indicators"][0]["field_key"] = "cakupan"
    scope = _scope(world, "pegawai.dinkes")
    with pytest.raises(ValidationFailed) as refused:  # no form assigned yet
        skp_service.save(skp, scope, None, _lock(skp), items=[item])
    assert "items.0.indicators.0.field_key" in refused.value.errors
    approved(world.people["pegawai.dinkes"], iku.period, iku.template_version, state="draft")
    version = skp_service.save(skp, scope, None, _lock(skp), items=[item])
    assert version.items[0].indicators[0].field_key == "cakupan"
    item["indicators"][0]["field_key"] = "tidak_ada"
    with pytest.raises(ValidationFailed):
        skp_service.save(skp, scope, None, _lock(skp), items=[item])


def _planned(world, chain):
    skp = _new(world)
    scope = _scope(world, "pegawai.dinkes")
    skp_service.save(skp, scope, None, _lock(skp),
                     items=[_item(parent_rhk_id=chain["penilai_rhk"].id)],
                     expectations={"akuntabel": "Laporan jujur dan tepat waktu"},
                     annex={"resources": "Vaksin dan cold chain"})  # fmt: skip
    return skp, scope


def test_submit_return_agree(world, chain):
    skp, scope = _planned(world, chain)
    penilai = _scope(world, "penilai.dinkes", ("Supervisor", "Employee"))
    skp_service.submit(skp, scope, None, _lock(skp))
    with pytest.raises(ActionRefused):  # the employee cannot agree their own plan
        skp_service.agree(skp, scope, None, _lock(skp))
    with pytest.raises(ValidationFailed) as refused:
        skp_service.return_for_revision(skp, "  ", penilai, None, _lock(skp))
    assert "reason" in refused.value.errors
    skp_service.return_for_revision(skp, "Target bayi terlalu rendah", penilai, None, _lock(skp))
    version = skp_service.current_version(skp)
    assert (version.state, version.return_reason) == ("returned", "Target bayi terlalu rendah")
    item = _item(parent_rhk_id=chain["penilai_rhk"].id)
    item["key"] = version.items[0].key
    item["indicators"][0]["target"] = 120
    skp_service.save(skp, scope, None, _lock(skp), items=[item])
    skp_service.submit(skp, scope, None, _lock(skp))
    skp_service.agree(skp, penilai, None, _lock(skp))
    version = skp_service.current_version(skp)
    assert version.state == "agreed" and version.published_at is not None
    assert version.items[0].indicators[0].target == Decimal(120)
    assert version.expectations == {"akuntabel": "Laporan jujur dan tepat waktu"}
    assert _actions(skp) == [
        "skp_create", "skp_save", "skp_submit", "skp_return", "skp_save", "skp_submit",
        "skp_agree",
    ]  # fmt: skip
    save_entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.skp_id == skp.id, AuditEntry.action == "skp_save")
    ).all()
    assert save_entries[1].changes == {"changed": ["Terlaksananya imunisasi di posyandu"]}


def test_submit_needs_a_linked_main_rhk_with_an_indicator(world, chain):
    skp = _new(world)
    scope = _scope(world, "pegawai.dinkes")
    with pytest.raises(ValidationFailed) as refused:
        skp_service.submit(skp, scope, None, _lock(skp))
    assert "items" in refused.value.errors
    item = _item("Tanpa induk")
    item["indicators"] = []
    skp_service.save(skp, scope, None, _lock(skp), items=[item])
    with pytest.raises(ValidationFailed) as refused:
        skp_service.submit(skp, scope, None, _lock(skp))
    assert set(refused.value.errors) == {"items.0.indicators", "items.0.link"}
    assert "Tanpa induk" in refused.value.errors["items.0.link"][0]


def _agreed(world, chain):
    skp, scope = _planned(world, chain)
    skp_service.submit(skp, scope, None, _lock(skp))
    penilai = _scope(world, "penilai.dinkes", ("Supervisor", "Employee"))
    skp_service.agree(skp, penilai, None, _lock(skp))
    return skp, scope, penilai


def test_an_agreed_version_is_frozen(world, chain):
    skp, scope, _ = _agreed(world, chain)
    with pytest.raises(ActionRefused):
        skp_service.save(skp, scope, None, _lock(skp), items=[])
    version = skp_service.current_version(skp)
    version.expectations = {"akuntabel": "diubah diam-diam"}
    with pytest.raises(FrozenVersionError):
        db.session.commit()
    db.session.rollback()
    version.items[0].indicators[0].target = Decimal(1)
    with pytest.raises(FrozenVersionError):
        db.session.commit()
    db.session.rollback()


def test_a_revision_is_a_new_version_and_both_are_kept(world, chain):
    skp, scope, penilai = _agreed(world, chain)
    agreed = skp_service.current_version(skp)
    with pytest.raises(ValidationFailed):
        skp_service.revise(skp, "", scope, None, _lock(skp))
    draft = skp_service.revise(skp, "Tambahan sasaran dari Dinkes", scope, None, _lock(skp))
    assert (draft.number, draft.state, draft.revision_reason) == (
        2, "draft", "Tambahan sasaran dari Dinkes"
    )  # fmt: skip
    assert [r.key for r in draft.items] == [r.key for r in agreed.items]
    assert skp_service.agreed_version(skp) is agreed  # still in force while revising
    item = _item(parent_rhk_id=chain["penilai_rhk"].id)
    item["key"] = draft.items[0].key
    item["indicators"][0]["target"] = 95
    skp_service.save(skp, scope, None, _lock(skp), items=[item])
    skp_service.submit(skp, scope, None, _lock(skp))
    skp_service.agree(skp, penilai, None, _lock(skp))
    states = db.session.execute(
        select(SkpVersion.number, SkpVersion.state).where(SkpVersion.skp_id == skp.id)
        .order_by(SkpVersion.number)
    ).all()  # fmt: skip
    assert [tuple(s) for s in states] == [(1, "superseded"), (2, "agreed")]
    assert agreed.items[0].indicators[0].target == Decimal(80)  # the old one is kept as it was
    assert _actions(skp)[-4:] == ["skp_revise", "skp_save", "skp_submit", "skp_agree"]


def test_writes_need_the_current_lock_version(world, chain):
    skp, scope = _planned(world, chain)
    with pytest.raises(VersionMissing):
        skp_service.save(skp, scope, None, None, items=[])
    stale = _lock(skp) - 1
    with pytest.raises(skp_service.SkpConflict):
        skp_service.submit(skp, scope, None, stale)
    assert skp_service.current_version(skp).state == "draft"


def test_an_intervened_rhk_cannot_be_removed(world, chain):
    """The supervisor's plan was returned after a subordinate linked to it: keep the RHK."""
    returned = f.make_skp(world.people["penilai.dinkes"], year=2027, state="returned",
                          rhk=[{"title": "RHK yang diintervensi"}])  # fmt: skip
    linked = returned.versions[0].items[0]
    f.make_skp(world.people["pegawai.dinkes"], year=2027,
               rhk=[{"title": "Turunan", "parent_rhk": linked}])  # fmt: skip
    penilai = _scope(world, "penilai.dinkes", ("Supervisor", "Employee"))
    with pytest.raises(ValidationFailed) as refused:
        skp_service.save(returned, penilai, None, _lock(returned), items=[])
    assert "RHK yang diintervensi" in refused.value.errors["items"][0]
    assert [r.title for r in skp_service.current_version(returned).items] == [
        "RHK yang diintervensi"
    ]


def test_supervisor_may_draft_for_the_employee(world, chain):
    penilai = _scope(world, "penilai.dinkes", ("Supervisor", "Employee"))
    skp = skp_service.create(world.people["pegawai.dinkes"], 2026, penilai, None)
    skp_service.save(skp, penilai, None, _lock(skp),
                     items=[_item(parent_rhk_id=chain["penilai_rhk"].id)])  # fmt: skip
    assert skp_service.allowed_actions(skp, penilai) == {"save", "submit"}
    assert skp_service.allowed_actions(skp, _scope(world, "pegawai.disdik")) == set()


def _token(html: str) -> str:
    return html.split('name="csrf_token" value="')[1].split('"')[0]


def test_plan_table_submit_and_agree_in_the_pages(login_as, world, chain):
    client = login_as("pegawai.dinkes")
    mine = client.get("/skp/")
    assert 'id="skp-create"' in mine.text
    created = client.post("/skp/create", data={"csrf_token": _token(mine.text), "year": "2026"})
    assert created.status_code == 302
    skp = skp_service.skp_of(world.people["pegawai.dinkes"].id, 2026)
    page = client.get(f"/skp/{skp.id}/")
    assert f'value="rhk:{chain["penilai_rhk"].id}"' in page.text  # the supervisor's RHK offered
    assert f'value="rhk:{chain["head_rhk"].id}"' not in page.text
    data = {
        "csrf_token": _token(page.text), "lock_version": str(_lock(skp)), "rhk_count": "2",
        "rhk-0-key": "", "rhk-0-kind": "utama", "rhk-0-title": "Imunisasi di posyandu",
        "rhk-0-link": f"rhk:{chain['penilai_rhk'].id}", "rhk-0-ind_count": "2",
        "rhk-0-ind-0-aspect": "kuantitas", "rhk-0-ind-0-title": "Bayi diimunisasi",
        "rhk-0-ind-0-target": "80,5", "rhk-0-ind-0-unit_label": "bayi",
        "rhk-0-ind-1-title": "", "rhk-0-ind-1-target": "",
        "rhk-1-title": "", "rhk-1-ind_count": "1", "rhk-1-ind-0-title": "",
        "expectation-akuntabel": "Jujur", "annex-resources": "Vaksin", "then": "submit",
    }  # fmt: skip
    saved = client.post(f"/skp/{skp.id}/save", data=data)
    assert saved.status_code == 302, saved.text[:2000]
    db.session.expire_all()
    version = skp_service.current_version(skp)
    assert version.state == "submitted"
    assert [(r.title, r.indicators[0].target) for r in version.items] == [
        ("Imunisasi di posyandu", Decimal("80.5"))
    ]
    penilai = login_as("penilai.dinkes")
    queue = penilai.get("/skp/approvals")
    assert f'href="/skp/{skp.id}/"' in queue.text
    review = penilai.get(f"/skp/{skp.id}/")
    assert 'id="skp-agree"' in review.text and "80,5" in review.text
    agreed = penilai.post(
        f"/skp/{skp.id}/agree",
        data={"csrf_token": _token(review.text), "lock_version": str(version.lock_version)},
    )
    assert agreed.status_code == 302
    db.session.expire_all()
    assert skp_service.current_version(skp).state == "agreed"


def test_a_refused_link_in_the_page_keeps_what_was_typed(login_as, world, chain):
    skp = _new(world)
    client = login_as("pegawai.dinkes")
    page = client.get(f"/skp/{skp.id}/")
    data = {
        "csrf_token": _token(page.text), "lock_version": str(_lock(skp)), "rhk_count": "1",
        "rhk-0-kind": "utama", "rhk-0-title": "RHK ke IKU orang lain",
        "rhk-0-link": f"iku:{chain['iku'].id}", "rhk-0-ind_count": "1",
        "rhk-0-ind-0-title": "Indikator", "rhk-0-ind-0-target": "5",
    }  # fmt: skip
    response = client.post(f"/skp/{skp.id}/save", data=data)
    assert response.status_code == 422
    assert "RHK ke IKU orang lain" in response.text and 'id="skp-errors"' in response.text
    missing = client.post(f"/skp/{skp.id}/save", data={**data, "lock_version": ""})
    assert missing.status_code == 302
    db.session.expire_all()
    assert skp_service.current_version(skp).items == []


def test_hr_agrees_the_plan_of_a_unit_head_without_a_penilai(world, chain):
    head = world.people["head.dinkes"]
    scope = f.scope_of(head)
    skp = skp_service.create(head, 2027, scope, None)
    skp_service.save(skp, scope, None, _lock(skp), items=[_item(iku_id=chain["iku"].id)])
    skp_service.submit(skp, scope, None, _lock(skp))
    assert skp_service.current_version(skp).evaluator_id is None
    penilai = _scope(world, "penilai.dinkes", ("Supervisor", "Employee"))
    with pytest.raises(ActionRefused):
        skp_service.agree(skp, penilai, None, _lock(skp))
    hr = f.scope_of(None, ("HR",))
    assert skp.id in set(db.session.scalars(select(Skp.id).where(reviewable_skps(hr))))
    skp_service.agree(skp, hr, None, _lock(skp))
    assert skp_service.current_version(skp).state == "agreed"


def test_a_staff_member_without_a_penilai_cannot_submit(world, chain):
    loner = f.make_employee(world.dinkes, "Tanpa Atasan")
    scope = f.scope_of(loner)
    skp = skp_service.create(loner, 2026, scope, None)
    skp_service.save(skp, scope, None, _lock(skp), items=[_item()])
    with pytest.raises(ValidationFailed) as refused:
        skp_service.submit(skp, scope, None, _lock(skp))
    assert "Tanpa Atasan" in refused.value.errors["_form"][0]
