"""Ratings: hasil kerja and perilaku kerja, predikat kinerja and the distribution curve.

Sources: PermenPANRB No. 6/2022 (three-level ratings, predikat matrix, organisational
rating and distribution curve). Where the regulation leaves a choice (thresholds on the
weighted achievement, how seven behaviour ratings combine), the defaults here are
documented and can be replaced by the caller.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType

from app.i18n import lazy_gettext as _l
from app.i18n import number
from app.models.types import LabelledEnum


class _DomainEnum(LabelledEnum):
    """A labelled enum whose labels live in this module."""

    @property
    def label(self) -> str:
        return str(_LABELS[type(self)][self])


class Rating(_DomainEnum):
    """Three-level rating of hasil kerja or perilaku kerja.

    Di atas ekspektasi (above) / Sesuai ekspektasi (as expected) / Di bawah ekspektasi (below).
    """

    ABOVE = "above"
    AS_EXPECTED = "as_expected"
    BELOW = "below"


class Predikat(_DomainEnum):
    """Predikat kinerja: Sangat Baik, Baik, Butuh Perbaikan, Kurang/Misconduct, Sangat Kurang."""

    SANGAT_BAIK = "sangat_baik"
    BAIK = "baik"
    BUTUH_PERBAIKAN = "butuh_perbaikan"
    KURANG = "kurang"
    SANGAT_KURANG = "sangat_kurang"


class OrgRating(_DomainEnum):
    """Organisational rating: Istimewa, Baik, Butuh Perbaikan, Kurang, Sangat Kurang."""

    ISTIMEWA = "istimewa"
    BAIK = "baik"
    BUTUH_PERBAIKAN = "butuh_perbaikan"
    KURANG = "kurang"
    SANGAT_KURANG = "sangat_kurang"


# One table per enum: str enums of different classes with equal values compare equal.
_LABELS = {
    Rating: {
        Rating.ABOVE: _l("Above expectation"),
        Rating.AS_EXPECTED: _l("As expected"),
        Rating.BELOW: _l("Below expectation"),
    },
    Predikat: {
        Predikat.SANGAT_BAIK: _l("Very good"),
        Predikat.BAIK: _l("Good"),
        Predikat.BUTUH_PERBAIKAN: _l("Needs improvement"),
        Predikat.KURANG: _l("Poor / misconduct"),
        Predikat.SANGAT_KURANG: _l("Very poor"),
    },
    OrgRating: {
        OrgRating.ISTIMEWA: _l("Outstanding"),
        OrgRating.BAIK: _l("Good"),
        OrgRating.BUTUH_PERBAIKAN: _l("Needs improvement"),
        OrgRating.KURANG: _l("Poor"),
        OrgRating.SANGAT_KURANG: _l("Very poor"),
    },
}

# --- Predikat kinerja -------------------------------------------------------------------

_A, _E, _B = Rating.ABOVE, Rating.AS_EXPECTED, Rating.BELOW

#: (hasil kerja, perilaku kerja) → predikat, as in PermenPANRB 6/2022.
DEFAULT_PREDIKAT_MATRIX: Mapping[tuple[Rating, Rating], Predikat] = MappingProxyType(
    {
        (_A, _A): Predikat.SANGAT_BAIK,
        (_A, _E): Predikat.BAIK,
        (_A, _B): Predikat.KURANG,
        (_E, _A): Predikat.BAIK,
        (_E, _E): Predikat.BAIK,
        (_E, _B): Predikat.KURANG,
        (_B, _A): Predikat.BUTUH_PERBAIKAN,
        (_B, _E): Predikat.BUTUH_PERBAIKAN,
        (_B, _B): Predikat.SANGAT_KURANG,
    }
)


def predikat(
    hasil: Rating,
    perilaku: Rating,
    matrix: Mapping[tuple[Rating, Rating], Predikat] = DEFAULT_PREDIKAT_MATRIX,
) -> Predikat:
    """The predikat kinerja for a hasil kerja and a perilaku kerja rating."""
    return matrix[(Rating(hasil), Rating(perilaku))]


# --- Hasil kerja ----------------------------------------------------------------------


@dataclass(frozen=True)
class HasilThresholds:
    """Lower bounds (in % of target) of the weighted achievement for each rating.

    Default: "above" from 110 %, "as expected" from 90 % — a ±10 % band around the target.
    """

    above: Decimal = Decimal(110)
    as_expected: Decimal = Decimal(90)

    def __post_init__(self) -> None:
        if self.above <= self.as_expected:
            raise ValueError("the 'above' threshold must exceed the 'as expected' threshold")


DEFAULT_THRESHOLDS = HasilThresholds()


def hasil_kerja_rating(
    weighted_achievement: Decimal, thresholds: HasilThresholds = DEFAULT_THRESHOLDS
) -> Rating:
    """Rate hasil kerja from the weighted achievement percentage (realisasi / target × 100)."""
    if weighted_achievement >= thresholds.above:
        return Rating.ABOVE
    if weighted_achievement >= thresholds.as_expected:
        return Rating.AS_EXPECTED
    return Rating.BELOW


@dataclass(frozen=True)
class ResultAchievement:
    """The achievement of one result (RHK indicator) and its weight in the evaluation.

    `main` is True for a main result (RHK Utama), False for an additional one (Tambahan).
    An empty realisation counts as 0 % achievement.
    """

    main: bool
    weight: Decimal
    achievement: Decimal


@dataclass(frozen=True)
class HasilProposal:
    """The proposed hasil kerja rating with the weighted achievement of all results and of
    the main results (capaian kinerja; None without results)."""

    achievement: Decimal | None
    main_achievement: Decimal | None
    rating: Rating


_ORDER = (Rating.BELOW, Rating.AS_EXPECTED, Rating.ABOVE)


def _weighted(results: Sequence[ResultAchievement]) -> Decimal | None:
    weights = sum((r.weight for r in results), Decimal(0))
    if not weights:
        return None
    earned = sum((r.achievement * r.weight for r in results), Decimal(0))
    return (earned / weights).quantize(Decimal("0.01"), ROUND_HALF_UP)


def propose_hasil(
    results: Sequence[ResultAchievement], thresholds: HasilThresholds = DEFAULT_THRESHOLDS
) -> HasilProposal:
    """Propose the hasil kerja rating: the main results decide, additional ones may lift.

    - The weighted achievement of the main results (Utama) gives the base rating; without
      main results, all results count as main.
    - Additional results (Tambahan) lift it when the achievement of all results rates
      higher, but never lift a base "below": they cannot make up for the main results.
    - "Above" needs no main result below expectation (otherwise: "as expected").
    """
    weighted = [r for r in results if r.weight > 0]
    main = [r for r in weighted if r.main] or weighted
    main_achievement, achievement = _weighted(main), _weighted(weighted)
    rating = hasil_kerja_rating(main_achievement or Decimal(0), thresholds)
    if rating != Rating.BELOW:
        overall = hasil_kerja_rating(achievement or Decimal(0), thresholds)
        rating = max(rating, overall, key=_ORDER.index)
    main_below = any(hasil_kerja_rating(r.achievement, thresholds) == Rating.BELOW for r in main)
    if rating == Rating.ABOVE and main_below:
        rating = Rating.AS_EXPECTED
    return HasilProposal(achievement, main_achievement, rating)


# --- Perilaku kerja -------------------------------------------------------------------


def _majority_rule(ratings: Sequence[Rating]) -> Rating:
    """Below if most values are below; above if most are above and none below."""
    majority = len(ratings) // 2 + 1
    if ratings.count(Rating.BELOW) >= majority:
        return Rating.BELOW
    if ratings.count(Rating.ABOVE) >= majority and Rating.BELOW not in ratings:
        return Rating.ABOVE
    return Rating.AS_EXPECTED


def _strict_rule(ratings: Sequence[Rating]) -> Rating:
    """Below if any value is below; above only if every value is above."""
    if Rating.BELOW in ratings:
        return Rating.BELOW
    if all(rating == Rating.ABOVE for rating in ratings):
        return Rating.ABOVE
    return Rating.AS_EXPECTED


#: Named rules combining the per-value BerAKHLAK ratings into one perilaku kerja rating.
PERILAKU_RULES: Mapping[str, Callable[[Sequence[Rating]], Rating]] = MappingProxyType(
    {"majority": _majority_rule, "strict": _strict_rule}
)


def perilaku_rating(ratings: Sequence[Rating], rule: str = "majority") -> Rating:
    """Combine the ratings of the BerAKHLAK values into the perilaku kerja rating.

    Rules (see `PERILAKU_RULES`), for 7 values:

    - ``majority`` (default): below if at least 4 are below; above if at least 4 are
      above and none is below; otherwise as expected.
    - ``strict``: below if any is below; above if all are above; otherwise as expected.
    """
    if not ratings:
        raise ValueError("perilaku_rating needs at least one rating")
    try:
        combine = PERILAKU_RULES[rule]
    except KeyError:
        raise ValueError(f"unknown perilaku rule {rule!r}") from None
    return combine([Rating(rating) for rating in ratings])


# --- Distribution curve ---------------------------------------------------------------


@dataclass(frozen=True)
class CurveViolation:
    """A broken distribution rule: `rule` is its kind, `message` explains it (translated)."""

    rule: str
    predikats: tuple[Predikat, ...]
    message: str


@dataclass(frozen=True)
class _Counts:
    """Predikat counts of one unit."""

    by_predikat: Mapping[Predikat, int]

    @property
    def total(self) -> int:
        return sum(self.by_predikat.values())

    def of(self, group: tuple[Predikat, ...]) -> int:
        return sum(self.by_predikat.get(p, 0) for p in group)

    def share(self, group: tuple[Predikat, ...]) -> str:
        """The group's share of the unit in %, for messages (at most one decimal, locale format)."""
        value = Decimal(self.of(group) * 100) / Decimal(self.total)
        return number(value.quantize(Decimal("0.1"), ROUND_HALF_UP), 1)


