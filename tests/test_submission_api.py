"""`/api/v1/submission/`: scoping, answers with locking, the state machine and its refusals."""

from __future__ import annotations

import pytest

from app.domain.ratings import Rating, perilaku_rating, predikat
from app.models.types import PeriodState
from app.services.periods import change_period_state
from tests.conftest_cycle import GOOD

API = "/api/v1/submission"


@pytest.fixture
def call(client, api_token):
    """`call(username, method, path, json=None)` with that user's JWT."""
    tokens = {}

    def _call(username, method, path, json=None):
        if username not in tokens:
            tokens[username] = api_token(username)
        return client.open(f"{API}{path}", method=method, json=json, headers=tokens[username])

    return _call


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.json
    return {item["id"] for item in response.json["result"]}


def test_list_is_scoped(call, cycle):
    mine, other = cycle.submission.id, cycle.other.id
    assert _ids(call("pegawai.dinkes", "GET", "/")) == {mine}
    evaluator = _ids(call("penilai.dinkes", "GET", "/"))
    assert {mine, other} <= evaluator
    assert _ids(call("admin.dinkes", "GET", "/")) >= {mine, other}
    assert _ids(call("admin.disdik", "GET", "/")) == set()
    assert _ids(call("pegawai.disdik", "GET", "/")) == set()
    assert {mine, other} <= _ids(call("hr", "GET", "/"))


def test_list_filters_and_paginates(call, cycle):
    cycle.submit()
    response = call("hr", "GET", f"/?period={cycle.period.id}&state=submitted")
    assert _ids(response) == {cycle.submission.id}
    item = response.json["result"][0]
    assert set(item) >= {"id", "employee_id", "period_id", "state", "predikat", "achievement",
                         "template_version_id"}  # fmt: skip
    assert item["state"] == "submitted" and item["employee_id"] == cycle.submission.employee_id
    everything = call("hr", "GET", "/").json["count"]
    first = call("hr", "GET", "/?page=0&page_size=1")
    second = call("hr", "GET", "/?page=1&page_size=1")
    assert first.json["count"] == everything and len(first.json["result"]) == 1
    assert _ids(first) != _ids(second)
    assert call("hr", "GET", "/?page_size=101").status_code == 422
    assert call("hr", "GET", "/?state=nonsense").status_code == 422
    assert call("hr", "GET", "/?period=abc").status_code == 422
    assert _ids(call("hr", "GET", "/?period=999999")) == set()


def test_get_one_and_404_outside_scope(call, cycle):
    cycle.submit()
    response = call("pegawai.dinkes", "GET", f"/{cycle.submission.id}")
    assert response.status_code == 200
    result = response.json["result"]
    assert result["answers"][cycle.fv]["sasaran"] == 100
    assert result["state"] == "submitted"
    assert [h["action"] for h in result["history"]] == ["answers", "submit"]
    assert set(result["scores"]) == {
        "achievement", "hasil_rating", "perilaku_rating", "predikat",
        "proposed_hasil_rating", "proposed_perilaku_rating", "override_reason",
    }  # fmt: skip
    for username in ("admin.disdik", "pegawai.disdik", "penilai.disdik"):
        assert call(username, "GET", f"/{cycle.submission.id}").status_code == 404, username
    assert call("pegawai.dinkes", "GET", f"/{cycle.other.id}").status_code == 404
    assert call("pegawai.dinkes", "GET", "/999999").status_code == 404


def test_put_answers_with_lock_version(call, cycle):
    path = f"/{cycle.submission.id}/answers"
    lock = cycle.reload().lock_version
    first = call("pegawai.dinkes", "PUT", path, {"answers": cycle.answers(sasaran=10),
                                                  "lock_version": lock})  # fmt: skip
    assert first.status_code == 200, first.json
    assert first.json["lock_version"] == lock + 1
    stale = call("pegawai.dinkes", "PUT", path, {"answers": cycle.answers(sasaran=20),
                                                  "lock_version": lock})  # fmt: skip
    assert stale.status_code == 409
    assert stale.json["errors"]["_form"]
    assert cycle.reload().answers[cycle.fv]["sasaran"] == 10
    missing = call("pegawai.dinkes", "PUT", path, {"answers": cycle.answers(sasaran=30)})
    assert missing.status_code == 422 and "lock_version" in missing.json["errors"]


