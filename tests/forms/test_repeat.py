"""Repeat groups (tables of rows): definitions, aggregates, per-row evaluation."""

from __future__ import annotations

import time

import pytest

from forms.definition import check_definition, describe_path, parse_definition
from forms.errors import ErrorCode
from forms.evaluation import evaluate
from forms.schema import FieldType
from tests.forms.samples import choices, field, form


def posyandu(**properties):
    """A puskesmas form: a table of posyandu and the indicator summing their realisation."""
    table = field(
        "posyandu",
        "repeat",
        fields=[
            field("nama", "text", required=True),
            field("sasaran", min=0),
            field("realisasi", min=0, constraint="realisasi <= sasaran"),
            field("persen", "percent", calculate="realisasi / sasaran * 100"),
            field("alasan", "text", relevant="persen < batas", required=True),
        ],
        **properties,
    )
    return form(
        field("batas", default=80),
        table,
        field("total", calculate="sum(posyandu.realisasi)"),
        field("jumlah", calculate="count(posyandu)"),
        field("rerata", "decimal", calculate="avg(posyandu.persen)"),
        field("terendah", calculate="min(posyandu.realisasi)"),
        field("tertinggi", calculate="max(posyandu.realisasi)"),
    )


SCHEMA = parse_definition(posyandu())
MAWAR = {"nama": "Mawar", "sasaran": 80, "realisasi": 76}
MELATI = {"nama": "Melati", "sasaran": "50", "realisasi": "30", "alasan": "hujan"}


def codes(evaluation):
    return {key: [error.code for error in errors] for key, errors in evaluation.errors.items()}


def definition_codes(data):
    return [(error.code, error.field, error.path) for error in check_definition(data)]


# ---------------------------------------------------------------- definitions


def test_a_repeat_parses_and_normalises_with_its_columns():
    schema = parse_definition(posyandu(min=1, max=30, required=True))
    table = schema.by_key["posyandu"]
    assert table.type is FieldType.REPEAT
    assert [child.key for child in table.fields] == [
        "nama",
        "sasaran",
        "realisasi",
        "persen",
        "alasan",
    ]
    data = schema.to_dict()
    assert data["fields"][1]["fields"][0] == {
        "key": "nama",
        "type": "text",
        "label": {"id": "Nama"},
        "required": True,
    }
    assert (data["fields"][1]["min"], data["fields"][1]["max"]) == (1, 30)
    assert parse_definition(data) == schema
    order = schema.order
    assert order.index("realisasi") < order.index("posyandu") < order.index("total")


@pytest.mark.parametrize(
    ("column", "code", "path"),
    [
        (field("bab", "section"), ErrorCode.REPEAT_CHILD_TYPE, "fields[0].fields[1].type"),
        (
            field("dalam", "repeat", fields=[field("x")]),
            ErrorCode.REPEAT_CHILD_TYPE,
            "fields[0].fields[1].type",
        ),
        (field("bukti", "evidence"), ErrorCode.REPEAT_CHILD_TYPE, "fields[0].fields[1].type"),
        (
            field(
                "capaian",
                indicator={
                    "group": "utama",
                    "aspect": "kuantitas",
                    "target": 1,
                    "polarity": "higher",
                    "weight": 100,
                },
            ),
            ErrorCode.INDICATOR_IN_REPEAT,
            "fields[0].fields[1].indicator",
        ),
        (field("nama"), ErrorCode.DUPLICATE_KEY, "fields[0].fields[1].key"),
    ],
)
def test_refused_columns_name_the_column(column, code, path):
    data = form(field("tabel", "repeat", fields=[field("nama"), column]))
    assert (code, column["key"], path) in definition_codes(data)


def test_keys_are_unique_across_the_form_and_its_tables():
    data = form(field("tabel", "repeat", fields=[field("luar")]), field("luar"))
    assert definition_codes(data) == [(ErrorCode.DUPLICATE_KEY, "luar", "fields[1].key")]


