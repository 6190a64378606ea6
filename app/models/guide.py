"""Which first-login tours (tur pengenalan) a user has finished or dismissed."""

from __future__ import annotations

import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.forms import _now


class TourSeen(Model):
    """A user has been through (or dismissed) the tour of one role: never shown again."""

    __tablename__ = "tours_seen"
    __table_args__ = (UniqueConstraint("user_id", "tour", name="uq_tour_seen"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False
    )
    tour: Mapped[str] = mapped_column(String(20), nullable=False)
    seen_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now, nullable=False)
