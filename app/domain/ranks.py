"""Golongan/ruang and pangkat of PNS (I/a … IV/e) and PPPK golongan (I … XVII).

The tables come from ``seeds/golongan.yaml``, the single source of truth.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from app.i18n import lazy_gettext as _l
from seeds import read_yaml


@dataclass(frozen=True)
class RankInfo:
    """One golongan of a status; `pangkat` is "" for PPPK; `position` counts from 1."""

    status: str
    golongan: str
    pangkat: str
    position: int


def ranks(status: str) -> list[RankInfo]:
    """The golongan of `status` ("PNS" or "PPPK") from lowest to highest; [] if unknown."""
    return list(_tables().get(status, ()))


def normalise_golongan(value: str) -> str:
    """Canonical spelling of a golongan: ``"iii-a"`` → ``"III/a"``, ``" xvii "`` → ``"XVII"``."""
    roman, separator, ruang = value.strip().replace("-", "/").partition("/")
    canonical = roman.strip().upper()
    return f"{canonical}/{ruang.strip().lower()}" if separator else canonical


def rank_info(status: str, golongan: str) -> RankInfo | None:
    """The rank of `golongan` (any accepted spelling) for `status`, or None if not valid."""
    wanted = normalise_golongan(golongan)
    return next((rank for rank in ranks(status) if rank.golongan == wanted), None)


def is_valid_golongan(status: str, golongan: str) -> bool:
    """True if `golongan` (any accepted spelling) exists for `status`."""
    return rank_info(status, golongan) is not None


def pangkat_for(status: str, golongan: str) -> str | None:
    """The pangkat of a golongan ("" for PPPK, which has none); None if not valid."""
    rank = rank_info(status, golongan)
    return rank.pangkat if rank else None


def golongan_error(status: str, golongan: str) -> str | None:
    """A translated message if `golongan` is not valid for `status`, else None."""
    if is_valid_golongan(status, golongan):
        return None
    table = ranks(status)
    if not table:
        return str(_l("Unknown employment status %(status)s.", status=status))
    return str(
        _l(
            "Golongan %(golongan)s is not valid for %(status)s (valid: %(first)s … %(last)s).",
            golongan=golongan,
            status=status,
            first=table[0].golongan,
            last=table[-1].golongan,
        )
    )


@lru_cache(maxsize=1)
def _tables() -> dict[str, tuple[RankInfo, ...]]:
    """Parse ``seeds/golongan.yaml`` once (it is static)."""
    return {
        status: tuple(
            RankInfo(status, str(row["golongan"]), row.get("pangkat", ""), position)
            for position, row in enumerate(rows, start=1)
        )
        for status, rows in read_yaml("golongan.yaml").items()
    }
