import datetime as dt
import io
import zipfile

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forms.definition import parse_definition
from forms.errors import DefinitionError, ErrorCode
from forms.xlsx import MAX_SCANNED_ROWS, definition_to_xlsx, xlsx_to_definition
from tests.forms.samples import choices, field, form, immunisation
from tests.forms.strategies import definitions

RICH = form(
    field("umum", "section", label={"id": "=HYPERLINK(\"http://evil\")", "en": "General"}),
    field("jenis", "multiselect", choices=choices("a", "b.c"), default=["a", "b.c"], min=1),
    field("tanggal", "date", default="2024-01-02", help={"id": "Tanggal\nkegiatan"}),
    field("kode", "text", pattern="[0-9]{3}", default="007", max=3),
    field("setuju", "boolean", default=False, required=True),
    field("nilai", "decimal", min=-1.25, max=1e15, constraint="nilai != 0",
          constraint_message={"id": "Tidak nol", "en": "Not zero"},
          indicator={"group": "tambahan", "aspect": "biaya", "target": 0.5, "polarity": "lower",
                     "weight": 100, "unit": "Rp", "parent": "RHK-1", "rhk": {"id": "Hemat"}}),
    field("bukti", "evidence", relevant="nilai > 0"),
    description={"id": "Deskripsi", "en": "Description"},
)  # fmt: skip


def errors_of(data):
    with pytest.raises(DefinitionError) as caught:
        xlsx_to_definition(data)
    return caught.value.errors


def workbook_bytes(workbook):
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def edited(definition, edit):
    workbook = openpyxl.load_workbook(io.BytesIO(definition_to_xlsx(parse_definition(definition))))
    edit(workbook)
    return workbook_bytes(workbook)


@pytest.mark.parametrize("definition", [immunisation(), RICH])
def test_round_trip(definition):
    schema = parse_definition(definition)
    assert xlsx_to_definition(definition_to_xlsx(schema)) == schema.to_dict()


def test_sheets_and_text_cells():
    workbook = openpyxl.load_workbook(io.BytesIO(definition_to_xlsx(parse_definition(RICH))))
    assert workbook.sheetnames == ["form", "fields", "choices"]
    fields = workbook["fields"]
    header = [cell.value for cell in fields[1]]
    assert header[:4] == ["key", "type", "label_id", "label_en"]
    assert "indicator_weight" in header and "constraint_message_en" in header
    label = fields.cell(row=2, column=3)
    assert label.data_type == "s" and label.value.startswith("=")
    assert [cell.value for cell in workbook["choices"][2]] == ["jenis", "a", "A", None]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(definitions())
def test_round_trip_property(definition):
    schema = parse_definition(definition)
    assert xlsx_to_definition(definition_to_xlsx(schema)) == schema.to_dict()


@pytest.mark.parametrize("data", [b"", b"not a workbook", b"PK\x03\x04garbage", "text"])
def test_broken_files(data):
    assert [error.code for error in errors_of(data)] == [ErrorCode.BAD_FILE]


