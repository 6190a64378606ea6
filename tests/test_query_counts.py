"""List pages send the same number of SQL statements whatever the number of rows shown."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Submission
from app.models.types import SubmissionState
from app.services.assignment import assign
from tests import factories as f
from tests.conftest_admin import HR_SCOPE
from tests.querycount import count_queries


def _statements(client, url: str, headers: dict | None = None) -> int:
    client.get(
        url, headers=headers
    )  # warm-up: FAB loads permissions and menus on the first request
    # The test client shares the test's session: forget what the warm-up loaded, so that a
    # lazy load per row still costs a statement (as with the fresh session of a real request).
    db.session.expire_all()
    with count_queries(db.engine) as statements:
        response = client.get(url, headers=headers)
    assert response.status_code == 200, url
    return len(statements)


def _add_staff(world, count: int) -> None:
    for number in range(count):
        f.make_employee(world.dinkes, f"Staf Tambahan {number:03d}",
                        supervisor=world.people["penilai.dinkes"])  # fmt: skip


@pytest.mark.parametrize(
    "username, url",
    [
        ("hr", "/employeeview/list/?psize_EmployeeView=100"),
        ("admin.dinkes", "/employeeview/list/?psize_EmployeeView=100"),
        ("penilai.dinkes", "/employeeview/list/?psize_EmployeeView=100"),
        ("hr", "/unitview/list/"),
    ],
)
def test_employee_lists_do_not_grow_with_rows(login_as, world, username, url):
    client = login_as(username)
    few = _statements(client, url)
    _add_staff(world, 30)
    many = _statements(client, url)
    assert many == few, f"{url}: {few} statements for a few rows, {many} for 30 more"


# --- the evaluation cycle ---------------------------------------------------------------


def _spread_states(submissions) -> None:
    """Put submissions in every state (cycling), approved ones with a result."""
    states = [s.value for s in SubmissionState]
    for number, item in enumerate(submissions):
        item.state = states[number % len(states)]
        if item.state == SubmissionState.APPROVED.value:
            item.achievement, item.predikat = 100, "baik"
            item.hasil_rating = item.perilaku_rating = "as_expected"
    db.session.commit()


def _cycle_baseline(cycle) -> None:
    """A few submissions: pegawai.dinkes's approved, perawat.pkm's submitted (both evaluated
    by penilai.dinkes), the others (evaluated by the head) draft and returned."""
    cycle.submit()
    cycle.approve()
    cycle.other.state = SubmissionState.SUBMITTED.value
    rest = db.session.scalars(
        select(Submission)
        .where(Submission.id.not_in([cycle.submission.id, cycle.other.id]))
        .order_by(Submission.id)
    ).all()
    for item, state in zip(rest, [SubmissionState.DRAFT, SubmissionState.RETURNED], strict=False):
        item.state = state.value
    db.session.commit()


def _more_team_submissions(cycle, count: int = 30) -> None:
    """`count` more subordinates of penilai.dinkes, each with a submission, in every state."""
    penilai = cycle.world.people["penilai.dinkes"]
    staff = [
        f.make_employee(cycle.world.dinkes, f"Staf Tambahan {n:03d}", supervisor=penilai)
        for n in range(count)
    ]
    result = assign(cycle.period, cycle.template_version, HR_SCOPE,
                    employee_ids=[e.id for e in staff])  # fmt: skip
    assert result.created == count, result
    _spread_states(
        db.session.scalars(
            select(Submission).where(Submission.employee_id.in_([e.id for e in staff]))
        ).all()
    )


def _more_own_submissions(cycle, count: int = 30) -> None:
    """`count` more periods for pegawai.dinkes, each evaluated by someone else."""
    world = cycle.world
    pegawai = world.people["pegawai.dinkes"]
    for n in range(count):
        pegawai.supervisor = f.make_employee(
            world.dinkes, f"Penilai Tambahan {n:03d}", supervisor=world.people["head.dinkes"]
        )
        db.session.commit()
        period = f.make_period(
            f"Periode Tambahan {n:03d}",
            start=dt.date(2020, 1, 1) + dt.timedelta(days=n),
            end=dt.date(2020, 12, 31),
        )
        assign(period, cycle.template_version, HR_SCOPE, employee_ids=[pegawai.id])
    _spread_states(
        db.session.scalars(
            select(Submission)
            .where(Submission.employee_id == pegawai.id, Submission.id != cycle.submission.id)
            .order_by(Submission.id)
        ).all()
    )


@pytest.mark.parametrize(
    "username, url, more",
    [
        ("pegawai.dinkes", "/my/", _more_own_submissions),
        ("penilai.dinkes", "/reviews/", _more_team_submissions),
        ("penilai.dinkes", "/reviews/?state=submitted", _more_team_submissions),
    ],
)
def test_cycle_pages_do_not_grow_with_rows(login_as, cycle, username, url, more):
    _cycle_baseline(cycle)
    client = login_as(username)
    few = _statements(client, url)
    more(cycle)
    many = _statements(client, url)
    assert many == few, f"{url}: {few} statements for a few rows, {many} for 30 more"


@pytest.mark.parametrize("username", ["penilai.dinkes", "hr"])
def test_submission_api_list_does_not_grow_with_rows(client, api_token, cycle, username):
    _cycle_baseline(cycle)
    headers = api_token(username)
    url = "/api/v1/submission/?page_size=100"
    few = _statements(client, url, headers)
    shown = client.get(url, headers=headers).json["count"]
    _more_team_submissions(cycle)
    many = _statements(client, url, headers)
    assert client.get(url, headers=headers).json["count"] == shown + 30
    assert many == few, f"{url}: {few} statements for a few rows, {many} for 30 more"
