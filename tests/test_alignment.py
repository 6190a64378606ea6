"""The alignment tree (pohon kinerja): structure, achievements, gaps, scope, API, exports."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Iku, RegencyGoal
from app.scope import Scope
from app.services import alignment
from tests import factories as f
from tests.conftest_dashboard import approved

HR = Scope(user_id=None, roles=frozenset({"HR"}))


@pytest.fixture
def chain(iku):
    """Dinkes: head → penilai → pegawai RHK up to IKU-DINKES-01, linked to sasaran S1.1.

    The penilai revised their SKP (version 1 superseded); the pegawai's RHK still points
    into version 1. Disdik's head has an RHK intervening nothing.
    """
    people = iku.world.people
    sasaran = db.session.scalar(select(RegencyGoal).where(RegencyGoal.code == "CONTOH-S1.1"))
    iku1, iku2 = db.session.scalars(select(Iku).order_by(Iku.code)).all()
    iku1.regency_goal_id = sasaran.id
    db.session.commit()
    plan = f.make_alignment_plan
    _v, [head, plan_only] = plan(people["head.dinkes"], [
        {"title": "Cakupan imunisasi naik", "iku": iku1},
        {"title": "Rencana strategis kepala"}])  # fmt: skip
    old, [old_rhk] = plan(people["penilai.dinkes"], [
        {"title": "Imunisasi (versi lama)", "parent": head, "key": "penilai-1"}],
        state="superseded")  # fmt: skip
    _v, [penilai] = plan(people["penilai.dinkes"], [
        {"title": "Imunisasi wilayah kerja", "parent": head, "key": "penilai-1",
         "field_keys": ["kunjungan"], "target": 10}], skp=old.skp)  # fmt: skip
    _v, [pegawai, stray] = plan(people["pegawai.dinkes"], [
        {"title": "Bayi diimunisasi", "parent": old_rhk, "field_keys": ["cakupan"],
         "target": 100},
        {"title": "Tugas tambahan tanpa induk"}])  # fmt: skip
    _v, [disdik] = plan(people["head.disdik"], [{"title": "RHK Disdikpora rahasia"}])
    submission = approved(people["pegawai.dinkes"], iku.period, iku.template_version,
                          answers=iku.answers(cakupan=90, kunjungan=10))  # fmt: skip
    submission.targets = {"cakupan": 80}  # the individual target of the agreed SKP
    db.session.commit()
    return {"iku": iku, "iku1": iku1, "iku2": iku2, "sasaran": sasaran, "head": head,
            "penilai": penilai, "pegawai": pegawai, "stray": stray, "disdik": disdik,
            "plan_only": plan_only}  # fmt: skip


def _find(tree, type_, id_):
    return next((n for _d, n in tree.walk() if n.type == type_ and n.id == id_), None)


def _group(tree, code):
    return next((n for n in tree.nodes if n.type == "group" and n.code == code), None)


def test_tree_runs_from_vision_to_each_employee_rhk(db, chain):
    tree = alignment.build(HR, 2026, chain["iku"].period)
    vision = next(n for n in tree.nodes if n.code == "CONTOH-V")
    mission = next(n for n in vision.children if n.code == "CONTOH-M1")
    sasaran = next(n for n in mission.children if n.code == "CONTOH-S1.1")
    assert [i["code"] for i in sasaran.indicators][:1] == ["IKK-S1.1-01"]
    assert sasaran.indicators[2]["target"] == 92.0  # imunisasi, 2026
    [iku] = sasaran.children
    assert (iku.type, iku.id) == ("iku", chain["iku1"].id)
    [head] = iku.children
    assert head.id == chain["head"].id and head.people[0]["name"] == "Kepala dinkes"
    # The link into the superseded version follows the key to the current version.
    [penilai] = head.children
    assert penilai.id == chain["penilai"].id
    [pegawai] = penilai.children
    assert pegawai.id == chain["pegawai"].id
    assert iku.people == [head.people[0]]


def test_achievements_roll_up_and_colour(db, chain):
    tree = alignment.build(HR, 2026, chain["iku"].period)
    pegawai = _find(tree, "rhk", chain["pegawai"].id)
    assert pegawai.achievement == Decimal("112.50")  # 90 against the individual target 80
    assert pegawai.colour == "above"
    assert _find(tree, "rhk", chain["penilai"].id).achievement == Decimal("112.50")
    iku = _find(tree, "iku", chain["iku1"].id)
    # The unit roll-up: 90 against the contributors' individual targets (80), as the period
    # sets no IKU target of its own.
    assert iku.achievement == Decimal("112.50")
    assert iku.colour == "above"
    assert _find(tree, "sasaran", chain["sasaran"].id).achievement == Decimal("112.50")
    without_period = alignment.build(HR, 2026, None)
    assert _find(without_period, "rhk", chain["pegawai"].id).achievement is None
    assert alignment.colour(Decimal("89.99")) == "below"


def test_gaps_are_shown(db, chain):
    tree = alignment.build(HR, 2026, chain["iku"].period)
    unlinked = _group(tree, "no_sasaran")
    [iku2] = unlinked.children
    assert iku2.id == chain["iku2"].id and iku2.gap == "no_rhk"
    orphans = {n.id for n in _group(tree, "no_parent").children}
    assert orphans == {chain["stray"].id, chain["disdik"].id, chain["plan_only"].id}
    assert all(n.gap == "no_parent" for n in _group(tree, "no_parent").children)
    no_skp = {n.title for n in _group(tree, "no_skp").children}
    people = chain["iku"].world.people
    assert people["perawat.pkm"].name in no_skp and people["admin.dinkes"].name in no_skp
    assert people["pegawai.dinkes"].name not in no_skp
    assert _find(tree, "iku", chain["iku1"].id).gap is None


def test_a_year_without_agreed_skp_has_only_gaps(db, chain):
    tree = alignment.build(HR, 2027, None)
    assert _find(tree, "rhk", chain["pegawai"].id) is None
    assert chain["iku"].world.people["pegawai.dinkes"].name in {
        n.title for n in _group(tree, "no_skp").children
    }


def test_unit_admin_sees_only_their_branch(db, chain, login_as):
    client = login_as("admin.dinkes")
    page = client.get(f"/alignment/?year=2026&period={chain['iku'].period.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Bayi diimunisasi" in html and "CONTOH-S1.1" in html
    assert "RHK Disdikpora rahasia" not in html
    assert "Pegawai disdik" not in html
    assert "CONTOH-S3.1" not in html  # sasaran without a branch of theirs: pruned
    other = client.get(f"/alignment/?year=2026&unit={chain['iku'].world.disdik.id}")
    assert other.status_code == 404


def test_employee_sees_their_chain_only(db, chain, login_as):
    client = login_as("pegawai.dinkes")
    html = client.get("/alignment/?year=2026").get_data(as_text=True)
    assert "Bayi diimunisasi" in html and "Imunisasi wilayah kerja" in html
    assert "RHK Disdikpora rahasia" not in html
    assert "Perawat Puskesmas" not in html  # not their team
    assert "Rencana strategis kepala" not in html  # the head's RHK outside their chain


def test_hr_filters_one_unit(db, chain):
    world = chain["iku"].world
    tree = alignment.build(HR, 2026, None, world.disdik.id)
    titles = {n.title for _d, n in tree.walk()}
    assert "RHK Disdikpora rahasia" in titles and "Bayi diimunisasi" not in titles


def test_bounded_queries(db, chain):
    from tests.querycount import count_queries

    with count_queries(db.engine) as few:
        alignment.build(HR, 2026, chain["iku"].period)
    people = chain["iku"].world.people
    for index in range(15):  # more staff under the penilai, each with an agreed SKP
        employee = f.make_employee(chain["iku"].world.dinkes, f"Staf {index}",
                                   supervisor=people["penilai.dinkes"])  # fmt: skip
        f.make_alignment_plan(
            employee, [{"title": f"RHK staf {index}", "parent": chain["penilai"]}]
        )
    with count_queries(db.engine) as many:
        tree = alignment.build(HR, 2026, chain["iku"].period)
    assert len(_find(tree, "rhk", chain["penilai"].id).children) == 16
    assert len(many) <= len(few) + 2


def test_api_shape_scope_and_errors(db, chain, client, api_token, documented):
    period = chain["iku"].period
    url = f"/api/v1/alignment?year=2026&period={period.id}"
    response = client.get(url, headers=api_token("admin.dinkes"))
    assert response.status_code == 200
    documented(response, "/api/v1/alignment", "GET")
    body = response.json
    assert body["year"] == 2026 and body["period"]["id"] == period.id
    node = body["nodes"][0]
    assert set(node) >= {"type", "id", "code", "title", "achievement", "children", "people",
                         "gap"}  # fmt: skip
    text = response.get_data(as_text=True)
    assert "Bayi diimunisasi" in text and "RHK Disdikpora rahasia" not in text
    assert client.get(url, headers=api_token("admin")).get_data(as_text=True).count(
        "RHK Disdikpora rahasia") == 1  # fmt: skip
    missing = client.get("/api/v1/alignment", headers=api_token("admin"))
    assert missing.status_code == 422 and "year" in missing.json["errors"]
    other = client.get(f"/api/v1/alignment?year=2026&unit={chain['iku'].world.disdik.id}",
                       headers=api_token("admin.dinkes"))  # fmt: skip
    assert other.status_code == 404
    assert client.get("/api/v1/alignment?year=2026&period=999999",
                      headers=api_token("admin")).status_code == 404  # fmt: skip


def test_xlsx_export_keeps_text_literal(db, chain, login_as):
    from openpyxl import load_workbook

    nurse = chain["iku"].world.people["perawat.pkm"]
    f.make_alignment_plan(nurse, [{"title": '=HYPERLINK("http://x")'}])  # intervenes nothing
    client = login_as("admin.dinkes")
    response = client.get("/alignment/export?year=2026")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    titles = [row[3] for row in sheet.iter_rows(min_row=4, values_only=True)]
    assert "Bayi diimunisasi" in titles and "RHK Disdikpora rahasia" not in titles
    formula = next(c for c in sheet["D"] if c.value == '=HYPERLINK("http://x")')
    assert formula.data_type == "s" and formula.quotePrefix


def test_pdf_export(db, chain, login_as):
    from pypdf import PdfReader

    client = login_as("hr")
    response = client.get(f"/alignment/pdf?year=2026&period={chain['iku'].period.id}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "Bayi diimunisasi" in text and "RHK Disdikpora rahasia" in text
    assert "112,5" in text  # Indonesian decimal comma


def test_page_is_csp_safe_and_collapsible(db, chain, login_as):
    html = login_as("hr").get("/alignment/?year=2026").get_data(as_text=True)
    assert "<details" in html and "js/alignment.js" in html
    assert "onclick" not in html and "<script>" not in html


def test_supervisor_sees_their_team_and_its_gaps(db, chain, login_as):
    client = login_as("penilai.dinkes")
    html = client.get(f"/alignment/?year=2026&period={chain['iku'].period.id}").get_data(
        as_text=True
    )
    assert "Bayi diimunisasi" in html and "Imunisasi wilayah kerja" in html
    assert "Perawat Puskesmas" in html  # their team, without an agreed SKP
    assert "RHK Disdikpora rahasia" not in html and "Admin dinkes" not in html
    assert 'class="node node-rhk ach-above' in html  # coloured by achievement


def test_a_revision_agreed_through_the_skp_service_keeps_the_chain(db, chain):
    """The penilai revises and the head agrees (app.services.skp): the pegawai's RHK, still
    linked into the first version, hangs under the newly agreed one."""
    from app.models import Skp
    from app.services import skp as skp_service

    people = chain["iku"].world.people
    penilai, head = people["penilai.dinkes"], people["head.dinkes"]
    as_penilai = f.scope_of(penilai, roles=("Supervisor", "Employee"))
    skp = db.session.scalar(select(Skp).where(Skp.employee_id == penilai.id))
    agreed = skp.versions[-1]
    draft = skp_service.revise(skp, "Wilayah kerja bertambah", as_penilai, None,
                               agreed.lock_version)  # fmt: skip
    skp_service.submit(skp, as_penilai, None, draft.lock_version)
    skp_service.agree(skp, f.scope_of(head, roles=("Supervisor",)), None, draft.lock_version)
    tree = alignment.build(HR, 2026, chain["iku"].period)
    [current] = [r for r in draft.items if r.key == "penilai-1"]
    node = _find(tree, "rhk", current.id)
    assert node is not None and [c.id for c in node.children] == [chain["pegawai"].id]
    assert _find(tree, "rhk", chain["penilai"].id) is None  # superseded: not in the tree


def test_default_period_is_the_newest_closed_one(db):
    from app.models.types import PeriodState

    first = f.make_period("Triwulan I 2026", state=PeriodState.CLOSED)
    second = f.make_period("Triwulan II 2026", state=PeriodState.OPEN,
                           start=dt.date(2026, 4, 1), end=dt.date(2026, 6, 30))  # fmt: skip
    periods = alignment.periods_of(2026)
    assert periods == [second, first]
    assert alignment.default_period(periods) == first
    assert alignment.default_period([second]) == second
    assert alignment.default_period([]) is None
