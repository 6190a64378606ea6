"""Organisational ratings: saved per unit and period, audited, scoped; the unit head's
hasil kerja follows them; the distribution check flags the unit's predikat."""

from __future__ import annotations

import re

import pytest

from app.domain.ratings import OrgRating
from app.extensions import db as _db
from app.models import AuditEntry, Submission, UnitRating
from app.models.types import PeriodState
from app.scope import Scope
from app.services import submissions as submission_service
from app.services.scoring import ORG_TO_HASIL
from app.services.submissions import behaviour_values
from tests import factories as f


def _save(client, period, ratings: dict, reasons: dict | None = None):
    data = {"period_id": period.id, "unit_id": [str(u) for u in ratings]}
    for unit_id, rating in ratings.items():
        data[f"rating_{unit_id}"] = rating
        data[f"reason_{unit_id}"] = (reasons or {}).get(unit_id, "")
    return client.post("/unit-ratings/", data=data)


def _ratings(period) -> dict[int, tuple[str, str | None]]:
    _db.session.expire_all()
    rows = _db.session.scalars(_db.select(UnitRating).where(UnitRating.period_id == period.id))
    return {row.unit_id: (row.rating, row.reason) for row in rows}


def _row(html: str, unit_id: int) -> str:
    start = html.index(f'data-unit-id="{unit_id}"')
    return html[start : html.index("</tr>", start)]


def test_hr_saves_updates_and_audits_a_rating(login_as, world, open_period):
    client = login_as("hr")
    dinkes = world.dinkes.id
    response = _save(client, open_period, {dinkes: "istimewa"}, {dinkes: "Capaian IKU 112 %"})
    assert response.status_code == 302
    assert _ratings(open_period) == {dinkes: ("istimewa", "Capaian IKU 112 %")}
    row = _db.session.scalar(_db.select(UnitRating))
    assert row.recorded_by_id == world.users["hr"].id and row.recorded_at is not None
    _save(client, open_period, {dinkes: "baik"}, {dinkes: "Koreksi"})
    _save(client, open_period, {dinkes: "baik"}, {dinkes: "Koreksi"})  # unchanged: no entry
    assert _ratings(open_period) == {dinkes: ("baik", "Koreksi")}
    entries = _db.session.scalars(
        _db.select(AuditEntry).where(AuditEntry.action == "unit_rating").order_by(AuditEntry.id)
    ).all()
    assert [(e.period_id, e.changes["rating"], e.comment) for e in entries] == [
        (open_period.id, [None, "istimewa"], "Capaian IKU 112 %"),
        (open_period.id, ["istimewa", "baik"], "Koreksi"),
    ]
    page = client.get(f"/unit-ratings/?period_id={open_period.id}").text
    assert 'value="baik" selected' in _row(page, dinkes)


def test_unit_admin_rates_only_own_units(login_as, world, open_period):
    client = login_as("admin.dinkes")
    page = client.get(f"/unit-ratings/?period_id={open_period.id}").text
    shown = {int(pk) for pk in re.findall(r'data-unit-id="(\d+)"', page)}
    assert shown == {world.dinkes.id, world.puskesmas.id}
    response = _save(client, open_period, {world.disdik.id: "istimewa"})
    assert response.status_code == 404
    _save(client, open_period, {world.puskesmas.id: "kurang"})
    assert _ratings(open_period) == {world.puskesmas.id: ("kurang", None)}
    assert login_as("pegawai.dinkes").get("/unit-ratings/").status_code in (302, 403)


def test_closed_period_is_locked(login_as, world):
    closed = f.make_period("Triwulan IV 2025", state=PeriodState.CLOSED)
    client = login_as("hr")
    _save(client, closed, {world.dinkes.id: "istimewa"})
    assert _ratings(closed) == {}
    page = client.get(f"/unit-ratings/?period_id={closed.id}").text
    assert 'id="save-ratings"' not in page


