"""Individual targets from the agreed SKP flow into evaluations, scoring and the IKU roll-up."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry, Iku, Submission, Unit
from app.services import rollup, skp_targets
from app.services.assignment import assign
from app.services.scoring import result_achievements
from app.services.submission_forms import form_parts, indicator_rows
from tests import factories as f
from tests.conftest_admin import HR_SCOPE
from tests.conftest_cycle import GOOD
from tests.conftest_dashboard import approved

PLAN = [
    ("Imunisasi dasar lengkap bagi bayi wilayah binaan", [("Cakupan imunisasi", 90, "cakupan")]),
    ("Kunjungan rumah ibu dan bayi", [("Kunjungan rumah", 50, "kunjungan"),
                                      ("Laporan kunjungan tepat waktu", 12, None)]),
]  # fmt: skip


def _second_period(cycle):
    """Triwulan II, assigned after the SKP plans below exist."""
    period = f.make_period("Triwulan II 2026", start=dt.date(2026, 4, 1), end=dt.date(2026, 6, 30))
    assign(period, cycle.template_version, HR_SCOPE, unit_id=cycle.world.dinkes.id)
    return {
        s.employee_id: s
        for s in db.session.scalars(select(Submission).where(Submission.period_id == period.id))
    }


def test_a_new_evaluation_takes_the_agreed_skp_targets(cycle):
    people = cycle.world.people
    version = f.make_plan(people["pegawai.dinkes"], items=PLAN)
    f.make_plan(people["admin.dinkes"], items=PLAN, state="submitted")  # not agreed: unused
    by_employee = _second_period(cycle)
    mine = by_employee[people["pegawai.dinkes"].id]
    assert mine.skp_version_id == version.id
    assert mine.targets == {"cakupan": 90, "kunjungan": 50}  # the one without a field: none
    for key in ("perawat.pkm", "admin.dinkes"):
        assert by_employee[people[key].id].skp_version_id is None
        assert by_employee[people[key].id].targets is None


def test_a_quarterly_plan_serves_a_quarterly_period_before_the_annual_one(cycle):
    employee = cycle.world.people["pegawai.dinkes"]
    f.make_plan(employee, items=PLAN)
    quarterly = f.make_plan(employee, items=[("Triwulan", [("Kunjungan", 15, "kunjungan")])],
                           kind="quarterly")  # fmt: skip
    other_year = f.make_plan(employee, 2025, items=PLAN)
    mine = _second_period(cycle)[employee.id]
    assert mine.skp_version_id == quarterly.id != other_year.id
    assert mine.targets == {"kunjungan": 15}


def test_scoring_and_the_review_rows_use_the_individual_targets(cycle):
    version = f.make_plan(cycle.world.people["pegawai.dinkes"], items=PLAN)
    item = cycle.reload()
    item.skp_version_id, item.targets = version.id, skp_targets.targets_of(version)
    db.session.commit()
    cycle.submit(dict(GOOD, kunjungan=55))  # 55 visits: 110 % of 50, 55 % of the default 100
    rows = {r.key: r for r in indicator_rows(form_parts(cycle.reload())[0], "id")}
    assert rows["kunjungan"].target == Decimal(50)
    assert rows["kunjungan"].achievement == Decimal("110.00")
    assert rows["cakupan"].target == Decimal(90)
    achievements = sorted(r.achievement for r in result_achievements(cycle.reload()))
    assert achievements == [Decimal("106.67"), Decimal("110.00")]  # 96/90 and 55/50
    approved_item = cycle.approve()
    default = db.session.get(Submission, cycle.other.id)  # no SKP: the form's targets
    default.answers = cycle.answers(**dict(GOOD, kunjungan=55))
    achievements = sorted(r.achievement for r in result_achievements(default))
    assert achievements == [Decimal("55.00"), Decimal("101.05")]  # 55/100 and 96/95
    assert approved_item.achievement > Decimal(100)


def test_the_review_page_shows_the_individual_target_or_the_notice(cycle, login_as):
    version = f.make_plan(cycle.world.people["pegawai.dinkes"], items=PLAN)
    item = cycle.reload()
    item.skp_version_id, item.targets = version.id, skp_targets.targets_of(version)
    db.session.commit()
    cycle.submit()
    other = db.session.get(Submission, cycle.other.id)
    other.state = "submitted"
    db.session.commit()
    client = login_as("penilai.dinkes")
    page = client.get(f"/reviews/{cycle.submission.id}/").get_data(as_text=True)
    assert 'id="targets-source" data-source="skp"' in page
    assert '<td data-target-source="skp">50 <span' in page  # "kunjungan": 50, not 100
    plain = client.get(f"/reviews/{cycle.other.id}/").get_data(as_text=True)
    assert 'data-source="form"' in plain
    assert "Tidak ada SKP yang disetujui" in plain  # translated (Indonesian by default)


def test_my_performance_page_says_the_default_targets_are_used(cycle, login_as):
    page = login_as("pegawai.dinkes").get(f"/my/{cycle.submission.id}/").get_data(as_text=True)
    assert 'data-source="form"' in page
    assert "target bawaan formulir" in page


def test_agreeing_a_plan_updates_drafts_only_and_never_a_submitted_evaluation(cycle):
    people = cycle.world.people
    employee = people["pegawai.dinkes"]
    cycle.submit()  # pegawai's evaluation is submitted: its targets stay
    perawat_plan = f.make_plan(people["perawat.pkm"], items=PLAN)
    draft = db.session.get(Submission, cycle.other.id)
    assert draft.state == "draft" and draft.targets is None
    changed = skp_targets.refresh_drafts(perawat_plan, cycle.user_id("penilai.dinkes"))
    db.session.commit()
    assert [s.id for s in changed] == [draft.id]
    assert draft.targets == {"cakupan": 90, "kunjungan": 50}
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.submission_id == draft.id))
    assert entry.action == "skp_targets" and entry.changes["targets"][0] is None
    mine = f.make_plan(employee, items=PLAN)
    assert skp_targets.refresh_drafts(mine) == []
    assert cycle.reload().targets is None  # submitted before the plan: default targets kept


def test_a_revision_never_changes_an_evaluation_made_with_the_earlier_version(cycle):
    employee = cycle.world.people["pegawai.dinkes"]
    first = f.make_plan(employee, items=PLAN)
    mine = _second_period(cycle)[employee.id]
    mine.state = "approved"
    db.session.commit()
    revised = f.make_plan(employee, items=[("Revisi", [("Kunjungan", 70, "kunjungan")])],
                         skp=first.skp, revision_reason="Wilayah bertambah")  # fmt: skip
    assert skp_targets.agreed_version(employee.id, mine.period).id == revised.id
    skp_targets.refresh_drafts(revised)
    db.session.commit()
    db.session.expire_all()
    kept = db.session.get(Submission, mine.id)
    assert kept.skp_version_id == first.id
    assert kept.targets == {"cakupan": 90, "kunjungan": 50}


def test_the_iku_rollup_aggregates_the_individual_targets(iku):
    people = iku.world.people
    version = f.make_plan(people["pegawai.dinkes"], items=PLAN)
    row = db.session.scalar(select(Iku).where(Iku.code == "IKU-DINKES-02"))
    rollup.save_iku(row, None, row.code, "sum", "")
    for index, (person, target) in enumerate(
        [(people["pegawai.dinkes"], 20), (people["perawat.pkm"], None)]
    ):
        item = approved(person, iku.period, iku.template_version,
                        answers=iku.answers(cakupan=90, kunjungan=12),
                        at=dt.datetime(2026, 3, 1 + index, 9, 0))  # fmt: skip
        if target is not None:
            item.skp_version_id, item.targets = version.id, {"kunjungan": target}
    db.session.commit()
    result = rollup.unit_rollup(db.session.get(Unit, iku.world.dinkes.id), iku.period)
    visits = next(r for r in result.results if r.code == "IKU-DINKES-02")
    # 20 (individual) + 10 (the form's default for the one without an SKP)
    assert (visits.target, visits.target_source) == (Decimal(30), "skp")
    assert visits.realisation == Decimal(24) and visits.achievement == Decimal("80.00")
    coverage = next(r for r in result.results if r.code == "IKU-DINKES-01")
    assert coverage.target_source == "form" and coverage.target == Decimal(95)
    rollup.save_iku(row, iku.period, row.code, "sum", "40")  # a target set for the period wins
    again = rollup.unit_rollup(db.session.get(Unit, iku.world.dinkes.id), iku.period)
    visits = next(r for r in again.results if r.code == "IKU-DINKES-02")
    assert (visits.target, visits.target_source) == (Decimal(40), "period")


def test_agreeing_through_the_skp_service_gives_the_draft_evaluation_its_targets(cycle):
    from app.services import skp as skp_service

    version = f.make_plan(cycle.world.people["perawat.pkm"], items=PLAN, state="submitted")
    skp_service.agree(version.skp, cycle.scope("penilai.dinkes"),
                      cycle.user_id("penilai.dinkes"), version.lock_version)  # fmt: skip
    draft = db.session.get(Submission, cycle.other.id)
    assert draft.skp_version_id == version.id
    assert draft.targets == {"cakupan": 90, "kunjungan": 50}
    assert cycle.reload().targets is None  # pegawai.dinkes has no plan


def test_the_submission_api_gives_the_targets_or_the_notice(cycle, api_token, client, documented):
    version = f.make_plan(cycle.world.people["pegawai.dinkes"], items=PLAN)
    item = cycle.reload()
    item.skp_version_id, item.targets = version.id, skp_targets.targets_of(version)
    db.session.commit()
    headers = api_token("penilai.dinkes")
    mine = client.get(f"/api/v1/submission/{cycle.submission.id}", headers=headers)
    documented(mine, "/api/v1/submission/{pk}", "GET")
    assert mine.json["result"]["targets"] == {"cakupan": 90, "kunjungan": 50}
    assert mine.json["result"]["targets_notice"] is None
    other = client.get(f"/api/v1/submission/{cycle.other.id}", headers=headers).json["result"]
    assert other["targets"] is None and "SKP" in other["targets_notice"]
