"""Indicator achievement (capaian) and the weighted achievement of a submitted form.

Achievement, in percent, rounded half up to 2 places, floored at 0 and capped at
``cap`` (default 120; ``None`` = no cap):

* polarity ``higher`` (more is better): ``realisation / target * 100``;
  with target 0: 100 when realisation >= 0, else 0.
* polarity ``lower`` (less is better, e.g. waiting time or cost), the SKP convention
  for negative polarity: ``(1 + (target - realisation) / target) * 100``, i.e.
  ``(2 * target - realisation) / target * 100``; with target 0: 100 when
  realisation <= 0, else 0.
* no realisation (empty): ``None``.

The weighted achievement is ``sum(achievement * weight) / sum(weight)`` over the
indicator fields, where an empty (or irrelevant) realisation counts as 0: a submitted
form without a realisation earns nothing for that indicator. ``None`` when the form has
no indicators.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from forms.schema import (
    Aspect,
    FieldSchema,
    FormSchema,
    IndicatorGroup,
    Polarity,
    json_number,
    text,
)
from forms.values import InvalidAnswer, coerce

DEFAULT_CAP = Decimal(120)
HUNDRED = Decimal(100)
CENT = Decimal("0.01")


def _ratio(realisation: Decimal, target: Decimal, polarity: Polarity) -> Decimal:
    if target == 0:
        met = realisation >= 0 if polarity is Polarity.HIGHER else realisation <= 0
        return HUNDRED if met else Decimal(0)
    if polarity is Polarity.HIGHER:
        return realisation / target * HUNDRED
    return (2 * target - realisation) / target * HUNDRED


def achievement(
    realisation: Decimal | int | float | None,
    target: Decimal | int | float,
    polarity: Polarity | str,
    cap: Decimal | None = DEFAULT_CAP,
) -> Decimal | None:
    """Achievement percentage of one indicator (see the module docstring)."""
    if realisation is None:
        return None
    ratio = _ratio(Decimal(str(realisation)), Decimal(str(target)), Polarity(polarity))
    capped = ratio if cap is None else min(ratio, cap)
    return max(capped, Decimal(0)).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class IndicatorResult:
    """One row of the results table (realisation and achievement per indicator)."""

    key: str
    label: str
    rhk: str
    group: IndicatorGroup
    aspect: Aspect
    unit: str
    parent: str | None
    polarity: Polarity
    target: Decimal
    weight: Decimal
    realisation: Decimal | None
    achievement: Decimal | None

    def to_dict(self) -> dict[str, Any]:
        def number(value: Decimal | None) -> int | float | None:
            return None if value is None else json_number(value)

        return {
            "key": self.key,
            "label": self.label,
            "rhk": self.rhk,
            "group": self.group.value,
            "aspect": self.aspect.value,
            "unit": self.unit,
            "parent": self.parent,
            "polarity": self.polarity.value,
            "target": number(self.target),
            "weight": number(self.weight),
            "realisation": number(self.realisation),
            "achievement": number(self.achievement),
        }


def _realisation(field: FieldSchema, value: Any) -> Decimal | None:
    try:
        number = coerce(field, value)
    except InvalidAnswer:
        return None
    return number if isinstance(number, Decimal) else None


def _result(field: FieldSchema, value: Any, cap: Decimal | None, lang: str) -> IndicatorResult:
    indicator = field.indicator
    assert indicator is not None
    realisation = _realisation(field, value)
    return IndicatorResult(
        key=field.key,
        label=text(field.label, lang),
        rhk=text(indicator.rhk, lang),
        group=indicator.group,
        aspect=indicator.aspect,
        unit=indicator.unit,
        parent=indicator.parent,
        polarity=indicator.polarity,
        target=indicator.target,
        weight=indicator.weight,
        realisation=realisation,
        achievement=achievement(realisation, indicator.target, indicator.polarity, cap),
    )


def indicator_breakdown(
    schema: FormSchema,
    values: Mapping[str, Any],
    cap: Decimal | None = DEFAULT_CAP,
    lang: str = "id",
) -> list[IndicatorResult]:
    """Per-indicator results for evaluated ``values`` (e.g. ``Evaluation.values``)."""
    return [_result(field, values.get(field.key), cap, lang) for field in schema.indicators]


def weighted_achievement(
    schema: FormSchema,
    values: Mapping[str, Any],
    cap: Decimal | None = DEFAULT_CAP,
) -> Decimal | None:
    """Weighted achievement percentage of a form, or ``None`` without indicators."""
    results = indicator_breakdown(schema, values, cap)
    weights = sum((result.weight for result in results), Decimal(0))
    if not results or not weights:
        return None
    earned = sum(((result.achievement or 0) * result.weight for result in results), Decimal(0))
    return (earned / weights).quantize(CENT, rounding=ROUND_HALF_UP)
