"""Mode Latihan in a phone browser: enter as an employee, the banner on every page without
sideways scrolling, then leave back to the real account on the same page."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import CHROMIUM, log_in

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is not installed"),
]
PHONE = {"width": 390, "height": 844}
BANNER_TEXT = "MODE LATIHAN — data contoh, tidak tersimpan ke data asli"


def _fits_the_phone(tab) -> None:
    assert tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    box = tab.locator("#practice-banner").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]


def test_practice_on_a_phone(browser, live_app, tmp_path, monkeypatch):
    monkeypatch.setitem(live_app.app.config, "PRACTICE_DIR", str(tmp_path))
    context = browser.new_context(base_url=live_app.url, locale="id-ID", viewport=PHONE)
    context.set_default_timeout(10_000)
    tab = context.new_page()
    try:
        log_in(tab, live_app.username, live_app.password)
        tab.goto("/latihan/")
        assert tab.locator("#practice-banner").count() == 0
        with tab.expect_navigation(timeout=180_000):  # the first entry builds the demo data
            tab.click("#practice-enter-employee", timeout=180_000)
        banner = tab.locator("#practice-banner")
        assert banner.is_visible() and BANNER_TEXT in banner.inner_text()
        assert tab.title().startswith("[LATIHAN]")
        _fits_the_phone(tab)

        tab.goto("/my/")
        assert tab.locator("#practice-banner").is_visible()
        assert "Irmawati Puspita" in tab.content()  # the demo employee, not the real account
        _fits_the_phone(tab)

        with tab.expect_navigation():
            tab.click("#practice-leave")
        assert tab.url.endswith("/my/")
        assert tab.locator("#practice-banner").count() == 0
        assert not tab.title().startswith("[LATIHAN]")
    finally:
        context.close()
