import json
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings

from forms.definition import MAX_FIELDS, check_definition, parse_definition
from forms.errors import DefinitionError, ErrorCode
from forms.schema import Aspect, FieldType, IndicatorGroup, Polarity
from tests.forms.samples import choices, field, form, immunisation
from tests.forms.strategies import damaged_definitions, definitions


def codes(data):
    return [error.code for error in check_definition(data)]


def test_example_is_valid_and_round_trips():
    schema = parse_definition(immunisation())
    assert schema.code == "DINKES-IMUNISASI"
    assert schema.to_dict() == immunisation()
    assert parse_definition(schema.to_dict()) == schema
    assert schema.order == ("sasaran", "diimunisasi", "cakupan", "kendala")
    indicator = schema.by_key["cakupan"].indicator
    assert indicator.target == Decimal(95)
    assert (indicator.group, indicator.aspect, indicator.polarity) == (
        IndicatorGroup.UTAMA,
        Aspect.KUANTITAS,
        Polarity.HIGHER,
    )
    assert schema.by_key["sasaran"].type is FieldType.INTEGER


def test_schema_is_immutable():
    schema = parse_definition(immunisation())
    with pytest.raises(AttributeError):
        schema.code = "OTHER"  # type: ignore[misc]
    assert isinstance(schema.fields, tuple)


def test_normalisation():
    data = form(
        field("a", "text", label={"id": "  Nama ", "en": ""}, required=False, help=None),
        field("b", "decimal", min=0.5, max=2, default="1,5"),
        field("c", "multiselect", choices=choices("x", "y"), default=["y", "x"]),
        description={"id": "Line\r\nbreak"},
    )
    normalised = parse_definition(data).to_dict()
    assert normalised["fields"][0] == {"key": "a", "type": "text", "label": {"id": "Nama"}}
    assert normalised["fields"][1]["default"] == 1.5
    assert normalised["fields"][1]["min"] == 0.5
    assert normalised["fields"][2]["default"] == ["x", "y"]
    assert normalised["description"] == {"id": "Line\nbreak"}


