"""Printed documents: the verification record of every issued PDF, and signatories."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_appbuilder import Model
from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.forms import _now
from app.models.org import Unit
from app.models.periods import EvaluationPeriod


class IssuedDocument(Model):
    """A PDF the portal issued: its public code and the hash of the data printed on it.

    `/verify/<code>` compares the stored hash with the hash of today's data, so an
    altered or outdated sheet can be detected.
    """

    __tablename__ = "issued_documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    period_id: Mapped[int | None] = mapped_column(ForeignKey("evaluation_periods.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"), index=True)
    subject_key: Mapped[str] = mapped_column(String(120), nullable=False, index=True)
    data_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    lang: Mapped[str] = mapped_column(String(8), nullable=False, default="id")
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now, nullable=False)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    # What /verify shows of the printed copy: the person's masked name and the predikat.
    printed: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    period: Mapped[EvaluationPeriod | None] = relationship(EvaluationPeriod)
    unit: Mapped[Unit | None] = relationship(Unit)


class Signatory(Model):
    """Who signs a unit's documents (penandatangan), by purpose: e.g. the recap sheet."""

    __tablename__ = "signatories"
    __table_args__ = (UniqueConstraint("unit_id", "purpose", name="uq_signatory_unit_purpose"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), nullable=False)
    purpose: Mapped[str] = mapped_column(String(32), nullable=False, default="recap")
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    nip: Mapped[str] = mapped_column(String(18), nullable=False, default="")
    jabatan: Mapped[str] = mapped_column(String(200), nullable=False)
    place: Mapped[str] = mapped_column(String(80), nullable=False, default="Mamuju")

    unit: Mapped[Unit] = relationship(Unit)
