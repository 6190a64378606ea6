"""A closed period locks what belongs to it: IKU targets, unit ratings, assignment, reviews."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEntry, Iku, IkuTarget, UnitRating
from app.models.types import PeriodState
from app.services import ValidationFailed
from app.services import rollup as rollup_service
from app.services.periods import change_period_state


def _close(period):
    change_period_state([period], PeriodState.CLOSED)


def _iku_row(code="IKU-DINKES-02"):
    return db.session.scalar(select(Iku).where(Iku.code == code))


def test_iku_target_cannot_change_in_a_closed_period(iku, login_as):
    row = _iku_row()
    rollup_service.save_iku(row, iku.period, row.code, row.aggregation, "25")
    _close(iku.period)
    client = login_as("admin.dinkes")
    response = client.post(
        "/iku/save",
        data={"unit": iku.world.dinkes.id, "period": iku.period.id, "iku_id": row.id,
              f"code_{row.id}": "IKU-BARU", f"aggregation_{row.id}": "minimum",
              f"target_{row.id}": "1"},
        follow_redirects=True,
    )  # fmt: skip
    assert iku.period.name in response.get_data(as_text=True)
    db.session.expire_all()
    row = _iku_row()
    assert row is not None and row.aggregation != "minimum"
    assert db.session.scalar(select(IkuTarget.target)) == Decimal(25)


def test_iku_service_refuses_a_closed_period(iku):
    _close(iku.period)
    row = _iku_row()
    before = db.session.scalar(select(func.count(AuditEntry.id)))
    with pytest.raises(ValidationFailed) as refused:
        rollup_service.save_iku(row, iku.period, row.code, row.aggregation, "")
    assert "period" in refused.value.errors
    assert db.session.scalar(select(func.count(AuditEntry.id))) == before


def test_rating_confirmation_is_refused_with_a_message(iku, login_as):
    _close(iku.period)
    client = login_as("hr")
    url = f"/dashboard/unit/{iku.world.dinkes.id}/achievement"
    response = client.post(
        url, data={"rating": "istimewa", "reason": "Inovasi", "period": iku.period.id},
        follow_redirects=True,
    )  # fmt: skip
    assert response.status_code == 200 and iku.period.name in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(UnitRating.id))) == 0


def test_assignment_and_review_in_a_closed_period_are_refused(api_token, client, cycle):
    cycle.submit()
    _close(cycle.period)
    headers = api_token("admin.dinkes")
    response = client.post(
        f"/api/v1/period/{cycle.period.id}/assign",
        json={"template_version_id": cycle.template_version.id, "unit_id": cycle.world.dinkes.id},
        headers=headers,
    )
    assert response.status_code in (403, 409, 422)
    evaluator = api_token("penilai.dinkes")
    lock = cycle.reload().lock_version
    response = client.post(
        f"/api/v1/submission/{cycle.submission.id}/approve",
        json={"behaviour": cycle.ratings(), "lock_version": lock},
        headers=evaluator,
    )
    assert response.status_code == 403
    assert cycle.reload().state == "submitted"
