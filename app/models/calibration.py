"""Calibration (kalibrasi) per unit and period, and the annual evaluation per employee.

* `Calibration`: whether a unit's calibration for a period is closed (absent = open).
  The adjusted predikat themselves live on `Submission` (`calibrated_predikat`).
* `AnnualEvaluation`: an employee's evaluasi kinerja tahunan for one year, the portal's
  proposal and the evaluator's confirmed (or overridden) ratings.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.forms import _now
from app.models.org import Employee, Unit
from app.models.periods import EvaluationPeriod


class Calibration(Model):
    """The calibration of one unit's predikat for one period: open or closed."""

    __tablename__ = "calibrations"
    __table_args__ = (UniqueConstraint("unit_id", "period_id", name="uq_calibration_unit_period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), nullable=False)
    period_id: Mapped[int] = mapped_column(ForeignKey("evaluation_periods.id"), nullable=False)
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="open")
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))

    unit: Mapped[Unit] = relationship(Unit)
    period: Mapped[EvaluationPeriod] = relationship(EvaluationPeriod)
    closed_by: Mapped[User | None] = relationship(User)


class AnnualEvaluation(Model):
    """An employee's annual evaluation (evaluasi kinerja tahunan).

    `indicators` keeps the proposal's per-indicator table as it was approved.
    """

    __tablename__ = "annual_evaluations"
    __table_args__ = (UniqueConstraint("employee_id", "year", name="uq_annual_employee_year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), nullable=False)
    evaluator_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="approved")
    achievement: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    proposed_hasil: Mapped[str | None] = mapped_column(String(16))
    proposed_perilaku: Mapped[str | None] = mapped_column(String(16))
    hasil_rating: Mapped[str] = mapped_column(String(16), nullable=False)
    perilaku_rating: Mapped[str] = mapped_column(String(16), nullable=False)
    override_reason: Mapped[str | None] = mapped_column(Text)
    predikat: Mapped[str] = mapped_column(String(20), nullable=False)
    indicators: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False, default=list)
    approved_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now, nullable=False)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))

    employee: Mapped[Employee] = relationship(Employee, foreign_keys=[employee_id])
    evaluator: Mapped[Employee | None] = relationship(Employee, foreign_keys=[evaluator_id])
    unit: Mapped[Unit] = relationship(Unit)
    approved_by: Mapped[User | None] = relationship(User)
