"""Notifications (notifikasi): who is told what, the inbox, e-mail copies and reminders.

Notifications follow the audit trail: every transition a service records as an
`AuditEntry` (an evaluation submitted, returned or approved; an SKP submitted, returned
or agreed; a period opened; an award confirmed) tells the person who has to act or who
is concerned, in the same transaction. `remind` adds the daily reminders. E-mail copies
go through `EmailOutbox` and are sent after the request, in a thread (or by
`flask notify send`), with retries: a mail server that fails never breaks the request.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from email.message import EmailMessage

from flask import current_app, g, has_request_context, url_for
from flask_appbuilder.security.sqla.models import User
from flask_sqlalchemy.session import Session
from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import aliased
from werkzeug.routing import BuildError

from app import practice
from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.i18n import long_date
from app.models import (
    AuditEntry,
    Award,
    EmailOutbox,
    Employee,
    EvaluationPeriod,
    Notification,
    NotificationPreference,
    Skp,
    Submission,
)
from app.models.forms import _now

log = logging.getLogger(__name__)

MESSAGES = {
    "review_waiting": _l(
        "%(employee)s submitted the evaluation of %(period)s: it waits for your review."
    ),
    "review_overdue": _l(
        "The evaluation of %(employee)s for %(period)s has waited %(days)s days for your review."
    ),
    "evaluation_returned": _l("Your evaluation of %(period)s was returned for revision."),
    "evaluation_approved": _l("Your evaluation of %(period)s was approved."),
    "skp_waiting": _l("%(employee)s submitted an SKP for %(year)s: it waits for your agreement."),
    "skp_returned": _l("Your SKP for %(year)s was returned for revision."),
    "skp_agreed": _l("Your SKP for %(year)s was agreed."),
    "period_opened": _l("The period %(period)s is open: fill in your evaluation."),
    "period_closing": _l(
        "The period %(period)s closes on %(date)s and your evaluation is not finished."
    ),
    "award_confirmed": _l("You received an award: %(title)s."),
    "job_finished": _l("Your job %(job)s has finished."),
    "job_failed": _l("Your job %(job)s failed: open it to see why and try again."),
}
KIND_LABELS = {
    "review_waiting": _l("An evaluation waits for my review"),
    "review_overdue": _l("An evaluation has waited too long for my review"),
    "evaluation_returned": _l("My evaluation was returned"),
    "evaluation_approved": _l("My evaluation was approved"),
    "skp_waiting": _l("An SKP waits for my agreement"),
    "skp_returned": _l("My SKP was returned"),
    "skp_agreed": _l("My SKP was agreed"),
    "period_opened": _l("A period opened"),
    "period_closing": _l("A period closes soon and my evaluation is not finished"),
    "award_confirmed": _l("I received an award"),
    "job_finished": _l("A job I started has finished"),
    "job_failed": _l("A job I started failed"),
}
# Where each kind leads: (endpoint, whether it takes the target's id as `pk`).
LINKS = {
    "review_waiting": ("ReviewView.review", True),
    "review_overdue": ("ReviewView.review", True),
    "evaluation_returned": ("MyPerformanceView.fill", True),
    "evaluation_approved": ("MyPerformanceView.fill", True),
    "period_closing": ("MyPerformanceView.fill", True),
    "skp_waiting": ("SkpView.show", True),
    "skp_returned": ("SkpView.show", True),
    "skp_agreed": ("SkpView.show", True),
    "period_opened": ("MyPerformanceView.index", False),
    "award_confirmed": ("DashboardView.hall_of_fame", False),
    "job_finished": ("JobView.show", True),
    "job_failed": ("JobView.show", True),
}
EMAIL_OFF_BY_DEFAULT = {"job_finished", "job_failed"}
RETRY_MINUTES = (1, 5, 30, 120, 720)


@dataclass(frozen=True)
class Note:
    """A notification to make: for whom, what kind, about what."""

    user_id: int | None
    kind: str
    target_type: str
    target_id: int | None
    params: dict
    dedupe_key: str | None = None


# ---------------------------------------------------------------- from the audit trail


def _user_of(session: OrmSession, employee_id: int | None) -> int | None:
    employee = session.get(Employee, employee_id) if employee_id else None
    return employee.user_id if employee and employee.active else None


def _submission_notes(session: OrmSession, entry: AuditEntry) -> list[Note]:
    submission = entry.submission or session.get(Submission, entry.submission_id)
    params = {"employee": submission.employee.name, "period": submission.period.name}
    if entry.action == "submit":
        recipient, kind = _user_of(session, submission.evaluator_id), "review_waiting"
    else:
        recipient = _user_of(session, submission.employee_id)
        kind = {"return": "evaluation_returned", "approve": "evaluation_approved"}[entry.action]
    return [Note(recipient, kind, "submission", submission.id, params)]


def _skp_notes(session: OrmSession, entry: AuditEntry) -> list[Note]:
    skp = session.get(Skp, entry.skp_id)
    params = {"employee": skp.employee.name, "year": str(skp.year)}
    if entry.action == "skp_submit":
        version = skp.versions[-1]
        return [Note(_user_of(session, version.evaluator_id), "skp_waiting", "skp", skp.id, params)]
    kind = {"skp_return": "skp_returned", "skp_agree": "skp_agreed"}[entry.action]
    return [Note(_user_of(session, skp.employee_id), kind, "skp", skp.id, params)]


def _period_notes(session: OrmSession, entry: AuditEntry) -> list[Note]:
    """None now: everyone is told by a job after the commit (a province has 100,000)."""
    session.info.setdefault(OPENED_PERIODS, set()).add(entry.period_id)
    return []


OPENED_PERIODS = "kinerja.opened_periods"


def tell_period_opened(session: OrmSession, period: EvaluationPeriod, user_ids) -> int:
    """Tell these users that `period` is open (once each, however often it is asked)."""
    params, key = {"period": period.name}, f"period_opened:{period.id}"
    return add(
        session, [Note(uid, "period_opened", "period", period.id, params, key) for uid in user_ids]
    )


def _award_notes(session: OrmSession, entry: AuditEntry) -> list[Note]:
    award = session.get(Award, (entry.changes or {}).get("award"))
    if award is None:
        return []
    params = {"title": award.title or ""}
    return [
        Note(_user_of(session, award.employee_id), "award_confirmed", "award", award.id, params)
    ]


HANDLERS: dict[str, Callable[[OrmSession, AuditEntry], list[Note]]] = {
    "submit": _submission_notes,
    "return": _submission_notes,
    "approve": _submission_notes,
    "skp_submit": _skp_notes,
    "skp_return": _skp_notes,
    "skp_agree": _skp_notes,
    "period_open": _period_notes,
    "award_confirm": _award_notes,
}


def _handled(entry: AuditEntry) -> bool:
    if entry.action not in HANDLERS:
        return False
    if entry.action in ("submit", "return", "approve"):
        return entry.submission is not None or entry.submission_id is not None
    return not entry.action.startswith("skp_") or entry.skp_id is not None


@event.listens_for(Session, "before_flush")
def _notify_audited(session: OrmSession, flush_context, instances) -> None:
    entries = [obj for obj in session.new if isinstance(obj, AuditEntry) and _handled(obj)]
    if not entries:
        return
    with session.no_autoflush:
        notes = [note for entry in entries for note in HANDLERS[entry.action](session, entry)]
        add(session, notes)


def job_ended(session: OrmSession, job, succeeded: bool, label: str) -> None:
    """Tell the one who started a job that it finished or failed (not automatic refreshes)."""
    if job.owner_id is None:
        return
    kind = "job_finished" if succeeded else "job_failed"
    add(session, [Note(job.owner_id, kind, "job", job.id, {"job": label})])


# ---------------------------------------------------------------- making notifications


def mail_enabled() -> bool:
    """E-mail copies are sent when MAIL_SERVER is set, never from practice mode."""
    return bool(current_app.config.get("MAIL_SERVER")) and not practice.active()


def _email_wanted(session: OrmSession, user_ids: set[int], kind: str) -> dict[int, str]:
    """Addresses of the users among `user_ids` who want an e-mail for `kind`."""
    if not user_ids or not mail_enabled():
        return {}
    choices = dict(
        session.execute(
            select(NotificationPreference.user_id, NotificationPreference.email).where(
                NotificationPreference.kind == kind,
                NotificationPreference.user_id.in_(user_ids),
            )
        ).all()
    )
    default = kind not in EMAIL_OFF_BY_DEFAULT
    wanted = {uid for uid in user_ids if choices.get(uid, default)}
    rows = session.execute(
        select(User.id, User.email).where(User.id.in_(wanted), User.active.is_(True))
    ).all()
    return {uid: email for uid, email in rows if email and "@" in email}


def add(session: OrmSession, notes: Iterable[Note]) -> int:
    """Add notifications (and e-mail copies); a `dedupe_key` already used is skipped."""
    notes = [note for note in notes if note.user_id is not None]
    notes = _without_duplicates(session, notes)
    made = 0
    for kind in {note.kind for note in notes}:
        of_kind = [note for note in notes if note.kind == kind]
        addresses = _email_wanted(session, {note.user_id for note in of_kind}, kind)
        for note in of_kind:
            notification = Notification(
                user_id=note.user_id, kind=kind, target_type=note.target_type,
                target_id=note.target_id, params=note.params, dedupe_key=note.dedupe_key,
            )  # fmt: skip
            session.add(notification)
            if note.user_id in addresses:
                session.add(
                    EmailOutbox(notification=notification, to_address=addresses[note.user_id])
                )
                _send_after_request()
            made += 1
    return made


def _without_duplicates(session: OrmSession, notes: list[Note]) -> list[Note]:
    keys = {(note.user_id, note.dedupe_key) for note in notes if note.dedupe_key}
    if not keys:
        return notes
    taken = set(
        session.execute(
            select(Notification.user_id, Notification.dedupe_key).where(
                Notification.dedupe_key.in_({key for _, key in keys})
            )
        ).all()
    )
    seen: set[tuple] = set()
    kept = []
    for note in notes:
        key = (note.user_id, note.dedupe_key)
        if note.dedupe_key and (key in taken or key in seen):
            continue
        seen.add(key)
        kept.append(note)
    return kept


# ---------------------------------------------------------------- the inbox


def message(notification: Notification) -> str:
    """The notification's text in the current language."""
    template = MESSAGES.get(notification.kind)
    if template is None:
        return notification.kind
    params = defaultdict(str, notification.params or {})
    if params["date"]:
        params["date"] = long_date(dt.date.fromisoformat(params["date"]))
    # Plain text (the templates escape it); the names were stored as plain text.
    return str(template) % params


