"""Performance planning: the regency's goals (RPJMD) and each employee's SKP.

* `RegencyGoal`: an element of the RPJMD tree — the vision (visi), its missions (misi) and
  their goals (sasaran daerah).
* `RegencyIndicator` / `RegencyIndicatorTarget`: the regency's key indicators (IKU
  kabupaten) measuring a sasaran, with a target per year. A unit's `Iku` names the
  sasaran it supports (`Iku.regency_goal_id`).
* `Skp`: the performance plan (Sasaran Kinerja Pegawai) of one employee for one year
  (and period type). Its content lives in `SkpVersion`s: a draft being planned, a plan
  submitted to the pejabat penilai, an agreed plan (frozen), and the plans a revision
  superseded (kept).
* `SkpRhk`: a work result (rencana hasil kerja, RHK) of one version. It intervenes the
  supervisor's RHK (`parent_rhk_id`) or, for a unit head, a unit IKU (`iku_id`). `key` stays
  the same across versions, so links and feedback follow an RHK through revisions.
* `SkpIndicator`: an indicator of an RHK with the employee's individual target; `field_key`
  names the indicator field of the evaluation form whose default target it replaces.
* `SkpFeedback`: dated notes on an RHK during the year (umpan balik berkelanjutan).
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import (
    JSON,
    Boolean,
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
from app.models.versioning import PublishedVersion, freeze


class GoalKind(enum.StrEnum):
    """Levels of the RPJMD tree."""

    VISION = "vision"  # visi
    MISSION = "mission"  # misi
    SASARAN = "sasaran"  # sasaran daerah (tujuan/sasaran)


class SkpState(enum.StrEnum):
    """States of an SKP version."""

    DRAFT = "draft"
    SUBMITTED = "submitted"  # diajukan
    RETURNED = "returned"  # dikembalikan
    AGREED = "agreed"  # disetujui: frozen
    SUPERSEDED = "superseded"  # replaced by an agreed revision: frozen, kept


class RhkKind(enum.StrEnum):
    """Utama (main) or Tambahan (additional) work result."""

    UTAMA = "utama"
    TAMBAHAN = "tambahan"


class Aspect(enum.StrEnum):
    """Aspects of an RHK indicator."""

    KUANTITAS = "kuantitas"
    KUALITAS = "kualitas"
    WAKTU = "waktu"
    BIAYA = "biaya"


class RegencyGoal(Model):
    """An element of the regency's plan (RPJMD): visi, misi or sasaran daerah."""

    __tablename__ = "regency_goals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(12), nullable=False)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("regency_goals.id", ondelete="RESTRICT"), index=True
    )
    code: Mapped[str] = mapped_column(String(40), unique=True, nullable=False)
    title: Mapped[str] = mapped_column(Text, nullable=False)
    start_year: Mapped[int] = mapped_column(Integer, nullable=False)
    end_year: Mapped[int] = mapped_column(Integer, nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # An illustrative seed, to be replaced by the text of the regional regulation.
    example: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    archived: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    parent: Mapped[RegencyGoal | None] = relationship(
        "RegencyGoal", remote_side=[id], back_populates="children"
    )
    children: Mapped[list[RegencyGoal]] = relationship(
        "RegencyGoal", back_populates="parent", order_by="RegencyGoal.position"
    )
    indicators: Mapped[list[RegencyIndicator]] = relationship(
        "RegencyIndicator", back_populates="goal", order_by="RegencyIndicator.position"
    )

    def __repr__(self) -> str:
        return f"{self.code} — {self.title}"


class RegencyIndicator(Model):
    """A key indicator of the regency (IKU kabupaten) measuring a sasaran daerah."""

    __tablename__ = "regency_indicators"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    goal_id: Mapped[int] = mapped_column(
        ForeignKey("regency_goals.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    code: Mapped[str] = mapped_column(String(40), unique=True, nullable=False)
    title: Mapped[str] = mapped_column(Text, nullable=False)
    unit_label: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    example: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    goal: Mapped[RegencyGoal] = relationship(RegencyGoal, back_populates="indicators")
    targets: Mapped[list[RegencyIndicatorTarget]] = relationship(
        "RegencyIndicatorTarget", back_populates="indicator", order_by="RegencyIndicatorTarget.year"
    )


class RegencyIndicatorTarget(Model):
    """The yearly target of a regency key indicator (target IKU kabupaten)."""

    __tablename__ = "regency_indicator_targets"
    __table_args__ = (UniqueConstraint("indicator_id", "year", name="uq_regency_target_year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    indicator_id: Mapped[int] = mapped_column(
        ForeignKey("regency_indicators.id", ondelete="RESTRICT"), nullable=False
    )
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    target: Mapped[Decimal] = mapped_column(Numeric(18, 4), nullable=False)

    indicator: Mapped[RegencyIndicator] = relationship(RegencyIndicator, back_populates="targets")


class Skp(Model):
    """The performance plan of one employee for one year (Sasaran Kinerja Pegawai)."""

    __tablename__ = "skps"
    __table_args__ = (
        UniqueConstraint("employee_id", "year", "period_kind", name="uq_skp_employee_year_kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employee_id: Mapped[int] = mapped_column(
        ForeignKey("employees.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    unit_id: Mapped[int] = mapped_column(
        ForeignKey("units.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    year: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    # "annual", or "quarterly" where a unit plans per quarter.
    period_kind: Mapped[str] = mapped_column(String(12), nullable=False, default="annual")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now, nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))

    employee: Mapped[Employee] = relationship(Employee)
    unit: Mapped[Unit] = relationship(Unit)
    versions: Mapped[list[SkpVersion]] = relationship(
        "SkpVersion", back_populates="skp", order_by="SkpVersion.number"
    )


class SkpVersion(PublishedVersion, Model):
    """One version of an SKP (versi SKP): planned, submitted, agreed or superseded.

    `published_at`/`published_by` record the agreement (persetujuan) by the pejabat
    penilai, as publication does for forms and templates; agreed versions never change.
    """

    __tablename__ = "skp_versions"
    __table_args__ = (UniqueConstraint("skp_id", "number", name="uq_skp_version_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    skp_id: Mapped[int] = mapped_column(
        ForeignKey("skps.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    state: Mapped[str] = mapped_column(String(12), nullable=False, default=SkpState.DRAFT.value)
    evaluator_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    # BerAKHLAK value code → ekspektasi khusus pimpinan.
    expectations: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    # {"resources": …, "accountability": …, "consequences": …} (lampiran SKP).
    annex: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    revision_reason: Mapped[str | None] = mapped_column(Text)
    return_reason: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # Set on agreement only (a draft is not published yet).
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime, default=None)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now, nullable=False)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    lock_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    skp: Mapped[Skp] = relationship(Skp, back_populates="versions")
    evaluator: Mapped[Employee | None] = relationship(Employee)
    updated_by: Mapped[User | None] = relationship(User, foreign_keys=[updated_by_id])
    items: Mapped[list[SkpRhk]] = relationship(
        "SkpRhk", back_populates="version", order_by="SkpRhk.position"
    )

    __mapper_args__ = {"version_id_col": lock_version}

    @property
    def frozen(self) -> bool:
        """Agreed and superseded versions never change."""
        return self.state in FROZEN_STATES


FROZEN_STATES = frozenset({SkpState.AGREED.value, SkpState.SUPERSEDED.value})
# An agreed version only becomes superseded when its revision is agreed.
freeze(
    SkpVersion,
    "SKP version",
    frozen=lambda v: v.state in FROZEN_STATES,
    allowed=lambda v, changed: (
        v.state == SkpState.SUPERSEDED.value and changed <= {"state", "updated_at", "updated_by_id"}
    ),
)


class SkpRhk(Model):
    """A work result of an SKP version (rencana hasil kerja, RHK)."""

    __tablename__ = "skp_rhk"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("skp_versions.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    key: Mapped[str] = mapped_column(String(36), nullable=False, index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    kind: Mapped[str] = mapped_column(String(10), nullable=False, default=RhkKind.UTAMA.value)
    title: Mapped[str] = mapped_column(Text, nullable=False)
    parent_rhk_id: Mapped[int | None] = mapped_column(
        ForeignKey("skp_rhk.id", ondelete="RESTRICT"), index=True
    )
    iku_id: Mapped[int | None] = mapped_column(
        ForeignKey("ikus.id", ondelete="RESTRICT"), index=True
    )

    version: Mapped[SkpVersion] = relationship(SkpVersion, back_populates="items")
    parent_rhk: Mapped[SkpRhk | None] = relationship("SkpRhk", remote_side=[id])
    iku = relationship("Iku")
    indicators: Mapped[list[SkpIndicator]] = relationship(
        "SkpIndicator", back_populates="rhk", order_by="SkpIndicator.position"
    )


def _version_frozen(row: SkpRhk) -> bool:
    return row.version is not None and row.version.frozen


freeze(SkpRhk, "SKP RHK", frozen=_version_frozen)


class SkpIndicator(Model):
    """An indicator of an RHK with the employee's individual target (indikator & target)."""

    __tablename__ = "skp_indicators"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rhk_id: Mapped[int] = mapped_column(
        ForeignKey("skp_rhk.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    aspect: Mapped[str] = mapped_column(String(10), nullable=False, default=Aspect.KUANTITAS.value)
    title: Mapped[str] = mapped_column(Text, nullable=False)
    target: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))
    unit_label: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    field_key: Mapped[str | None] = mapped_column(String(80))

    rhk: Mapped[SkpRhk] = relationship(SkpRhk, back_populates="indicators")


freeze(SkpIndicator, "SKP indicator", frozen=lambda i: i.rhk is not None and _version_frozen(i.rhk))


class SkpFeedback(Model):
    """A dated note on an RHK during the year (umpan balik berkelanjutan)."""

    __tablename__ = "skp_feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    skp_id: Mapped[int] = mapped_column(
        ForeignKey("skps.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    rhk_key: Mapped[str | None] = mapped_column(String(36), index=True)
    # coaching | progress | obstacle | reply
    kind: Mapped[str] = mapped_column(String(12), nullable=False, default="coaching")
    reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("skp_feedback.id"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now, nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)

    skp: Mapped[Skp] = relationship(Skp)
    author: Mapped[User | None] = relationship(User)