@pytest.mark.parametrize(
    ("org", "achievement"),
    [(OrgRating.ISTIMEWA, 50), (OrgRating.BUTUH_PERBAIKAN, 120), (OrgRating.BAIK, 120)],
)
def test_the_unit_heads_hasil_kerja_follows_the_unit_rating(
    login_as, world, dinkes_template, dinkes_form, open_period, make_submission, org, achievement
):
    head = world.people["head.dinkes"]
    setda = f.make_unit("SETDA-UJI", "Sekretariat Daerah (uji)", kind="sekretariat")
    sekda = f.make_employee(setda, "Sekretaris Daerah", jabatan_type="jpt_pratama")
    head.supervisor = sekda
    world.dinkes.head_id = head.id
    _db.session.commit()
    _save(login_as("hr"), open_period, {world.dinkes.id: org.value})

    submission = make_submission(
        head, open_period, dinkes_template, state="submitted",
        answers={str(dinkes_form.id): {"capaian": achievement}},
    )  # fmt: skip
    evaluator = Scope(user_id=None, roles=frozenset({"Supervisor"}), employee_id=sekda.id,
                      unit_id=setda.id)  # fmt: skip
    behaviour = {v.code: {"rating": "as_expected"} for v in behaviour_values()}
    assert len(behaviour) == 7
    submission_service.approve(
        submission, behaviour, evaluator, None, lock_version=submission.lock_version
    )
    _db.session.expire_all()
    approved = _db.session.get(Submission, submission.id)
    assert approved.state == "approved"
    assert approved.hasil_rating == ORG_TO_HASIL[org].value
    assert approved.history[-1].changes["from_unit_rating"] is True


def test_a_non_head_is_rated_by_achievement(
    login_as, world, dinkes_template, dinkes_form, open_period, make_submission
):
    world.dinkes.head_id = world.people["head.dinkes"].id
    _db.session.commit()
    _save(login_as("hr"), open_period, {world.dinkes.id: "sangat_kurang"})
    pegawai = world.people["pegawai.dinkes"]
    submission = make_submission(
        pegawai, open_period, dinkes_template, state="submitted",
        answers={str(dinkes_form.id): {"capaian": 120}},
    )  # fmt: skip
    evaluator = Scope(user_id=None, roles=frozenset({"Supervisor"}),
                      employee_id=pegawai.supervisor_id)  # fmt: skip
    behaviour = {v.code: {"rating": "as_expected"} for v in behaviour_values()}
    submission_service.approve(
        submission, behaviour, evaluator, None, lock_version=submission.lock_version
    )
    _db.session.expire_all()
    assert _db.session.get(Submission, submission.id).hasil_rating == "above"


def test_distribution_violations_are_shown(
    login_as, world, dinkes_template, open_period, make_submission
):
    p = world.people
    for key in ("head.dinkes", "admin.dinkes", "penilai.dinkes", "pegawai.dinkes"):
        make_submission(p[key], open_period, dinkes_template, "approved", "sangat_baik")
    make_submission(p["perawat.pkm"], open_period, dinkes_template, "approved", "baik")
    for key, predikat in (("admin.disdik", "baik"), ("penilai.disdik", "baik"),
                          ("pegawai.disdik", "butuh_perbaikan")):  # fmt: skip
        make_submission(p[key], open_period, dinkes_template, "approved", predikat)
    make_submission(p["head.disdik"], open_period, dinkes_template, "submitted")  # not counted
    client = login_as("hr")
    _save(client, open_period, {world.dinkes.id: "istimewa", world.disdik.id: "baik"})
    page = client.get(f"/unit-ratings/?period_id={open_period.id}").text
    dinkes = _row(page, world.dinkes.id)
    # 4 of 4 "Sangat Baik": the largest group, but over 70 %
    assert re.findall(r'data-rule="(\w+)"', dinkes) == ["at_most"]
    assert "distribution-violations" in dinkes
    disdik = _row(page, world.disdik.id)
    assert "distribution-ok" in disdik and "data-rule" not in disdik
    puskesmas = _row(page, world.puskesmas.id)  # not rated: no check
    assert "data-rule" not in puskesmas and "distribution-ok" not in puskesmas
    _save(client, open_period, {world.dinkes.id: "sangat_kurang"})
    dinkes = _row(client.get(f"/unit-ratings/?period_id={open_period.id}").text, world.dinkes.id)
    assert re.findall(r'data-rule="(\w+)"', dinkes) == ["at_least", "at_least", "none"]
