"""Indicator forms designed by unit admins, with frozen published versions."""

from __future__ import annotations

from typing import Any

from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.org import Unit
from app.models.versioning import (
    DraftDocument,
    FrozenVersionError,
    PublishedVersion,
    _now,
    freeze,
)

__all__ = ["FormVersion", "FrozenVersionError", "IndicatorForm", "_now"]


class IndicatorForm(DraftDocument, Model):
    """A unit's indicator form (formulir indikator kinerja).

    `draft` holds the definition being edited (None when nothing is being
    changed); published versions live in `FormVersion` and never change.
    A form without a unit is regency-wide, made by HR for every unit to clone; a
    unit's form is seen by other units only when `shared` (dibagikan) is set.
    """

    __tablename__ = "indicator_forms"
    __table_args__ = (UniqueConstraint("unit_id", "code", name="uq_indicator_form_unit_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("units.id", ondelete="RESTRICT"), index=True
    )
    code: Mapped[str] = mapped_column(String(40), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    archived: Mapped[bool] = mapped_column(default=False, nullable=False)
    shared: Mapped[bool] = mapped_column(default=False, server_default=false(), nullable=False)

    unit: Mapped[Unit | None] = relationship(Unit)
    updated_by: Mapped[User | None] = relationship(User)
    versions: Mapped[list[FormVersion]] = relationship(
        "FormVersion", back_populates="form", order_by="FormVersion.number"
    )

    def __repr__(self) -> str:
        return f"{self.code} — {self.title}"


class FormVersion(PublishedVersion, Model):
    """A published, frozen version of an indicator form."""

    __tablename__ = "form_versions"
    __table_args__ = (UniqueConstraint("form_id", "number", name="uq_form_version_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    form_id: Mapped[int] = mapped_column(
        ForeignKey("indicator_forms.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    definition: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)

    form: Mapped[IndicatorForm] = relationship(IndicatorForm, back_populates="versions")


freeze(FormVersion, "form version")
