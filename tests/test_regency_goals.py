"""Regency goals (RPJMD): HR pages, validation, archive instead of delete, the seed, IKU link.

Messages are checked in Indonesian, the default language.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEntry, Iku, RegencyGoal, RegencyIndicator, RegencyIndicatorTarget
from seeds.regency_goals import load_regency_goals
from tests import factories as f


def _goal(code):
    return db.session.scalar(select(RegencyGoal).where(RegencyGoal.code == code))


def test_hr_builds_the_tree_through_the_pages(login_as):
    client = login_as("hr")
    page = client.get("/regency-goals/")
    assert page.status_code == 200 and 'id="no-goals"' in page.get_data(as_text=True)
    response = client.post("/regency-goals/goal/add", data={
        "kind": "vision", "code": "v-1", "title": "Mamuju maju", "start_year": "2025",
        "end_year": "2029", "position": "0"})  # fmt: skip
    assert response.status_code == 302
    vision = _goal("V-1")  # codes are upper-cased
    assert vision.title == "Mamuju maju" and not vision.example
    client.post("/regency-goals/goal/add", data={
        "kind": "mission", "parent_id": vision.id, "code": "M-1", "title": "Misi satu",
        "start_year": "2025", "end_year": "2029"})  # fmt: skip
    mission = _goal("M-1")
    assert mission.parent_id == vision.id
    client.post("/regency-goals/goal/add", data={
        "kind": "sasaran", "parent_id": mission.id, "code": "S-1", "title": "Sasaran satu",
        "start_year": "2025", "end_year": "2029"})  # fmt: skip
    sasaran = _goal("S-1")
    response = client.post(f"/regency-goals/goal/{sasaran.id}/indicator", data={
        "code": "IKK-1", "title": "Angka harapan hidup", "unit_label": "tahun",
        "target_2025": "66,9", "target_2026": "67.2", "target_2027": ""})  # fmt: skip
    assert response.status_code == 302
    indicator = db.session.scalar(select(RegencyIndicator))
    assert {t.year: t.target for t in indicator.targets} == {
        2025: Decimal("66.9"), 2026: Decimal("67.2")}  # fmt: skip
    client.post(f"/regency-goals/goal/{sasaran.id}/edit", data={
        "code": "S-1", "title": "Sasaran satu (diubah)", "start_year": "2025",
        "end_year": "2029", "parent_id": mission.id})  # fmt: skip
    db.session.expire_all()
    assert _goal("S-1").title == "Sasaran satu (diubah)"
    html = client.get("/regency-goals/").get_data(as_text=True)
    for text in ("Mamuju maju", "Misi satu", "Sasaran satu (diubah)", "IKK-1", "66,9"):
        assert text in html
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"regency_goal", "regency_indicator"} <= actions


def test_validation_messages_and_nothing_written(login_as):
    client = login_as("hr")
    vision = f.make_goal("vision", "V")
    response = client.post("/regency-goals/goal/add", data={
        "kind": "sasaran", "parent_id": vision.id, "code": "V", "title": " ",
        "start_year": "2030", "end_year": "2026"})  # fmt: skip
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="form-errors"' in html
    assert "Kode V sudah dipakai." in html
    assert "Isi teksnya." in html
    assert "Tahun terakhir tidak boleh sebelum tahun pertama." in html
    assert "Pilih misi induknya." in html  # a sasaran hangs under a mission
    assert db.session.scalar(select(func.count(RegencyGoal.id))) == 1
    mission = f.make_goal("mission", "M", parent=vision)
    sasaran = f.make_goal("sasaran", "S", parent=mission)
    response = client.post(
        f"/regency-goals/goal/{sasaran.id}/indicator",
        data={"code": "I-1", "title": "Indikator", "target_2026": "-3", "target_2027": "abc"},
    )
    html = response.get_data(as_text=True)
    assert "2026: isi target minimal 0." in html
    assert db.session.scalar(select(func.count(RegencyIndicator.id))) == 0
    assert client.post("/regency-goals/goal/add?kind=nonsense").status_code == 404
    assert client.get(f"/regency-goals/goal/{vision.id}/indicator").status_code == 404


def test_archive_instead_of_delete(login_as):
    client = login_as("hr")
    vision = f.make_goal("vision", "V")
    mission = f.make_goal("mission", "M", parent=vision)
    refused = client.post(f"/regency-goals/goal/{vision.id}/archive", data={"archived": "1"},
                          follow_redirects=True)  # fmt: skip
    assert "Arsipkan dahulu tujuan di bawahnya." in refused.get_data(as_text=True)
    client.post(f"/regency-goals/goal/{mission.id}/archive", data={"archived": "1"})
    client.post(f"/regency-goals/goal/{vision.id}/archive", data={"archived": "1"})
    db.session.expire_all()
    assert _goal("V").archived and _goal("M").archived
    assert f"goal-{mission.id}" not in client.get("/regency-goals/").get_data(as_text=True)
    assert f"goal-{mission.id}" in client.get("/regency-goals/?archived=1").get_data(as_text=True)
    client.post(f"/regency-goals/goal/{vision.id}/archive", data={"archived": "0"})
    db.session.expire_all()
    assert not _goal("V").archived
    # No route deletes a goal; an indicator with targets is kept.
    assert client.post(f"/regency-goals/goal/{vision.id}/delete").status_code in (404, 405)
    sasaran = f.make_goal("sasaran", "S", parent=_goal("M"))
    indicator = RegencyIndicator(goal_id=sasaran.id, code="I", title="Indikator")
    db.session.add(indicator)
    db.session.flush()
    db.session.add(RegencyIndicatorTarget(indicator_id=indicator.id, year=2026, target=1))
    db.session.commit()
    kept = client.post(f"/regency-goals/indicator/{indicator.id}/delete", follow_redirects=True)
    assert "Indikator ini sudah memiliki target: tetap disimpan." in kept.get_data(as_text=True)
    assert db.session.get(RegencyIndicator, indicator.id) is not None


@pytest.mark.parametrize("username", ["admin.dinkes", "penilai.dinkes", "pegawai.dinkes"])
def test_only_hr_edits_the_goals(login_as, username):
    vision = f.make_goal("vision", "V")
    client = login_as(username)
    assert client.get("/regency-goals/").status_code in (302, 403)
    response = client.post(f"/regency-goals/goal/{vision.id}/archive", data={"archived": "1"})
    assert response.status_code in (302, 403)
    db.session.expire_all()
    assert not _goal("V").archived


def test_seed_is_insert_only_and_marked_example(db, login_as):
    counts = load_regency_goals(db.session)
    db.session.commit()
    assert counts["regency_goals_created"] == 8
    assert counts["regency_indicators_created"] == 9
    assert all(g.example for g in db.session.scalars(select(RegencyGoal)))
    # HR edits a text, removes a target; a second seed run changes neither.
    vision = _goal("CONTOH-V")
    vision.title = "Visi resmi dari Perda"
    target = db.session.scalar(select(RegencyIndicatorTarget).limit(1))
    db.session.delete(target)
    db.session.commit()
    targets = db.session.scalar(select(func.count(RegencyIndicatorTarget.id)))
    assert load_regency_goals(db.session) == {}
    db.session.commit()
    assert _goal("CONTOH-V").title == "Visi resmi dari Perda"
    assert db.session.scalar(select(func.count(RegencyIndicatorTarget.id))) == targets
    banner = login_as("hr").get("/regency-goals/").get_data(as_text=True)
    assert 'id="example-banner"' in banner


def test_unit_admin_links_an_iku_to_a_sasaran(iku, login_as):
    world = iku.world
    sasaran = _goal("CONTOH-S1.1")  # from the seed (reference data)
    mission = _goal("CONTOH-M1")
    ikus = db.session.scalars(select(Iku).order_by(Iku.code)).all()
    client = login_as("admin.dinkes")
    data = {"unit": world.dinkes.id, "period": iku.period.id, "iku_id": [ikus[0].id],
            f"code_{ikus[0].id}": ikus[0].code, f"aggregation_{ikus[0].id}": "sum",
            f"goal_{ikus[0].id}": sasaran.id}  # fmt: skip
    client.post("/iku/save", data=data)
    db.session.expire_all()
    assert db.session.get(Iku, ikus[0].id).regency_goal_id == sasaran.id
    page = client.get(f"/iku/?unit={world.dinkes.id}&period={iku.period.id}")
    assert f'value="{sasaran.id}" selected' in page.get_data(as_text=True)
    refused = client.post("/iku/save", data={**data, f"goal_{ikus[0].id}": mission.id},
                          follow_redirects=True)  # fmt: skip
    assert "Pilih sasaran daerah kabupaten." in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Iku, ikus[0].id).regency_goal_id == sasaran.id
    # Another unit's admin cannot reach the Dinkes IKU.
    other = login_as("admin.disdik")
    assert other.post("/iku/save", data={**data, f"goal_{ikus[0].id}": ""}).status_code == 404
    db.session.expire_all()
    assert db.session.get(Iku, ikus[0].id).regency_goal_id == sasaran.id


def test_demo_iku_of_dinkes_support_a_sasaran(world, reference):
    import json

    from seeds.demo_recognition import IKU_DIR, _load_iku

    _load_iku(db.session, json.loads((IKU_DIR / "dinkes.json").read_text(encoding="utf-8")))
    ikus = db.session.scalars(select(Iku).where(Iku.unit_id == world.dinkes.id)).all()
    assert ikus and all(i.regency_goal.code == "CONTOH-S1.1" for i in ikus)


def test_hr_replaces_the_example_text(db, login_as):
    load_regency_goals(db.session)
    db.session.commit()
    client = login_as("hr")
    vision = _goal("CONTOH-V")
    form = client.get(f"/regency-goals/goal/{vision.id}/edit").get_data(as_text=True)
    assert 'name="example" value="1" checked' in form
    for goal in db.session.scalars(select(RegencyGoal)).all():
        client.post(
            f"/regency-goals/goal/{goal.id}/edit",
            data={
                "code": goal.code,
                "title": goal.title.replace(" (contoh)", ""),
                "start_year": "2025",
                "end_year": "2029",
                "parent_id": goal.parent_id or "",
            },
        )
    db.session.expire_all()
    assert not any(g.example for g in db.session.scalars(select(RegencyGoal)))
    assert 'id="example-banner"' not in client.get("/regency-goals/").get_data(as_text=True)
