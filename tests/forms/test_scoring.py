from decimal import Decimal

import pytest

from forms.definition import parse_definition
from forms.evaluation import evaluate
from forms.schema import Polarity
from forms.scoring import achievement, indicator_breakdown, weighted_achievement
from tests.forms.samples import field, form, immunisation


@pytest.mark.parametrize(
    ("realisation", "target", "polarity", "expected"),
    [
        (95, 95, "higher", "100.00"),
        (47.5, 95, "higher", "50.00"),
        (200, 100, "higher", "120.00"),
        (-5, 10, "higher", "0.00"),
        (1, 3, Polarity.HIGHER, "33.33"),
        (0, 0, "higher", "100.00"),
        (-1, 0, "higher", "0.00"),
        (10, 10, "lower", "100.00"),
        (8, 10, "lower", "120.00"),
        (9, 10, "lower", "110.00"),
        (15, 10, "lower", "50.00"),
        (30, 10, "lower", "0.00"),
        (0, 0, "lower", "100.00"),
        (1, 0, "lower", "0.00"),
    ],
)
def test_achievement(realisation, target, polarity, expected):
    assert achievement(realisation, target, polarity) == Decimal(expected)


def test_cap_is_configurable():
    assert achievement(300, 100, "higher", cap=Decimal(150)) == Decimal("150.00")
    assert achievement(300, 100, "higher", cap=None) == Decimal("300.00")
    assert achievement(Decimal("0.005"), 1, "higher") == Decimal("0.50")


def test_no_realisation_gives_none():
    assert achievement(None, 10, "higher") is None


def indicator(target, polarity, weight, **extra):
    return {
        "group": "utama",
        "aspect": "kuantitas",
        "target": target,
        "polarity": polarity,
        "weight": weight,
        **extra,
    }


SCHEMA = parse_definition(
    form(
        field("cases", indicator=indicator(100, "higher", 60, unit="kasus", parent="IKU-01")),
        field(
            "days",
            "decimal",
            label={"id": "Hari", "en": "Days"},
            indicator=indicator(5, "lower", 40, aspect="waktu"),
        ),
        field("note", "text"),
    )
)


def test_weighted_achievement():
    assert weighted_achievement(SCHEMA, {"cases": 90, "days": 4}) == Decimal("102.00")
    assert weighted_achievement(SCHEMA, {"cases": 90}) == Decimal("54.00")
    assert weighted_achievement(SCHEMA, {"cases": 300, "days": "x"}, cap=Decimal(100)) == Decimal(
        "60.00"
    )


def test_weighted_achievement_without_indicators():
    assert weighted_achievement(parse_definition(form(field("a"))), {"a": 1}) is None


def test_breakdown_rows():
    first, second = indicator_breakdown(SCHEMA, {"cases": "50", "days": None}, lang="en")
    assert first.to_dict() == {
        "key": "cases",
        "label": "Cases",
        "rhk": "",
        "group": "utama",
        "aspect": "kuantitas",
        "unit": "kasus",
        "parent": "IKU-01",
        "polarity": "higher",
        "target": 100,
        "weight": 60,
        "realisation": 50,
        "achievement": 50,
    }
    assert (second.label, second.realisation, second.achievement) == ("Days", None, None)


def test_scoring_an_evaluated_form():
    schema = parse_definition(immunisation())
    values = evaluate(schema, {"sasaran": 40, "diimunisasi": 38}).values
    assert values["cakupan"] == 95
    assert weighted_achievement(schema, values) == Decimal("100.00")
