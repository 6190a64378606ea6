"""Background jobs (pekerjaan latar belakang): long work with progress and a result file."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_appbuilder import Model
from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.forms import _now

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
ACTIVE_STATES = (QUEUED, RUNNING)


class Job(Model):
    """One run of long work (pekerjaan): a recap, an import, a backup, a cache refresh.

    `active_key` holds the inputs hash while the job is queued or running and is unique,
    so the same work is never queued or run twice at once; it is cleared when it ends.
    """

    __tablename__ = "jobs"
    __table_args__ = (UniqueConstraint("active_key", name="uq_jobs_active_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    inputs_hash: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    active_key: Mapped[str | None] = mapped_column(String(64))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    state: Mapped[str] = mapped_column(String(16), nullable=False, default=QUEUED, index=True)
    progress: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    total: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    result_key: Mapped[str | None] = mapped_column(String(300))
    result_name: Mapped[str | None] = mapped_column(String(200))
    result_mime: Mapped[str | None] = mapped_column(String(120))
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    rerun: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    run_after: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=_now)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=_now)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=_now)

    @property
    def active(self) -> bool:
        return self.state in ACTIVE_STATES