def test_all_errors_are_reported_at_once():
    data = form(
        field("a"),
        field("a"),
        field("Bad-Key"),
        field("b", "colour"),
        field("c", "select"),
        field("d", min=5, max=1),
    )
    data["code"] = "lower"
    assert codes(data) == [
        ErrorCode.INVALID_CODE,
        ErrorCode.INVALID_KEY,
        ErrorCode.UNKNOWN_TYPE,
        ErrorCode.MISSING_CHOICES,
        ErrorCode.MIN_GT_MAX,
        ErrorCode.DUPLICATE_KEY,
    ]
    with pytest.raises(DefinitionError) as caught:
        parse_definition(data)
    assert len(caught.value.errors) == 6
    assert "more than once" in str(caught.value)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ([], ErrorCode.BAD_DEFINITION),
        ("text", ErrorCode.BAD_DEFINITION),
        (form(), ErrorCode.NO_FIELDS),
        (form(*[field(f"f{i}") for i in range(MAX_FIELDS + 1)]), ErrorCode.TOO_MANY_FIELDS),
        (form(field("a"), title={"en": "Only English"}), ErrorCode.MISSING_TITLE),
        (form(field("a"), title={"id": "x", "fr": "y"}), ErrorCode.UNKNOWN_LANGUAGE),
        (form(field("a"), extra=1), ErrorCode.UNKNOWN_PROPERTY),
        (form(field("a", requird=True)), ErrorCode.UNKNOWN_PROPERTY),
        (form(field("a", label={"en": "A"})), ErrorCode.MISSING_LABEL),
        (form(field("a", label="A")), ErrorCode.BAD_DEFINITION),
        (form(field("a", label={"id": "A\x00"})), ErrorCode.BAD_DEFINITION),
        (form(field("a", required="yes")), ErrorCode.BAD_DEFINITION),
        (form(field("a", min="1")), ErrorCode.BAD_DEFINITION),
        (form(field("a", min=float("nan"))), ErrorCode.BAD_DEFINITION),
        (form(field("a", max=1e16)), ErrorCode.BAD_DEFINITION),
        (form(field("a", "text", min=-1)), ErrorCode.BAD_DEFINITION),
        (form(field("a", "text", max=2.5)), ErrorCode.BAD_DEFINITION),
        (form(field("a", "text", min=3, max=2)), ErrorCode.MIN_GT_MAX),
        (form(field("and")), ErrorCode.RESERVED_KEY),
        (form(field("data")), ErrorCode.RESERVED_KEY),
        (form(field("validate_x")), ErrorCode.RESERVED_KEY),
        (form(field("a__file")), ErrorCode.INVALID_KEY),
        (form(field("a" * 41)), ErrorCode.INVALID_KEY),
        (form(field("1a")), ErrorCode.INVALID_KEY),
        (form({"type": "integer", "label": {"id": "x"}}), ErrorCode.INVALID_KEY),
        (form(field("a", "select", choices=[])), ErrorCode.MISSING_CHOICES),
        (form(field("a", "select", choices={})), ErrorCode.BAD_DEFINITION),
        (form(field("a", "select", choices=choices("x", "x"))), ErrorCode.DUPLICATE_CHOICE),
        (form(field("a", "select", choices=choices("has space"))), ErrorCode.INVALID_CHOICE_VALUE),
        (form(field("a", "select", choices=["x"])), ErrorCode.BAD_DEFINITION),
        (
            form(field("a", "select", choices=choices(*map(str, range(501))))),
            ErrorCode.TOO_MANY_CHOICES,
        ),
        (form(field("a", "text", choices=choices("x"))), ErrorCode.NOT_APPLICABLE),
        (form(field("a", "date", min=1)), ErrorCode.NOT_APPLICABLE),
        (form(field("a", "section", required=True)), ErrorCode.NOT_APPLICABLE),
        (form(field("a", "evidence", default="https://x.id")), ErrorCode.NOT_APPLICABLE),
        (
            form(field("a", "multiselect", choices=choices("x"), calculate="1")),
            ErrorCode.NOT_APPLICABLE,
        ),
        (form(field("a", calculate="1", default=1)), ErrorCode.NOT_APPLICABLE),
        (form(field("a", "text", pattern="(?=a)a")), ErrorCode.BAD_PATTERN),
        (form(field("a", "text", pattern="(a)\\1")), ErrorCode.BAD_PATTERN),
        (form(field("a", "text", pattern="x" * 201)), ErrorCode.BAD_PATTERN),
        (form(field("a", "text", pattern="[")), ErrorCode.BAD_PATTERN),
        (form(field("a", default="x")), ErrorCode.BAD_DEFAULT),
        (form(field("a", "date", default="2024-02-30")), ErrorCode.BAD_DEFAULT),
        (form(field("a", "select", choices=choices("x"), default="y")), ErrorCode.BAD_DEFAULT),
        (form(field("a", relevant="b > 1")), ErrorCode.EXPR_UNKNOWN_NAME),
        (form(field("s", "section"), field("a", relevant="s")), ErrorCode.EXPR_UNKNOWN_NAME),
        (form(field("a", constraint="a..b")), ErrorCode.EXPR_SYNTAX),
        (form(field("a", calculate="eval(1)")), ErrorCode.EXPR_UNKNOWN_FUNCTION),
        (form(field("a", relevant=5)), ErrorCode.BAD_DEFINITION),
        (form(field("a", calculate="a + 1")), ErrorCode.CALC_CYCLE),
        (form(field("a", relevant="a > 1")), ErrorCode.CALC_CYCLE),
        (form(field("a", "text", indicator={})), ErrorCode.INDICATOR_NOT_NUMERIC),
    ],
)
def test_invalid_definitions(data, expected):
    assert expected in codes(data)


