"""In-app notifications (notifikasi), their e-mail copies and each user's choices.

* `Notification`: one message in a user's inbox about one thing (an evaluation, an SKP,
  a period, an award, a job), read or not. `dedupe_key` keeps reminders to one a day.
* `NotificationPreference`: per user and kind, whether an e-mail copy is wanted too.
* `EmailOutbox`: e-mails waiting to be sent (or retried); sending never blocks a request.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.forms import _now


class Notification(Model):
    """A message in one user's inbox (notifikasi)."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("user_id", "dedupe_key", name="uq_notification_dedupe"),
        Index("ix_notifications_user_read", "user_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False
    )
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    # What it is about: "submission", "skp", "period", "award" or "job", and its id.
    target_type: Mapped[str] = mapped_column(String(20), nullable=False)
    target_id: Mapped[int | None] = mapped_column(Integer)
    # Names shown in the message, as they were when it was made (plain text).
    params: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now, nullable=False)
    read_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    dedupe_key: Mapped[str | None] = mapped_column(String(120))

    user: Mapped[User] = relationship(User)


class NotificationPreference(Model):
    """Whether a user also wants an e-mail for one kind of notification."""

    __tablename__ = "notification_preferences"
    __table_args__ = (UniqueConstraint("user_id", "kind", name="uq_notification_preference"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False
    )
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    email: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


class EmailOutbox(Model):
    """An e-mail copy of a notification, waiting to be sent or retried."""

    __tablename__ = "email_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notification_id: Mapped[int] = mapped_column(
        ForeignKey("notifications.id", ondelete="CASCADE"), nullable=False, index=True
    )
    to_address: Mapped[str] = mapped_column(String(254), nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now, nullable=False)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime, index=True)
    last_error: Mapped[str | None] = mapped_column(Text)

    notification: Mapped[Notification] = relationship(Notification)
