"""Recognition: the nominee rule, HR's decisions, certificate, hall of fame, API, scope."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry, Award, IssuedDocument, Unit
from app.services import ValidationFailed
from app.services import awards as service
from tests import factories as f
from tests.conftest_dashboard import HR_SCOPE, approved

ALL_UNITS = Unit.id.isnot(None)


@pytest.fixture
def staff(world, open_period, dinkes_template):
    """Five approved Dinkes results and two Disdik ones."""
    people = world.people
    results = {
        "pegawai.dinkes": ("baik", 118), "admin.dinkes": ("sangat_baik", 101),
        "penilai.dinkes": ("sangat_baik", 112), "head.dinkes": ("baik", 99),
        "perawat.pkm": ("butuh_perbaikan", 120),
        "pegawai.disdik": ("sangat_baik", 105), "admin.disdik": ("baik", 130),
    }  # fmt: skip
    for key, (predikat, achievement) in results.items():
        approved(people[key], open_period, dinkes_template, predikat=predikat,
                 achievement=achievement)  # fmt: skip
    return people


def _names(nominees, people):
    by_id = {p.id: key for key, p in people.items()}
    return [(by_id[n.employee_id], n.rank) for n in nominees]


def test_default_rule_best_predikat_first_then_achievement_at_most_two(staff, open_period, world):
    nominees = service.nominees(open_period, Unit.id == world.dinkes.id)
    # Sangat Baik first (112 before 101), then Baik would follow; at most 2 per unit.
    assert _names(nominees, staff) == [("penilai.dinkes", 1), ("admin.dinkes", 2)]
    everyone = service.nominees(open_period, ALL_UNITS)
    assert ("pegawai.disdik", 1) in _names(everyone, staff)
    assert ("admin.disdik", 2) in _names(everyone, staff)
    # The puskesmas nurse (Butuh Perbaikan) is never a nominee.
    assert "perawat.pkm" not in dict(_names(everyone, staff))


def test_the_rule_is_configurable(staff, open_period, world):
    service.save_nominee_rule(["baik"], "100", "3")
    nominees = service.nominees(open_period, Unit.id == world.dinkes.id)
    assert _names(nominees, staff) == [("pegawai.dinkes", 1)]  # head.dinkes: 99 < 100
    service.save_nominee_rule(["sangat_baik", "baik"], "", "1")
    nominees = service.nominees(open_period, ALL_UNITS)
    assert sorted(_names(nominees, staff)) == [("pegawai.disdik", 1), ("penilai.dinkes", 1)]
    for bad in ([[], "", "2"], [["baik"], "x", "2"], [["baik"], "", "0"], [["baik"], "", "a"]):
        with pytest.raises(ValidationFailed):
            service.save_nominee_rule(*bad)


def test_only_approved_results_of_the_period_count(world, open_period, dinkes_template):
    people = world.people
    approved(people["pegawai.dinkes"], open_period, dinkes_template, state="submitted")
    other = f.make_period("Triwulan II 2026", start=dt.date(2026, 4, 1),
                          end=dt.date(2026, 6, 30))  # fmt: skip
    approved(people["admin.dinkes"], other, dinkes_template, predikat="sangat_baik",
             achievement=120)  # fmt: skip
    assert service.nominees(open_period, ALL_UNITS) == []


def test_propose_is_idempotent_and_confirm_needs_a_title(staff, open_period):
    assert service.propose(open_period, ALL_UNITS) == 4
    assert service.propose(open_period, ALL_UNITS) == 0
    award = db.session.scalar(select(Award).where(Award.rank == 1).order_by(Award.id))
    with pytest.raises(ValidationFailed):
        service.confirm(award, " ", "", HR_SCOPE)
    service.confirm(award, "Pegawai Teladan", "Capaian tertinggi", HR_SCOPE, None)
    assert award.state == "confirmed" and award.decided_at is not None
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.action == "award_confirm"))


def test_only_hr_decides(staff, open_period, world):
    from app.scope import scope_for

    service.propose(open_period, ALL_UNITS)
    award = db.session.scalar(select(Award).order_by(Award.id))
    with pytest.raises(ValidationFailed):
        service.confirm(award, "Teladan", "", scope_for(world.users["admin.dinkes"]))


def test_hr_confirms_two_awards_and_prints_a_certificate(staff, open_period, login_as, world):
    client = login_as("hr")
    page = client.get(f"/awards/?period={open_period.id}").get_data(as_text=True)
    assert "propose-nominees" in page
    assert client.post("/awards/propose", data={"period": open_period.id}).status_code == 302
    ids = [int(i) for i in re.findall(
        r'data-award-id="(\d+)"', client.get(f"/awards/?period={open_period.id}").get_data(
            as_text=True))]  # fmt: skip
    assert len(ids) == 4
    for award_id in ids[:2]:
        response = client.post(
            f"/awards/{award_id}/confirm",
            data={"title": "Pegawai <Teladan>", "citation": "Luar biasa"},
        )
        assert response.status_code == 302  # fmt: skip
    client.post(f"/awards/{ids[3]}/dismiss")
    states = dict(db.session.execute(select(Award.id, Award.state)).all())
    assert sorted(states.values()) == ["confirmed", "confirmed", "dismissed", "proposed"]
    response = client.get(f"/dashboard/award/{ids[0]}/certificate")
    assert response.status_code == 200
    assert response.data.startswith(b"%PDF")
    code = response.headers["X-Document-Code"]
    issued = db.session.scalar(select(IssuedDocument).where(IssuedDocument.code == code))
    assert issued.kind == "award" and issued.subject_key == f"award:{ids[0]}"
    # Hall of fame and the employee's profile show the award, escaped.
    hall = client.get("/dashboard/awards").get_data(as_text=True)
    assert hall.count("award-card") == 2 and "Pegawai &lt;Teladan&gt;" in hall
    award = db.session.get(Award, ids[0])
    profile = client.get(f"/dashboard/employee/{award.employee_id}").get_data(as_text=True)
    assert 'id="employee-awards"' in profile
    # A proposed award has no certificate.
    assert client.get(f"/dashboard/award/{ids[2]}/certificate").status_code == 302


def test_unit_admin_and_employee_see_only_their_units_awards(staff, open_period, login_as,
                                                              api_token, client,
                                                              documented):  # fmt: skip
    service.propose(open_period, ALL_UNITS)
    for award in db.session.scalars(select(Award)):
        service.confirm(award, f"Teladan {award.id}", "", HR_SCOPE)
    dinkes = login_as("admin.dinkes")
    assert dinkes.get(f"/awards/?period={open_period.id}").status_code == 403
    hall = dinkes.get("/dashboard/awards").get_data(as_text=True)
    shown = {int(i) for i in re.findall(r'data-award-id="(\d+)"', hall)}
    expected = set(db.session.scalars(select(Award.id).where(Award.unit_id == staff[
        "pegawai.dinkes"].unit_id)))  # fmt: skip
    assert shown == expected and len(shown) == 2
    disdik_award = db.session.scalar(select(Award.id).where(Award.unit_id != staff[
        "pegawai.dinkes"].unit_id))  # fmt: skip
    assert dinkes.get(f"/dashboard/award/{disdik_award}/certificate").status_code == 404
    body = client.get("/api/v1/award/", headers=api_token("admin.dinkes")).json
    assert {a["id"] for a in body["result"]} == expected
    assert client.get("/api/v1/award/?state=proposed",
                      headers=api_token("admin.dinkes")).json["count"] == 0  # fmt: skip
    everyone = client.get("/api/v1/award/", headers=api_token("hr"))
    documented(everyone, "/api/v1/award/", "GET")  # typed employee, unit and period
    everyone = everyone.json
    assert everyone["count"] == 4
    assert everyone["result"][0]["title"].startswith("Teladan")
    assert client.get("/api/v1/award/?state=x", headers=api_token("hr")).status_code == 422


def test_a_certificate_verifies_until_the_award_changes(staff, open_period, login_as):
    from app.services import documents

    service.propose(open_period, ALL_UNITS)
    award = db.session.scalar(select(Award).order_by(Award.id))
    service.confirm(award, "Pegawai Teladan", "", HR_SCOPE)
    response = login_as("hr").get(f"/dashboard/award/{award.id}/certificate")
    code = response.headers["X-Document-Code"]
    assert documents.verify(code).unchanged is True
    service.confirm(award, "Pegawai Inspiratif", "", HR_SCOPE)
    assert documents.verify(code).unchanged is False


def test_api_shows_nips_only_to_those_who_may_see_the_awardee(staff, open_period, api_token,
                                                                client):  # fmt: skip
    service.propose(open_period, ALL_UNITS)
    for award in db.session.scalars(select(Award)):
        service.confirm(award, f"Teladan {award.id}", "", HR_SCOPE)
    me = staff["pegawai.dinkes"]

    def people(username):
        body = client.get("/api/v1/award/", headers=api_token(username)).json
        return {a["employee"]["id"]: a["employee"] for a in body["result"]}

    seen = people("pegawai.dinkes")
    colleagues = [p for pid, p in seen.items() if pid != me.id]
    assert colleagues and all(set(p) == {"id", "name"} for p in colleagues)
    assert all(p.nip not in str(seen) for p in staff.values() if p.id != me.id)
    admin = people("admin.dinkes")  # manages Dinkes and its puskesmas
    assert admin and all(admin[p.id]["nip"] == p.nip for p in staff.values() if p.id in admin)
    assert all("nip" in p for p in people("hr").values())