def test_refused_column_message_names_the_table_and_column():
    data = form(field("tabel", "repeat", fields=[field("bab", "section")]))
    [error] = check_definition(data)
    assert str(error.message) == "Field bab: a table cannot have a column of type section."
    assert (
        describe_path("fields[0].fields[0].label", data)
        == "Field tabel (Tabel) › Field bab (Bab), label"
    )


@pytest.mark.parametrize(
    ("properties", "code", "path"),
    [
        ({"fields": []}, ErrorCode.REPEAT_NO_FIELDS, "fields[0].fields"),
        ({"fields": [field("a")], "min": 3, "max": 2}, ErrorCode.MIN_GT_MAX, "fields[0].min"),
        ({"fields": [field("a")], "min": -1}, ErrorCode.BAD_DEFINITION, "fields[0].min"),
        ({"fields": [field("a")], "max": 1.5}, ErrorCode.BAD_DEFINITION, "fields[0].max"),
        ({"fields": [field("a")], "default": []}, ErrorCode.NOT_APPLICABLE, "fields[0].default"),
        ({"fields": "a"}, ErrorCode.BAD_DEFINITION, "fields[0].fields"),
    ],
)
def test_refused_repeat_properties(properties, code, path):
    codes_found = [
        (c, p) for c, _f, p in definition_codes(form(field("t", "repeat", **properties)))
    ]
    assert (code, path) in codes_found


def test_fields_is_only_for_repeats():
    data = form(field("a", fields=[field("b")]))
    assert (ErrorCode.NOT_APPLICABLE, "a", "fields[0].fields") in definition_codes(data)


@pytest.mark.parametrize(
    ("expression", "code"),
    [
        ("sum(posyandu.umur)", ErrorCode.EXPR_UNKNOWN_NAME),
        ("sum(kader.realisasi)", ErrorCode.EXPR_UNKNOWN_NAME),
        ("realisasi", ErrorCode.EXPR_UNKNOWN_NAME),
        ("posyandu.realisasi + 1", ErrorCode.EXPR_NOT_AGGREGATED),
        ("posyandu > 1", ErrorCode.EXPR_NOT_AGGREGATED),
        ("round(posyandu.realisasi)", ErrorCode.EXPR_NOT_AGGREGATED),
        ("selected(posyandu.nama, 'a')", ErrorCode.EXPR_NOT_AGGREGATED),
    ],
)
def test_references_outside_the_table(expression, code):
    data = form(
        field("posyandu", "repeat", fields=[field("nama", "text"), field("realisasi")]),
        field("total", calculate=expression),
    )
    assert (code, "total", "fields[1].calculate") in definition_codes(data)


def test_a_column_cannot_see_another_tables_columns_bare_or_aggregate_its_own_table():
    data = form(
        field("a", "repeat", fields=[field("x")]),
        field("b", "repeat", fields=[field("y", calculate="x + 1")]),
    )
    assert (ErrorCode.EXPR_UNKNOWN_NAME, "y", "fields[1].fields[0].calculate") in (
        definition_codes(data)
    )
    own = form(field("a", "repeat", fields=[field("x"), field("y", calculate="sum(a.x)")]))
    assert [code for code, _f, _p in definition_codes(own)] == [ErrorCode.CALC_CYCLE]
    other = form(
        field("a", "repeat", fields=[field("x")]),
        field("b", "repeat", fields=[field("y", calculate="sum(a.x) + z"), field("z")]),
    )
    assert check_definition(other) == []


def test_cycles_through_a_table_are_refused():
    data = form(
        field("total", calculate="sum(t.x)"),
        field("t", "repeat", fields=[field("x", calculate="total + 1")]),
    )
    assert [code for code, _f, _p in definition_codes(data)] == [ErrorCode.CALC_CYCLE]


def test_selected_choice_of_a_sibling_column_is_checked():
    data = form(
        field(
            "t",
            "repeat",
            fields=[
                field("jenis", "select", choices=choices("a", "b")),
                field("x", relevant="selected(jenis, 'c')"),
            ],
        )
    )
    assert (ErrorCode.EXPR_UNKNOWN_CHOICE, "x", "fields[0].fields[1].relevant") in (
        definition_codes(data)
    )


