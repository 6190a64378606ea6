"""The form designer makes a repeat group (table) without code: its columns are edited with
the same list and property panel as the form's fields; the preview shows the table."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import CHROMIUM
from tests.e2e.test_builder_browser import _add_field, _create_form, _publish, _row, _versions

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is not installed"),
]
sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect


def test_design_a_table_edit_its_columns_and_publish(page, live_app):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    _create_form(page, live_app, "PKM-POSYANDU", "Kegiatan Posyandu")

    _add_field(page, "repeat")
    page.fill("#prop-key", "posyandu")
    page.fill("#prop-label-id", "Posyandu binaan")
    expect(page.locator(".prop-bound-rows").first).to_be_visible()
    page.fill("#prop-min", "1")
    page.fill("#prop-max", "3")
    expect(page.locator("#prop-columns-count")).to_have_text("1")

    # The columns: the same list and panel, inside the table.
    page.click("#prop-edit-columns")
    expect(page.locator("#builder-group-bar")).to_be_visible()
    expect(page.locator("#builder-group-name")).to_have_text("Posyandu binaan")
    expect(page.locator('#builder-add-type option[value="repeat"]')).to_be_disabled()
    expect(page.locator('#builder-add-type option[value="evidence"]')).to_be_disabled()
    _row(page, "kolom_1").click()
    page.fill("#prop-key", "nama")
    page.fill("#prop-label-id", "Nama posyandu")
    page.check("#prop-required")
    _add_field(page, "integer")
    page.fill("#prop-key", "jumlah")
    page.fill("#prop-label-id", "Balita ditimbang")
    page.fill("#prop-min", "0")
    expect(page.locator('[data-prop="indicator"]')).to_be_hidden()  # no indicators in a row
    _add_field(page, "text")
    page.fill("#prop-key", "catatan")
    page.fill("#prop-label-id", "Catatan")
    _row(page, "catatan").locator(".builder-row-up").click()  # reorder: before "jumlah"
    expect(page.locator(".builder-field-row")).to_have_count(3)
    keys = page.locator(".builder-field-row .builder-row-key").all_inner_texts()
    assert keys == ["nama", "catatan", "jumlah"]
    _row(page, "catatan").locator(".builder-row-remove").click()
    page.click("#portal-confirm-ok")
    expect(page.locator(".builder-field-row")).to_have_count(2)

    # Back to the form: the starter indicator becomes the sum of the rows.
    page.click("#builder-group-back")
    expect(page.locator("#builder-group-bar")).to_be_hidden()
    expect(_row(page, "posyandu").locator(".builder-row-columns")).to_have_text("2")
    _row(page, "realisasi").click()
    page.fill("#prop-calculate", "sum(posyandu.jumlah)")
    table = page.locator('#builder-preview .preview-repeat[data-key="posyandu"]')
    expect(table.locator("th")).to_have_text(["No.", "Nama posyandu", "Balita ditimbang"])

    # Renaming a column offers to update the expressions that use it, outside the table too.
    _row(page, "posyandu").click()
    page.click("#prop-edit-columns")
    _row(page, "jumlah").click()
    page.fill("#prop-key", "ditimbang")
    page.locator("#prop-key").blur()
    expect(page.locator("#builder-rename")).to_be_visible()
    expect(page.locator("#builder-rename-list")).to_contain_text("sum(posyandu.ditimbang)")
    page.click("#builder-rename-apply")
    page.click("#builder-group-back")
    _row(page, "realisasi").click()
    expect(page.locator("#prop-calculate")).to_have_value("sum(posyandu.ditimbang)")

    page.click("#builder-save")
    expect(page.locator("#builder-status")).to_have_attribute("data-state", "saved")
    _publish(page)
    [(number, definition)] = _versions(live_app, "PKM-POSYANDU")
    group = next(f for f in definition["fields"] if f["key"] == "posyandu")
    assert (group["type"], group["min"], group["max"]) == ("repeat", 1, 3)
    assert [c["key"] for c in group["fields"]] == ["nama", "ditimbang"]
    assert definition["fields"][0]["calculate"] == "sum(posyandu.ditimbang)"
    assert group["fields"][0]["required"] is True
    assert errors == []
