"""Annual evaluation (evaluasi kinerja tahunan): the proposal aggregates the year's approved
periodic evaluations per indicator, the evaluator confirms or overrides it with a reason,
the head of a unit takes the unit's rating, and the annual document prints as PDF."""

from __future__ import annotations

import datetime as dt

import pytest
from flask_appbuilder.security.sqla.models import User

from app.extensions import db as _db
from app.models import AnnualEvaluation, Employee, Submission, Unit, UnitRating
from app.models.types import PeriodState
from tests import factories as f
from tests.printing_helpers import pdf_pages, squash

QUARTERS = [  # (name, start, end, sasaran, diimunisasi, kunjungan, perilaku)
    ("Triwulan I 2026", (1, 1), (3, 31), 100, 96, 110, "as_expected"),
    ("Triwulan II 2026", (4, 1), (6, 30), 100, 90, 80, "above"),
    ("Triwulan III 2026", (7, 1), (9, 30), 100, 99, 100, "above"),
]
NOTHING = {"sasaran": 1, "diimunisasi": 0, "kunjungan": 0}


def _approved(cycle, employee, period, values, perilaku="as_expected", state="approved"):
    row = Submission(
        period_id=period.id, employee_id=employee.id, unit_id=employee.unit_id,
        evaluator_id=employee.supervisor_id, template_version_id=cycle.template_version.id,
        state=state, answers=cycle.answers(**values), comments={}, behaviour={},
        hasil_rating="as_expected", perilaku_rating=perilaku, predikat="baik",
        approved_at=dt.datetime(period.end_date.year, period.end_date.month, 28),
    )  # fmt: skip
    _db.session.add(row)
    return row


@pytest.fixture
def year(cycle):
    """pegawai.dinkes: Q1–Q3 2026 approved; a 2025 evaluation and a Q4 draft do not count."""
    people = cycle.world.people
    periods = []
    for name, start, end, sasaran, imunisasi, kunjungan, perilaku in QUARTERS:
        period = f.make_period(name + " ", PeriodState.CLOSED, dt.date(2026, *start),
                               dt.date(2026, *end))  # fmt: skip
        periods.append(period)
        values = {"sasaran": sasaran, "diimunisasi": imunisasi, "kunjungan": kunjungan}
        _approved(cycle, people["pegawai.dinkes"], period, values, perilaku)
        _approved(cycle, people["head.dinkes"], period, values, perilaku)
    old = f.make_period("Triwulan IV 2025", PeriodState.CLOSED, dt.date(2025, 10, 1),
                        dt.date(2025, 12, 31))  # fmt: skip
    _approved(cycle, people["pegawai.dinkes"], old, NOTHING, "below")
    q4 = f.make_period("Triwulan IV 2026", PeriodState.OPEN, dt.date(2026, 10, 1),
                       dt.date(2026, 12, 31))  # fmt: skip
    _approved(cycle, people["pegawai.dinkes"], q4, NOTHING, "below", "submitted")
    _db.session.commit()
    cycle.periods = periods
    return cycle


def _url(cycle, key="pegawai.dinkes", year=2026, suffix=""):
    return f"/api/v1/employee/{cycle.world.people[key].id}/annual{suffix}?year={year}"


def test_the_proposal_aggregates_the_year_by_indicator(api_token, client, year):
    response = client.get(_url(year), headers=api_token("penilai.dinkes"))
    assert response.status_code == 200, response.json
    body = response.json
    assert [p["period"].strip() for p in body["periods"]] == [q[0] for q in QUARTERS]
    lines = {line["label"]: line for line in body["proposal"]["indicators"]}
    coverage = lines["Cakupan imunisasi"]  # a percentage: averaged
    assert coverage["aggregation"] == "average"
    assert (coverage["target"], coverage["realisation"], coverage["achievement"]) == (95, 95, 100)
    visits = lines["Kunjungan rumah"]  # a quantity: summed
    assert visits["aggregation"] == "sum"
    assert (visits["target"], visits["realisation"], visits["achievement"]) == (300, 290, 96.67)
    proposal = body["proposal"]
    assert proposal["achievement"] == 98.67  # (100 × 60 + 96.67 × 40) / 100
    assert proposal["hasil_rating"] == "as_expected"
    assert proposal["perilaku_rating"] == "above"  # 2 of 3 periods above, none below
    assert proposal["predikat"] == "baik"
    assert body["evaluation"] is None and body["may_approve"] is True


