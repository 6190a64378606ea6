"""Reference data loaded from `seeds/`: ranks (golongan) and BerAKHLAK values."""

from __future__ import annotations

from flask_appbuilder import Model
from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column


class Rank(Model):
    """A golongan/ruang with its pangkat, for PNS (I/a … IV/e) or PPPK (I … XVII)."""

    __tablename__ = "ranks"
    __table_args__ = (UniqueConstraint("status", "golongan", name="uq_rank_status_golongan"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(8), nullable=False)
    golongan: Mapped[str] = mapped_column(String(8), nullable=False)
    pangkat: Mapped[str] = mapped_column(String(80), nullable=False, default="")
    position: Mapped[int] = mapped_column(Integer, nullable=False)

    def __repr__(self) -> str:
        return f"{self.golongan} {self.pangkat}".strip()


class BehaviourValue(Model):
    """One of the seven BerAKHLAK core values with its three behaviours (one per line)."""

    __tablename__ = "behaviour_values"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    name: Mapped[str] = mapped_column(String(80), nullable=False)
    behaviours: Mapped[str] = mapped_column(Text, nullable=False)

    @property
    def behaviour_list(self) -> list[str]:
        return [line for line in self.behaviours.splitlines() if line.strip()]

    def __repr__(self) -> str:
        return self.name
