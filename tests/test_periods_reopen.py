"""Closing a period locks its submissions; reopening needs a reason and is recorded."""

from __future__ import annotations

from app.extensions import db as _db
from app.models import AuditEntry, EvaluationPeriod, Submission
from app.models.types import PeriodState
from app.scope import Scope
from app.services.submissions import allowed_actions
from tests import factories as f


def _period(pk) -> EvaluationPeriod:
    _db.session.expire_all()
    return _db.session.get(EvaluationPeriod, pk)


def _actions(submission_id, employee) -> set[str]:
    _db.session.expire_all()
    submission = _db.session.get(Submission, submission_id)
    scope = Scope(user_id=None, roles=frozenset({"Employee"}), employee_id=employee.id,
                  unit_id=employee.unit_id)  # fmt: skip
    return allowed_actions(submission, scope)


def _history(period_id) -> list[tuple[str, str | None]]:
    rows = _db.session.scalars(
        _db.select(AuditEntry).where(AuditEntry.period_id == period_id).order_by(AuditEntry.id)
    )
    return [(row.action, row.comment) for row in rows]


def test_close_locks_submissions_and_reopen_needs_a_reason(
    client, login_as, api_token, world, dinkes_template, open_period, make_submission
):
    pegawai = world.people["pegawai.dinkes"]
    submission = make_submission(pegawai, open_period, dinkes_template)
    assert _actions(submission.id, pegawai) == {"save", "submit"}

    response = client.post(f"/api/v1/period/{open_period.id}/close", headers=api_token("hr"))
    assert response.status_code == 200 and response.json["state"] == "closed"
    assert _actions(submission.id, pegawai) == set()

    hr = login_as("hr")
    listing = hr.get("/periods/").text
    assert f'href="/periods/{open_period.id}/reopen"' in listing
    response = hr.post(f"/periods/{open_period.id}/reopen", data={"reason": "   "})
    assert response.status_code == 422 and 'data-part="reason"' in response.text
    assert _period(open_period.id).state == "closed"

    reason = "Data capaian Puskesmas terlambat masuk"
    response = hr.post(f"/periods/{open_period.id}/reopen", data={"reason": reason})
    assert response.status_code == 302
    assert _period(open_period.id).state == "open"
    assert _actions(submission.id, pegawai) == {"save", "submit"}
    assert _history(open_period.id) == [("period_closed", None), ("period_reopen", reason)]
    page = hr.get(f"/periods/{open_period.id}/reopen").text
    assert reason in page and 'data-action="period_reopen"' in page
    assert 'id="reopen-form"' not in page  # open now: nothing to reopen


def test_reopening_an_open_period_is_refused(login_as, world):
    period = f.make_period(state=PeriodState.OPEN)
    response = login_as("hr").post(f"/periods/{period.id}/reopen", data={"reason": "Why not"})
    assert response.status_code == 422
    assert _history(period.id) == []


def test_user_text_is_escaped_in_the_history(login_as, world):
    period = f.make_period(state=PeriodState.CLOSED)
    hr = login_as("hr")
    hr.post(f"/periods/{period.id}/reopen", data={"reason": "<script>alert(1)</script>"})
    page = hr.get(f"/periods/{period.id}/reopen").text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_api_reopen(client, api_token, world):
    period = f.make_period(state=PeriodState.CLOSED)
    headers = api_token("hr")
    response = client.post(f"/api/v1/period/{period.id}/reopen", json={}, headers=headers)
    assert response.status_code == 422 and "reason" in response.json["errors"]
    response = client.post(
        f"/api/v1/period/{period.id}/reopen", json={"reason": "Koreksi"}, headers=headers
    )
    assert response.status_code == 200 and response.json["state"] == "open"
    assert _history(period.id) == [("period_reopen", "Koreksi")]
    assert client.post("/api/v1/period/9999/close", headers=headers).status_code == 404


def test_only_hr_reopens(client, login_as, api_token, world):
    period = f.make_period(state=PeriodState.CLOSED)
    admin = login_as("admin.dinkes")
    assert admin.get("/periods/").status_code in (302, 403)
    response = admin.post(f"/periods/{period.id}/reopen", data={"reason": "Mau buka"})
    assert response.status_code in (302, 403)
    headers = api_token("admin.dinkes")
    for action in ("close", "reopen"):
        response = client.post(
            f"/api/v1/period/{period.id}/{action}", json={"reason": "x"}, headers=headers
        )
        assert response.status_code in (401, 403)
    assert _period(period.id).state == "closed"
