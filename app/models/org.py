"""Organisation: units (perangkat daerah) and their employees (ASN)."""

from __future__ import annotations

from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.types import EmploymentStatus, JabatanType, UnitKind


class Unit(Model):
    """An organisational unit (OPD / perangkat daerah), possibly a sub-unit of another."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    short_name: Mapped[str] = mapped_column(String(80), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False, default=UnitKind.DINAS.value)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("units.id", ondelete="RESTRICT"), index=True
    )
    head_id: Mapped[int | None] = mapped_column(
        ForeignKey("employees.id", use_alter=True, name="fk_units_head_id", ondelete="SET NULL")
    )
    # The letterhead (kop surat) of printed documents.
    address: Mapped[str | None] = mapped_column(String(300))
    phone: Mapped[str | None] = mapped_column(String(40))
    # Archived units (diarsipkan) leave the pickers but stay in the history.
    archived: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # Seed provenance until HR confirms the unit: the name is unconfirmed, or an example.
    unconfirmed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    example: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    parent: Mapped[Unit | None] = relationship("Unit", remote_side=[id], back_populates="children")
    children: Mapped[list[Unit]] = relationship(
        "Unit", back_populates="parent", order_by="Unit.code"
    )
    head: Mapped[Employee | None] = relationship("Employee", foreign_keys=[head_id])

    @property
    def kind_label(self) -> str:
        return UnitKind(self.kind).label

    @property
    def status_labels(self) -> list[str]:
        """Badges: seed provenance until HR confirms (contoh, belum dikonfirmasi), archived."""
        flags = (
            (self.example, _l("example")),
            (self.unconfirmed, _l("unconfirmed")),
            (self.archived, _l("archived")),
        )
        return [str(label) for on, label in flags if on]

    def __repr__(self) -> str:
        return self.short_name or self.name


class Employee(Model):
    """A civil servant (ASN, PNS or PPPK) working in a unit.

    `supervisor` is the pejabat penilai (evaluator); `user` links a login account.
    """

    __tablename__ = "employees"
    __table_args__ = (
        # A unit subtree's (active) people, index-only on PostgreSQL.
        Index("ix_employees_unit_active_id", "unit_id", "active", "id"),
        Index("ix_employees_name", "name"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    nip: Mapped[str] = mapped_column(String(18), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    status: Mapped[str] = mapped_column(
        String(8), nullable=False, default=EmploymentStatus.PNS.value
    )
    golongan: Mapped[str] = mapped_column(String(8), nullable=False, index=True)
    jabatan: Mapped[str] = mapped_column(String(200), nullable=False)
    jabatan_type: Mapped[str] = mapped_column(
        String(32), nullable=False, default=JabatanType.PELAKSANA.value, index=True
    )
    unit_id: Mapped[int] = mapped_column(
        ForeignKey("units.id", ondelete="RESTRICT"), nullable=False
    )
    supervisor_id: Mapped[int | None] = mapped_column(
        ForeignKey("employees.id", ondelete="SET NULL"), index=True
    )
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("ab_user.id", ondelete="SET NULL"), unique=True
    )

    unit: Mapped[Unit] = relationship("Unit", foreign_keys=[unit_id])
    supervisor: Mapped[Employee | None] = relationship(
        "Employee", remote_side=[id], back_populates="subordinates"
    )
    subordinates: Mapped[list[Employee]] = relationship("Employee", back_populates="supervisor")
    user: Mapped[User | None] = relationship(User, foreign_keys=[user_id])

    @property
    def pangkat(self) -> str:
        from app.domain.ranks import pangkat_for

        return pangkat_for(self.status, self.golongan) or ""

    @property
    def jabatan_type_label(self) -> str:
        return JabatanType(self.jabatan_type).label

    def __repr__(self) -> str:
        return f"{self.name} ({self.nip})"
