"""SKP Saya in a real browser on a 390 px phone: create, plan a row, save; no CSP errors and
nothing wider than the screen but the scrolling tables."""

from __future__ import annotations


def _page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_plan_an_skp_on_a_phone(page):
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/skp/")
    with page.expect_navigation():
        page.click("#skp-create button[type=submit]")
    assert page.locator("#skp-plan").count() == 1
    assert page.locator(".table-responsive #skp-plan").count() == 1
    page.fill("#rhk-0-title", "Tersusunnya laporan kepegawaian bulanan")
    page.fill("input[name=rhk-0-ind-0-title]", "Laporan tepat waktu")
    page.fill("input[name=rhk-0-ind-0-target]", "12")
    page.fill("input[name=rhk-0-ind-0-unit_label]", "laporan")
    with page.expect_navigation():
        page.click("#skp-form button[value=save]")
    assert page.locator(".alert-success").count() == 1
    assert page.input_value("#rhk-0-title") == "Tersusunnya laporan kepegawaian bulanan"
    assert page.input_value("input[name=rhk-0-ind-0-target]") == "12"
    assert _page_width(page) <= 390 + 1, "the page scrolls sideways outside the tables"
    assert not [e for e in errors if "Content Security Policy" in e], errors
