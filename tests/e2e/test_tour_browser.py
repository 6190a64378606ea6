"""The first-login tour in a browser: shown once, stepped through, never again."""

from __future__ import annotations

from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is not installed"),
]
sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect


def _forget_tours(live_app) -> None:
    from app.extensions import db
    from app.models import TourSeen

    with live_app.app.app_context():
        db.session.query(TourSeen).delete()
        db.session.commit()
        db.session.remove()


@pytest.mark.parametrize("size", [{"width": 390, "height": 844}, {"width": 1366, "height": 900}])
def test_tour_steps_through_and_never_comes_back(page, live_app, size):
    _forget_tours(live_app)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if "Content Security" in m.text else None)
    page.set_viewport_size(size)
    page.goto("/")
    tour = page.locator("#portal-tour")
    expect(tour).to_be_visible()
    expect(page.locator("#portal-tour-text")).to_contain_text("?")
    if size["width"] > 768:  # on a phone the top bar is folded: the step shows mid-page
        expect(page.locator("#page-help.portal-tour-target")).to_have_count(1)
    else:
        expect(tour).to_have_class("portal-tour popover portal-tour-centre")
    steps = int(page.locator(".portal-tour-count").inner_text().split("/")[1])
    for _ in range(steps):
        page.click("#portal-tour-next")
    expect(tour).to_have_count(0)
    page.wait_for_timeout(300)  # the "done" request
    page.reload()
    expect(page.locator("#portal-tour")).to_have_count(0)
    assert not errors, errors
