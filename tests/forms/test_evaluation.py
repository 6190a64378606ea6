import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forms.definition import parse_definition
from forms.errors import ErrorCode
from forms.evaluation import evaluate
from tests.forms.samples import choices, field, form, immunisation
from tests.forms.strategies import answers, definitions


def schema_of(*fields, **extra):
    return parse_definition(form(*fields, **extra))


def error_codes(evaluation):
    return {key: [error.code for error in errors] for key, errors in evaluation.errors.items()}


IMMUNISATION = parse_definition(immunisation())


def test_complete_answers():
    result = evaluate(IMMUNISATION, {"sasaran": "40", "diimunisasi": "39"})
    assert result.valid
    assert result.values == {"sasaran": 40, "diimunisasi": 39, "cakupan": 97.5, "kendala": None}
    assert result.calculated == {"cakupan": 97.5}
    assert result.relevant == {
        "sasaran": True,
        "diimunisasi": True,
        "cakupan": True,
        "kendala": False,
    }


def test_relevance_makes_a_field_required():
    result = evaluate(IMMUNISATION, {"sasaran": 3, "diimunisasi": 2})
    assert result.values["cakupan"] == 66.67
    assert result.relevant["kendala"] is True
    assert error_codes(result) == {"kendala": [ErrorCode.REQUIRED]}
    assert evaluate(IMMUNISATION, {"sasaran": 3, "diimunisasi": 2, "kendala": "stok"}).valid


def test_constraint_shows_its_message():
    result = evaluate(IMMUNISATION, {"sasaran": 3, "diimunisasi": 4})
    [error] = result.errors["diimunisasi"]
    assert error.code is ErrorCode.CONSTRAINT_FAILED
    assert str(error.message) == "Tidak boleh melebihi jumlah sasaran"


def test_constraint_message_language_falls_back_to_indonesian():
    message = {"id": "Harus positif", "en": "Must be positive"}
    schema = schema_of(
        field("a", constraint="a > 0", constraint_message=message), field("b", constraint="b > 0")
    )
    english = evaluate(schema, {"a": -1, "b": -1}, lang="en")
    assert str(english.errors["a"][0].message) == "Must be positive"
    assert str(english.errors["b"][0].message) == "The value is not valid."
    assert str(evaluate(schema, {"a": -1}, lang="fr").errors["a"][0].message) == "Harus positif"


def test_unknown_constraint_result_does_not_fail():
    schema = schema_of(field("a"), field("b", constraint="b <= a"))
    assert evaluate(schema, {"b": 5}).valid


def test_division_by_zero_gives_empty():
    result = evaluate(IMMUNISATION, {"sasaran": 0, "diimunisasi": 0})
    assert result.values["cakupan"] is None
    assert result.relevant["kendala"] is False
    assert result.valid


def test_calculations_chain_in_dependency_order_and_ignore_input():
    schema = schema_of(
        field("total", "decimal", calculate="subtotal * 1.1"),
        field("subtotal", "integer", calculate="a + b"),
        field("a"),
        field("b"),
        field("label", "text", calculate="if(total > 10, 'besar', 'kecil')"),
        field("whole", "integer", calculate="a / 4"),
        field("flag", "boolean", calculate="a"),
        field("as_text", "text", calculate="a / 4"),
    )
    result = evaluate(schema, {"a": "5", "b": "6", "total": "999", "subtotal": "1"})
    assert result.calculated == {
        "total": 12.1,
        "subtotal": 11,
        "label": "besar",
        "whole": 1,
        "flag": True,
        "as_text": "1.25",
    }


def test_irrelevant_values_are_cleared_for_dependants():
    schema = schema_of(
        field("has_cost", "boolean"),
        field("cost", relevant="has_cost"),
        field("total", calculate="max(cost, 0)"),
    )
    hidden = evaluate(schema, {"has_cost": "false", "cost": "50"})
    assert hidden.values == {"has_cost": False, "cost": None, "total": 0}
    shown = evaluate(schema, {"has_cost": "true", "cost": "50"})
    assert shown.values == {"has_cost": True, "cost": 50, "total": 50}