def link(notification: Notification) -> str:
    """The page where the notification's action is."""
    endpoint, with_id = LINKS.get(notification.kind, ("HomeView.index", False))
    try:
        if with_id and notification.target_id is not None:
            return url_for(endpoint, pk=notification.target_id)
        return url_for(endpoint)
    except BuildError:
        return url_for("HomeView.index") if has_request_context() else "/"


def inbox(user_id: int, limit: int = 50, offset: int = 0) -> list[Notification]:
    """The user's notifications, unread first, newest first."""
    unread_first = Notification.read_at.is_(None).desc()
    return db.session.scalars(
        select(Notification)
        .where(Notification.user_id == user_id)
        .order_by(unread_first, Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()


def unread_count(user_id: int) -> int:
    return db.session.scalar(
        select(func.count(Notification.id)).where(
            Notification.user_id == user_id, Notification.read_at.is_(None)
        )
    )


def count(user_id: int) -> int:
    return db.session.scalar(
        select(func.count(Notification.id)).where(Notification.user_id == user_id)
    )


def own(user_id: int, notification_id: int) -> Notification | None:
    """The user's own notification, or None (another user's is never found)."""
    notification = db.session.get(Notification, notification_id)
    return notification if notification and notification.user_id == user_id else None


def mark_read(notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = _now()
        db.session.commit()


def mark_all_read(user_id: int) -> int:
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=_now())
    )
    db.session.commit()
    return result.rowcount


def preferences(user_id: int) -> dict[str, bool]:
    """Per kind, whether the user wants an e-mail copy too."""
    chosen = dict(
        db.session.execute(
            select(NotificationPreference.kind, NotificationPreference.email).where(
                NotificationPreference.user_id == user_id
            )
        ).all()
    )
    return {kind: chosen.get(kind, kind not in EMAIL_OFF_BY_DEFAULT) for kind in MESSAGES}


def save_preferences(user_id: int, email_kinds: Iterable[str]) -> None:
    wanted = set(email_kinds)
    existing = {
        pref.kind: pref
        for pref in db.session.scalars(
            select(NotificationPreference).where(NotificationPreference.user_id == user_id)
        )
    }
    for kind in MESSAGES:
        pref = existing.get(kind) or NotificationPreference(user_id=user_id, kind=kind)
        pref.email = kind in wanted
        db.session.add(pref)
    db.session.commit()


# ---------------------------------------------------------------- reminders


def remind(today: dt.date, days_before: int, overdue_days: int) -> int:
    """Daily reminders: unfinished evaluations of periods closing within `days_before`
    days, and evaluations waiting more than `overdue_days` days for review. Never twice
    for the same thing on one day (`dedupe_key`)."""
    notes = [*_closing_notes(today, days_before), *_overdue_notes(today, overdue_days)]
    made = add(db.session, notes)
    db.session.commit()
    return made


def _closing_notes(today: dt.date, days_before: int) -> Iterable[Note]:
    rows = db.session.execute(
        select(Submission.id, Employee.user_id, EvaluationPeriod.name, EvaluationPeriod.end_date)
        .join(Employee, Employee.id == Submission.employee_id)
        .join(EvaluationPeriod, EvaluationPeriod.id == Submission.period_id)
        .where(
            EvaluationPeriod.state == "open",
            EvaluationPeriod.end_date >= today,
            EvaluationPeriod.end_date <= today + dt.timedelta(days=days_before),
            Submission.state.in_(("draft", "returned")),
            Employee.active,
        )
    ).all()
    for submission_id, user_id, name, end in rows:
        params = {"period": name, "date": end.isoformat()}
        key = f"period_closing:{submission_id}:{today.isoformat()}"
        yield Note(user_id, "period_closing", "submission", submission_id, params, key)


def _overdue_notes(today: dt.date, overdue_days: int) -> Iterable[Note]:
    evaluator = aliased(Employee)
    employee = aliased(Employee)
    limit = dt.datetime.combine(today - dt.timedelta(days=overdue_days), dt.time.max)
    rows = db.session.execute(
        select(Submission.id, Submission.submitted_at, evaluator.user_id, employee.name,
               EvaluationPeriod.name)
        .join(evaluator, evaluator.id == Submission.evaluator_id)
        .join(employee, employee.id == Submission.employee_id)
        .join(EvaluationPeriod, EvaluationPeriod.id == Submission.period_id)
        .where(Submission.state == "submitted", Submission.submitted_at <= limit, evaluator.active)
    ).all()  # fmt: skip
    for submission_id, submitted_at, user_id, name, period in rows:
        days = (today - submitted_at.date()).days
        params = {"employee": name, "period": period, "days": str(days)}
        key = f"review_overdue:{submission_id}:{today.isoformat()}"
        yield Note(user_id, "review_overdue", "submission", submission_id, params, key)


# ---------------------------------------------------------------- e-mail


def _send_after_request() -> None:
    if has_request_context():
        g.notification_mail_pending = True


def send_pending_in_background(app) -> threading.Thread:
    """Send what waits in the outbox in a thread with its own application context."""

    def run() -> None:
        with app.app_context():
            try:
                send_pending()
            finally:
                db.session.remove()

    thread = threading.Thread(target=run, name="notification-mail", daemon=True)
    thread.start()
    return thread


def init_app(app) -> None:
    """After a request that queued e-mail, send it without making the user wait."""
    app = getattr(app, "_get_current_object", lambda: app)()

    @app.teardown_request
    def _flush_mail(exc) -> None:
        if exc is None and g.pop("notification_mail_pending", False) and mail_enabled():
            send_pending_in_background(current_app._get_current_object())


def _claim(row_id: int, now: dt.datetime) -> bool:
    """Take one outbox row for this sender (another server or thread may be at it)."""
    claimed = db.session.execute(
        update(EmailOutbox)
        .where(EmailOutbox.id == row_id, EmailOutbox.sent_at.is_(None))
        .where(EmailOutbox.next_attempt_at <= now)
        .values(next_attempt_at=now + dt.timedelta(minutes=10))
    )
    db.session.commit()
    return claimed.rowcount == 1


def send_pending(limit: int = 200) -> tuple[int, int]:
    """Send due e-mails; return (sent, failed). A failure is logged and retried later."""
    now = _now()
    due = db.session.scalars(
        select(EmailOutbox.id)
        .where(EmailOutbox.sent_at.is_(None), EmailOutbox.next_attempt_at <= now)
        .where(EmailOutbox.attempts < len(RETRY_MINUTES) + 1)
        .order_by(EmailOutbox.id)
        .limit(limit)
    ).all()
    sent = failed = 0
    for row_id in due:
        if not _claim(row_id, now):
            continue
        row = db.session.get(EmailOutbox, row_id)
        try:
            _deliver(row)
        except (OSError, smtplib.SMTPException) as error:
            failed += 1
            _failed(row, error)
        else:
            sent += 1
            row.sent_at, row.last_error = _now(), None
        row.attempts += 1
        db.session.commit()
    return sent, failed


def _failed(row: EmailOutbox, error: Exception) -> None:
    delay = RETRY_MINUTES[min(row.attempts, len(RETRY_MINUTES) - 1)]
    row.next_attempt_at = _now() + dt.timedelta(minutes=delay)
    row.last_error = f"{type(error).__name__}: {error}"[:2000]
    log.warning("notification e-mail %s to %s failed: %s", row.id, row.to_address, error)


def _email(row: EmailOutbox) -> EmailMessage:
    config = current_app.config
    base = config["PUBLIC_BASE_URL"].rstrip("/")
    with current_app.test_request_context(base_url=base):
        text = message(row.notification)
        target = base + link(row.notification)
        settings = base + url_for("NotificationView.settings")
        body = str(
            _l(
                "%(text)s\n\nOpen: %(link)s\n\n— Kinerja Mamuju\n"
                "Choose which notifications also come by e-mail: %(settings)s",
                text=text,
                link=target,
                settings=settings,
            )
        )
    mail = EmailMessage()
    mail["Subject"] = f"[Kinerja Mamuju] {text[:150]}"
    mail["From"] = config.get("MAIL_FROM") or "kinerja@localhost"
    mail["To"] = row.to_address
    mail.set_content(body)
    return mail


def _deliver(row: EmailOutbox) -> None:
    config = current_app.config
    smtp = smtplib.SMTP(config["MAIL_SERVER"], int(config.get("MAIL_PORT") or 25), timeout=10)
    with smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        smtp.send_message(_email(row))