def test_the_evaluator_confirms_and_the_document_prints(
    api_token, client, year, login_as, documented
):
    headers = api_token("penilai.dinkes")
    response = client.post(_url(year, suffix="/approve"), json={}, headers=headers)
    assert response.status_code == 200, response.json
    documented(response, "/api/v1/employee/{pk}/annual/approve", "POST")
    evaluation = response.json["evaluation"]
    assert (evaluation["predikat"], evaluation["override_reason"]) == ("baik", None)
    row = _db.session.get(AnnualEvaluation, evaluation["id"])
    assert row.approved_by_id == year.world.users["penilai.dinkes"].id
    again = client.post(_url(year, suffix="/approve"), json={}, headers=headers)
    assert again.status_code == 409 and "year" in again.json["errors"]
    # the employee reads it and prints the annual document
    own = api_token("pegawai.dinkes")
    response = client.get(_url(year), headers=own)
    documented(response, "/api/v1/employee/{pk}/annual", "GET")
    body = response.json
    assert body["evaluation"]["predikat"] == "baik" and body["may_approve"] is False
    pdf = client.get(_url(year, suffix="/document"), headers=own)
    documented(pdf, "/api/v1/employee/{pk}/annual/document", "GET")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = squash(" ".join(pdf_pages(pdf.data)))
    employee = year.world.people["pegawai.dinkes"]
    assert "DOKUMEN EVALUASI KINERJA PEGAWAI TAHUNAN" in text
    assert employee.name in text and employee.nip in text
    assert "Cakupan imunisasi" in text and "Kunjungan rumah" in text
    assert "290 kunjungan" in text and "98,67" in text
    assert "Predikat kinerja tahunan Baik" in text
    code = pdf.headers["X-Document-Code"]
    assert code in text
    assert "datanya tidak berubah" in client.get(f"/verify/{code}").text


def test_an_override_needs_a_reason_and_follows_the_matrix(api_token, client, year):
    headers = api_token("penilai.dinkes")
    url = _url(year, suffix="/approve")
    response = client.post(url, json={"hasil": "above"}, headers=headers)
    assert response.status_code == 422 and "reason" in response.json["errors"]
    assert _db.session.scalar(_db.select(AnnualEvaluation)) is None
    response = client.post(
        url, json={"hasil": "above", "reason": "Inovasi <script>x</script>"}, headers=headers
    )
    assert response.status_code == 200
    evaluation = response.json["evaluation"]
    assert (evaluation["hasil_rating"], evaluation["perilaku_rating"]) == ("above", "above")
    assert evaluation["predikat"] == "sangat_baik"
    assert evaluation["override_reason"] == "Inovasi <script>x</script>"
    pdf = client.get(_url(year, suffix="/document"), headers=headers)
    assert "Inovasi <script>x</script>" in squash(" ".join(pdf_pages(pdf.data)))


def test_the_head_of_a_unit_takes_the_units_rating(api_token, client, year):
    world = year.world
    world.dinkes.head_id = world.people["head.dinkes"].id
    _db.session.add(
        UnitRating(unit_id=world.dinkes.id, period_id=year.periods[-1].id, rating="istimewa")
    )
    _db.session.commit()
    body = client.get(_url(year, key="head.dinkes"), headers=api_token("hr")).json
    proposal = body["proposal"]
    assert proposal["achievement"] == 98.67  # shown, but the unit's rating decides
    assert (proposal["org_rating"], proposal["hasil_rating"]) == ("istimewa", "above")
    assert proposal["predikat"] == "sangat_baik"


@pytest.mark.parametrize(
    "suffix, payload, field",
    [
        ("/approve", {"hasil": "great"}, "hasil"),
        ("/approve", {"perilaku": 3}, "perilaku"),
        ("/approve", {"reason": "x" * 2001}, "reason"),
        ("/approve", {"extra": True}, "extra"),
    ],
)
def test_bad_input_is_refused_by_field(api_token, client, year, suffix, payload, field):
    response = client.post(_url(year, suffix=suffix), json=payload,
                           headers=api_token("penilai.dinkes"))  # fmt: skip
    assert response.status_code == 422, response.json
    assert response.json["message"] and response.json["errors"][field]


def test_scope_and_parameters(api_token, client, year):
    own = api_token("pegawai.dinkes")
    assert client.get(_url(year), headers=own).status_code == 200
    response = client.post(_url(year, suffix="/approve"), json={}, headers=own)
    assert response.status_code == 403 and response.json["message"]
    assert client.get(_url(year), headers=api_token("pegawai.disdik")).status_code == 404
    assert client.get(_url(year), headers=api_token("penilai.disdik")).status_code == 404
    for bad in ("abc", "1900", "99999999999999999999"):
        response = client.get(_url(year, year=bad), headers=own)
        assert response.status_code == 422 and "year" in response.json["errors"], bad
    assert client.get("/api/v1/employee/99999999999999/annual?year=2026",
                      headers=own).status_code == 404  # fmt: skip
    # nothing approved in 2027: nothing to approve, no document
    empty = client.get(_url(year, year=2027), headers=own).json
    assert empty["periods"] == [] and empty["proposal"]["predikat"] is None
    headers = api_token("penilai.dinkes")
    response = client.post(_url(year, year=2027, suffix="/approve"), json={}, headers=headers)
    assert response.status_code in (403, 409)
    assert client.get(_url(year, suffix="/document"), headers=own).status_code == 404


