"""Standard XLSForm workbooks: import (real files made by others), export, `${}` syntax."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings

from forms.definition import parse_definition
from forms.errors import DefinitionError, ErrorCode
from forms.evaluation import evaluate
from forms.expressions import compile_expression
from forms.schema import FieldType
from forms.xlsform import definition_to_xlsform, export_expression, xlsform_to_definition
from tests.forms.samples import immunisation
from tests.forms.strategies import definitions

# Copies of ../shared/xlsform-samples (pyxform's test forms, BSD-2-Clause: see LICENSE there).
SAMPLES = Path(__file__).with_name("xlsform_samples")


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def workbook(**sheets: list[list]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def fields_of(result) -> dict[str, dict]:
    return {item["key"]: item for item in result.definition["fields"]}


# ---------------------------------------------------------------- the shared real files


def test_text_and_integer_sample_imports_with_english_labels():
    result = xlsform_to_definition(sample("text_and_integer.xlsx"), "TEXT-INT", "Nama dan umur")
    assert result.unsupported == []
    assert result.definition["code"] == "TEXT-INT"
    assert fields_of(result) == {
        "your_name": {
            "key": "your_name",
            "type": "text",
            "label": {"en": "What is your name?", "id": "What is your name?"},
        },
        "your_age": {
            "key": "your_age",
            "type": "integer",
            "label": {"en": "How many years old are you?", "id": "How many years old are you?"},
        },
    }
    parse_definition(result.definition)


def test_old_select_spelling_imports_as_select_with_its_choices():
    result = xlsform_to_definition(sample("yes_or_no_question.xlsx"))
    good_day = fields_of(result)["good_day"]
    assert good_day["type"] == "select"
    assert [choice["value"] for choice in good_day["choices"]] == ["yes", "no"]


def test_group_without_label_and_end_group_spelling():
    result = xlsform_to_definition(sample("field-list.xlsx"))
    question = fields_of(result)["table_list_question"]
    assert question["help"] == {"id": "hint"}
    assert list(fields_of(result)) == ["table_list_question"]


def test_loop_is_listed_by_row_and_the_rest_imports():
    result = xlsform_to_definition(sample("loop.xlsx"))
    skipped = [(item.row, item.name) for item in result.skipped]
    assert skipped == [(3, "loop_toilet_types"), (4, "number")]
    toilets = fields_of(result)["available_toilet_types"]
    assert toilets["type"] == "multiselect"
    assert toilets["choices"][-1] == {"value": "other", "label": {"id": "Lainnya", "en": "Other"}}
    partial = [item for item in result.unsupported if item.partial]
    assert [(item.row, item.name) for item in partial] == [(2, "available_toilet_types")]


def test_choice_filter_is_reported_and_duplicate_choices_merged():
    result = xlsform_to_definition(sample("choice_filter_test.xlsx"))
    assert result.definition["code"] == "CASCADING_SELECTS1"
    assert result.definition["title"] == {"id": "cascading selects"}
    county = fields_of(result)["county"]
    assert [c["value"] for c in county["choices"]] == ["king", "pierce", "cameron"]
    assert {(item.row, item.partial) for item in result.unsupported} == {(3, True), (4, True)}
    assert "choice filter" in str(result.unsupported[0].reason)


# ---------------------------------------------------------------- the specification


def test_spec_columns_types_and_expressions_are_translated():
    data = workbook(
        Survey=[
            ["TYPE", "Name", "Label::Bahasa Indonesia (id)", "label::English (en)", "hint",
             "required", "relevant", "constraint", "constraint_message", "calculation", "default",
             "appearance"],
            ["integer", "Sasaran-Bayi", "Bayi sasaran", "Target infants", "", "yes", "",
             ". >= 0 and . <= 500", "0 sampai 500", "", "80", ""],
            ["integer", "diimunisasi", "Diimunisasi", "", "", "TRUE", "${Sasaran-Bayi} > 0",
             ". <= ${Sasaran-Bayi}", "", "", "", ""],
            ["calculate", "cakupan", "Cakupan", "", "", "", "",
             "", "", "${diimunisasi} div ${Sasaran-Bayi} * 100", "", ""],
            ["begin group", "lain", "Lain-lain", "", "", "", "${cakupan} < 95", "", "", "", "", ""],
            ["text", "kendala", "Kendala", "", "Tuliskan", "no", "", "string-length(.) <= 200",
             "", "", "", "multiline"],
            ["select_multiple jenis", "jenis", "Jenis", "", "", "", "", "", "", "", "a b", ""],
            ["end group", "", "", "", "", "", "", "", "", "", "", ""],
            ["acknowledge", "setuju", "Setuju", "", "", "", "", "", "", "", "", ""],
            ["file", "bukti", "Bukti", "", "", "",
             "count-selected(${jenis}) > 1 or (selected(${jenis}, 'a') and true())",
             "", "", "", "", ""],
        ],
        CHOICES=[["list_name", "name", "label"], ["jenis", "a", "A"], ["jenis", "b", "B"]],
        settings=[["form_title", "form_id"], ["Imunisasi", "imun-2026"]],
    )  # fmt: skip
    result = xlsform_to_definition(data)
    assert result.unsupported == []
    fields = fields_of(result)
    assert result.definition["code"] == "IMUN-2026"
    assert fields["sasaran_bayi"]["min"] == 0 and fields["sasaran_bayi"]["max"] == 500
    assert fields["sasaran_bayi"]["default"] == 80 and fields["sasaran_bayi"]["required"]
    assert "constraint" not in fields["sasaran_bayi"]
    assert fields["diimunisasi"]["relevant"] == "sasaran_bayi > 0"
    assert fields["diimunisasi"]["constraint"] == "diimunisasi <= sasaran_bayi"
    assert fields["cakupan"]["type"] == "decimal"
    assert fields["cakupan"]["calculate"] == "diimunisasi / sasaran_bayi * 100"
    assert fields["lain"]["type"] == "section"
    assert fields["kendala"] == {
        "key": "kendala",
        "type": "textarea",
        "label": {"id": "Kendala"},
        "help": {"id": "Tuliskan"},
        "relevant": "cakupan < 95",
        "max": 200,
    }
    assert fields["jenis"]["relevant"] == "cakupan < 95"
    assert fields["bukti"]["relevant"] == "count(jenis) > 1 or (selected(jenis, 'a') and true)"
    assert fields["jenis"]["default"] == ["a", "b"]
    assert fields["setuju"]["type"] == "boolean"
    assert fields["bukti"]["type"] == "evidence"
    schema = parse_definition(result.definition)
    assert schema.by_key["cakupan"].expression("calculate") is not None


def test_unsupported_types_and_dependants_are_listed_with_rows():
    data = workbook(
        survey=[
            ["type", "name", "label"],
            ["start", "start", ""],
            ["geopoint", "lokasi", "Lokasi"],
            ["text", "alamat", "Alamat"],
            ["calculate", "panjang", "", ],
            ["integer", "jarak", "Jarak"],
            ["text", "catatan", "Catatan"],
        ],
    )  # fmt: skip
    book = openpyxl.load_workbook(io.BytesIO(data))
    book["survey"]["D1"] = "relevant"
    book["survey"]["D7"] = "${lokasi} != ''"
    book["survey"]["E1"] = "calculation"
    book["survey"]["E5"] = "string-length(${alamat})"
    output = io.BytesIO()
    book.save(output)
    result = xlsform_to_definition(output.getvalue())
    listed = {item.row: (item.name, str(item.reason)) for item in result.skipped}
    assert listed[2][0] == "start" and "metadata" in listed[2][1]
    assert listed[3] == ("lokasi", "the question type geopoint is not supported")
    assert listed[5] == ("panjang", "the function string-length() is not supported")
    assert listed[7] == ("catatan", "refers to lokasi, which is not imported")
    assert list(fields_of(result)) == ["alamat", "jarak"]


def test_names_become_valid_unique_keys():
    data = workbook(
        survey=[["type", "name", "label"], ["text", "Data", "A"], ["text", "data", "B"],
                ["text", "1st", "C"], ["integer", "x__y", "D"]],
    )  # fmt: skip
    assert list(fields_of(xlsform_to_definition(data))) == ["data_f", "data_f_2", "f_1st", "x_y"]


def test_missing_choice_list_is_listed_not_fatal():
    survey = [["type", "name", "label"], ["text", "a", "A"], ["select_one x", "b", "B"]]
    result = xlsform_to_definition(workbook(survey=survey))
    assert [(item.row, str(item.reason)) for item in result.skipped] == [
        (3, "the choice list x is missing")
    ]


def test_engine_errors_are_located_on_the_survey_sheet():
    data = workbook(
        survey=[["type", "name", "label", "constraint"], ["integer", "a", "A", ". > 1"],
                ["text", "b", "", "regex(., '(a)\\1')"]],
    )  # fmt: skip
    with pytest.raises(DefinitionError) as caught:
        xlsform_to_definition(data)
    assert [(error.code, error.path) for error in caught.value.errors] == [
        (ErrorCode.BAD_PATTERN, "survey!3:pattern")
    ]


def test_a_workbook_without_survey_sheet_is_refused():
    with pytest.raises(DefinitionError) as caught:
        xlsform_to_definition(workbook(form=[["code"], ["X"]]))
    assert caught.value.errors[0].code == ErrorCode.MISSING_SHEET


def test_garbage_is_a_bad_file():
    with pytest.raises(DefinitionError) as caught:
        xlsform_to_definition(b"PK\x03\x04 not a workbook")
    assert caught.value.errors[0].code == ErrorCode.BAD_FILE


# ---------------------------------------------------------------- `${}` in the engine


def test_engine_accepts_dollar_references_like_bare_keys():
    assert compile_expression("${a} + b > ${ c }").names == frozenset({"a", "b", "c"})
    env = {"a": Decimal(1), "b": Decimal(2)}
    bare = compile_expression("a + b").evaluate(env)
    assert compile_expression("${a} + ${b}").evaluate(env) == bare


def test_export_expression_spells_xpath():
    assert (
        export_expression("if(a > 0, b / a * 100, 100)", "a") == "if(. > 0, ${b} div . * 100, 100)"
    )
    assert export_expression("count(m) = 0 or selected(m, 'x') and true") == (
        "count-selected(${m}) = 0 or selected(${m}, 'x') and true()"
    )


# ---------------------------------------------------------------- export


def test_export_round_trips_and_pyxform_accepts_it(tmp_path):
    pyxform = pytest.importorskip("pyxform.xls2xform")
    schema = parse_definition(immunisation())
    data = definition_to_xlsform(schema)
    path = tmp_path / "imunisasi.xlsx"
    path.write_bytes(data)
    pyxform.xls2xform_convert(str(path), str(tmp_path / "imunisasi.xml"))
    xml = (tmp_path / "imunisasi.xml").read_text()
    assert "diimunisasi" in xml and "Cakupan imunisasi" in xml
    back = parse_definition(xlsform_to_definition(data).definition)
    for before, after in zip(schema.fields, back.fields, strict=True):
        assert (after.key, after.required, after.min, after.relevant) == (
            before.key, before.required, before.min, before.relevant
        )  # fmt: skip
    assert back.by_key["cakupan"].type == FieldType.DECIMAL


def test_contradicting_bounds_stay_a_constraint():
    data = workbook(survey=[["type", "name", "label", "constraint"],
                            ["integer", "a", "A", ". <= -1 and (. >= 0)"]])  # fmt: skip
    field = xlsform_to_definition(data).definition["fields"][0]
    assert (field.get("min"), field["max"], field["constraint"]) == (None, -1, "a >= 0")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(definitions())
def test_any_form_exports_and_imports_back(definition):
    schema = parse_definition(definition)
    result = xlsform_to_definition(definition_to_xlsform(schema))
    assert result.skipped == []
    back = parse_definition(result.definition)
    assert [f.key for f in back.fields] == [f.key for f in schema.fields]


# ---------------------------------------------------------------- repeats


def repeat_workbook(*rows: list) -> bytes:
    header = ["type", "name", "label", "relevant", "constraint", "calculation", "repeat_count"]
    return workbook(survey=[header, *rows], settings=[["form_id"], ["PKM"]])


def test_begin_repeat_imports_a_table_with_its_columns_and_aggregates():
    data = repeat_workbook(
        ["integer", "batas", "Batas", "", "", "", ""],
        ["Begin_Repeat", "posyandu", "Posyandu", "${batas} > 0", "count(.) >= 1", "", ""],
        ["text", "nama", "Nama", "", "", "", ""],
        ["integer", "sasaran", "Sasaran", "", ". >= 0", "", ""],
        ["integer", "realisasi", "Realisasi", "", ". <= ${sasaran}", "", ""],
        ["calculate", "persen", "", "", "", "${realisasi} div ${sasaran} * 100", ""],
        ["begin group", "", "", "${persen} < ${batas}", "", "", ""],
        ["text", "alasan", "Alasan", "", "", "", ""],
        ["end group", "", "", "", "", "", ""],
        ["END REPEAT", "", "", "", "", "", ""],
        ["calculate", "total", "", "", "", "sum(${realisasi})", ""],
        ["calculate", "jumlah", "", "", "", "count(${posyandu})", ""],
        ["calculate", "rerata", "", "", "", "sum(${persen}) div count(${posyandu})", ""],
    )
    result = xlsform_to_definition(data)
    assert result.unsupported == []
    table = fields_of(result)["posyandu"]
    assert (table["type"], table["min"], table["relevant"]) == ("repeat", 1, "batas > 0")
    columns = {item["key"]: item for item in table["fields"]}
    assert list(columns) == ["nama", "sasaran", "realisasi", "persen", "alasan"]
    assert columns["realisasi"]["constraint"] == "realisasi <= sasaran"
    assert columns["persen"]["calculate"] == "realisasi / sasaran * 100"
    assert columns["alasan"]["relevant"] == "persen < batas"
    assert fields_of(result)["total"]["calculate"] == "sum(posyandu.realisasi)"
    assert fields_of(result)["jumlah"]["calculate"] == "count(posyandu)"
    assert fields_of(result)["rerata"]["calculate"] == "sum(posyandu.persen) / count(posyandu)"
    schema = parse_definition(result.definition)
    rows = [
        {"nama": "A", "sasaran": 10, "realisasi": 5},
        {"nama": "B", "sasaran": 4, "realisasi": 4},
    ]
    values = evaluate(schema, {"batas": 80, "posyandu": rows}).values
    assert (values["total"], values["jumlah"], values["rerata"]) == (9, 2, 75)


def test_what_a_repeat_cannot_carry_is_listed_by_row():
    data = repeat_workbook(
        ["begin repeat", "kader", "Kader", "", "", "", "${jumlah}"],
        ["text", "nama", "Nama", "", "", "", ""],
        ["note", "catatan", "Catatan", "", "", "", ""],
        ["image", "foto", "Foto", "", "", "", ""],
        ["begin repeat", "anak", "Anak", "", "", "", ""],
        ["text", "anak_nama", "Nama anak", "", "", "", ""],
        ["end repeat", "", "", "", "", "", ""],
        ["integer", "umur", "Umur", "", "", "", ""],
        ["end repeat", "", "", "", "", "", ""],
        ["integer", "jumlah", "Jumlah", "", "", "", ""],
        ["integer", "pertama", "Pertama", "", "", "${umur} + 1", ""],
        ["begin_repeat", "kosong", "Kosong", "", "", "", ""],
        ["file", "berkas", "Berkas", "", "", "", ""],
        ["end_repeat", "", "", "", "", "", ""],
    )
    result = xlsform_to_definition(data)
    listed = [(item.row, item.name, item.partial) for item in result.unsupported]
    assert listed == [
        (2, "kader", True),  # repeat_count
        (4, "catatan", False),
        (5, "foto", False),
        (6, "anak", False),
        (7, "anak_nama", False),
        (12, "pertama", False),
        (13, "kosong", False),
        (14, "berkas", False),
    ]
    reasons = {item.name: str(item.reason) for item in result.unsupported}
    assert "repeat_count" in reasons["kader"]
    assert "inside a repeat" in reasons["anak"]
    assert "outside sum()" in reasons["pertama"]
    table = fields_of(result)["kader"]
    assert [item["key"] for item in table["fields"]] == ["nama", "umur"]
    assert list(fields_of(result)) == ["kader", "jumlah"]


def test_repeat_export_is_accepted_by_pyxform_and_imports_back(tmp_path):
    pyxform = pytest.importorskip("pyxform.xls2xform")
    schema = parse_definition(
        {
            "code": "PKM-POSYANDU",
            "title": {"id": "Posyandu"},
            "fields": [
                {"key": "batas", "type": "integer", "label": {"id": "Batas"}},
                {"key": "posyandu", "type": "repeat", "label": {"id": "Posyandu"},
                 "required": True, "min": 1, "max": 30, "relevant": "batas > 0",
                 "fields": [
                     {"key": "jenis", "type": "select", "label": {"id": "Jenis"},
                      "choices": [{"value": "a", "label": {"id": "A"}}]},
                     {"key": "sasaran", "type": "integer", "label": {"id": "Sasaran"}},
                     {"key": "realisasi", "type": "integer", "label": {"id": "Realisasi"},
                      "constraint": "realisasi <= sasaran"},
                 ]},
                {"key": "total", "type": "integer", "label": {"id": "Total"},
                 "calculate": "sum(posyandu.realisasi) + count(posyandu)"},
                {"key": "rerata", "type": "decimal", "label": {"id": "Rerata"},
                 "calculate": "avg(posyandu.realisasi)"},
            ],
        }
    )  # fmt: skip
    data = definition_to_xlsform(schema)
    survey = openpyxl.load_workbook(io.BytesIO(data))["survey"]
    rows = [[cell.value for cell in row] for row in survey.iter_rows()]
    columns = rows[0]
    begin = dict(zip(columns, rows[2], strict=True))
    assert (begin["type"], begin["constraint"]) == (
        "begin repeat",
        "count(.) >= 1 and count(.) <= 30",
    )
    assert rows[6][0] == "end repeat"
    calculation = columns.index("calculation")
    assert rows[7][calculation] == "sum(${realisasi}) + count(${posyandu})"
    assert rows[8][calculation] == "(sum(${realisasi}) div count(${realisasi}))"
    path = tmp_path / "posyandu.xlsx"
    path.write_bytes(data)
    pyxform.xls2xform_convert(str(path), str(tmp_path / "posyandu.xml"))
    xml = (tmp_path / "posyandu.xml").read_text()
    assert (
        '<repeat nodeset="/data/posyandu">' in xml and 'constraint="(. &lt;=  ../sasaran )"' in xml
    )
    result = xlsform_to_definition(data)
    assert result.unsupported == []
    back = parse_definition(result.definition)
    table = back.by_key["posyandu"]
    assert (table.required, table.min, table.max, table.relevant) == (True, 1, 30, "batas > 0")
    assert [child.key for child in table.fields] == ["jenis", "sasaran", "realisasi"]
    assert back.by_key["total"].calculate == "sum(posyandu.realisasi) + count(posyandu)"
    assert (
        back.by_key["rerata"].calculate == "(sum(posyandu.realisasi) / count(posyandu.realisasi))"
    )
