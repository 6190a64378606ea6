"""The live preview of a definition being edited: broken fields left out, the rest live."""

from __future__ import annotations

from forms.errors import ErrorCode
from forms.preview import preview
from tests.forms.samples import immunisation


def test_a_valid_definition_previews_whole():
    shown = preview(immunisation())
    assert shown.broken == ()
    assert [f.key for f in shown.schema.fields] == ["sasaran", "diimunisasi", "cakupan", "kendala"]


def test_a_broken_field_and_its_dependants_are_left_out_in_place():
    data = immunisation()
    data["fields"][1]["min"] = "lots"  # diimunisasi is broken; cakupan computes from it
    shown = preview(data)
    assert [f.key for f in shown.schema.fields] == ["sasaran"]
    assert [(b.index, b.key) for b in shown.broken] == [
        (1, "diimunisasi"),
        (2, "cakupan"),
        (3, "kendala"),
    ]
    assert shown.broken[1].errors[0].code == ErrorCode.EXPR_UNKNOWN_NAME
    kinds = [(kind, getattr(item, "key", None)) for kind, item in shown.items()]
    assert kinds == [("field", "sasaran"), ("broken", "diimunisasi"), ("broken", "cakupan"),
                     ("broken", "kendala")]  # fmt: skip


def test_form_level_problems_never_stop_the_preview():
    data = immunisation()
    data["code"] = "bad code"
    data["title"] = {"id": ""}
    data["fields"][2]["indicator"]["weight"] = 40  # weights total 40, not 100
    shown = preview(data)
    assert shown.broken == ()
    assert len(shown.schema.fields) == 4


def test_duplicate_key_leaves_the_second_out():
    data = immunisation()
    data["fields"][3]["key"] = "sasaran"
    shown = preview(data)
    assert [b.index for b in shown.broken] == [3]
    assert [f.key for f in shown.schema.fields] == ["sasaran", "diimunisasi", "cakupan"]


def test_every_field_broken_gives_no_schema_but_lists_them():
    data = {"code": "X1", "title": {"id": "X"}, "fields": [{"key": "1a", "type": "text"}]}
    shown = preview(data)
    assert shown.schema is None
    assert [b.index for b in shown.broken] == [0]


def test_garbage_gives_nothing():
    assert preview("nope").schema is None
    assert preview({"fields": "x"}).broken == ()


def test_a_broken_column_is_left_out_of_its_table_which_stays_live():
    data = {
        "code": "T1",
        "title": {"id": "T"},
        "fields": [
            {"key": "judul", "type": "text", "label": {"id": "Judul"}},
            {
                "key": "posyandu",
                "type": "repeat",
                "label": {"id": "Posyandu"},
                "fields": [
                    {"key": "nama", "type": "text", "label": {"id": "Nama"}},
                    {"key": "sasaran", "type": "integer", "label": {"id": "Sasaran"}, "min": "x"},
                    {"key": "realisasi", "type": "integer", "label": {"id": "Realisasi"}},
                    {"key": "bukti", "type": "evidence", "label": {"id": "Bukti"}},
                ],
            },
            {"key": "total", "type": "integer", "label": {"id": "Total"},
             "calculate": "sum(posyandu.sasaran)"},
            {"key": "jumlah", "type": "integer", "label": {"id": "Jumlah"},
             "calculate": "sum(posyandu.realisasi)"},
        ],
    }  # fmt: skip
    shown = preview(data)
    assert [f.key for f in shown.schema.fields] == ["judul", "posyandu", "jumlah"]
    assert [f.key for f in shown.schema.by_key["posyandu"].fields] == ["nama", "realisasi"]
    assert [(b.index, b.column, b.key) for b in shown.broken] == [
        (1, 1, "sasaran"),
        (1, 3, "bukti"),
        (2, None, "total"),
    ]
    assert shown.broken[1].errors[0].code == ErrorCode.REPEAT_CHILD_TYPE
    assert [(kind, item.key) for kind, item in shown.items()] == [
        ("field", "judul"),
        ("field", "posyandu"),
        ("broken", "total"),
        ("field", "jumlah"),
    ]
    assert [(kind, item.key) for kind, item in shown.columns("posyandu")] == [
        ("field", "nama"),
        ("broken", "sasaran"),
        ("field", "realisasi"),
        ("broken", "bukti"),
    ]


def test_a_table_with_only_broken_columns_is_broken_itself():
    data = immunisation()
    data["fields"].append(
        {"key": "t", "type": "repeat", "label": {"id": "T"},
         "fields": [{"key": "x", "type": "section", "label": {"id": "X"}}]}
    )  # fmt: skip
    shown = preview(data)
    assert [(b.index, b.column, b.key) for b in shown.broken] == [(4, None, "t"), (4, 0, "x")]
    assert [kind for kind, _ in shown.items()][-1] == "broken"
