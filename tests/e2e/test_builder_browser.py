"""The form designer in a real browser: design, preview, publish, re-publish; no XSS."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is not installed"),
]
sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect


# ---------------------------------------------------------------- helpers


def _versions(live_app, code: str) -> list[tuple[int, dict]]:
    """(number, definition) of every published version of the form `code`, from the DB."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import FormVersion, IndicatorForm

    with live_app.app.app_context():
        rows = db.session.execute(
            select(FormVersion.number, FormVersion.definition)
            .join(IndicatorForm, FormVersion.form_id == IndicatorForm.id)
            .where(IndicatorForm.code == code)
            .order_by(FormVersion.number)
        ).all()
        result = [(number, copy.deepcopy(definition)) for number, definition in rows]
        db.session.remove()
    return result


def _create_form(page, live_app, code: str, title: str) -> str:
    """Create a form on the list page; returns the editor URL it lands on."""
    page.goto("/builder/")
    page.select_option("#new-unit", str(live_app.unit_id))
    page.fill("#new-code", code)
    page.fill("#new-title", title)
    with page.expect_navigation():
        page.click("#new-form-submit")
    assert re.search(r"/builder/\d+/$", page.url), page.url
    expect(page.locator("#builder-field-list .builder-field-row")).to_have_count(1)
    return page.url


def _add_field(page, kind: str) -> None:
    rows = page.locator(".builder-field-row")
    before = rows.count()
    page.select_option("#builder-add-type", kind)
    page.click("#builder-add-field")
    expect(rows).to_have_count(before + 1)


def _row(page, key: str):
    return page.locator(f'.builder-field-row[data-key="{key}"]')


def _wait_clean(page) -> None:
    """Wait until the server's check reports no problems and publishing is possible."""
    expect(page.locator("#builder-error-count")).to_have_text("0")
    expect(page.locator("#builder-publish")).to_be_enabled()


def _preview_input(page, key: str):
    return page.locator(f'#builder-preview .preview-field[data-key="{key}"] [name="{key}"]')


def _publish(page) -> None:
    _wait_clean(page)
    with page.expect_navigation():
        page.click("#builder-publish")  # the confirm() dialog is accepted by the handler


# ---------------------------------------------------------------- tests


def test_design_preview_publish_and_republish(page, live_app):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    editor = _create_form(page, live_app, "DINKES-IMUNISASI", "Capaian Imunisasi Dasar")

    # The starter field becomes the number of target infants (not an indicator).
    _row(page, "realisasi").click()
    page.fill("#prop-key", "sasaran")
    page.fill("#prop-label-id", "Jumlah bayi sasaran")
    page.fill("#prop-label-en", "Target infants")
    page.uncheck("#prop-indicator")
    expect(_row(page, "sasaran")).to_contain_text("Jumlah bayi sasaran")

    _add_field(page, "integer")
    page.fill("#prop-key", "diimunisasi")
    page.fill("#prop-label-id", "Bayi diimunisasi lengkap")
    page.check("#prop-required")
    page.fill("#prop-min", "0")
    page.fill("#prop-constraint", "diimunisasi <= sasaran")
    page.fill("#prop-constraint-message-id", "Tidak boleh melebihi jumlah sasaran")

    _add_field(page, "percent")
    page.fill("#prop-key", "cakupan")
    page.fill("#prop-label-id", "Cakupan imunisasi")
    page.fill("#prop-calculate", "diimunisasi / sasaran * 100")
    expect(page.locator("#prop-default")).to_be_disabled()
    page.check("#prop-indicator")
    page.select_option("#prop-ind-group", "utama")
    page.select_option("#prop-ind-aspect", "kuantitas")
    page.fill("#prop-ind-target", "95")
    page.fill("#prop-ind-unit", "%")
    page.select_option("#prop-ind-polarity", "higher")
    page.fill("#prop-ind-weight", "100")

    # A mistake first: the server's check shows it at the field and in the summary.
    _add_field(page, "textarea")
    page.fill("#prop-key", "kendala")
    page.fill("#prop-label-id", "Kendala")
    page.fill("#prop-relevant", "cakupan < tidak_ada")
    expect(page.locator("#builder-error-count")).not_to_have_text("0")
    expect(_row(page, "kendala").locator(".builder-row-errors")).to_contain_text("tidak_ada")
    expect(page.locator('[data-path="relevant"] .builder-prop-error')).to_contain_text("tidak_ada")
    expect(page.locator("#builder-errors")).to_contain_text("kendala")
    expect(page.locator("#builder-publish")).to_be_disabled()
    # The preview stays live: the broken field shows its problem in its place.
    broken = page.locator('#builder-preview .preview-broken[data-key="kendala"]')
    expect(broken).to_contain_text("tidak_ada")
    expect(_preview_input(page, "diimunisasi")).to_have_count(1)
    page.fill("#prop-relevant", "cakupan < 95")
    page.check("#prop-required")
    _wait_clean(page)
    expect(page.locator("#builder-status")).to_have_attribute("data-state", "dirty")

    # Live preview: constraint message, calculated value, relevance and achievement.
    expect(_preview_input(page, "kendala")).to_have_count(1)
    _preview_input(page, "sasaran").fill("100")
    _preview_input(page, "diimunisasi").fill("120")
    errors_box = page.locator('.preview-field[data-key="diimunisasi"] .field-errors')
    expect(errors_box).to_have_text("Tidak boleh melebihi jumlah sasaran")
    expect(_preview_input(page, "cakupan")).to_have_value("120")
    expect(page.locator('.preview-field[data-key="kendala"]')).to_be_hidden()

    _preview_input(page, "diimunisasi").fill("90")
    expect(_preview_input(page, "cakupan")).to_have_value("90")
    expect(errors_box).to_have_text("")
    expect(page.locator('.preview-field[data-key="kendala"]')).to_be_visible()
    expect(page.locator("#preview-achievement")).to_contain_text("94")

    # The language toggle re-renders the preview in English and keeps the answers.
    page.click("#preview-lang-en")
    expect(page.locator('.preview-field[data-key="sasaran"] label')).to_contain_text(
        "Target infants"
    )
    expect(_preview_input(page, "sasaran")).to_have_value("100")

    # Save, then publish version 1.
    page.click("#builder-save")
    expect(page.locator("#builder-status")).to_have_attribute("data-state", "saved")
    _publish(page)
    assert "/versions" in page.url, page.url
    v1 = _versions(live_app, "DINKES-IMUNISASI")
    assert [number for number, _ in v1] == [1]
    first = v1[0][1]
    assert [field["key"] for field in first["fields"]] == [
        "sasaran",
        "diimunisasi",
        "cakupan",
        "kendala",
    ]
    assert first["fields"][2]["calculate"] == "diimunisasi / sasaran * 100"
    assert first["fields"][2]["indicator"]["target"] == 95
    assert first["fields"][3]["relevant"] == "cakupan < 95"

    # Edit a label and publish version 2; version 1 stays exactly as it was.
    page.goto(editor)
    _row(page, "sasaran").click()
    expect(page.locator("#prop-label-id")).to_have_value("Jumlah bayi sasaran")
    page.fill("#prop-label-id", "Jumlah sasaran bayi")
    expect(_row(page, "sasaran")).to_contain_text("Jumlah sasaran bayi")
    _publish(page)
    versions = _versions(live_app, "DINKES-IMUNISASI")
    assert [number for number, _ in versions] == [1, 2]
    assert versions[0][1] == first
    assert versions[0][1]["fields"][0]["label"]["id"] == "Jumlah bayi sasaran"
    assert versions[1][1]["fields"][0]["label"]["id"] == "Jumlah sasaran bayi"
    assert len(dialogs) == 2, dialogs  # one confirmation per publication
    assert not errors, errors