def test_the_endpoints_are_documented(api_token, client, year):
    from openapi_spec_validator import validate

    spec = client.get("/api/v1/_openapi", headers=api_token("hr")).json
    paths = ("/api/v1/employee/{pk}/annual", "/api/v1/employee/{pk}/annual/approve",
             "/api/v1/employee/{pk}/annual/document", "/api/v1/unit/{pk}/calibration")  # fmt: skip
    # other endpoints' documentation is another part of the work: check these
    validate({**spec, "paths": {path: spec["paths"][path] for path in paths}})
    ids = [op["operationId"] for path in paths for op in spec["paths"][path].values()]
    assert len(ids) == len(set(ids)) == 5
    assert all(op["responses"] for path in paths for op in spec["paths"][path].values())
    assert "CalibrationPostSchema" in spec["components"]["schemas"]
    assert "AnnualApproveSchema" in spec["components"]["schemas"]


def test_an_annual_evaluation_for_2026_on_the_demo_data(app, db, client):
    result = app.test_cli_runner().invoke(args=["seed", "--demo"])
    assert result.exit_code == 0, result.output
    password = app.config["DEMO_PASSWORD"]

    def token(username):
        login = {"username": username, "password": password, "provider": "db"}
        access = client.post("/api/v1/security/login", json=login).json["access_token"]
        return {"Authorization": f"Bearer {access}"}

    def employee_of(username):
        return _db.session.scalar(
            _db.select(Employee).join(User, Employee.user_id == User.id)
            .where(User.username == username)
        )  # fmt: skip

    pegawai = employee_of("pegawai.dinkes")
    url = f"/api/v1/employee/{pegawai.id}/annual?year=2026"
    evaluator = token("penilai.dinkes")
    body = client.get(url, headers=evaluator).json
    assert [p["period"] for p in body["periods"]] == [
        "Triwulan I 2026", "Triwulan II 2026", "Triwulan III 2026"
    ]  # fmt: skip
    assert body["proposal"]["indicators"] and body["proposal"]["predikat"]
    assert body["may_approve"] is True
    approve = f"/api/v1/employee/{pegawai.id}/annual/approve?year=2026"
    response = client.post(approve, json={}, headers=evaluator)
    assert response.status_code == 200, response.json
    assert response.json["evaluation"]["predikat"] == body["proposal"]["predikat"]
    # a sub-unit head evaluated in 2026: the unit's rating is their hasil kerja
    head = _db.session.scalar(
        _db.select(Employee)
        .join(Unit, Unit.head_id == Employee.id)
        .join(Submission, Submission.employee_id == Employee.id)
        .where(Submission.state == "approved", Unit.parent_id.isnot(None))
        .limit(1)
    )
    assert head is not None
    body = client.get(f"/api/v1/employee/{head.id}/annual?year=2026", headers=token("hr")).json
    assert len(body["periods"]) == 3
    assert (body["proposal"]["org_rating"], body["proposal"]["hasil_rating"]) == (
        "baik", "as_expected"
    )  # fmt: skip
    assert all(p["hasil_rating"] == "as_expected" for p in body["periods"])


def test_the_annual_pages(login_as, year):
    employee = year.world.people["pegawai.dinkes"]
    client = login_as("penilai.dinkes")
    assert employee.name in client.get("/annual/?year=2026").text
    url = f"/annual/{employee.id}?year=2026"
    page = client.get(url).text
    assert 'id="annual-approve"' in page and "Kunjungan rumah" in page
    choice = {"year": 2026, "hasil": "above", "perilaku": "above", "reason": ""}
    refused = client.post(f"/annual/{employee.id}", data=choice)
    assert refused.status_code == 200
    assert "Sebutkan alasan jika predikat berbeda dari usulan." in refused.text
    assert 'value="above" selected' in refused.text  # the choice is kept
    assert _db.session.scalar(_db.select(AnnualEvaluation)) is None
    done = client.post(f"/annual/{employee.id}", data={**choice, "reason": "Inovasi"})
    assert done.status_code == 302
    own = login_as("pegawai.dinkes")
    page = own.get(url).text
    assert (
        'id="annual-approved"' in page and "Inovasi" in page and 'id="annual-approve"' not in page
    )
    pdf = own.get(f"/annual/{employee.id}/document?year=2026")
    assert pdf.status_code == 200 and "Sangat Baik" in squash(" ".join(pdf_pages(pdf.data)))
    assert own.post(f"/annual/{employee.id}", data={"year": 2026}).status_code == 403
    other = year.world.people["pegawai.disdik"]
    assert own.get(f"/annual/{other.id}?year=2026").status_code == 404
