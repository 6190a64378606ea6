"""NIP (Nomor Induk Pegawai): validation and generation for PNS and PPPK.

Layout (18 digits; sex and serial share their position in both formats):

- PNS:  birth date ``YYYYMMDD`` + first appointment ``YYYYMM`` + sex + serial ``NNN``
- PPPK: birth date ``YYYYMMDD`` + appointment year ``YYYY`` + ``2`` + digit 1–9 + sex + serial

Besides the format, these plausibility rules apply: the birth year is at least
``MIN_BIRTH_YEAR``; the appointment lies after the birth date, at least
``MIN_APPOINTMENT_AGE`` years after it, and not in the future; the serial is not ``000``.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from app.i18n import lazy_gettext as _l

NIP_LENGTH = 18
MIN_BIRTH_YEAR = 1940
MIN_APPOINTMENT_AGE = 17
STATUSES = ("PNS", "PPPK")
_DIGITS = frozenset("0123456789")


@dataclass(frozen=True)
class NipError:
    """One problem in a NIP: `part` names the segment, `message` explains it (translated)."""

    part: str
    message: str


def validate_nip(nip: str, status: str, *, today: dt.date | None = None) -> list[NipError]:
    """Return the problems of `nip` for an employee of `status` ("PNS" or "PPPK"); [] if valid.

    Only the first problem of the format (digits, length) is reported; past that, every
    wrong part is. `today` (default: today) bounds the appointment date. Raises ValueError
    for an unknown status.
    """
    if status not in STATUSES:
        raise ValueError(f"unknown employment status {status!r}")
    if not set(nip) <= _DIGITS:
        return [_error("digits", _l("NIP may contain digits only (no spaces or dots)."))]
    if len(nip) != NIP_LENGTH:
        msg = _l("NIP must have 18 digits (got %(count)s).", count=len(nip))
        return [_error("length", msg)]
    errors: list[NipError] = []
    birth = _check_birth(nip[:8], errors)
    if status == "PNS":
        appointment = _check_pns_appointment(nip[8:14], errors)
    else:
        appointment = _check_pppk_appointment(nip[8:12], nip[12:14], errors)
    _check_sex(nip[14], errors)
    _check_serial(nip[15:], errors)
    if birth and appointment:
        if status == "PPPK":  # only the appointment year is known: compare whole years
            birth = birth.replace(month=1, day=1)
        _check_order(birth, appointment, today or dt.date.today(), errors)
    return errors


def is_valid_nip(nip: str, status: str) -> bool:
    """True if `nip` is a valid NIP for `status` ("PNS" or "PPPK")."""
    return not validate_nip(nip, status)


def generate_nip(
    rng: random.Random,
    status: str,
    *,
    birth: dt.date | None = None,
    appointment: dt.date | None = None,
    sex: int | None = None,
    serial: int | None = None,
) -> str:
    """Build a NIP from its parts (for demo data); parts not given are drawn from `rng`.

    `appointment` gives the year and month (PNS) or the year (PPPK); `sex` is 1 or 2;
    `serial` is 1–999. Drawn parts give a valid NIP; given parts are used as they are.
    """
    if status not in STATUSES:
        raise ValueError(f"unknown employment status {status!r}")
    birth = birth or _random_date(rng, dt.date(1960, 1, 1), dt.date(1999, 12, 31))
    appointment = appointment or _random_appointment(rng, birth)
    sex = sex or rng.choice((1, 2))
    serial = serial or rng.randint(1, 999)
    if status == "PNS":
        middle = appointment.strftime("%Y%m")
    else:
        middle = f"{appointment.year:04d}2{rng.randint(1, 9)}"
    return f"{birth:%Y%m%d}{middle}{sex}{serial:03d}"


def _error(part: str, message: object) -> NipError:
    return NipError(part, str(message))


def _check_birth(value: str, errors: list[NipError]) -> dt.date | None:
    """Birth date ``YYYYMMDD``: a real date, not before `MIN_BIRTH_YEAR`."""
    try:
        birth = dt.datetime.strptime(value, "%Y%m%d").date()
    except ValueError:
        msg = _l("The birth date in the NIP (%(value)s) is not a valid date.", value=value)
        errors.append(_error("birth_date", msg))
        return None
    if birth.year < MIN_BIRTH_YEAR:
        msg = _l(
            "The birth year in the NIP (%(value)s) must be %(min)s or later.",
            value=birth.year,
            min=MIN_BIRTH_YEAR,
        )
        errors.append(_error("birth_date", msg))
        return None
    return birth


def _check_pns_appointment(value: str, errors: list[NipError]) -> dt.date | None:
    """PNS first appointment ``YYYYMM``; returns the first day of that month."""
    year, month = _check_year(value[:4], errors), int(value[4:])
    if not 1 <= month <= 12:
        msg = _l("The appointment month in the NIP must be 01–12 (got %(value)s).", value=value[4:])
        errors.append(_error("appointment", msg))
        return None
    return dt.date(year, month, 1) if year else None


def _check_pppk_appointment(year: str, code: str, errors: list[NipError]) -> dt.date | None:
    """PPPK appointment year ``YYYY`` followed by ``2`` and a digit 1–9; returns 1 January."""
    if code[0] != "2" or code[1] == "0":
        msg = _l(
            "In a PPPK NIP, digits 13–14 must be 2 followed by a digit 1–9 (got %(value)s).",
            value=code,
        )
        errors.append(_error("code", msg))
    number = _check_year(year, errors)
    return dt.date(number, 1, 1) if number else None


def _check_year(value: str, errors: list[NipError]) -> int | None:
    """The appointment year, or None (with an error) for year 0000."""
    if int(value) == 0:
        msg = _l("The appointment year in the NIP (%(value)s) is not valid.", value=value)
        errors.append(_error("appointment", msg))
        return None
    return int(value)


def _check_sex(value: str, errors: list[NipError]) -> None:
    if value not in "12":
        msg = _l(
            "The sex digit in the NIP must be 1 (male) or 2 (female), not %(value)s.", value=value
        )
        errors.append(_error("sex", msg))


def _check_serial(value: str, errors: list[NipError]) -> None:
    if value == "000":
        errors.append(_error("serial", _l("The serial number in the NIP must not be 000.")))


def _check_order(
    birth: dt.date, appointment: dt.date, today: dt.date, errors: list[NipError]
) -> None:
    """The appointment follows the birth by `MIN_APPOINTMENT_AGE` years and is not in the future.

    Compared by calendar month (the appointment is given as the first day of its month).
    """
    months = _months(appointment) - _months(birth)
    if months <= 0:
        msg = _l("The appointment date in the NIP must come after the birth date.")
        errors.append(_error("order", msg))
    elif months < MIN_APPOINTMENT_AGE * 12:
        msg = _l(
            "The appointment in the NIP must be at least %(years)s years after the birth date.",
            years=MIN_APPOINTMENT_AGE,
        )
        errors.append(_error("order", msg))
    if _months(appointment) > _months(today):
        msg = _l("The appointment date in the NIP must not be in the future.")
        errors.append(_error("appointment", msg))


def _months(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def _random_date(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    return first + dt.timedelta(days=rng.randint(0, (last - first).days))


def _random_appointment(rng: random.Random, birth: dt.date) -> dt.date:
    """A first-of-month appointment between age 19 and 35, not after 2024."""
    earliest = dt.date(birth.year + 19, 1, 1)
    latest = min(dt.date(birth.year + 35, 12, 1), dt.date(2024, 12, 1))
    return _random_date(rng, earliest, latest).replace(day=1)
