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
