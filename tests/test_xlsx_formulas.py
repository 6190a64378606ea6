"""Every XLSX the portal writes keeps user text as text: nothing runs as a formula."""

# ruff: noqa: F811 - the `recap_data` fixture is imported from tests.printing_helpers
from __future__ import annotations

import io

from openpyxl import load_workbook

from forms import definition_to_xlsx, parse_definition, xlsx_to_definition
from tests.printing_helpers import recap_data  # noqa: F401

EVIL = '=HYPERLINK("http://evil","klik")'


def _cells(book):
    return [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]


def _assert_literal(book, *texts):
    cells = {c.value: c for c in _cells(book) if isinstance(c.value, str)}
    for text in texts:
        assert text in cells, text
        assert cells[text].data_type == "s" and cells[text].quotePrefix


def test_recap_unit_and_period_names_are_text(login_as, recap_data, db):
    recap_data.world.dinkes.name = EVIL
    recap_data.period.name = "+1+cmd|' /C calc'!A0"
    recap_data.staff[0].jabatan = "@SUM(1)"
    db.session.commit()
    client = login_as("hr")
    base = f"/recaps/download?period={recap_data.period.id}&format=xlsx"
    unit = load_workbook(io.BytesIO(client.get(f"{base}&unit={recap_data.world.dinkes.id}").data))
    _assert_literal(unit, EVIL, recap_data.period.name, "@SUM(1)")
    regency = load_workbook(io.BytesIO(client.get(f"{base}&unit=").data))
    _assert_literal(regency, EVIL, recap_data.period.name)
    assert not any(c.data_type == "f" for c in _cells(regency))


def test_form_export_round_trips_a_label_starting_with_a_formula_sign():
    definition = {
        "code": "F-1",
        "title": {"id": "-Judul"},
        "fields": [{"key": "a", "type": "text", "label": {"id": EVIL, "en": "@x"}}],
    }
    content = definition_to_xlsx(parse_definition(definition))
    _assert_literal(load_workbook(io.BytesIO(content)), EVIL, "@x", "-Judul")
    back = xlsx_to_definition(content)
    assert back["fields"][0]["label"] == {"id": EVIL, "en": "@x"}
    assert back["title"]["id"] == "-Judul"
