"""Evaluation periods (periode penilaian), opened and closed by HR."""

from __future__ import annotations

import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import CheckConstraint, Date, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.types import PeriodKind, PeriodState


class EvaluationPeriod(Model):
    """A monthly, quarterly (triwulan) or annual evaluation period."""

    __tablename__ = "evaluation_periods"
    __table_args__ = (
        CheckConstraint("end_date > start_date", name="ck_period_end_after_start"),
        UniqueConstraint("name", name="uq_period_name"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    kind: Mapped[str] = mapped_column(
        String(16), nullable=False, default=PeriodKind.QUARTERLY.value
    )
    start_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    end_date: Mapped[dt.date] = mapped_column(Date, nullable=False, index=True)
    state: Mapped[str] = mapped_column(
        String(16), nullable=False, default=PeriodState.DRAFT.value, index=True
    )

    @property
    def kind_label(self) -> str:
        return PeriodKind(self.kind).label

    @property
    def state_label(self) -> str:
        return PeriodState(self.state).label

    def __repr__(self) -> str:
        return self.name
