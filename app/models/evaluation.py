"""The evaluation cycle: templates, submissions, evidence, audit trail, unit ratings."""

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
    func,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.forms import _now
from app.models.org import Employee, Unit
from app.models.periods import EvaluationPeriod
from app.models.versioning import DraftDocument, PublishedVersion, freeze


class EvaluationTemplate(DraftDocument, Model):
    """A unit's evaluation template (templat penilaian): forms with weights and rating rules.

    Like indicator forms, it has a draft and frozen published versions.
    """

    __tablename__ = "evaluation_templates"
    __table_args__ = (UniqueConstraint("unit_id", "code", name="uq_template_unit_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    code: Mapped[str] = mapped_column(String(40), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    archived: Mapped[bool] = mapped_column(default=False, nullable=False)

    unit: Mapped[Unit | None] = relationship(Unit)
    versions: Mapped[list[TemplateVersion]] = relationship(
        "TemplateVersion", back_populates="template", order_by="TemplateVersion.number"
    )

    def __repr__(self) -> str:
        return f"{self.code} — {self.title}"


class TemplateVersion(PublishedVersion, Model):
    """A published, frozen version of an evaluation template."""

    __tablename__ = "template_versions"
    __table_args__ = (UniqueConstraint("template_id", "number", name="uq_template_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    template_id: Mapped[int] = mapped_column(
        ForeignKey("evaluation_templates.id"), nullable=False, index=True
    )
    definition: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)

    template: Mapped[EvaluationTemplate] = relationship(
        EvaluationTemplate, back_populates="versions"
    )

    def __repr__(self) -> str:
        return f"{self.template.code} v{self.number}"


freeze(TemplateVersion, "template version")


class Submission(Model):
    """One employee's evaluation for one period (penilaian kinerja pegawai).

    `answers` maps a form version id (as text) to that form's answers; `unit_id`
    is the employee's unit when assigned, so recaps and scoping need no join.
    """

    __tablename__ = "submissions"
    __table_args__ = (
        UniqueConstraint("employee_id", "period_id", name="uq_submission_employee_period"),
        Index("ix_submissions_period_unit_state", "period_id", "unit_id", "state"),
        Index("ix_submissions_evaluator_state", "evaluator_id", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("evaluation_periods.id"), nullable=False)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), nullable=False)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), nullable=False)
    evaluator_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    template_version_id: Mapped[int] = mapped_column(
        ForeignKey("template_versions.id"), nullable=False, index=True
    )
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="draft")
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    # A draft's answers kept as typed that are not valid yet ("<form>:<key>" → raw value);
    # their place in `answers` is empty until they are fixed. Submit refuses while any remain.
    invalid_answers: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    comments: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    behaviour: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    feedback: Mapped[str | None] = mapped_column(Text)
    recommendation: Mapped[str | None] = mapped_column(Text)
    return_reason: Mapped[str | None] = mapped_column(Text)
    achievement: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    hasil_rating: Mapped[str | None] = mapped_column(String(16))
    perilaku_rating: Mapped[str | None] = mapped_column(String(16))
    predikat: Mapped[str | None] = mapped_column(String(20))
    # What the portal proposed before the evaluator (pejabat penilai) decided; the final
    # ratings above differ only by an override, whose reason is kept.
    proposed_hasil_rating: Mapped[str | None] = mapped_column(String(16))
    proposed_perilaku_rating: Mapped[str | None] = mapped_column(String(16))
    override_reason: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    approved_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now, nullable=False)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    lock_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    # The agreed SKP version whose individual targets this evaluation uses, and those
    # targets ({form field key: target}) as they were when it began: a later revision of
    # the SKP never changes an evaluation already made.
    skp_version_id: Mapped[int | None] = mapped_column(ForeignKey("skp_versions.id"))
    targets: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Kalibrasi: the unit head's (or HR's) adjustment of the approved predikat.
    calibrated_predikat: Mapped[str | None] = mapped_column(String(20))
    calibration_reason: Mapped[str | None] = mapped_column(Text)
    calibrated_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    calibrated_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))

    period: Mapped[EvaluationPeriod] = relationship(EvaluationPeriod)
    employee: Mapped[Employee] = relationship(Employee, foreign_keys=[employee_id])
    evaluator: Mapped[Employee | None] = relationship(Employee, foreign_keys=[evaluator_id])
    unit: Mapped[Unit] = relationship(Unit)
    template_version: Mapped[TemplateVersion] = relationship(TemplateVersion)
    updated_by: Mapped[User | None] = relationship(User, foreign_keys=[updated_by_id])
    evidence: Mapped[list[Evidence]] = relationship(
        "Evidence", back_populates="submission", order_by="Evidence.id"
    )
    history: Mapped[list[AuditEntry]] = relationship(
        "AuditEntry", back_populates="submission", order_by="AuditEntry.id"
    )

    __mapper_args__ = {"version_id_col": lock_version}

    @hybrid_property
    def final_predikat(self) -> str | None:
        """The predikat that counts (predikat akhir): calibrated if adjusted, else approved."""
        return self.calibrated_predikat or self.predikat

    @final_predikat.inplace.expression
    @classmethod
    def _final_predikat_expression(cls):
        return func.coalesce(cls.calibrated_predikat, cls.predikat)


class Evidence(Model):
    """An uploaded supporting document (bukti dukung), stored outside the web root."""

    __tablename__ = "evidence_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id"), nullable=False, index=True
    )
    field_ref: Mapped[str] = mapped_column(String(80), nullable=False)
    stored_name: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    original_name: Mapped[str] = mapped_column(String(200), nullable=False)
    content_type: Mapped[str] = mapped_column(String(80), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    uploaded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now, nullable=False)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))

    submission: Mapped[Submission] = relationship(Submission, back_populates="evidence")


class AuditEntry(Model):
    """Who did what and when (jejak audit): transitions, answer changes, period changes."""

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"), index=True)
    period_id: Mapped[int | None] = mapped_column(ForeignKey("evaluation_periods.id"), index=True)
    skp_id: Mapped[int | None] = mapped_column(ForeignKey("skps.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now, nullable=False)
    action: Mapped[str] = mapped_column(String(32), nullable=False)
    comment: Mapped[str | None] = mapped_column(Text)
    changes: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    submission: Mapped[Submission | None] = relationship(Submission, back_populates="history")
    user: Mapped[User | None] = relationship(User)


class UnitRating(Model):
    """A unit's organisational rating (predikat kinerja organisasi) for a period."""

    __tablename__ = "unit_ratings"
    __table_args__ = (UniqueConstraint("unit_id", "period_id", name="uq_unit_rating_period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), nullable=False)
    period_id: Mapped[int] = mapped_column(ForeignKey("evaluation_periods.id"), nullable=False)
    rating: Mapped[str] = mapped_column(String(20), nullable=False)
    reason: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now, nullable=False)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    # What the portal proposed from the unit's IKU roll-up when the rating was confirmed.
    proposed_rating: Mapped[str | None] = mapped_column(String(20))
    proposed_achievement: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))

    unit: Mapped[Unit] = relationship(Unit)
    period: Mapped[EvaluationPeriod] = relationship(EvaluationPeriod)