def test_columns_count_towards_the_field_limit():
    data = form(field("t", "repeat", fields=[field(f"k{i}") for i in range(200)]))
    assert ErrorCode.TOO_MANY_FIELDS in [code for code, _f, _p in definition_codes(data)]


# ---------------------------------------------------------------- evaluation


def test_rows_aggregates_and_per_row_results():
    result = evaluate(SCHEMA, {"posyandu": [MAWAR, MELATI]})
    assert result.valid, result.errors
    assert result.values["posyandu"] == [
        {"nama": "Mawar", "sasaran": 80, "realisasi": 76, "persen": 95, "alasan": None},
        {"nama": "Melati", "sasaran": 50, "realisasi": 30, "persen": 60, "alasan": "hujan"},
    ]
    assert {key: result.values[key] for key in ("total", "jumlah", "terendah", "tertinggi")} == {
        "total": 106,
        "jumlah": 2,
        "terendah": 30,
        "tertinggi": 76,
    }
    assert result.values["rerata"] == 77.5
    assert result.relevant["posyandu"] is True
    assert result.relevant["posyandu.0.alasan"] is False
    assert result.relevant["posyandu.1.alasan"] is True
    assert result.calculated["posyandu.1.persen"] == 60
    assert "posyandu.0.nama" not in result.calculated
    assert list(result.relevant)[:3] == ["batas", "posyandu", "posyandu.0.nama"]


def test_no_rows_sum_is_zero_and_the_others_are_empty():
    for answers in ({}, {"posyandu": []}, {"posyandu": None}):
        result = evaluate(SCHEMA, answers)
        assert result.valid
        assert result.values["posyandu"] == []
        assert (result.values["total"], result.values["jumlah"]) == (0, 0)
        assert result.values["rerata"] is result.values["terendah"] is None


def test_empty_and_irrelevant_values_are_left_out_of_aggregates():
    rows = [
        {"nama": "A", "sasaran": 10},  # no realisation yet
        {"nama": "B", "sasaran": 10, "realisasi": 4, "alasan": "x"},
    ]
    result = evaluate(SCHEMA, {"posyandu": rows, "batas": 50})
    assert result.values["total"] == 4
    assert result.values["terendah"] == result.values["tertinggi"] == 4
    assert result.values["rerata"] == 40  # the row without realisation has no percentage
    assert result.values["jumlah"] == 2
    schema = parse_definition(
        form(
            field("t", "repeat", fields=[field("ikut", "boolean"), field("x", relevant="ikut")]),
            field("s", calculate="sum(t.x)"),
            field("n", calculate="count(t.x)"),
        )
    )
    rows = [{"ikut": True, "x": 5}, {"ikut": False, "x": 100}, {"ikut": "ya", "x": 2}]
    result = evaluate(schema, {"t": rows})
    assert (result.values["s"], result.values["n"]) == (7, 2)
    assert result.values["t"][1] == {"ikut": False, "x": None}
    assert result.relevant["t.1.x"] is False


def test_errors_are_keyed_by_row_path():
    rows = [MAWAR, {"nama": "", "sasaran": 10, "realisasi": 12}, {"sasaran": "banyak"}]
    result = evaluate(SCHEMA, {"posyandu": rows})
    assert codes(result) == {
        "posyandu.1.nama": [ErrorCode.REQUIRED],
        "posyandu.1.realisasi": [ErrorCode.CONSTRAINT_FAILED],
        "posyandu.2.nama": [ErrorCode.REQUIRED],
        "posyandu.2.sasaran": [ErrorCode.NOT_A_NUMBER],
    }
    error = result.errors["posyandu.2.sasaran"][0]
    assert error.to_dict()["field"] == "posyandu.2.sasaran"
    assert result.values["posyandu"][2]["sasaran"] is None


