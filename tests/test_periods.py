"""Evaluation periods: HR creates them, opens and closes them; the life cycle only goes forward."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import EvaluationPeriod
from app.models.types import PeriodState
from tests import factories as f

END_BEFORE_START = "Tanggal selesai harus setelah tanggal mulai."


def _period_form(**overrides) -> dict:
    data = {
        "name": "Triwulan II 2026",
        "kind": "quarterly",
        "start_date": "2026-04-01",
        "end_date": "2026-06-30",
    }
    data.update(overrides)
    return data


def _state(period_id: int) -> str:
    db.session.expire_all()
    return db.session.get(EvaluationPeriod, period_id).state


def _count() -> int:
    return db.session.scalar(select(func.count(EvaluationPeriod.id)))


def test_hr_creates_a_period(login_as):
    client = login_as("hr")
    response = client.post("/periodview/add", data=_period_form())
    assert response.status_code == 302
    period = db.session.scalar(
        select(EvaluationPeriod).where(EvaluationPeriod.name == "Triwulan II 2026")
    )
    assert period is not None
    assert (period.start_date, period.end_date) == (dt.date(2026, 4, 1), dt.date(2026, 6, 30))
    assert period.state == PeriodState.DRAFT.value
    assert period.kind == "quarterly"


@pytest.mark.parametrize("end", ["2026-03-31", "2026-04-01"])
def test_end_not_after_start_is_rejected(login_as, end):
    client = login_as("hr")
    response = client.post("/periodview/add", data=_period_form(end_date=end))
    assert response.status_code == 200
    assert f.field_errors(response.text, "end_date") == [END_BEFORE_START]
    assert _count() == 0


def test_open_then_close_through_the_actions(login_as):
    client = login_as("hr")
    period = f.make_period(state=PeriodState.DRAFT)
    response = client.post(f"/periodview/action/open_period/{period.id}", follow_redirects=True)
    assert response.status_code == 200
    assert "Status periode diubah menjadi Dibuka." in response.text
    assert _state(period.id) == "open"
    response = client.post(f"/periodview/action/close_period/{period.id}")
    assert response.headers["Location"].endswith(f"/periods/{period.id}/close")
    assert _state(period.id) == "open"  # not before the confirmation
    response = client.post(f"/periods/{period.id}/close", follow_redirects=True)
    assert f"Periode {period.name} ditutup." in response.text
    assert _state(period.id) == "closed"


def test_closed_period_cannot_be_reopened_by_the_action(login_as):
    """The bulk "open" action gives no reason, and reopening a closed period needs one."""
    client = login_as("hr")
    period = f.make_period(state=PeriodState.CLOSED)
    response = client.post(f"/periodview/action/open_period/{period.id}", follow_redirects=True)
    assert response.status_code == 200
    assert f"Sebutkan alasan membuka kembali {period.name}." in response.text
    assert "Status periode diubah" not in response.text
    assert _state(period.id) == "closed"


def test_draft_period_cannot_be_closed_directly(login_as):
    client = login_as("hr")
    period = f.make_period(state=PeriodState.DRAFT)
    client.post(f"/periods/{period.id}/close")
    assert _state(period.id) == "draft"


def test_bulk_open_from_the_list(login_as):
    client = login_as("hr")
    first = f.make_period(
        "Januari 2026", PeriodState.DRAFT, dt.date(2026, 1, 1), dt.date(2026, 1, 31)
    )
    second = f.make_period(
        "Februari 2026", PeriodState.DRAFT, dt.date(2026, 2, 1), dt.date(2026, 2, 28)
    )
    response = client.post(
        "/periodview/action_post",
        data={"action": "open_period", "rowid": [str(first.id), str(second.id)]},
    )
    assert response.status_code == 302
    assert (_state(first.id), _state(second.id)) == ("open", "open")


@pytest.mark.parametrize("account", ["pegawai.dinkes", "penilai.dinkes", "admin.dinkes"])
def test_other_roles_cannot_add_or_change_periods(login_as, account):
    client = login_as(account)
    assert client.get("/periodview/list/").status_code == 200  # everyone may read them
    assert client.get("/periodview/add").status_code == 403
    assert client.post("/periodview/add", data=_period_form()).status_code == 403
    period = f.make_period(state=PeriodState.DRAFT)
    client.post(f"/periodview/action/open_period/{period.id}")
    client.post("/periodview/action_post", data={"action": "open_period", "rowid": [period.id]})
    assert _state(period.id) == "draft"
    assert _count() == 1


def test_list_shows_long_dates(login_as):
    client = login_as("hr")
    f.make_period("Tahunan 2026", PeriodState.OPEN, dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    response = client.get("/periodview/list/")
    assert response.status_code == 200
    assert "Tahunan 2026" in response.text
    assert "31 Desember 2026" in response.text


# --- API ------------------------------------------------------------------------------


def test_api_hr_creates_and_lists_periods(client, api_token):
    headers = api_token("hr")
    payload = {
        "name": "Tahunan 2026",
        "kind": "annual",
        "start_date": "2026-01-01",
        "end_date": "2026-12-31",
    }
    response = client.post("/api/v1/period/", json=payload, headers=headers)
    assert response.status_code == 201, response.json
    assert response.json["result"]["name"] == "Tahunan 2026"
    response = client.get("/api/v1/period/", headers=api_token("pegawai.dinkes"))
    assert response.status_code == 200
    (row,) = response.json["result"]
    assert (row["name"], row["state"]) == ("Tahunan 2026", "draft")
    assert (row["start_date"], row["end_date"]) == ("2026-01-01", "2026-12-31")


def test_api_end_before_start_is_422(client, api_token):
    payload = {
        "name": "Salah",
        "kind": "monthly",
        "start_date": "2026-05-31",
        "end_date": "2026-05-01",
    }
    response = client.post("/api/v1/period/", json=payload, headers=api_token("hr"))
    assert response.status_code == 422
    assert response.json["errors"] == {"end_date": [END_BEFORE_START]}
    assert _count() == 0


def test_api_employee_cannot_create_periods(client, api_token):
    payload = {
        "name": "Tidak boleh",
        "kind": "monthly",
        "start_date": "2026-05-01",
        "end_date": "2026-05-31",
    }
    response = client.post("/api/v1/period/", json=payload, headers=api_token("pegawai.dinkes"))
    assert response.status_code == 403
    assert _count() == 0