def test_put_answers_type_errors_by_field(call, cycle):
    response = call(
        "pegawai.dinkes", "PUT", f"/{cycle.submission.id}/answers",
        {"answers": cycle.answers(sasaran="banyak", kunjungan=5),
         "lock_version": cycle.reload().lock_version},
    )  # fmt: skip
    assert response.status_code == 422
    assert list(response.json["errors"]) == [cycle.ref("sasaran")]
    assert cycle.reload().answers == {}
    bad_shape = call("pegawai.dinkes", "PUT", f"/{cycle.submission.id}/answers",
                     {"answers": ["x"], "lock_version": 1})  # fmt: skip
    assert bad_shape.status_code == 422


def test_submit_reports_missing_answers_by_field_then_succeeds(call, cycle):
    cycle.save({"sasaran": 100, "diimunisasi": 90})
    path = f"/{cycle.submission.id}/submit"
    response = call("pegawai.dinkes", "POST", path, {"lock_version": cycle.reload().lock_version})
    assert response.status_code == 422
    assert set(response.json["errors"]) == {cycle.ref("kunjungan"), cycle.ref("kendala")}
    assert cycle.reload().state == "draft"
    cycle.save(GOOD)
    response = call("pegawai.dinkes", "POST", path, {"lock_version": cycle.reload().lock_version})
    assert response.status_code == 200 and response.json["state"] == "submitted"


def test_forbidden_transitions(call, cycle):
    sub = cycle.submission.id
    # the evaluator (also an Employee) may neither save nor submit someone else's draft
    full = cycle.answers(**GOOD)
    response = call(
        "penilai.dinkes", "PUT", f"/{sub}/answers", {"answers": full, "lock_version": 1}
    )
    assert response.status_code == 403
    cycle.save()
    assert call("penilai.dinkes", "POST", f"/{sub}/submit", {}).status_code == 403
    # an employee cannot submit another employee's submission: not even visible
    assert call("pegawai.dinkes", "POST", f"/{cycle.other.id}/submit", {}).status_code == 404
    # the supervisor cannot approve or return a draft
    approve = {"behaviour": cycle.ratings()}
    assert call("penilai.dinkes", "POST", f"/{sub}/approve", approve).status_code == 403
    assert call("penilai.dinkes", "POST", f"/{sub}/return", {"reason": "x"}).status_code == 403
    cycle.submit()
    # the employee cannot approve (nor return) their own submission
    assert call("pegawai.dinkes", "POST", f"/{sub}/approve", approve).status_code == 403
    assert call("pegawai.dinkes", "POST", f"/{sub}/return", {"reason": "x"}).status_code == 403
    # ... nor save it once submitted
    response = call(
        "pegawai.dinkes", "PUT", f"/{sub}/answers", {"answers": full, "lock_version": 3}
    )
    assert response.status_code == 403
    # unit admins: their own unit read-only, another unit not at all
    assert call("admin.dinkes", "POST", f"/{sub}/approve", approve).status_code == 403
    assert call("admin.disdik", "POST", f"/{sub}/approve", approve).status_code == 404
    # reopen is HR's, and only for approved submissions
    assert call("admin.dinkes", "POST", f"/{sub}/reopen", {"reason": "x"}).status_code == 403
    assert call("hr", "POST", f"/{sub}/reopen", {"reason": "x"}).status_code == 403
    assert cycle.reload().state == "submitted"


def test_closed_period_refuses_every_action(call, cycle):
    cycle.submit()
    change_period_state([cycle.period], PeriodState.CLOSED)
    sub = cycle.submission.id
    response = call("penilai.dinkes", "POST", f"/{sub}/approve", {"behaviour": cycle.ratings()})
    assert response.status_code == 403 and "tidak sedang dibuka" in response.json["message"]
    assert call("penilai.dinkes", "POST", f"/{sub}/return", {"reason": "x"}).status_code == 403
    assert cycle.reload().state == "submitted"


