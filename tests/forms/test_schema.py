from decimal import Decimal

from forms.definition import parse_definition
from forms.schema import FieldType, LocalText, json_number, plain_number, text
from tests.forms.samples import field, form


def test_text_falls_back_to_indonesian():
    label = {"id": "Sasaran", "en": "Target"}
    assert text(label, "en") == "Target"
    assert text({"id": "Sasaran"}, "en") == "Sasaran"
    assert text({"id": "Sasaran", "en": ""}, "en") == "Sasaran"
    assert text(None, "id") == ""
    assert text(LocalText((("id", "Ya"),)), "en") == "Ya"


def test_numbers():
    assert json_number(Decimal("95.0")) == 95 and isinstance(json_number(Decimal(95)), int)
    assert json_number(Decimal("0.25")) == 0.25
    assert plain_number(Decimal("1E+2")) == "100"
    assert plain_number(Decimal("0.50")) == "0.5"


def test_field_types():
    assert FieldType.PERCENT.is_numeric and not FieldType.TEXT.is_numeric
    assert FieldType.TEXTAREA.is_text and FieldType.MULTISELECT.has_choices


def test_sections_and_lookups():
    schema = parse_definition(
        form(field("a"), field("s", "section"), field("b"), field("t", "section"), field("c"))
    )
    assert schema.sections == {"b": "s", "c": "t"}
    assert schema.by_key["b"].key == "b"
    assert schema.indicators == ()