def test_partial_skips_required_also_inside_rows():
    rows = [{"sasaran": 10, "realisasi": 12}]
    result = evaluate(parse_definition(posyandu(required=True)), {"posyandu": rows}, partial=True)
    assert codes(result) == {"posyandu.0.realisasi": [ErrorCode.CONSTRAINT_FAILED]}
    empty = evaluate(parse_definition(posyandu(required=True)), {}, partial=True)
    assert empty.valid


@pytest.mark.parametrize(
    ("properties", "count", "expected"),
    [
        ({"required": True}, 0, [ErrorCode.REQUIRED]),
        ({"min": 2}, 0, None),
        ({"min": 2}, 1, [ErrorCode.ROWS_BELOW_MIN]),
        ({"min": 2}, 2, None),
        ({"max": 1}, 2, [ErrorCode.ROWS_ABOVE_MAX]),
        ({"max": 1}, 1, None),
    ],
)
def test_row_count_bounds(properties, count, expected):
    result = evaluate(parse_definition(posyandu(**properties)), {"posyandu": [MAWAR] * count})
    assert codes(result).get("posyandu") == expected


def test_row_count_messages():
    result = evaluate(parse_definition(posyandu(min=2)), {"posyandu": [MAWAR]})
    assert str(result.errors["posyandu"][0].message) == "Add at least 2 rows."


@pytest.mark.parametrize("answer", ["Mawar", 5, {"nama": "Mawar"}, [MAWAR, "Melati"], [[1]]])
def test_rows_that_are_not_a_list_of_objects(answer):
    result = evaluate(SCHEMA, {"posyandu": answer})
    assert codes(result) == {"posyandu": [ErrorCode.INVALID_ROWS]}
    assert result.values["posyandu"] == [] and result.values["total"] == 0


def test_too_many_rows_are_refused_without_evaluating_them():
    result = evaluate(SCHEMA, {"posyandu": [MAWAR] * 501})
    assert codes(result) == {"posyandu": [ErrorCode.ROWS_ABOVE_MAX]}


def test_irrelevant_table_has_no_rows():
    schema = parse_definition(
        form(
            field("ada", "boolean"),
            field("t", "repeat", relevant="ada", required=True, fields=[field("x", required=True)]),
            field("s", calculate="sum(t.x)"),
        )
    )
    result = evaluate(schema, {"ada": False, "t": [{"x": 3}, {}]})
    assert result.valid
    assert (result.values["t"], result.values["s"], result.relevant["t"]) == ([], 0, False)
    assert "t.0.x" not in result.relevant
    assert codes(evaluate(schema, {"ada": True, "t": [{}]})) == {"t.0.x": [ErrorCode.REQUIRED]}


def test_columns_see_form_fields_and_defaults_and_ignore_input_for_calculations():
    schema = parse_definition(
        form(
            field("faktor", default=2),
            field(
                "t",
                "repeat",
                fields=[field("x", default=1), field("y", calculate="x * faktor")],
            ),
            field("s", calculate="sum(t.y)"),
        )
    )
    result = evaluate(schema, {"t": [{"y": 99}, {"x": 5}]})
    assert result.values["t"] == [{"x": 1, "y": 2}, {"x": 5, "y": 10}]
    assert result.values["s"] == 12


def test_xlsform_style_references_work():
    schema = parse_definition(
        form(
            field("t", "repeat", fields=[field("x")]),
            field("n", calculate="count(${t}) + sum(${t.x})"),
        )
    )
    assert evaluate(schema, {"t": [{"x": 2}, {"x": 3}]}).values["n"] == 7


def test_a_hundred_rows_stay_fast():
    rows = [{"nama": f"P{i}", "sasaran": 100, "realisasi": i % 100} for i in range(100)]
    start = time.perf_counter()
    for _ in range(10):
        result = evaluate(SCHEMA, {"posyandu": rows, "batas": 0})
    assert result.valid and result.values["total"] == sum(i % 100 for i in range(100))
    assert time.perf_counter() - start < 1.0
