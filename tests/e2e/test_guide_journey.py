"""A new employee submits their evaluation by following only the guide's steps (issue 16).

The test reads the steps of "Fill in and submit your evaluation" from the rendered guide:
each step names the buttons and menus to press (`data-press`, the same labels its text
shows) and what else it asks on the page (`data-do`). It presses exactly those, by their
visible names, at phone size and at desktop size. A step that a real user could not follow
fails here, and the fix belongs in the guide (app/services/guide.py).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.e2e.conftest import log_in

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is not installed"),
]
sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
#: What the employee types for each field the form asks (by its label), and the evidence link.
REALISATIONS = {
    "Jumlah bayi sasaran": "100",
    "Bayi diimunisasi lengkap": "96",
    "Kunjungan rumah": "110",
    "Catatan": "Lancar",
}
EVIDENCE = {"Bukti dukung": "https://dinkes.mamujukab.go.id/laporan/imunisasi.pdf"}


@pytest.fixture(scope="module")
def newcomers(live_app):
    """One new employee per screen size, each with a supervisor and an assigned evaluation
    in an open period; returns (username, employee id) by size name."""
    from app.extensions import db
    from app.models import Unit
    from seeds.loader import load_reference
    from tests import factories as f
    from tests.conftest_admin import assign_form
    from tests.conftest_cycle import CYCLE_FORM

    with live_app.app.app_context():
        load_reference(db.session)
        unit = db.session.get(Unit, live_app.unit_id)
        supervisor = f.make_employee(unit, "Penilai Journey", golongan="III/d")
        users = {}
        for size in ("phone", "desktop"):
            person = f.make_employee(unit, f"Pegawai Baru {size}", supervisor=supervisor)
            users[size] = (f.make_user(f"baru.{size}", ["Employee"], person).username, person.id)
        assign_form(unit.id, CYCLE_FORM, "JOURNEY", f.make_period("Triwulan Journey"))
        db.session.remove()
    return users


def _press(tab, label: str) -> None:
    """Press the visible link or button whose name is exactly `label`, as a person would
    (icons are hidden from the accessible name; a menu entry keeps its no-break space)."""
    name = re.compile(rf"^\s*{re.escape(label)}\s*$")
    tab.wait_for_load_state("load")  # the page's scripts (e.g. the confirmation) are bound
    named = tab.get_by_role("link", name=name).or_(tab.get_by_role("button", name=name))
    named.filter(visible=True).first.click()


def _fill(tab, values: dict) -> None:
    for label, value in values.items():
        tab.get_by_label(re.compile(rf"^{re.escape(label)}\W*$")).fill(value)  # " *": required


ON_THE_PAGE = {
    "type": lambda tab: _fill(tab, REALISATIONS),
    "attach": lambda tab: _fill(tab, EVIDENCE),
}


def _guide_steps(tab) -> list[dict]:
    tab.goto("/panduan/")
    steps = tab.locator("#pegawai-isi ol.guide-steps > li")
    expect(steps.first).to_be_visible()
    return [
        {"text": li.inner_text(), "press": json.loads(li.get_attribute("data-press") or "[]"),
         "do": li.get_attribute("data-do"), "phone": li.get_attribute("data-phone") == "1"}
        for li in steps.all()
    ]  # fmt: skip


def _state_of(live_app, employee_id: int) -> str:
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Submission

    with live_app.app.app_context():
        state = db.session.scalar(
            select(Submission.state).where(Submission.employee_id == employee_id)
        )
        db.session.remove()
    return state


@pytest.mark.parametrize(("size_name", "size"), [("phone", PHONE), ("desktop", DESKTOP)])
def test_a_new_employee_submits_by_following_the_guide(
    browser, live_app, newcomers, size_name, size
):
    context = browser.new_context(base_url=live_app.url, locale="id-ID", viewport=size)
    context.set_default_timeout(10_000)
    tab = context.new_page()
    username, employee_id = newcomers[size_name]
    try:
        log_in(tab, username, live_app.password)
        steps = _guide_steps(tab)
        assert [s["do"] for s in steps if s["do"]] == ["type", "attach"]
        for step in steps:
            if step["phone"] and size_name != "phone":
                continue
            if step["do"]:
                ON_THE_PAGE[step["do"]](tab)
            for label in step["press"]:
                assert label in step["text"], (label, step["text"])  # named in what people read
                _press(tab, label)
        expect(tab.locator("#submission-state")).to_have_text("Dikirim")
        assert _state_of(live_app, employee_id) == "submitted"
    finally:
        context.close()
