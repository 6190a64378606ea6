"""Calibration (kalibrasi): the unit head or HR adjusts predikat with reasons, the curve
check follows, closing freezes the final predikat used by documents and dashboards."""

# ruff: noqa: F811 - the `recap_data` fixture is imported from tests.printing_helpers
from __future__ import annotations

import pytest

from app.extensions import db as _db
from app.models import AuditEntry, Submission
from app.models.types import PeriodState
from app.scope import scope_for
from app.services import dashboard
from tests import factories as f
from tests.printing_helpers import pdf_pages, recap_data, squash  # noqa: F401


@pytest.fixture
def unit_head(recap_data):
    """head.dinkes heads Dinkes and has a login."""
    world = recap_data.world
    head = world.people["head.dinkes"]
    world.dinkes.head_id = head.id
    world.users["head.dinkes"] = f.make_user("head.dinkes", ["Supervisor", "Employee"], head)
    _db.session.commit()
    return recap_data


def _url(data, unit=None, period=None):
    unit = unit if unit is not None else data.world.dinkes.id
    return f"/api/v1/unit/{unit}/calibration?period={period or data.period.id}"


def _by_employee(body, data, key):
    employee_id = data.world.people[key].id
    return next(e for e in body["evaluations"] if e["employee"]["id"] == employee_id)


def _close_period(data):
    data.period.state = PeriodState.CLOSED.value
    _db.session.commit()


def test_adjustments_change_the_curve_check_and_the_final_predikat(
    api_token, client, unit_head, login_as, documented
):
    data, headers = unit_head, api_token("head.dinkes")
    response = client.get(_url(data), headers=headers)
    documented(response, "/api/v1/unit/{pk}/calibration", "GET")
    body = response.json
    assert body["org_rating"] == "baik" and body["state"] == "open"
    assert body["distribution"] == {"sangat_baik": 2, "baik": 3, "butuh_perbaikan": 1,
                                    "kurang": 1, "sangat_kurang": 0}  # fmt: skip
    assert body["violations"] == [] and len(body["evaluations"]) == 7
    assert any("70" in rule for rule in body["required"])
    low = [e for e in body["evaluations"] if e["predikat"] in ("butuh_perbaikan", "kurang")]
    adjustments = [
        {"submission_id": e["submission_id"], "predikat": "baik", "reason": "Beban kerja"}
        for e in low
    ]
    response = client.post(_url(data), json={"adjustments": adjustments}, headers=headers)
    assert response.status_code == 200, response.json
    documented(response, "/api/v1/unit/{pk}/calibration", "POST")
    body = response.json
    assert body["distribution"]["baik"] == 5 and body["distribution"]["kurang"] == 0
    assert {v["rule"] for v in body["violations"]} == {"at_most", "some"}
    pegawai = _by_employee(body, data, "pegawai.dinkes")
    assert (pegawai["predikat"], pegawai["final_predikat"]) == ("butuh_perbaikan", "baik")
    assert pegawai["calibration_reason"] == "Beban kerja"
    # the submission API shows both: the approved and the calibrated (final) predikat
    one = client.get(f"/api/v1/submission/{pegawai['submission_id']}", headers=headers)
    documented(one, "/api/v1/submission/{pk}", "GET")
    assert (one.json["result"]["predikat"], one.json["result"]["final_predikat"]) == (
        "butuh_perbaikan",
        "baik",
    )
    # the final predikat is what the dashboard counts and the document prints
    figures = dashboard.summary(scope_for(data.world.users["hr"]), data.period)
    unit = next(u for u in figures.units if u.id == data.world.dinkes.id)
    assert unit.predikat.get("baik") == 5 and not unit.predikat.get("kurang")
    entry = _db.session.scalar(
        _db.select(AuditEntry).where(
            AuditEntry.action == "calibrate", AuditEntry.submission_id == pegawai["submission_id"]
        )
    )
    assert entry.changes["predikat"] == ["butuh_perbaikan", "baik"]
    assert entry.comment == "Beban kerja"
    client = login_as("pegawai.dinkes")
    pdf = client.get(f"/print/submission/{pegawai['submission_id']}/evaluation")
    text = squash(" ".join(pdf_pages(pdf.data)))
    assert "Predikat kinerja pegawai Baik" in text


