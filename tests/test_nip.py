"""NIP validation and generation (app.domain.nip)."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.nip import generate_nip, is_valid_nip, validate_nip

TODAY = dt.date(2026, 1, 15)
PNS = "196608011988031001"
PPPK = "200012312024211001"


def parts(nip: str, status: str) -> list[str]:
    return [error.part for error in validate_nip(nip, status, today=TODAY)]


def messages(nip: str, status: str) -> list[str]:
    return [error.message for error in validate_nip(nip, status, today=TODAY)]


def test_valid_examples():
    assert validate_nip(PNS, "PNS") == []
    assert validate_nip(PPPK, "PPPK") == []
    assert is_valid_nip(PNS, "PNS") and is_valid_nip(PPPK, "PPPK")


def test_each_format_is_checked_by_its_own_rules():
    assert "code" in parts(PNS, "PPPK")
    assert "appointment" in parts(PPPK, "PNS")  # "20" is no month
    assert not is_valid_nip(PNS, "PPPK")


def test_unknown_status_is_a_programming_error():
    with pytest.raises(ValueError):
        validate_nip(PNS, "Honorer")


@pytest.mark.parametrize(
    ("nip", "message"),
    [
        (PNS[:-1], "NIP must have 18 digits (got 17)."),
        (PNS + "1", "NIP must have 18 digits (got 19)."),
        ("", "NIP must have 18 digits (got 0)."),
        ("19660801 198803 1 001", "NIP may contain digits only (no spaces or dots)."),
        ("1966080119880310a1", "NIP may contain digits only (no spaces or dots)."),
    ],
)
def test_format_errors_stop_further_checks(nip, message):
    assert messages(nip, "PNS") == [message]


@pytest.mark.parametrize(
    ("nip", "part", "message"),
    [
        (
            "196613011988031001",
            "birth_date",
            "The birth date in the NIP (19661301) is not a valid date.",
        ),
        (
            "196702291988031001",
            "birth_date",
            "The birth date in the NIP (19670229) is not a valid date.",
        ),
        (
            "193908011960031001",
            "birth_date",
            "The birth year in the NIP (1939) must be 1940 or later.",
        ),
        (
            "196608011988131001",
            "appointment",
            "The appointment month in the NIP must be 01–12 (got 13).",
        ),
        (
            "196608011988001001",
            "appointment",
            "The appointment month in the NIP must be 01–12 (got 00).",
        ),
        (
            "196608010000031001",
            "appointment",
            "The appointment year in the NIP (0000) is not valid.",
        ),
        (
            "196608011988033001",
            "sex",
            "The sex digit in the NIP must be 1 (male) or 2 (female), not 3.",
        ),
        (
            "196608011988030001",
            "sex",
            "The sex digit in the NIP must be 1 (male) or 2 (female), not 0.",
        ),
        ("196608011988031000", "serial", "The serial number in the NIP must not be 000."),
        (
            "196608011966071001",
            "order",
            "The appointment date in the NIP must come after the birth date.",
        ),
        (
            "196608011960031001",
            "order",
            "The appointment date in the NIP must come after the birth date.",
        ),
        (
            "196608011983071001",
            "order",
            "The appointment in the NIP must be at least 17 years after the birth date.",
        ),
        (
            "199608012026021001",
            "appointment",
            "The appointment date in the NIP must not be in the future.",
        ),
    ],
)
def test_pns_wrong_part(nip, part, message):
    errors = validate_nip(nip, "PNS", today=TODAY)
    assert [(e.part, e.message) for e in errors] == [(part, message)]


def test_pns_appointment_age_and_today_boundaries():
    assert parts("196608011983081001", "PNS") == []  # exactly 17 years, by month
    assert parts("199608012026011001", "PNS") == []  # the current month is not the future


@pytest.mark.parametrize(
    ("nip", "part", "message"),
    [
        (
            "200012312024201001",
            "code",
            "In a PPPK NIP, digits 13–14 must be 2 followed by a digit 1–9 (got 20).",
        ),
        (
            "200012312024311001",
            "code",
            "In a PPPK NIP, digits 13–14 must be 2 followed by a digit 1–9 (got 31).",
        ),
        (
            "200012310000211001",
            "appointment",
            "The appointment year in the NIP (0000) is not valid.",
        ),
        (
            "200013312024211001",
            "birth_date",
            "The birth date in the NIP (20001331) is not a valid date.",
        ),
        (
            "200012312024219001",
            "sex",
            "The sex digit in the NIP must be 1 (male) or 2 (female), not 9.",
        ),
        ("200012312024211000", "serial", "The serial number in the NIP must not be 000."),
        (
            "200012312000211001",
            "order",
            "The appointment date in the NIP must come after the birth date.",
        ),
        (
            "200012312016211001",
            "order",
            "The appointment in the NIP must be at least 17 years after the birth date.",
        ),
        (
            "200012312027211001",
            "appointment",
            "The appointment date in the NIP must not be in the future.",
        ),
    ],
)
def test_pppk_wrong_part(nip, part, message):
    errors = validate_nip(nip, "PPPK", today=TODAY)
    assert [(e.part, e.message) for e in errors] == [(part, message)]


def test_pppk_compares_whole_years():
    assert parts("200012312017211001", "PPPK") == []  # 17 years by year, whatever the day
    assert parts("199501012026291002", "PPPK") == []  # the current year is not the future


def test_every_wrong_part_is_reported():
    assert parts("196613011988133000", "PNS") == ["birth_date", "appointment", "sex", "serial"]


@given(seed=st.integers(), status=st.sampled_from(["PNS", "PPPK"]))
def test_generated_nip_is_valid(seed, status):
    nip = generate_nip(random.Random(seed), status)
    assert validate_nip(nip, status) == []


@given(
    rng=st.randoms(use_true_random=False),
    status=st.sampled_from(["PNS", "PPPK"]),
    birth=st.dates(dt.date(1940, 1, 1), dt.date(2000, 12, 31)),
    years=st.integers(18, 40),
    month=st.integers(1, 12),
    sex=st.sampled_from([1, 2]),
    serial=st.integers(1, 999),
)
def test_generated_nip_from_given_parts_is_valid(rng, status, birth, years, month, sex, serial):
    appointment = dt.date(min(birth.year + years, 2025), month, 1)
    nip = generate_nip(rng, status, birth=birth, appointment=appointment, sex=sex, serial=serial)
    assert validate_nip(nip, status, today=TODAY) == []
    assert nip[:8] == birth.strftime("%Y%m%d") and nip[14] == str(sex)
    assert nip[-3:] == f"{serial:03d}"
