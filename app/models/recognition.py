"""Organisational roll-up (IKU), recognition (penghargaan) and dashboard policies.

* `Iku`: a key indicator (Indikator Kinerja Utama) of a unit. The unit's IKU form is an
  ordinary indicator form made with the form builder; each of its indicator fields
  becomes an IKU with a regency-wide `code` (what individual indicators name as their
  `parent`) and the rule that aggregates the approved individual realisations.
* `IkuTarget`: the IKU's target for one period (else the form's target applies).
* `Award`: a nominee proposed by the portal, confirmed (with title and citation) or
  dismissed by HR.
* `PolicySetting`: HR's configurable rules (org-rating thresholds, nominee rule).
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
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.evaluation import Submission
from app.models.forms import IndicatorForm, _now
from app.models.org import Employee, Unit
from app.models.periods import EvaluationPeriod


class Iku(Model):
    """A unit's key indicator: one indicator field of the unit's IKU form."""

    __tablename__ = "ikus"
    __table_args__ = (UniqueConstraint("form_id", "key", name="uq_iku_form_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), nullable=False, index=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("indicator_forms.id"), nullable=False)
    key: Mapped[str] = mapped_column(String(40), nullable=False)
    code: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    aggregation: Mapped[str] = mapped_column(String(12), nullable=False, default="sum")
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # The regency's sasaran (RPJMD) this IKU supports.
    regency_goal_id: Mapped[int | None] = mapped_column(ForeignKey("regency_goals.id"), index=True)

    unit: Mapped[Unit] = relationship(Unit)
    form: Mapped[IndicatorForm] = relationship(IndicatorForm)
    regency_goal = relationship("RegencyGoal")


class IkuTarget(Model):
    """The target of an IKU for one period."""

    __tablename__ = "iku_targets"
    __table_args__ = (UniqueConstraint("iku_id", "period_id", name="uq_iku_target_period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    iku_id: Mapped[int] = mapped_column(ForeignKey("ikus.id"), nullable=False)
    period_id: Mapped[int] = mapped_column(ForeignKey("evaluation_periods.id"), nullable=False)
    target: Mapped[Decimal] = mapped_column(Numeric(18, 4), nullable=False)

    iku: Mapped[Iku] = relationship(Iku)
    period: Mapped[EvaluationPeriod] = relationship(EvaluationPeriod)


class Award(Model):
    """A recognition (penghargaan) of an employee for a period: proposed, then confirmed."""

    __tablename__ = "awards"
    __table_args__ = (
        UniqueConstraint("employee_id", "period_id", name="uq_award_employee_period"),
        Index("ix_awards_period_unit_state", "period_id", "unit_id", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("evaluation_periods.id"), nullable=False)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), nullable=False)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), nullable=False, index=True)
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"))
    state: Mapped[str] = mapped_column(String(12), nullable=False, default="proposed")
    rank: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    predikat: Mapped[str | None] = mapped_column(String(20))
    achievement: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    title: Mapped[str | None] = mapped_column(String(200))
    citation: Mapped[str | None] = mapped_column(Text)
    proposed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now, nullable=False)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))

    period: Mapped[EvaluationPeriod] = relationship(EvaluationPeriod)
    unit: Mapped[Unit] = relationship(Unit)
    employee: Mapped[Employee] = relationship(Employee)
    submission: Mapped[Submission | None] = relationship(Submission)
    decided_by: Mapped[User | None] = relationship(User)


class PolicySetting(Model):
    """A configurable rule, by key, as JSON (defaults live in the services)."""

    __tablename__ = "policy_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    value: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now, nullable=False)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