def test_draft_conflict_keeps_local_edits(page, live_app):
    dialogs = []

    def answer(dialog):
        dialogs.append(dialog.type)
        dialog.accept() if dialog.type == "confirm" else dialog.dismiss()

    page.on("dialog", answer)
    _create_form(page, live_app, "DINKES-KONFLIK", "Uji konflik")

    # Rows move up and down and are removed after a confirmation.
    _add_field(page, "boolean")
    _add_field(page, "date")
    keys = page.locator(".builder-field-row")
    expect(keys).to_have_count(3)
    assert [row.get_attribute("data-key") for row in keys.all()] == [
        "realisasi",
        "field_2",
        "field_3",
    ]
    _row(page, "field_3").locator(".builder-row-up").click()
    _row(page, "field_3").locator(".builder-row-up").click()
    expect(keys.first).to_have_attribute("data-key", "field_3")
    _row(page, "field_3").locator(".builder-row-down").click()
    assert [row.get_attribute("data-key") for row in keys.all()] == [
        "realisasi",
        "field_3",
        "field_2",
    ]
    _row(page, "field_2").locator(".builder-row-remove").click()
    _row(page, "field_3").locator(".builder-row-remove").click()
    expect(keys).to_have_count(1)
    assert dialogs == ["confirm", "confirm"]
    dialogs.clear()

    _row(page, "realisasi").click()
    page.fill("#prop-label-id", "Realisasi kegiatan")
    page.click("#builder-save")
    expect(page.locator("#builder-status")).to_have_attribute("data-state", "saved")

    # Someone else saves the draft meanwhile.
    from app.extensions import db
    from app.models import IndicatorForm

    with live_app.app.app_context():
        form = db.session.query(IndicatorForm).filter_by(code="DINKES-KONFLIK").one()
        form.draft_revision += 1
        db.session.commit()
        db.session.remove()

    page.fill("#prop-label-id", "Realisasi kegiatan lapangan")
    page.click("#builder-save")
    status = page.locator("#builder-status")
    expect(status).to_have_attribute("data-state", "conflict")
    expect(status).not_to_be_empty()
    expect(page.locator("#prop-label-id")).to_have_value("Realisasi kegiatan lapangan")
    expect(_row(page, "realisasi")).to_contain_text("Realisasi kegiatan lapangan")
    expect(page.locator("#builder-publish")).to_be_disabled()

    # Leaving the page with unsaved edits asks first.
    page.close(run_before_unload=True)
    page.wait_for_timeout(300)
    assert dialogs == ["beforeunload"], dialogs