def indicator(**overrides):
    base = {
        "group": "utama",
        "aspect": "kuantitas",
        "target": 10,
        "polarity": "higher",
        "weight": 100,
    }
    return {**base, **overrides}


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (indicator(group="pokok"), ErrorCode.BAD_INDICATOR_GROUP),
        (indicator(aspect="mutu"), ErrorCode.BAD_INDICATOR_ASPECT),
        (indicator(polarity=None), ErrorCode.BAD_INDICATOR_POLARITY),
        (indicator(polarity=["higher"]), ErrorCode.BAD_INDICATOR_POLARITY),
        (indicator(target=None), ErrorCode.MISSING_TARGET),
        (indicator(target=-1), ErrorCode.INVALID_TARGET),
        (indicator(target="10"), ErrorCode.INVALID_TARGET),
        (indicator(weight=0), ErrorCode.INVALID_WEIGHT),
        (indicator(weight=True), ErrorCode.INVALID_WEIGHT),
        (indicator(weight=90), ErrorCode.WEIGHTS_NOT_100),
        (indicator(rhk={"en": "x"}), ErrorCode.MISSING_LABEL),
        (indicator(colour="red"), ErrorCode.UNKNOWN_PROPERTY),
        ("utama", ErrorCode.BAD_DEFINITION),
    ],
)
def test_invalid_indicators(spec, expected):
    assert codes(form(field("a", indicator=spec))) == [expected]


def test_weights_must_total_100_within_tolerance():
    def two(first, second):
        return form(
            field("a", indicator=indicator(weight=first)),
            field("b", indicator=indicator(weight=second)),
        )

    assert codes(two(60, 40)) == []
    assert codes(two(33.335, 66.67)) == []
    assert codes(two(60, 30)) == [ErrorCode.WEIGHTS_NOT_100]
    error = check_definition(two(60, 30))[0]
    assert "90" in str(error.message)


def test_indicator_metadata_round_trips():
    spec = indicator(
        unit="dokumen", parent="IKU-DINKES-01", rhk={"id": "Laporan", "en": "Report"}, target=0
    )
    schema = parse_definition(form(field("a", "decimal", indicator=spec)))
    assert schema.to_dict()["fields"][0]["indicator"] == spec
    assert schema.indicators[0].indicator.rhk.get("en") == "Report"


def test_cycle_names_the_keys():
    data = form(field("a", calculate="b + 1"), field("b", calculate="a * 2"))
    [error] = check_definition(data)
    assert error.code is ErrorCode.CALC_CYCLE
    assert "a → b → a" in str(error.message)


def test_cycle_through_relevance_and_sections():
    data = form(field("s", "section", relevant="b > 1"), field("b"))
    assert codes(data) == [ErrorCode.CALC_CYCLE]


def test_evaluation_order_follows_dependencies():
    data = form(field("total", calculate="a + b"), field("a"), field("b", relevant="a > 0"))
    assert parse_definition(data).order == ("a", "b", "total")


def test_expression_errors_carry_field_path_and_position():
    [error] = check_definition(form(field("a"), field("b", constraint="a + zz")))
    assert (error.code, error.field, error.path, error.position) == (
        ErrorCode.EXPR_UNKNOWN_NAME,
        "b",
        "fields[1].constraint",
        4,
    )


def test_unknown_type_does_not_cause_spurious_reference_errors():
    data = form(field("a", "colour"), field("b", relevant="a > 1"))
    assert codes(data) == [ErrorCode.UNKNOWN_TYPE]


def test_errors_are_json_serialisable():
    data = form(field("a", "select"), field("a", relevant="zz"))
    payload = json.dumps([error.to_dict() for error in check_definition(data)])
    assert "MISSING_CHOICES" in payload and "DUPLICATE_KEY" in payload


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged_definitions())
def test_any_definition_parses_or_raises_definition_error(data):
    try:
        schema = parse_definition(data)
    except DefinitionError as error:
        assert error.errors
        json.dumps([item.to_dict() for item in error.errors])
        return
    assert parse_definition(schema.to_dict()) == schema


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(definitions())
def test_generated_definitions_are_valid_and_normalisation_is_stable(data):
    schema = parse_definition(data)
    normalised = schema.to_dict()
    assert parse_definition(normalised).to_dict() == normalised
    json.dumps(normalised)


def test_selected_must_name_an_existing_choice():
    data = form(
        field("layanan", "multiselect", choices=choices("kia", "gizi")),
        field("catatan", "text", relevant="selected(layanan, 'tb') or selected(layanan, 'kia')"),
    )
    errors = check_definition(data)
    assert [e.code for e in errors] == [ErrorCode.EXPR_UNKNOWN_CHOICE]
    assert errors[0].field == "catatan"
    assert errors[0].position == len("selected(layanan, ")
    assert "tb" in str(errors[0].message)
    data["fields"][0]["choices"] = choices("kia", "gizi", "tb")
    assert codes(data) == []