def test_the_employee_sees_the_adjustment_in_the_history(api_token, client, unit_head, login_as):
    data = unit_head
    submission = data.approved
    client.post(
        _url(data),
        json={"adjustments": [{"submission_id": submission.id, "predikat": "baik",
                               "reason": "Kalibrasi <b>unit</b>"}]},
        headers=api_token("head.dinkes"),
    )  # fmt: skip
    html = login_as("pegawai.dinkes").get(f"/my/{submission.id}/").text
    assert "Predikat dikalibrasi" in html
    assert "Butuh Perbaikan → Baik" in html
    assert "Kalibrasi &lt;b&gt;unit&lt;/b&gt;" in html


def test_closing_freezes_and_only_hr_reopens(api_token, client, unit_head):
    data, head = unit_head, api_token("head.dinkes")
    response = client.post(_url(data), json={"close": True}, headers=head)
    assert response.status_code == 409  # the period is still open
    assert "close" in response.json["errors"] and response.json["message"]
    _close_period(data)
    response = client.post(_url(data), json={"close": True}, headers=head)
    assert response.status_code == 200 and response.json["state"] == "closed"
    adjustment = {"submission_id": data.approved.id, "predikat": "baik", "reason": "Terlambat"}
    response = client.post(_url(data), json={"adjustments": [adjustment]}, headers=head)
    assert response.status_code == 409 and "adjustments" in response.json["errors"]
    assert _db.session.get(Submission, data.approved.id).final_predikat == "butuh_perbaikan"
    response = client.post(_url(data), json={"reopen": True, "reason": "Banding"}, headers=head)
    assert response.status_code == 409
    hr = api_token("hr")
    response = client.post(_url(data), json={"reopen": True}, headers=hr)
    assert response.status_code == 422 and "reason" in response.json["errors"]
    response = client.post(
        _url(data), json={"reopen": True, "reason": "Banding", "adjustments": [adjustment]},
        headers=hr,
    )  # fmt: skip
    assert response.status_code == 200 and response.json["state"] == "open"
    _db.session.expire_all()
    assert _db.session.get(Submission, data.approved.id).final_predikat == "baik"


def test_closing_needs_a_distribution_that_keeps_to_the_curve(api_token, client, unit_head):
    data, head = unit_head, api_token("head.dinkes")
    _close_period(data)
    body = client.get(_url(data), headers=head).json
    adjustments = [
        {"submission_id": e["submission_id"], "predikat": "baik", "reason": "Rata"}
        for e in body["evaluations"] if e["predikat"] in ("butuh_perbaikan", "kurang")
    ]  # fmt: skip
    response = client.post(
        _url(data), json={"adjustments": adjustments, "close": True}, headers=head
    )
    assert response.status_code == 409
    assert any("70" in m for m in response.json["errors"]["close"])
    _db.session.expire_all()  # nothing was written
    assert client.get(_url(data), headers=head).json["distribution"]["kurang"] == 1


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"adjustments": [{"submission_id": "x", "predikat": "baik", "reason": "a"}]},
         "adjustments.0.submission_id"),
        ({"adjustments": [{"submission_id": 1, "predikat": "super", "reason": "a"}]},
         "adjustments.0.predikat"),
        ({"adjustments": [{"submission_id": 1, "predikat": "baik"}]}, "adjustments.0.reason"),
        ({"adjustments": [{"submission_id": 1, "predikat": "baik", "reason": ""}]},
         "adjustments.0.reason"),
        ({"adjustments": [{"submission_id": 2**40, "predikat": "baik", "reason": "a"}]},
         "adjustments.0.submission_id"),
        ({"close": "soon"}, "close"),
        ({"unknown": 1}, "unknown"),
    ],
)  # fmt: skip
def test_bad_input_is_refused_by_field(api_token, client, unit_head, payload, field):
    response = client.post(_url(unit_head), json=payload, headers=api_token("head.dinkes"))
    assert response.status_code == 422, response.json
    assert field in response.json["errors"], response.json
    assert all(isinstance(m, str) and m for m in response.json["errors"][field])


