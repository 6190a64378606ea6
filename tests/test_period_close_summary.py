"""Closing a period: HR first sees, per unit, how many evaluations are unfinished by state."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db as _db
from app.models import EvaluationPeriod, Submission
from app.services.periods import unfinished_by_unit
from tests.conftest_cycle import GOOD


def _expected(period) -> dict[int, dict[str, int]]:
    expected: dict[int, dict[str, int]] = {}
    for item in _db.session.scalars(select(Submission).where(Submission.period_id == period.id)):
        if item.state != "approved":
            counts = expected.setdefault(item.unit_id, {})
            counts[item.state] = counts.get(item.state, 0) + 1
    return expected


def test_summary_counts_unfinished_evaluations_per_unit_and_state(cycle):
    cycle.submit(GOOD)
    rows = unfinished_by_unit(cycle.period)
    counts = {row.unit.id: row.counts for row in rows}
    assert counts == _expected(cycle.period)
    assert counts[cycle.submission.unit_id]["submitted"] == 1
    assert [row.total for row in rows] == sorted((row.total for row in rows), reverse=True)
    before = sum(row.total for row in rows)
    cycle.approve()
    after = unfinished_by_unit(cycle.period)
    assert sum(row.total for row in after) == before - 1
    assert "submitted" not in {s for row in after for s in row.counts}


def test_close_page_shows_the_summary_and_closes_only_on_confirmation(login_as, cycle):
    client = login_as("hr")
    page = client.get(f"/periods/{cycle.period.id}/close")
    assert page.status_code == 200
    assert 'id="close-unfinished"' in page.text
    assert f'data-unit-id="{cycle.other.unit_id}"' in page.text
    assert _db.session.get(EvaluationPeriod, cycle.period.id).state == "open"
    done = client.post(f"/periods/{cycle.period.id}/close")
    assert done.status_code == 302
    _db.session.expire_all()
    assert _db.session.get(EvaluationPeriod, cycle.period.id).state == "closed"


def test_only_hr_may_close(login_as, cycle):
    client = login_as("pegawai.dinkes")
    assert client.post(f"/periods/{cycle.period.id}/close").status_code in (302, 403)
    _db.session.expire_all()
    assert _db.session.get(EvaluationPeriod, cycle.period.id).state == "open"
