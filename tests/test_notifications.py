"""Notifications: made by each transition for the right person, linked, scoped to their
recipient; read state in the inbox and the API; e-mail through a local SMTP server;
reminders once a day."""

from __future__ import annotations

import datetime as dt
import socket
import time

import pytest
from sqlalchemy import func, select

from app.extensions import db as _db
from app.models import AuditEntry, EmailOutbox, Job, Notification, NotificationPreference
from app.models.types import PeriodState
from app.services import jobs
from app.services import notifications as service
from app.services.job_kinds import PERIOD_NOTICE
from app.services.periods import change_period_state
from tests import factories as f


def notes_of(user) -> list[Notification]:
    _db.session.expire_all()
    return _db.session.scalars(
        select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
    ).all()


def kinds_of(user) -> list[str]:
    return [note.kind for note in notes_of(user)]


# ---------------------------------------------------------------- who is told what


def test_submit_tells_the_evaluator_and_links_to_the_review(app, cycle):
    cycle.submit()
    evaluator = cycle.world.users["penilai.dinkes"]
    [note] = notes_of(evaluator)
    assert (note.kind, note.target_type, note.target_id) == (
        "review_waiting", "submission", cycle.submission.id
    )  # fmt: skip
    with app.test_request_context():
        assert service.link(note) == f"/reviews/{cycle.submission.id}/"
        assert service.message(note).startswith(cycle.world.people["pegawai.dinkes"].name)
    assert kinds_of(cycle.world.users["pegawai.dinkes"]) == []
    assert kinds_of(cycle.world.users["penilai.disdik"]) == []


def test_return_and_approve_tell_the_employee(app, cycle):
    cycle.submit()
    cycle.send_back()
    cycle.submit()
    cycle.approve()
    employee = cycle.world.users["pegawai.dinkes"]
    assert kinds_of(employee) == ["evaluation_returned", "evaluation_approved"]
    with app.test_request_context():
        assert service.link(notes_of(employee)[0]) == f"/my/{cycle.submission.id}/"
    assert kinds_of(cycle.world.users["penilai.dinkes"]) == ["review_waiting", "review_waiting"]


def test_opening_a_period_tells_every_active_employee_with_an_account_by_a_job(world):
    period = f.make_period(state=PeriodState.DRAFT)
    change_period_state([period], PeriodState.OPEN, world.users["hr"].id)
    assert _db.session.scalars(select(Notification)).all() == []  # not inside the request
    job = _db.session.scalar(select(Job).where(Job.kind == PERIOD_NOTICE))
    assert (job.inputs, job.state) == ({"period": period.id}, "queued")
    jobs.run_due()
    told = {note.user_id for note in _db.session.scalars(select(Notification))}
    accounts = {p.user_id for p in world.people.values() if p.user_id and p.active}
    assert told == accounts
    assert {note.kind for note in _db.session.scalars(select(Notification))} == {"period_opened"}
    jobs.start(PERIOD_NOTICE, {"period": period.id}, owner_id=None)  # again: nobody told twice
    assert _db.session.scalar(select(func.count(Notification.id))) == len(accounts)


def test_an_opening_rolled_back_tells_nobody(world):
    period = f.make_period(state=PeriodState.DRAFT)
    _db.session.add(AuditEntry(period_id=period.id, action="period_open"))
    _db.session.flush()
    _db.session.rollback()
    _db.session.commit()
    assert _db.session.scalars(select(Job).where(Job.kind == PERIOD_NOTICE)).all() == []