def test_user_text_is_never_markup(page, live_app):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    _create_form(page, live_app, "DINKES-XSS", "<script>alert(1)</script>")
    script = "<script>alert(1)</script>"
    image = '<img src=x onerror="alert(2)">'

    _row(page, "realisasi").click()
    page.fill("#prop-label-id", script)
    page.fill("#prop-help-id", image)
    _add_field(page, "select")
    page.fill("#prop-key", "pilihan")
    page.fill("#prop-label-id", image)
    page.locator("#prop-choices .choice-label-id").first.fill(script)
    _wait_clean(page)

    expect(_row(page, "realisasi").locator(".builder-row-label")).to_have_text(script)
    expect(_row(page, "pilihan").locator(".builder-row-label")).to_have_text(image)
    expect(page.locator('.preview-field[data-key="realisasi"] label')).to_contain_text(script)
    expect(page.locator('.preview-field[data-key="pilihan"] label')).to_contain_text(image)
    expect(page.locator('.preview-field[data-key="pilihan"] option').nth(1)).to_have_text(script)
    expect(page.locator("#builder-form-title")).to_have_text(script)

    # No element was created from the typed text anywhere on the page.
    assert page.locator("#builder-app img[src=x]").count() == 0
    assert page.locator("#builder-app script:not([type='application/json'])").count() == 0
    page.wait_for_timeout(500)  # give a broken image time to fire onerror
    assert dialogs == []


def test_renaming_a_key_offers_to_update_the_expressions_using_it(page, live_app):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    _create_form(page, live_app, "DINKES-RENAME", "Uji ganti kunci")
    _row(page, "realisasi").click()
    page.fill("#prop-key", "sasaran")
    page.uncheck("#prop-indicator")
    _add_field(page, "integer")
    page.fill("#prop-key", "capaian")
    page.fill("#prop-label-id", "Capaian")
    page.fill("#prop-constraint", "capaian <= ${sasaran}")
    _wait_clean(page)

    _row(page, "sasaran").click()
    page.fill("#prop-key", "bayi_sasaran")
    page.locator("#prop-key").blur()
    box = page.locator("#builder-rename")
    expect(box).to_be_visible()
    expect(page.locator("#builder-rename-list")).to_contain_text("capaian.constraint")
    expect(page.locator("#builder-rename-list ins")).to_have_text("capaian <= ${bayi_sasaran}")
    page.click("#builder-rename-apply")
    _wait_clean(page)
    _row(page, "capaian").click()
    expect(page.locator("#prop-constraint")).to_have_value("capaian <= ${bayi_sasaran}")
    assert not errors, errors


def test_fields_reorder_by_drag_and_drop_and_by_keyboard(page, live_app):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    _create_form(page, live_app, "DINKES-URUT", "Uji urutan")
    for key in ("kedua", "ketiga"):
        _add_field(page, "text")
        page.fill("#prop-key", key)
        page.fill("#prop-label-id", key.title())
    keys = page.locator(".builder-field-row .builder-row-key")
    expect(keys).to_have_text(["realisasi", "kedua", "ketiga"])

    _row(page, "ketiga").locator(".builder-row-label").drag_to(
        _row(page, "realisasi").locator(".builder-row-label")
    )
    expect(keys).to_have_text(["ketiga", "realisasi", "kedua"])
    definition = page.evaluate("window.KinerjaBuilder.definition()")
    assert [field["key"] for field in definition["fields"]] == ["ketiga", "realisasi", "kedua"]

    _row(page, "kedua").locator(".builder-row-up").focus()
    page.keyboard.press("Enter")
    expect(keys).to_have_text(["ketiga", "kedua", "realisasi"])
    assert not errors, errors


def test_condition_builder_writes_an_editable_expression(page, live_app):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    _create_form(page, live_app, "DINKES-KONDISI", "Uji kondisi")
    _row(page, "realisasi").click()
    page.fill("#prop-key", "cakupan")
    page.uncheck("#prop-indicator")
    _add_field(page, "textarea")
    page.fill("#prop-key", "kendala")
    page.fill("#prop-label-id", "Kendala")

    builder = page.locator('.condition-builder[data-for="prop-relevant"]')
    builder.locator("summary").click()
    row = builder.locator(".cb-row").last
    row.locator(".cb-field").select_option("cakupan")
    row.locator(".cb-op").select_option("lt")
    row.locator(".cb-value").fill("95")
    builder.locator(".cb-add").click()
    row = builder.locator(".cb-row").last
    row.locator(".cb-field").select_option("cakupan")
    row.locator(".cb-op").select_option("filled")
    builder.locator(".cb-write").click()
    expect(page.locator("#prop-relevant")).to_have_value("cakupan < 95 and count(cakupan) > 0")
    _wait_clean(page)
    page.fill("#prop-relevant", "cakupan < 90")  # still editable by hand
    _wait_clean(page)
    definition = page.evaluate("window.KinerjaBuilder.definition()")
    assert definition["fields"][1]["relevant"] == "cakupan < 90"
    assert not errors, errors