@dataclass(frozen=True)
class CurveRule:
    """A rule of the distribution table on a group of predikat.

    Kinds: ``largest`` (the group is strictly the largest), ``at_most`` / ``at_least``
    (`percent` of the unit), ``some`` (at least one employee), ``none`` (no employee).
    """

    kind: str
    group: tuple[Predikat, ...]
    percent: int = 0

    def check(self, counts: _Counts) -> CurveViolation | None:
        message = _CHECKS[self.kind](self, counts)
        return CurveViolation(self.kind, self.group, message) if message else None


def _check_largest(rule: CurveRule, counts: _Counts) -> str | None:
    """The group is strictly the largest one: a tie is not "most"."""
    own = counts.of(rule.group)
    other = max((p for p in Predikat if p not in rule.group), key=lambda p: counts.of((p,)))
    if counts.of((other,)) < own:
        return None
    return str(
        _l(
            "Most employees must be rated %(predikat)s (found %(share)s%%, "
            "but %(other)s has %(other_share)s%%).",
            predikat=_names(rule.group),
            share=counts.share(rule.group),
            other=_names((other,)),
            other_share=counts.share((other,)),
        )
    )


def _check_at_most(rule: CurveRule, counts: _Counts) -> str | None:
    if counts.of(rule.group) * 100 <= rule.percent * counts.total:
        return None
    return str(
        _l(
            "At most %(limit)s%% may be rated %(predikat)s (found %(share)s%%).",
            limit=rule.percent,
            predikat=_names(rule.group),
            share=counts.share(rule.group),
        )
    )