def test_notification_text_is_escaped_in_the_inbox(login_as, cycle):
    employee = cycle.world.people["pegawai.dinkes"]
    employee.name = "<script>alert(1)</script>"
    _db.session.commit()
    cycle.submit()
    html = login_as("penilai.dinkes").get("/notifications/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# ---------------------------------------------------------------- inbox and API


def test_inbox_opens_marks_read_and_refuses_another_users(login_as, cycle):
    cycle.submit()
    note = notes_of(cycle.world.users["penilai.dinkes"])[0]
    other = login_as("pegawai.dinkes")
    assert other.post(f"/notifications/{note.id}/open").status_code == 404
    client = login_as("penilai.dinkes")
    page = client.get("/notifications/").get_data(as_text=True)
    assert 'class="list-group-item notification-unread"' in page
    opened = client.post(f"/notifications/{note.id}/open")
    assert opened.status_code == 302
    assert opened.headers["Location"].endswith(f"/reviews/{cycle.submission.id}/")
    assert notes_of(cycle.world.users["penilai.dinkes"])[0].read_at is not None


def test_api_lists_own_unread_first_and_marks_read(client, api_token, cycle, documented):
    cycle.submit()
    cycle.send_back()
    cycle.submit()
    headers = api_token("penilai.dinkes")
    listed = client.get("/api/v1/notification/", headers=headers)
    documented(listed, "/api/v1/notification/", "GET")
    assert (listed.json["count"], listed.json["unread"]) == (2, 2)
    first, second = listed.json["result"]
    read = client.post(f"/api/v1/notification/{second['id']}/read", headers=headers)
    documented(read, "/api/v1/notification/{pk}/read", "POST")
    assert read.json["read"] is True
    again = client.get("/api/v1/notification/", headers=headers).json
    assert [item["id"] for item in again["result"]] == [first["id"], second["id"]]
    assert again["unread"] == 1
    assert again["result"][0]["link"] == f"/reviews/{cycle.submission.id}/"

    stranger = api_token("pegawai.dinkes")
    assert (
        client.post(f"/api/v1/notification/{first['id']}/read", headers=stranger).status_code == 404
    )
    assert client.get("/api/v1/notification/", headers=stranger).json["count"] == 1  # returned

    headers = api_token("penilai.dinkes")
    done = client.post("/api/v1/notification/read-all", headers=headers)
    documented(done, "/api/v1/notification/read-all", "POST")
    assert done.json == {"read": 1}


def test_bad_paging_is_a_422(client, api_token, world):
    response = client.get("/api/v1/notification/?page=0", headers=api_token("pegawai.dinkes"))
    assert response.status_code == 422
    assert "page" in response.json["errors"]


# ---------------------------------------------------------------- e-mail


class Inbox:
    """Messages received by the local SMTP server."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook
        self.messages.append(envelope)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(app):
    controller_module = pytest.importorskip("aiosmtpd.controller")
    inbox = Inbox()
    port = _free_port()
    controller = controller_module.Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_FROM="kinerja@mamujukab.test")
    yield inbox
    app.config.update(MAIL_SERVER=None)
    controller.stop()


def test_email_copy_is_sent_in_indonesian_with_the_link(app, cycle, smtp):
    cycle.submit()
    sent, failed = service.send_pending()
    assert (sent, failed) == (1, 0)
    [envelope] = smtp.messages
    assert envelope.rcpt_tos == [cycle.world.users["penilai.dinkes"].email]
    body = envelope.content.decode()
    assert "menunggu penilaian Anda" in body
    assert f"http://localhost/reviews/{cycle.submission.id}/" in body
    assert service.send_pending() == (0, 0)  # never twice


def test_email_follows_the_users_choice(app, cycle, smtp):
    evaluator = cycle.world.users["penilai.dinkes"]
    _db.session.add(
        NotificationPreference(user_id=evaluator.id, kind="review_waiting", email=False)
    )
    _db.session.commit()
    cycle.submit()
    assert _db.session.scalars(select(EmailOutbox)).all() == []
    assert kinds_of(evaluator) == ["review_waiting"]  # still in the portal


def test_a_request_never_waits_for_or_fails_on_the_mail_server(client, api_token, app, cycle):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=_free_port())  # nobody listens
    try:
        headers = api_token("pegawai.dinkes")
        item = cycle.save()
        response = client.post(
            f"/api/v1/submission/{item.id}/submit", json={"lock_version": item.lock_version},
            headers=headers,
        )  # fmt: skip
        assert response.status_code == 200, response.json
        assert cycle.reload().state == "submitted"
        deadline = time.monotonic() + 10
        row = None
        while time.monotonic() < deadline:
            _db.session.expire_all()
            row = _db.session.scalars(select(EmailOutbox)).first()
            if row is not None and row.attempts:
                break
            time.sleep(0.2)
        assert row is not None and row.attempts == 1 and row.sent_at is None
        assert "ConnectionRefusedError" in row.last_error
        assert row.next_attempt_at > dt.datetime.now(dt.UTC).replace(tzinfo=None)
    finally:
        app.config.update(MAIL_SERVER=None)


# ---------------------------------------------------------------- reminders


def test_reminders_once_a_day_for_closing_periods_and_waiting_reviews(cycle):
    cycle.submit()
    item = cycle.reload()
    item.submitted_at = dt.datetime(2026, 3, 20, 9)
    _db.session.commit()
    employee, evaluator = (cycle.world.users[name] for name in ("pegawai.dinkes", "penilai.dinkes"))
    day = dt.date(2026, 3, 29)  # the period ends on 31 March
    first = service.remind(day, days_before=3, overdue_days=5)
    assert first >= 1
    assert "review_overdue" in kinds_of(evaluator)
    assert "period_closing" not in kinds_of(employee)  # submitted: nothing to finish
    assert service.remind(day, days_before=3, overdue_days=5) == 0  # not twice a day
    assert service.remind(day + dt.timedelta(days=1), 3, 5) == first  # but again tomorrow

    cycle.send_back()
    service.remind(day + dt.timedelta(days=2), 3, 5)
    note = notes_of(employee)[-1]
    assert (note.kind, note.params["date"]) == ("period_closing", "2026-03-31")
    assert service.remind(dt.date(2026, 3, 1), 3, 5) == 0  # a month before: nothing closes


def test_remind_command_is_idempotent_per_day(app, cycle):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["remind", "--date", "2026-03-30"])
    assert first.exit_code == 0, first.output
    assert "Reminders: 0 new" not in first.output
    again = runner.invoke(args=["remind", "--date", "2026-03-30"])
    assert "Reminders: 0 new; e-mails sent 0, failed 0" in again.output


def test_the_bell_counts_unread_notifications(login_as, cycle):
    cycle.submit()
    page = login_as("penilai.dinkes").get("/dashboard/").get_data(as_text=True)
    assert 'id="notification-bell"' in page
    assert '<span class="badge" id="notification-count">1</span>' in page
    quiet = login_as("pegawai.disdik").get("/dashboard/").get_data(as_text=True)
    assert 'id="notification-bell"' in quiet and 'id="notification-count"' not in quiet