def test_return_resubmit_approve_reopen(call, cycle, documented):
    cycle.submit()
    sub = cycle.submission.id

    def lock():
        return cycle.reload().lock_version

    empty = call("penilai.dinkes", "POST", f"/{sub}/return", {"reason": "", "lock_version": lock()})
    assert empty.status_code == 422 and "reason" in empty.json["errors"]
    body = {"reason": "Perbaiki", "comments": {cycle.ref("kunjungan"): "Cek"},
            "lock_version": lock()}  # fmt: skip
    response = call("penilai.dinkes", "POST", f"/{sub}/return", body)
    assert response.status_code == 200 and response.json["state"] == "returned"
    detail = call("pegawai.dinkes", "GET", f"/{sub}").json["result"]
    assert detail["return_reason"] == "Perbaiki"
    assert detail["comments"] == {cycle.ref("kunjungan"): "Cek"}
    assert detail["allowed_actions"] == ["save", "submit"]

    response = call("pegawai.dinkes", "PUT", f"/{sub}/answers",
                    {"answers": cycle.answers(**{**GOOD, "kunjungan": 130}),
                     "lock_version": detail["lock_version"]})  # fmt: skip
    assert response.status_code == 200
    assert (
        call("pegawai.dinkes", "POST", f"/{sub}/submit", {"lock_version": lock()}).status_code
        == 200
    )

    wrong = {"behaviour": {"akuntabel": {"rating": "great"}}, "lock_version": lock()}
    bad = call("penilai.dinkes", "POST", f"/{sub}/approve", wrong)
    assert bad.status_code == 422 and len(bad.json["errors"]) == 7

    ratings = ("below", "below", "below", "below", "above", "above", "above")
    behaviour = cycle.ratings(*ratings)
    behaviour["loyal"]["expectation"] = "Jaga rahasia jabatan"
    response = call("penilai.dinkes", "POST", f"/{sub}/approve",
                    {"behaviour": behaviour, "feedback": "F", "recommendation": "R",
                     "lock_version": lock()})  # fmt: skip
    assert response.status_code == 200, response.json
    documented(response, "/api/v1/submission/{pk}/approve", "POST")
    item = cycle.reload()
    # cakupan 101.05 %, kunjungan capped at 120 %: 108.63 → as expected; 4 of 7 below → below
    assert str(item.achievement) == "108.63"
    expected = predikat(Rating.AS_EXPECTED, perilaku_rating([Rating(r) for r in ratings]))
    assert item.predikat == expected.value == "kurang"
    assert response.json["predikat"] == "kurang"
    one = call("pegawai.dinkes", "GET", f"/{sub}")
    documented(one, "/api/v1/submission/{pk}", "GET")  # history, scores, both predikat
    detail = one.json["result"]
    assert detail["predikat"] == detail["final_predikat"] == "kurang"  # not calibrated
    assert detail["scores"] == {"achievement": 108.63, "hasil_rating": "as_expected",
                                "perilaku_rating": "below", "predikat": "kurang",
                                "proposed_hasil_rating": "as_expected",
                                "proposed_perilaku_rating": "below",
                                "override_reason": None}  # fmt: skip
    assert detail["behaviour"]["loyal"]["expectation"] == "Jaga rahasia jabatan"

    assert call("pegawai.dinkes", "POST", f"/{sub}/submit", {}).status_code == 403
    assert (
        call("hr", "POST", f"/{sub}/reopen", {"reason": "", "lock_version": lock()}).status_code
        == 422
    )
    response = call(
        "hr", "POST", f"/{sub}/reopen", {"reason": "Salah hitung", "lock_version": lock()}
    )
    assert response.status_code == 200 and response.json["state"] == "submitted"
    assert cycle.reload().predikat is None


def test_non_json_body_and_browser_session_are_refused(client, api_token, login_as, cycle):
    path = f"{API}/{cycle.submission.id}/submit"
    headers = api_token("pegawai.dinkes")
    assert client.post(path, data="x", headers=headers).status_code == 415
    assert client.post(path, json={}).status_code == 401  # no token
    login_as("pegawai.dinkes")
    assert client.get(f"{API}/").status_code == 401  # the session cookie is not enough
