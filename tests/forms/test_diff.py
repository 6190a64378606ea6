import json

from forms.diff import ChangeKind, diff_definitions
from tests.forms.samples import field, form, immunisation


def test_no_changes():
    assert diff_definitions(immunisation(), immunisation()) == []


def test_formatting_only_differences_are_ignored():
    old = form(field("a", required=False, label={"id": "A"}))
    new = form(field("a", label={"id": " A "}))
    assert diff_definitions(old, new) == []


def test_changes():
    old = immunisation()
    new = immunisation()
    new["title"]["en"] = "Immunisation"
    new["fields"][0]["min"] = 1
    new["fields"][2]["indicator"]["target"] = 90
    new["fields"][1]["label"]["en"] = "Fully immunised"
    del new["fields"][3]
    new["fields"].insert(0, field("catatan", "text"))
    new["fields"][1], new["fields"][2] = new["fields"][2], new["fields"][1]
    changes = [change.to_dict() for change in diff_definitions(old, new)]
    assert changes == [
        {
            "kind": "changed",
            "target": "form",
            "property": "title.en",
            "old": "Basic immunisation coverage",
            "new": "Immunisation",
        },
        {
            "kind": "added",
            "target": "catatan",
            "property": None,
            "old": None,
            "new": {"key": "catatan", "type": "text", "label": {"id": "Catatan"}},
        },
        {
            "kind": "removed",
            "target": "kendala",
            "property": None,
            "old": immunisation()["fields"][3],
            "new": None,
        },
        {
            "kind": "changed",
            "target": "diimunisasi",
            "property": "label.en",
            "old": None,
            "new": "Fully immunised",
        },
        {"kind": "changed", "target": "sasaran", "property": "min", "old": 0, "new": 1},
        {
            "kind": "changed",
            "target": "cakupan",
            "property": "indicator.target",
            "old": 95,
            "new": 90,
        },
        {"kind": "moved", "target": "diimunisasi", "property": None, "old": 1, "new": 0},
        {"kind": "moved", "target": "sasaran", "property": None, "old": 0, "new": 1},
    ]
    json.dumps(changes)


def test_invalid_definitions_are_compared_as_given():
    changes = diff_definitions({"code": "x", "fields": [{"key": "a"}]}, {"fields": "garbage"})
    assert [(c.kind, c.target, c.property) for c in changes] == [
        (ChangeKind.CHANGED, "form", "code"),
        (ChangeKind.REMOVED, "a", None),
    ]
    assert diff_definitions(None, []) == []


def test_columns_of_a_table_are_compared_like_fields():
    old = form(
        field("judul", "text"),
        field("t", "repeat", max=5, fields=[field("a"), field("b"), field("c", min=0)]),
    )
    new = form(
        field("judul", "text"),
        field("t", "repeat", max=9, fields=[field("c", min=1), field("a"), field("d", "text")]),
    )
    changes = [
        (c.kind.value, c.target, c.property, c.old, c.new) for c in diff_definitions(old, new)
    ]
    assert changes == [
        ("added", "t.d", None, None, {"key": "d", "type": "text", "label": {"id": "D"}}),
        ("removed", "t.b", None, {"key": "b", "type": "integer", "label": {"id": "B"}}, None),
        ("changed", "t", "max", 5, 9),
        ("changed", "t.c", "min", 0, 1),
        ("moved", "t.c", None, 1, 0),
        ("moved", "t.a", None, 0, 1),
    ]
