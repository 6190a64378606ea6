"""HR announcements (pengumuman sosialisasi) shown on every dashboard until they expire."""

from __future__ import annotations

import datetime as dt

from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.forms import _now


class Announcement(Model):
    """A dated announcement by HR, with an optional PDF attachment (lampiran)."""

    __tablename__ = "announcements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    starts_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    expires_on: Mapped[dt.date] = mapped_column(Date, nullable=False, index=True)
    attachment_key: Mapped[str | None] = mapped_column(String(120))
    attachment_name: Mapped[str | None] = mapped_column(String(200))
    archived: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now, nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))

    created_by: Mapped[User | None] = relationship(User)


class AnnouncementRead(Model):
    """A user has opened an announcement (for the read counts per unit)."""

    __tablename__ = "announcement_reads"
    __table_args__ = (UniqueConstraint("announcement_id", "user_id", name="uq_announcement_read"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    announcement_id: Mapped[int] = mapped_column(
        ForeignKey("announcements.id"), nullable=False, index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), nullable=False)
    read_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now, nullable=False)
