"""Domain rules: predikat matrix, hasil kerja thresholds, perilaku rules, distribution curve,
and the golongan/pangkat tables."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.domain.ranks import (
    golongan_error,
    is_valid_golongan,
    normalise_golongan,
    pangkat_for,
    ranks,
)
from app.domain.ratings import (
    DEFAULT_PREDIKAT_MATRIX,
    HasilThresholds,
    OrgRating,
    Predikat,
    Rating,
    check_distribution,
    hasil_kerja_rating,
    perilaku_rating,
    predikat,
)

A, E, B = Rating.ABOVE, Rating.AS_EXPECTED, Rating.BELOW
SB, BK, BP = Predikat.SANGAT_BAIK, Predikat.BAIK, Predikat.BUTUH_PERBAIKAN
KR, SK = Predikat.KURANG, Predikat.SANGAT_KURANG

# --- Predikat matrix ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hasil", "perilaku", "expected"),
    [
        (A, A, SB),
        (A, E, BK),
        (A, B, KR),
        (E, A, BK),
        (E, E, BK),
        (E, B, KR),
        (B, A, BP),
        (B, E, BP),
        (B, B, SK),
    ],
)
def test_predikat_matrix(hasil, perilaku, expected):
    assert predikat(hasil, perilaku) is expected
    assert predikat(hasil.value, perilaku.value) is expected


def test_matrix_is_complete_read_only_and_replaceable():
    assert len(DEFAULT_PREDIKAT_MATRIX) == 9
    with pytest.raises(TypeError):
        DEFAULT_PREDIKAT_MATRIX[(A, A)] = BK  # type: ignore[index]
    lenient = {**DEFAULT_PREDIKAT_MATRIX, (B, A): BK}
    assert predikat(B, A, lenient) is BK


def test_labels_are_english_msgids():
    assert [r.label for r in Rating] == ["Above expectation", "As expected", "Below expectation"]
    assert KR.label == "Poor / misconduct" and OrgRating.KURANG.label == "Poor"
    assert OrgRating.choices()[0] == ("istimewa", "Outstanding")


# --- Hasil kerja --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("achievement", "expected"),
    [
        (Decimal("150"), A),
        (Decimal("110"), A),
        (Decimal("109.99"), E),
        (Decimal("100"), E),
        (Decimal("90"), E),
        (Decimal("89.99"), B),
        (Decimal("0"), B),
    ],
)
def test_hasil_kerja_default_thresholds(achievement, expected):
    assert hasil_kerja_rating(achievement) is expected


def test_hasil_kerja_custom_thresholds():
    thresholds = HasilThresholds(above=Decimal(101), as_expected=Decimal(80))
    assert hasil_kerja_rating(Decimal(101), thresholds) is A
    assert hasil_kerja_rating(Decimal(85), thresholds) is E
    assert hasil_kerja_rating(Decimal("79.9"), thresholds) is B


def test_thresholds_must_be_ordered():
    with pytest.raises(ValueError):
        HasilThresholds(above=Decimal(90), as_expected=Decimal(90))


# --- Perilaku kerja -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ratings", "expected"),
    [
        ([A] * 7, A),
        ([A] * 4 + [E] * 3, A),
        ([A] * 3 + [E] * 4, E),
        ([A] * 6 + [B], E),
        ([E] * 7, E),
        ([B] * 3 + [A] * 4, E),
        ([B] * 4 + [A] * 3, B),
        ([B] * 7, B),
    ],
)
def test_perilaku_majority_rule(ratings, expected):
    assert perilaku_rating(ratings) is expected
    assert perilaku_rating(ratings, rule="majority") is expected


@pytest.mark.parametrize(
    ("ratings", "expected"),
    [([A] * 7, A), ([A] * 6 + [E], E), ([A] * 6 + [B], B), ([E] * 7, E)],
)
def test_perilaku_strict_rule(ratings, expected):
    assert perilaku_rating(ratings, rule="strict") is expected


def test_perilaku_rejects_unknown_rule_and_empty_input():
    with pytest.raises(ValueError):
        perilaku_rating([A] * 7, rule="average")
    with pytest.raises(ValueError):
        perilaku_rating([])


# --- Distribution curve -------------------------------------------------------------------


def kinds(org: OrgRating, counts: dict[Predikat, int]) -> list[tuple[str, tuple[Predikat, ...]]]:
    return [(v.rule, v.predikats) for v in check_distribution(org, counts)]


@pytest.mark.parametrize(
    ("org", "counts"),
    [
        (OrgRating.ISTIMEWA, {SB: 7, BK: 3}),
        (OrgRating.BAIK, {BK: 7, SB: 2, BP: 1}),
        (OrgRating.BAIK, {BK: 5, KR: 1, SB: 4}),
        (OrgRating.BUTUH_PERBAIKAN, {BP: 6, SB: 1, BK: 3}),
        (OrgRating.KURANG, {KR: 6, BP: 1, SB: 1, BK: 2}),
        (OrgRating.SANGAT_KURANG, {SK: 6, KR: 1, BK: 3}),
        (OrgRating.SANGAT_KURANG, {SK: 9, BP: 1}),
    ],
)
def test_distribution_passes(org, counts):
    assert check_distribution(org, counts) == []


@pytest.mark.parametrize(
    ("org", "counts", "broken"),
    [
        (OrgRating.ISTIMEWA, {SB: 8, BK: 2}, [("at_most", (SB,))]),
        (OrgRating.ISTIMEWA, {SB: 3, BK: 4}, [("largest", (SB,))]),
        # "most" is strictly the largest share: a tie is not enough (issue 11)
        (OrgRating.ISTIMEWA, {SB: 4, BK: 4, BP: 2}, [("largest", (SB,))]),
        (OrgRating.ISTIMEWA, {SB: 3, BK: 3, BP: 3, KR: 1}, [("largest", (SB,))]),
        (OrgRating.BAIK, {BK: 3, SB: 3, BP: 3, KR: 1}, [("largest", (BK,))]),
        (OrgRating.BAIK, {BK: 8, BP: 2}, [("at_most", (BK,))]),
        (OrgRating.BAIK, {BK: 3, SB: 4, KR: 1}, [("largest", (BK,))]),
        (OrgRating.BAIK, {BK: 6, SB: 4}, [("some", (BP, KR))]),
        (OrgRating.BUTUH_PERBAIKAN, {BP: 5, BK: 5}, [("at_least", (BP,))]),
        (OrgRating.BUTUH_PERBAIKAN, {BP: 8, SB: 2}, [("at_most", (SB,))]),
        (OrgRating.KURANG, {KR: 5, BP: 2, BK: 3}, [("at_least", (KR,))]),
        (OrgRating.KURANG, {KR: 9, BK: 1}, [("at_least", (BP,))]),
        (OrgRating.KURANG, {KR: 6, BP: 2, SB: 2}, [("at_most", (SB,))]),
        (OrgRating.SANGAT_KURANG, {SK: 5, KR: 5}, [("at_least", (SK,))]),
        (OrgRating.SANGAT_KURANG, {SK: 9, BK: 1}, [("at_least", (KR, BP))]),
        (OrgRating.SANGAT_KURANG, {SK: 8, KR: 1, SB: 1}, [("none", (SB,))]),
    ],
)
def test_distribution_fails(org, counts, broken):
    assert kinds(org, counts) == broken


def test_distribution_reports_every_broken_rule():
    assert kinds(OrgRating.KURANG, {SB: 10}) == [
        ("at_least", (KR,)),
        ("at_least", (BP,)),
        ("at_most", (SB,)),
    ]


def test_distribution_messages_name_the_rule_and_the_share():
    [violation] = check_distribution(OrgRating.ISTIMEWA, {SB: 8, BK: 2})
    assert violation.message == "At most 70% may be rated “Very good” (found 80%)."
    [violation] = check_distribution(OrgRating.BAIK, {BK: 2, SB: 3, KR: 1})
    assert violation.message == (
        "Most employees must be rated “Good” (found 33.3%, but “Very good” has 50%)."
    )
    [violation] = check_distribution(OrgRating.SANGAT_KURANG, {SK: 8, KR: 1, SB: 1})
    assert violation.message == "No employee may be rated “Very good” (found 1)."
    [violation] = check_distribution(OrgRating.BAIK, {BK: 6, SB: 4})
    assert violation.message == (
        "At least one employee must be rated “Needs improvement” or “Poor / misconduct”."
    )


def test_distribution_limits_are_inclusive():
    assert check_distribution(OrgRating.ISTIMEWA, {SB: 7, BK: 3}) == []
    assert check_distribution(OrgRating.BUTUH_PERBAIKAN, {BP: 9, SB: 1}) == []
    assert kinds(OrgRating.BUTUH_PERBAIKAN, {BP: 59, BK: 41}) == [("at_least", (BP,))]


def test_empty_unit_breaks_no_rule():
    for org in OrgRating:
        assert check_distribution(org, {}) == []
        assert check_distribution(org, {SB: 0}) == []


# --- Ranks (golongan/pangkat) -------------------------------------------------------------


def test_rank_tables():
    pns = ranks("PNS")
    assert len(pns) == 17 and len(ranks("PPPK")) == 17
    assert (pns[0].golongan, pns[0].pangkat) == ("I/a", "Juru Muda")
    assert (pns[-1].golongan, pns[-1].pangkat) == ("IV/e", "Pembina Utama")
    assert [r.position for r in pns] == list(range(1, 18))
    assert ranks("Honorer") == []


@pytest.mark.parametrize(
    ("status", "golongan", "pangkat"),
    [
        ("PNS", "III/a", "Penata Muda"),
        ("PNS", "iii-a", "Penata Muda"),
        ("PNS", " IV/b ", "Pembina Tingkat I"),
        ("PNS", "ii/d", "Pengatur Tingkat I"),
        ("PPPK", "ix", ""),
        ("PPPK", "XVII", ""),
        ("PNS", "IX", None),
        ("PPPK", "III/a", None),
        ("PNS", "IV/f", None),
    ],
)
def test_pangkat_for(status, golongan, pangkat):
    assert pangkat_for(status, golongan) == pangkat
    assert is_valid_golongan(status, golongan) is (pangkat is not None)


def test_normalise_golongan():
    assert normalise_golongan("iii-a") == "III/a"
    assert normalise_golongan(" xvii ") == "XVII"
    assert normalise_golongan("IV / B") == "IV/b"


def test_golongan_error():
    assert golongan_error("PNS", "III/a") is None
    assert golongan_error("PNS", "V/a") == (
        "Golongan V/a is not valid for PNS (valid: I/a … IV/e)."
    )
    assert golongan_error("PPPK", "XVIII") == (
        "Golongan XVIII is not valid for PPPK (valid: I … XVII)."
    )
    assert golongan_error("Honorer", "I") == "Unknown employment status Honorer."
