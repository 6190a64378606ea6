"""Dashboards: completion, distribution against the curve, ranking, trend, drill-down,
landing pages, scoping of every figure, and a query count independent of size."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from app.extensions import db
from app.models import UnitRating
from app.scope import scope_for
from app.services import dashboard as figures
from tests import factories as f
from tests.conftest_dashboard import HR_SCOPE, approved
from tests.querycount import count_queries


def _unit_row(summary, unit_id):
    return next(u for u in summary.units if u.id == unit_id)


def _rate(unit, period, rating):
    db.session.add(UnitRating(unit_id=unit.id, period_id=period.id, rating=rating))
    db.session.commit()


# --- completion ---------------------------------------------------------------------------


def test_completion_counts_every_state_and_the_not_started(world, open_period, dinkes_template):
    people = world.people
    approved(people["pegawai.dinkes"], open_period, dinkes_template, predikat="baik")
    approved(people["admin.dinkes"], open_period, dinkes_template, state="draft")
    approved(people["penilai.dinkes"], open_period, dinkes_template, state="submitted")
    f.make_employee(world.dinkes, "Pensiunan", active=False)  # inactive: not counted
    summary = figures.summary(HR_SCOPE, open_period)
    dinkes = _unit_row(summary, world.dinkes.id)
    # head.dinkes has no submission: not started; 4 in all.
    assert dinkes.states == {"not_started": 1, "draft": 1, "submitted": 1, "returned": 0,
                             "approved": 1}  # fmt: skip
    assert dinkes.total == 4 and str(dinkes.share("approved")) == "25.0"
    disdik = _unit_row(summary, world.disdik.id)
    assert disdik.states["not_started"] == 4 and disdik.share("not_started") == 100
    assert summary.totals.total == 4 + 4 + 1  # + the puskesmas nurse, not started


def test_the_hr_dashboard_page_shows_completion_and_links_to_the_employees(
    world, open_period, dinkes_template, login_as
):
    approved(world.people["pegawai.dinkes"], open_period, dinkes_template, state="returned")
    page = login_as("hr").get(f"/dashboard/?period={open_period.id}").get_data(as_text=True)
    assert 'id="completion-table"' in page and "<svg" in page
    link = f"/dashboard/unit/{world.dinkes.id}?period={open_period.id}&amp;state=returned"
    assert link in page
    drill = login_as("hr").get(link.replace("&amp;", "&")).get_data(as_text=True)
    rows = re.findall(r'data-employee-id="(\d+)"', drill)
    assert rows == [str(world.people["pegawai.dinkes"].id)]
    nobody = f"/dashboard/unit/{world.dinkes.id}?period={open_period.id}&state=not_started"
    started = login_as("hr").get(nobody).get_data(as_text=True)
    assert str(world.people["pegawai.dinkes"].id) not in re.findall(
        r'data-employee-id="(\d+)"', started
    )
    assert "Kepala dinkes" in started


# --- the distribution curve, through the dashboard figures ------------------------------------

SB, B, BP, K, SK = "sangat_baik", "baik", "butuh_perbaikan", "kurang", "sangat_kurang"
CURVE_CASES = [
    # rating, passing distribution, failing distribution, rule the failing one breaks
    ("istimewa", {SB: 6, B: 4}, {SB: 8, B: 2}, "at_most"),
    ("istimewa", {SB: 6, B: 4}, {SB: 3, B: 7}, "largest"),
    ("baik", {B: 6, SB: 2, BP: 2}, {B: 6, SB: 4}, "some"),
    ("baik", {B: 6, SB: 2, K: 2}, {B: 8, BP: 2}, "at_most"),
    ("butuh_perbaikan", {BP: 7, B: 2, SB: 1}, {BP: 5, B: 5}, "at_least"),
    ("butuh_perbaikan", {BP: 7, B: 2, SB: 1}, {BP: 7, SB: 3}, "at_most"),
    ("kurang", {K: 7, BP: 2, SB: 1}, {K: 7, B: 3}, "at_least"),
    ("kurang", {K: 7, BP: 2, SB: 1}, {K: 6, BP: 2, SB: 2}, "at_most"),
    ("sangat_kurang", {SK: 7, K: 2, BP: 1}, {SK: 7, K: 2, SB: 1}, "none"),
    ("sangat_kurang", {SK: 7, K: 2, BP: 1}, {SK: 5, K: 5}, "at_least"),
]


def _unit_with(code, distribution, period, version, rating):
    unit = f.make_unit(code, f"Unit {code}")
    boss = f.make_employee(unit, f"Kepala {code}")
    for value, count in distribution.items():
        for n in range(count):
            person = f.make_employee(unit, f"{code} {value} {n}", supervisor=boss)
            approved(person, period, version, predikat=value, achievement=100)
    boss.active = False
    db.session.commit()
    _rate(unit, period, rating)
    return unit


@pytest.mark.parametrize(("rating", "passing", "failing", "rule"), CURVE_CASES)
def test_every_curve_rule_passes_and_fails_in_the_dashboard(
    world, open_period, dinkes_template, login_as, rating, passing, failing, rule
):
    good = _unit_with("LULUS", passing, open_period, dinkes_template, rating)
    bad = _unit_with("GAGAL", failing, open_period, dinkes_template, rating)
    summary = figures.summary(HR_SCOPE, open_period)
    ok, broken = _unit_row(summary, good.id), _unit_row(summary, bad.id)
    assert ok.curve_ok is True and ok.violations == []
    assert broken.curve_ok is False
    assert rule in [v.rule for v in broken.violations]
    assert summary.violating == [broken]
    page = login_as("hr").get(f"/dashboard/?period={open_period.id}").get_data(as_text=True)
    row = page[page.index(f'<tr data-unit-id="{bad.id}" class="danger"') :]
    row = row[: row.index("</tr>")]
    assert f'data-rule="{rule}"' in row
    assert 'id="tile-violations">1<' in page


def test_unrated_units_and_units_without_predikat_are_not_judged(world, open_period):
    _rate(world.disdik, open_period, "baik")
    summary = figures.summary(HR_SCOPE, open_period)
    assert _unit_row(summary, world.disdik.id).curve_ok is None
    assert _unit_row(summary, world.dinkes.id).curve_ok is None


# --- ranking and trend ---------------------------------------------------------------------


def test_ranking_by_average_achievement_and_trend(world, open_period, dinkes_template):
    earlier = f.make_period("Triwulan IV 2025", start=dt.date(2025, 10, 1),
                            end=dt.date(2025, 12, 31))  # fmt: skip
    people = world.people
    approved(people["pegawai.dinkes"], open_period, dinkes_template, achievement=110)
    approved(people["admin.dinkes"], open_period, dinkes_template, achievement=90)
    approved(people["pegawai.disdik"], open_period, dinkes_template, achievement=105)
    approved(people["pegawai.dinkes"], earlier, dinkes_template, achievement=80)
    approved(people["admin.dinkes"], earlier, dinkes_template, state="draft")
    summary = figures.summary(HR_SCOPE, open_period)
    assert [(u.code, str(u.average)) for u in summary.ranking] == [
        ("DISDIKPORA", "105.00"), ("DINKES", "100.00")]  # fmt: skip
    assert [(t.name, t.total, t.approved, str(t.average)) for t in summary.trend] == [
        ("Triwulan IV 2025", 2, 1, "80.00"), ("Triwulan I 2026", 3, 3, "101.67")]  # fmt: skip


# --- the API -------------------------------------------------------------------------------


def test_summary_api(world, open_period, dinkes_template, api_token, client, documented):
    approved(world.people["pegawai.dinkes"], open_period, dinkes_template, predikat="baik")
    _rate(world.dinkes, open_period, "baik")
    url = f"/api/v1/dashboard/summary?period={open_period.id}"
    response = client.get(url, headers=api_token("hr"))
    documented(response, "/api/v1/dashboard/summary", "GET")  # typed units, curve, trend
    body = response.json
    dinkes = next(u for u in body["units"] if u["unit"]["code"] == "DINKES")
    assert dinkes["completion"]["approved"] == {"count": 1, "percent": 25.0}
    assert dinkes["predikat"]["baik"] == 1
    # Baik: 100 % Baik (> 70 %) and nobody in Butuh Perbaikan/Kurang.
    assert dinkes["curve"]["ok"] is False
    assert [v["rule"] for v in dinkes["curve"]["violations"]] == ["at_most", "some"]
    assert body["totals"]["total"] == 9
    sub = client.get(url + f"&unit={world.dinkes.id}", headers=api_token("hr")).json
    codes = {u["unit"]["code"] for u in sub["units"]}
    assert {"DINKES", "PKM-TP"} <= codes and "DISDIKPORA" not in codes
    assert client.get("/api/v1/dashboard/summary", headers=api_token("hr")).status_code == 422
    assert client.get(url.replace(str(open_period.id), "999"),
                      headers=api_token("hr")).status_code == 404  # fmt: skip
    assert client.get(url).status_code == 401


# --- scoping of every figure ------------------------------------------------------------------


def test_a_unit_admin_sees_nothing_of_another_unit(
    world, open_period, dinkes_template, login_as, api_token, client
):
    people = world.people
    approved(people["pegawai.disdik"], open_period, dinkes_template, predikat="sangat_baik",
             achievement=118, recommendation="Diklat kepemimpinan RAHASIA")  # fmt: skip
    approved(people["pegawai.dinkes"], open_period, dinkes_template, predikat="baik",
             recommendation="Pelatihan data")  # fmt: skip
    summary = figures.summary(scope_for(world.users["admin.dinkes"]), open_period)
    dinkes_tree = {u.id for u in summary.units}
    assert {world.dinkes.id, world.puskesmas.id} <= dinkes_tree
    assert world.disdik.id not in dinkes_tree
    assert all(u.parent_id in dinkes_tree for u in summary.units if u.id != world.dinkes.id)
    assert [t.total for t in summary.trend] == [1]
    admin = login_as("admin.dinkes")
    page = admin.get(f"/dashboard/?period={open_period.id}").get_data(as_text=True)
    assert "DISDIKPORA" not in page and "Pegawai disdik" not in page
    assert (
        admin.get(f"/dashboard/unit/{world.disdik.id}?period={open_period.id}").status_code == 404
    )
    assert admin.get(f"/dashboard/employee/{people['pegawai.disdik'].id}").status_code == 404
    assert admin.get(f"/dashboard/unit/{world.disdik.id}/achievement?period={open_period.id}"
                     ).status_code == 404  # fmt: skip
    needs = admin.get(f"/training-needs/?period={open_period.id}").get_data(as_text=True)
    assert "Pelatihan data" in needs and "RAHASIA" not in needs
    assert admin.get(f"/training-needs/?period={open_period.id}&unit={world.disdik.id}"
                     ).status_code == 404  # fmt: skip
    body = client.get(f"/api/v1/dashboard/summary?period={open_period.id}",
                      headers=api_token("admin.dinkes")).json  # fmt: skip
    assert {u["unit"]["id"] for u in body["units"]} == dinkes_tree
    assert "DISDIKPORA" not in str(body)
    other = client.get(f"/api/v1/dashboard/summary?period={open_period.id}&unit={world.disdik.id}",
                       headers=api_token("admin.dinkes"))  # fmt: skip
    assert other.status_code == 404
    # Evaluators and employees have no units dashboard or summary API.
    assert client.get(f"/api/v1/dashboard/summary?period={open_period.id}",
                      headers=api_token("pegawai.dinkes")).status_code == 403  # fmt: skip
    assert login_as("pegawai.dinkes").get("/dashboard/units").status_code == 404


# --- landing pages ----------------------------------------------------------------------------


def test_each_role_lands_on_its_dashboard(world, open_period, dinkes_template, login_as):
    people = world.people
    approved(people["pegawai.dinkes"], open_period, dinkes_template, state="submitted")
    assert 'id="dashboard-overview"' in login_as("hr").get("/").get_data(as_text=True)
    admin = login_as("admin.dinkes").get("/").get_data(as_text=True)
    assert 'id="dashboard-overview"' in admin
    team = login_as("penilai.dinkes").get("/").get_data(as_text=True)
    assert 'id="dashboard-team"' in team and "Pegawai dinkes" in team
    assert 'id="waiting-list"' in team and "/reviews/" in team
    own = login_as("pegawai.dinkes").get("/").get_data(as_text=True)
    assert 'id="dashboard-employee"' in own and "/my/" in own
    assert "Dasbor" in own or "Hasil saya" in own  # Indonesian by default
    assert "Kinerja Mamuju" in login_as("nolink").get("/").get_data(as_text=True)


def test_an_employee_sees_their_trend_predikat_and_feedback(
    world, open_period, dinkes_template, login_as
):
    earlier = f.make_period("Triwulan IV 2025", start=dt.date(2025, 10, 1),
                            end=dt.date(2025, 12, 31))  # fmt: skip
    me = world.people["pegawai.dinkes"]
    approved(me, earlier, dinkes_template, predikat="baik", achievement=95,
             recommendation="Pelatihan <b>SIG</b>")  # fmt: skip
    approved(me, open_period, dinkes_template, predikat="sangat_baik", achievement=115)
    page = login_as("pegawai.dinkes").get("/dashboard/me").get_data(as_text=True)
    assert page.count("<circle") == 2  # two points on the trend line
    assert "Pelatihan &lt;b&gt;SIG&lt;/b&gt;" in page and "<b>SIG" not in page
    assert "Sangat Baik" in page or "Very good" in page


# --- speed: a fixed number of statements ---------------------------------------------------------


def test_the_summary_sends_the_same_statements_for_more_units(world, open_period, dinkes_template):
    approved(world.people["pegawai.dinkes"], open_period, dinkes_template)
    with count_queries(db.engine) as few:
        figures.summary(HR_SCOPE, open_period)
    for n in range(8):
        unit = f.make_unit(f"EXTRA-{n}")
        for k in range(3):
            person = f.make_employee(unit, f"Extra {n}-{k}")
            approved(person, open_period, dinkes_template, predikat="baik")
        _rate(unit, open_period, "baik")
    with count_queries(db.engine) as many:
        figures.summary(HR_SCOPE, open_period)
    assert len(many) == len(few) <= 8


def test_the_dashboard_page_sends_the_same_statements_for_more_units(
    world, open_period, dinkes_template, login_as
):
    client = login_as("hr")
    url = f"/dashboard/?period={open_period.id}"
    client.get(url)
    db.session.expire_all()  # the test shares the session: load the same rows both times
    with count_queries(db.engine) as few:
        assert client.get(url).status_code == 200
    for n in range(6):
        unit = f.make_unit(f"LAIN-{n}")
        approved(f.make_employee(unit, f"Lain {n}"), open_period, dinkes_template)
    db.session.expire_all()
    with count_queries(db.engine) as many:
        client.get(url)
    assert len(many) == len(few)