def test_an_evaluation_of_another_unit_cannot_be_calibrated(api_token, client, unit_head):
    data = unit_head
    disdik = next(s for s in data.submissions if s.unit_id == data.world.disdik.id)
    adjustment = {"submission_id": disdik.id, "predikat": "kurang", "reason": "Coba"}
    response = client.post(_url(data), json={"adjustments": [adjustment]},
                           headers=api_token("head.dinkes"))  # fmt: skip
    assert response.status_code == 422
    assert "adjustments.0.submission_id" in response.json["errors"]
    assert _db.session.get(Submission, disdik.id).final_predikat == "baik"


def test_who_may_calibrate(api_token, client, unit_head):
    data = unit_head
    assert client.get(_url(data), headers=api_token("hr")).status_code == 200
    # staff of the unit see it but may not calibrate; other units' staff do not see it
    assert client.get(_url(data), headers=api_token("penilai.dinkes")).status_code == 403
    assert client.get(_url(data), headers=api_token("pegawai.disdik")).status_code == 404
    head = api_token("head.dinkes")
    assert client.get(_url(data, unit=data.world.disdik.id), headers=head).status_code == 404
    assert client.get(_url(data, unit=2**40), headers=head).status_code == 404
    response = client.get(f"/api/v1/unit/{data.world.dinkes.id}/calibration?period=abc",
                          headers=head)  # fmt: skip
    assert response.status_code == 422 and "period" in response.json["errors"]
    assert client.get(_url(data, period=2**40), headers=head).status_code == 422
    assert client.get(_url(data, period=99999), headers=head).status_code == 404


def test_the_calibration_page(login_as, unit_head):
    data = unit_head
    client = login_as("head.dinkes")
    url = f"/calibration/?unit_id={data.world.dinkes.id}&period_id={data.period.id}"
    page = client.get(url)
    assert page.status_code == 200
    assert (
        'id="within-curve"' in page.text and f'data-submission-id="{data.approved.id}"' in page.text
    )
    sid = data.approved.id
    form = {"unit_id": data.world.dinkes.id, "period_id": data.period.id, "action": "save",
            f"predikat_{sid}": "sangat_baik", f"reason_{sid}": ""}  # fmt: skip
    page = client.post("/calibration/", data=form)
    assert page.status_code == 200  # refused: the reason is missing; the choice is kept
    assert "Berikan alasan penyesuaian." in page.text
    assert 'value="sangat_baik" selected' in page.text
    assert _db.session.get(Submission, data.approved.id).calibrated_predikat is None
    form[f"reason_{data.approved.id}"] = "Capaian <i>luar biasa</i>"
    assert client.post("/calibration/", data=form).status_code == 302
    page = client.get(url).text
    assert "Capaian &lt;i&gt;luar biasa&lt;/i&gt;" in page
    assert 'data-predikat="sangat_baik">3<' in page
    # other units are not offered, nor reachable
    other = f"/calibration/?unit_id={data.world.disdik.id}&period_id={data.period.id}"
    assert client.get(other).status_code == 404
    assert 'id="no-units"' in login_as("penilai.dinkes").get("/calibration/").text


def test_reopening_an_evaluation_drops_its_calibration(api_token, client, unit_head):
    from app.services import submissions as flow

    data = unit_head
    adjustment = {"submission_id": data.approved.id, "predikat": "baik", "reason": "Koreksi"}
    client.post(_url(data), json={"adjustments": [adjustment]}, headers=api_token("head.dinkes"))
    submission = _db.session.get(Submission, data.approved.id)
    assert submission.final_predikat == "baik"
    flow.reopen(submission, "Bukti baru", _hr_scope(data), data.world.users["hr"].id,
                lock_version=submission.lock_version)  # fmt: skip
    submission = _db.session.get(Submission, data.approved.id)
    assert submission.final_predikat is None and submission.calibration_reason is None


def _hr_scope(data):
    return scope_for(data.world.users["hr"])
