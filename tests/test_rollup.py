"""Organisational roll-up: aggregation rules, targets, proposal and confirmation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.domain.ratings import OrgRating
from app.extensions import db
from app.models import AuditEntry, Iku, Unit, UnitRating
from app.scope import scope_for
from app.services import ValidationFailed
from app.services import rollup as service
from app.services.scoring import unit_rating_of_head
from tests import factories as f
from tests.conftest_dashboard import HR_SCOPE, approved


def _staff(iku):
    people = iku.world.people
    return [people["pegawai.dinkes"], people["perawat.pkm"], people["admin.dinkes"]]


def _contribute(iku, values, kunjungan=(12, 8, 10)):
    """Approved realisations of three Dinkes staff (one in the puskesmas sub-unit)."""
    for index, (person, value) in enumerate(zip(_staff(iku), values, strict=True)):
        approved(
            person, iku.period, iku.template_version,
            answers=iku.answers(cakupan=value, kunjungan=kunjungan[index]),
            at=dt.datetime(2026, 3, 1 + index, 9, 0),
        )  # fmt: skip


def _set_rule(iku, rule, code="IKU-DINKES-01"):
    row = db.session.scalar(select(Iku).where(Iku.code == code))
    service.save_iku(row, None, row.code, rule, "")


def _result(iku, code="IKU-DINKES-01"):
    rollup = service.unit_rollup(db.session.get(Unit, iku.world.dinkes.id), iku.period)
    return rollup, next(r for r in rollup.results if r.code == code)


@pytest.mark.parametrize(
    ("rule", "realisation"),
    [("sum", Decimal("270")), ("average", Decimal("90")), ("minimum", Decimal("80")),
     ("latest", Decimal("100"))],
)  # fmt: skip
def test_every_aggregation_rule(iku, rule, realisation):
    _contribute(iku, [90, 80, 100])  # the last one approved last
    _set_rule(iku, rule)
    _rollup, result = _result(iku)
    assert result.realisation == realisation
    assert result.contributors == 3
    assert result.aggregation == rule


def test_only_approved_submissions_of_the_unit_subtree_count(iku, make_submission):
    _contribute(iku, [90, 80, 100])
    _set_rule(iku, "sum")
    world = iku.world
    # Not approved: ignored. Another unit naming the same parent: ignored.
    outsider = f.make_employee(world.disdik, "Orang Disdik")
    approved(outsider, iku.period, iku.template_version, answers=iku.answers(cakupan=500))
    approved(world.people["penilai.dinkes"], iku.period, iku.template_version,
             answers=iku.answers(cakupan=400), state="submitted")  # fmt: skip
    _rollup, result = _result(iku)
    assert result.realisation == Decimal("270")


def test_latest_follows_the_approval_time_not_the_row_order(iku):
    people = _staff(iku)
    approved(people[0], iku.period, iku.template_version, answers=iku.answers(cakupan=70),
             at=dt.datetime(2026, 3, 20))  # fmt: skip
    approved(people[1], iku.period, iku.template_version, answers=iku.answers(cakupan=99),
             at=dt.datetime(2026, 3, 5))  # fmt: skip
    _set_rule(iku, "latest")
    assert _result(iku)[1].realisation == Decimal("70")


def test_achievement_uses_the_period_target_and_the_overall_weights(iku):
    _contribute(iku, [90, 80, 100], kunjungan=(12, 8, 10))
    _set_rule(iku, "average")
    _set_rule(iku, "sum", "IKU-DINKES-02")
    rollup, first = _result(iku)
    second = next(r for r in rollup.results if r.code == "IKU-DINKES-02")
    # IKU 1: average 90 against the form's 95 → 94.74 %; IKU 2: sum 30 against 30 → 100 %.
    assert first.target == Decimal(95)
    assert first.achievement == Decimal("94.74")
    assert second.achievement == Decimal("100.00")
    assert rollup.overall == Decimal("97.37")
    # A target for the period replaces the form's.
    row = db.session.scalar(select(Iku).where(Iku.code == "IKU-DINKES-01"))
    service.save_iku(row, iku.period, row.code, "average", "90")
    rollup, first = _result(iku)
    assert first.target == Decimal(90) and first.achievement == Decimal("100.00")
    assert rollup.overall == Decimal("100.00")


def test_no_realisation_gives_no_overall_and_no_proposal(iku):
    rollup, result = _result(iku)
    assert result.realisation is None and result.achievement is None
    assert rollup.overall is None and rollup.proposed is None


def test_an_iku_without_realisation_counts_zero_in_the_overall(iku):
    _contribute(iku, [95, 95, 95], kunjungan=(None, None, None))
    _set_rule(iku, "average")
    rollup, _first = _result(iku)
    assert rollup.overall == Decimal("50.00")  # 100 % × 50 + 0 × 50


@pytest.mark.parametrize(
    ("overall", "expected"),
    [("125", "istimewa"), ("110", "istimewa"), ("109.99", "baik"), ("90", "baik"),
     ("89.9", "butuh_perbaikan"), ("70", "butuh_perbaikan"), ("69", "kurang"), ("50", "kurang"),
     ("49.99", "sangat_kurang"), ("0", "sangat_kurang")],
)  # fmt: skip
def test_proposed_rating_by_the_default_thresholds(db, overall, expected):
    assert service.propose_rating(Decimal(overall)) == OrgRating(expected)


def test_thresholds_are_configurable_and_checked(db):
    service.save_thresholds({"istimewa": "100", "baik": "80", "butuh_perbaikan": "60",
                             "kurang": "40"})  # fmt: skip
    assert service.propose_rating(Decimal(100)) == OrgRating.ISTIMEWA
    assert service.propose_rating(Decimal(79)) == OrgRating.BUTUH_PERBAIKAN
    with pytest.raises(ValidationFailed):
        service.save_thresholds({"istimewa": "80", "baik": "90", "butuh_perbaikan": "60",
                                 "kurang": "40"})  # fmt: skip
    with pytest.raises(ValidationFailed):
        service.save_thresholds({"istimewa": "x", "baik": "90", "butuh_perbaikan": "60",
                                 "kurang": "40"})  # fmt: skip


def test_the_rollup_proposes_a_rating(iku):
    _contribute(iku, [120, 120, 120], kunjungan=(20, 20, 20))
    _set_rule(iku, "average")
    _set_rule(iku, "sum", "IKU-DINKES-02")
    rollup, _ = _result(iku)
    assert rollup.overall == Decimal("120.00")  # capped at 120 % per IKU
    assert rollup.proposed == OrgRating.ISTIMEWA


def test_hr_confirms_the_proposal_and_it_feeds_the_head_and_the_audit(iku):
    _contribute(iku, [95, 95, 95], kunjungan=(10, 10, 10))
    _set_rule(iku, "average")
    _set_rule(iku, "sum", "IKU-DINKES-02")
    unit = db.session.get(Unit, iku.world.dinkes.id)
    row = service.confirm_rating(unit, iku.period, "", "", HR_SCOPE)
    assert row.rating == "baik" and row.proposed_rating == "baik"
    assert row.proposed_achievement == Decimal("100.00")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "unit_rating_confirm"))
    assert entry.changes["proposed"] == "baik" and entry.changes["confirmed"] == "baik"
    # The confirmed rating becomes the unit head's hasil kerja source.
    head = iku.world.people["head.dinkes"]
    unit.head_id = head.id
    db.session.commit()
    submission = approved(head, iku.period, iku.template_version)
    assert unit_rating_of_head(submission) == OrgRating.BAIK


def test_overriding_the_proposal_needs_a_reason(iku):
    _contribute(iku, [95, 95, 95], kunjungan=(10, 10, 10))
    _set_rule(iku, "average")
    _set_rule(iku, "sum", "IKU-DINKES-02")
    unit = db.session.get(Unit, iku.world.dinkes.id)
    with pytest.raises(ValidationFailed) as failed:
        service.confirm_rating(unit, iku.period, "istimewa", "  ", HR_SCOPE)
    assert "reason" in failed.value.errors
    row = service.confirm_rating(unit, iku.period, "istimewa", "Inovasi layanan", HR_SCOPE)
    assert (row.rating, row.proposed_rating, row.reason) == ("istimewa", "baik", "Inovasi layanan")


def test_the_head_one_level_up_confirms_but_not_a_unit_admin(iku):
    world = iku.world
    dinkes = db.session.get(Unit, world.dinkes.id)
    dinkes.head_id = world.people["head.dinkes"].id
    db.session.commit()
    head_user = f.make_user("kadis", ["Supervisor", "Employee"], world.people["head.dinkes"])
    puskesmas = db.session.get(Unit, world.puskesmas.id)
    row = service.confirm_rating(puskesmas, iku.period, "baik", "Sesuai capaian",
                                 scope_for(head_user))  # fmt: skip
    assert row.rating == "baik"
    for username in ("admin.dinkes", "admin.disdik"):
        with pytest.raises(ValidationFailed):
            service.confirm_rating(dinkes, iku.period, "baik", "x",
                                   scope_for(world.users[username]))  # fmt: skip
    assert db.session.scalar(
        select(UnitRating).where(UnitRating.unit_id == dinkes.id)
    ) is None  # fmt: skip


def test_confirm_through_the_page_with_csrf_off_and_error_shown(iku, login_as):
    client = login_as("hr")
    url = f"/dashboard/unit/{iku.world.dinkes.id}/achievement?period={iku.period.id}"
    page = client.get(url).get_data(as_text=True)
    assert "IKU-DINKES-01" in page and 'id="confirm-rating"' in page
    response = client.post(url, data={"rating": "istimewa", "reason": "", "period": iku.period.id})
    assert response.status_code == 422
    assert 'data-field="reason"' in response.get_data(as_text=True)
    response = client.post(url, data={"rating": "istimewa", "reason": "Inovasi",
                                      "period": iku.period.id})  # fmt: skip
    assert response.status_code == 302
    assert db.session.scalar(select(UnitRating.rating)) == "istimewa"


def test_achievement_api_and_its_scope(iku, api_token, client, documented):
    _contribute(iku, [90, 80, 100])
    _set_rule(iku, "sum")
    url = f"/api/v1/unit/{iku.world.dinkes.id}/achievement?period={iku.period.id}"
    response = client.get(url, headers=api_token("admin.dinkes"))
    documented(response, "/api/v1/unit/{pk}/achievement", "GET")  # typed IKU results
    body = response.json
    first = next(r for r in body["ikus"] if r["code"] == "IKU-DINKES-01")
    assert first["realisation"] == 270 and first["contributors"] == 3
    assert client.get(url, headers=api_token("admin.disdik")).status_code == 404
    assert client.get(url, headers=api_token("hr")).status_code == 200
    bad = f"/api/v1/unit/{iku.world.dinkes.id}/achievement?period=x"
    assert client.get(bad, headers=api_token("hr")).status_code == 422


def test_iku_settings_page_sets_form_codes_rules_and_targets(iku, login_as):
    client = login_as("admin.dinkes")
    unit_id = iku.world.dinkes.id
    page = client.get(f"/iku/?unit={unit_id}&period={iku.period.id}").get_data(as_text=True)
    assert "IKU-DINKES-02" in page
    row = db.session.scalar(select(Iku).where(Iku.code == "IKU-DINKES-02"))
    response = client.post("/iku/save", data={
        "unit": unit_id, "period": iku.period.id, "iku_id": row.id,
        f"code_{row.id}": "iku-dinkes-kunjungan", f"aggregation_{row.id}": "minimum",
        f"target_{row.id}": "25"})  # fmt: skip
    assert response.status_code == 302
    db.session.expire_all()
    row = db.session.get(Iku, row.id)
    assert (row.code, row.aggregation) == ("IKU-DINKES-KUNJUNGAN", "minimum")
    assert service.period_targets(unit_id, iku.period.id) == {row.id: Decimal(25)}
    # Another unit's admin reaches nothing of Dinkes.
    other = login_as("admin.disdik")
    assert other.get(f"/iku/?unit={unit_id}").status_code == 404