@settings(max_examples=30, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes(data):
    assert [error.code for error in errors_of(data)] == [ErrorCode.BAD_FILE]


def test_zip_without_workbook():
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        archive.writestr("hello.txt", "hi")
    assert [error.code for error in errors_of(output.getvalue())] == [ErrorCode.BAD_FILE]


def test_missing_sheets():
    workbook = openpyxl.Workbook()
    workbook.active.title = "other"
    errors = errors_of(workbook_bytes(workbook))
    assert [(e.code, e.path) for e in errors] == [
        (ErrorCode.MISSING_SHEET, "form"),
        (ErrorCode.MISSING_SHEET, "fields"),
    ]


def test_choices_sheet_is_optional():
    data = edited(immunisation(), lambda workbook: workbook.remove(workbook["choices"]))
    assert xlsx_to_definition(data) == immunisation()


def test_bad_cells_are_reported_per_row_and_column():
    def edit(workbook):
        fields = workbook["fields"]
        fields["G2"] = "maybe"  # required
        fields["H3"] = "lots"  # min
        fields["C4"] = True  # label_id
        workbook["choices"].append(["nope", "x", "X"])

    data = edited(RICH, edit)
    errors = errors_of(data)
    assert [(e.code, e.path) for e in errors] == [
        (ErrorCode.BAD_XLSX_ROW, "fields!2:required"),
        (ErrorCode.BAD_XLSX_ROW, "fields!3:min"),
        (ErrorCode.BAD_XLSX_ROW, "fields!4:label_id"),
        (ErrorCode.BAD_XLSX_ROW, "choices!4:field"),
    ]
    assert "row 3, column min" in str(errors[1].message)


def test_bad_headers():
    def edit(workbook):
        workbook["fields"]["A1"] = "kunci"
        workbook["choices"]["E1"] = "value"

    messages = [str(e.message) for e in errors_of(edited(immunisation(), edit))]
    assert messages == [
        "Sheet fields: unknown columns kunci.",
        "Sheet fields: missing columns key.",
        "Sheet choices: repeated columns value.",
    ]


def test_definition_errors_point_at_cells():
    def edit(workbook):
        workbook["fields"]["H3"] = 10  # min of diimunisasi
        workbook["fields"]["I3"] = 5  # max
        workbook["fields"]["K3"] = "diimunisasi <= zz"  # constraint
        workbook["form"]["A2"] = "bad code"
        workbook["choices"].append(["sasaran", "x", "X"])

    errors = errors_of(edited(immunisation(), edit))
    assert [(e.code, e.path) for e in errors] == [
        (ErrorCode.INVALID_CODE, "form!2:code"),
        (ErrorCode.NOT_APPLICABLE, "fields!2:choices"),
        (ErrorCode.MIN_GT_MAX, "fields!3:min"),
        (ErrorCode.EXPR_UNKNOWN_NAME, "fields!3:constraint"),
    ]


def test_choice_errors_point_at_choice_rows():
    def edit(workbook):
        workbook["choices"]["B3"] = "a"

    errors = errors_of(edited(RICH, edit))
    assert [(e.code, e.path) for e in errors] == [
        (ErrorCode.DUPLICATE_CHOICE, "choices!3:value"),
        (ErrorCode.BAD_DEFAULT, "fields!3:default"),
    ]


def test_user_friendly_cells_are_accepted():
    def edit(workbook):
        fields = workbook["fields"]
        fields["G2"] = "ya"  # required
        fields["H2"] = "5"  # min as text
        fields.append(["tgl", "date", "Tanggal"])
        fields.cell(row=6, column=16, value=dt.datetime(2024, 5, 6))  # default

    definition = xlsx_to_definition(edited(immunisation(), edit))
    assert definition["fields"][0]["min"] == 5
    assert definition["fields"][4]["default"] == "2024-05-06"


def test_too_many_rows():
    def edit(workbook):
        for index in range(250):
            workbook["fields"].append([f"f{index}", "integer", "F"])

    codes = [e.code for e in errors_of(edited(immunisation(), edit))]
    assert codes == [ErrorCode.TOO_MANY_ROWS]


def test_scanning_is_bounded_even_for_blank_rows():
    def edit(workbook):
        workbook["choices"].cell(row=MAX_SCANNED_ROWS + 5, column=1, value="late")

    assert [e.code for e in errors_of(edited(immunisation(), edit))] == [ErrorCode.TOO_MANY_ROWS]


def test_a_workbook_wider_than_allowed_is_refused_before_reading():
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("form")
    sheet.append(["x"] * 61)
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(DefinitionError) as caught:
        xlsx_to_definition(buffer.getvalue())
    assert [e.code for e in caught.value.errors] == [ErrorCode.WORKBOOK_TOO_LARGE]


TABLE = form(
    field("judul", "text"),
    field("posyandu", "repeat", label={"id": "Posyandu"}, min=1, max=20, required=True,
          fields=[field("nama", "text", required=True),
                  field("jenis", "select", choices=choices("pratama", "madya")),
                  field("realisasi", constraint="realisasi >= 0")]),
    field("total", calculate="sum(posyandu.realisasi)"),
)  # fmt: skip


def test_repeat_columns_are_rows_naming_their_table():
    schema = parse_definition(TABLE)
    workbook = openpyxl.load_workbook(io.BytesIO(definition_to_xlsx(schema)))
    rows = list(workbook["fields"].iter_rows(values_only=True))
    group = rows[0].index("group")
    assert rows[0][-1] == "group"
    assert [(row[0], row[1], row[group]) for row in rows[1:]] == [
        ("judul", "text", None),
        ("posyandu", "repeat", None),
        ("nama", "text", "posyandu"),
        ("jenis", "select", "posyandu"),
        ("realisasi", "integer", "posyandu"),
        ("total", "integer", None),
    ]
    assert [row[0] for row in workbook["choices"].iter_rows(values_only=True)][1:] == [
        "jenis",
        "jenis",
    ]
    assert xlsx_to_definition(definition_to_xlsx(schema)) == schema.to_dict()


def test_repeat_column_problems_point_at_their_rows():
    def edit(workbook):
        fields = workbook["fields"]
        group = [cell.value for cell in fields[1]].index("group") + 1
        fields.append(["lepas", "integer", "Lepas"] + [None] * (group - 4) + ["judul"])

    errors = errors_of(edited(TABLE, edit))
    assert [(e.code, e.path) for e in errors] == [
        (ErrorCode.BAD_XLSX_ROW, "fields!8:group"),
    ]
    assert "no table with this key" in str(errors[0].message)

    def edit_definition(workbook):
        workbook["fields"].cell(row=6, column=2, value="evidence")  # realisasi
        workbook["choices"].append(["jenis", "madya", "Lagi"])

    errors = errors_of(edited(TABLE, edit_definition))
    assert [(e.code, e.path) for e in errors] == [
        (ErrorCode.DUPLICATE_CHOICE, "choices!4:value"),
        (ErrorCode.REPEAT_CHILD_TYPE, "fields!6:type"),
    ]