def _check_at_least(rule: CurveRule, counts: _Counts) -> str | None:
    if counts.of(rule.group) * 100 >= rule.percent * counts.total:
        return None
    return str(
        _l(
            "At least %(limit)s%% must be rated %(predikat)s (found %(share)s%%).",
            limit=rule.percent,
            predikat=_names(rule.group),
            share=counts.share(rule.group),
        )
    )


def _check_some(rule: CurveRule, counts: _Counts) -> str | None:
    if counts.of(rule.group) > 0:
        return None
    return str(_l("At least one employee must be rated %(predikat)s.", predikat=_names(rule.group)))


def _check_none(rule: CurveRule, counts: _Counts) -> str | None:
    if counts.of(rule.group) == 0:
        return None
    return str(
        _l(
            "No employee may be rated %(predikat)s (found %(count)s).",
            predikat=_names(rule.group),
            count=counts.of(rule.group),
        )
    )


_CHECKS: Mapping[str, Callable[[CurveRule, _Counts], str | None]] = {
    "largest": _check_largest,
    "at_most": _check_at_most,
    "at_least": _check_at_least,
    "some": _check_some,
    "none": _check_none,
}


def _names(group: tuple[Predikat, ...]) -> str:
    """Quoted predikat labels joined by "or"."""
    names = [f"“{p.label}”" for p in group]
    text = names[0]
    for name in names[1:]:
        text = str(_l("%(first)s or %(second)s", first=text, second=name))
    return text


_SB, _BK, _BP = Predikat.SANGAT_BAIK, Predikat.BAIK, Predikat.BUTUH_PERBAIKAN
_KR, _SK = Predikat.KURANG, Predikat.SANGAT_KURANG

#: The distribution curve: rules on the employees' predikat per organisational rating.
#: "Most, at most 70 %, X" means: X is strictly the largest group and X ≤ 70 %.
DISTRIBUTION_CURVE: Mapping[OrgRating, tuple[CurveRule, ...]] = MappingProxyType(
    {
        OrgRating.ISTIMEWA: (CurveRule("largest", (_SB,)), CurveRule("at_most", (_SB,), 70)),
        OrgRating.BAIK: (
            CurveRule("largest", (_BK,)),
            CurveRule("at_most", (_BK,), 70),
            CurveRule("some", (_BP, _KR)),
        ),
        OrgRating.BUTUH_PERBAIKAN: (
            CurveRule("at_least", (_BP,), 60),
            CurveRule("at_most", (_SB,), 10),
        ),
        OrgRating.KURANG: (
            CurveRule("at_least", (_KR,), 60),
            CurveRule("at_least", (_BP,), 10),
            CurveRule("at_most", (_SB,), 10),
        ),
        OrgRating.SANGAT_KURANG: (
            CurveRule("at_least", (_SK,), 60),
            CurveRule("at_least", (_KR, _BP), 10),
            CurveRule("none", (_SB,)),
        ),
    }
)


def check_distribution(org: OrgRating, counts: Mapping[Predikat, int]) -> list[CurveViolation]:
    """The distribution rules of `org` that the unit's predikat `counts` break.

    Missing predikat count as 0; a unit without employees breaks no rule.
    """
    unit = _Counts({Predikat(p): n for p, n in counts.items()})
    if unit.total == 0:
        return []
    results = (rule.check(unit) for rule in DISTRIBUTION_CURVE[OrgRating(org)])
    return [violation for violation in results if violation]
