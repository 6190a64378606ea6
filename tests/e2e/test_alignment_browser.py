"""In the browser at 390 px: the alignment tree opens and closes through its static script
(CSP on, no console error) and fits the narrow screen."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def planned(live_app):
    """The unit head's agreed RHK and the unit admin's RHK under it (year 2026)."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Employee
    from tests import factories as f

    with live_app.app.app_context():
        head, admin = db.session.scalars(select(Employee).order_by(Employee.id)).all()[:2]
        _v, [top] = f.make_alignment_plan(
            head, [{"title": "Layanan kesehatan dasar meningkat " * 3}]
        )
        f.make_alignment_plan(admin, [{"title": "Administrasi kepegawaian tertib", "parent": top}])
        db.session.remove()


def test_tree_collapses_and_fits_a_phone(browser, live_app, planned):
    context = browser.new_context(base_url=live_app.url, locale="id-ID",
                                  viewport={"width": 390, "height": 844})  # fmt: skip
    tab = context.new_page()
    errors = []
    tab.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if message.type == "error" and "404" not in message.text
            else None
        ),
    )  # favicon
    tab.goto("/login/")
    tab.fill("input[name=username]", live_app.username)
    tab.fill("input[name=password]", live_app.password)
    with tab.expect_navigation():
        tab.click("form input[type=submit], form button[type=submit]")
    tab.goto("/alignment/?year=2026")
    leaf = tab.get_by_text("Administrasi kepegawaian tertib")
    assert not leaf.is_visible()  # gaps (here: RHK intervening nothing) start closed
    tab.click("#expand-all")
    assert leaf.is_visible()
    tab.click("#collapse-all")
    assert not leaf.is_visible()
    tab.click("#expand-all")
    width = tab.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"the page is {width} px wide at 390 px"
    assert not errors, errors  # a CSP refusal would show here
    context.close()