def test_section_relevance_hides_following_fields_until_next_section():
    schema = schema_of(
        field("has_issue", "boolean"),
        field("issues", "section", relevant="has_issue"),
        field("detail", "text", required=True),
        field("rest", "section"),
        field("note", "text", required=True),
    )
    result = evaluate(schema, {"has_issue": False})
    assert result.relevant == {
        "has_issue": True,
        "issues": False,
        "detail": False,
        "rest": True,
        "note": True,
    }
    assert error_codes(result) == {"note": [ErrorCode.REQUIRED]}
    assert error_codes(evaluate(schema, {"has_issue": "ya", "note": "x"})) == {
        "detail": [ErrorCode.REQUIRED]
    }


def test_partial_skips_required_but_keeps_type_errors():
    result = evaluate(IMMUNISATION, {"sasaran": "abc"}, partial=True)
    assert error_codes(result) == {"sasaran": [ErrorCode.NOT_A_NUMBER]}
    assert evaluate(IMMUNISATION, {}, partial=True).valid


def test_type_error_is_not_also_reported_as_required():
    assert error_codes(evaluate(IMMUNISATION, {"sasaran": "x", "diimunisasi": "1"})) == {
        "sasaran": [ErrorCode.NOT_A_NUMBER]
    }


def test_defaults_apply_to_missing_keys_only():
    schema = schema_of(
        field("a", default=3), field("b", "select", choices=choices("x", "y"), default="y")
    )
    assert evaluate(schema, {}).values == {"a": 3, "b": "y"}
    assert evaluate(schema, {"a": "", "b": None}).values == {"a": None, "b": None}


def test_bounds_pattern_and_counts():
    schema = schema_of(
        field("n", "decimal", min=0.5, max=10),
        field("nip", "text", pattern="[0-9]{18}", min=18, max=18),
        field("name", "text", min=3),
        field("pick", "multiselect", choices=choices("a", "b", "c"), min=2, max=2),
    )
    result = evaluate(schema, {"n": "0,4", "nip": "1966", "name": "Al", "pick": ["a"]})
    assert error_codes(result) == {
        "n": [ErrorCode.BELOW_MIN],
        "nip": [ErrorCode.TOO_SHORT, ErrorCode.PATTERN_MISMATCH],
        "name": [ErrorCode.TOO_SHORT],
        "pick": [ErrorCode.TOO_FEW_SELECTED],
    }
    assert str(result.errors["n"][0].message) == "Must be at least 0.5."
    result = evaluate(schema, {"n": 11, "nip": "196608011988031001", "pick": ["a", "b", "c"]})
    assert error_codes(result) == {
        "n": [ErrorCode.ABOVE_MAX],
        "pick": [ErrorCode.TOO_MANY_SELECTED],
    }


def test_values_are_json_friendly():
    schema = schema_of(
        field("d", "date"),
        field("m", "multiselect", choices=choices("a", "b")),
        field("e", "evidence"),
        field("x", "decimal"),
    )
    result = evaluate(
        schema,
        {"d": "2024-03-01", "m": ["b", "a"], "e": "https://dinkes.mamujukab.go.id/x", "x": 0.1},
    )
    assert result.values == {
        "d": "2024-03-01",
        "m": ["a", "b"],
        "e": {"kind": "link", "url": "https://dinkes.mamujukab.go.id/x"},
        "x": 0.1,
    }
    assert json.loads(json.dumps(result.to_dict()))["valid"] is True


def test_to_dict_lists_errors():
    payload = evaluate(IMMUNISATION, {"sasaran": "x"}).to_dict()
    assert payload["valid"] is False
    assert payload["errors"]["sasaran"][0]["code"] == "NOT_A_NUMBER"
    assert payload["errors"]["sasaran"][0]["message"] == "Enter a number."


@st.composite
def schemas_with_answers(draw):
    schema = parse_definition(draw(definitions()))
    keys = [item.key for item in schema.fields]
    tables = {
        item.key: [child.key for child in item.fields] for item in schema.fields if item.fields
    }
    return schema, draw(answers(keys, tables))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schemas_with_answers(), st.booleans())
def test_random_answers_never_raise(case, partial):
    schema, raw = case
    result = evaluate(schema, raw, partial=partial)
    json.dumps(result.to_dict())
    rows = {
        f"{item.key}.{index}.{child.key}"
        for item in schema.fields
        for index in range(len(result.values.get(item.key) or ()) if item.fields else 0)
        for child in item.fields
    }
    assert set(result.relevant) == {item.key for item in schema.fields} | rows
    assert evaluate(schema, result.values, partial=partial).values == result.values
