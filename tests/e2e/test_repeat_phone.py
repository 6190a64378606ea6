"""A repeat group (table of rows) on the fill page in a real browser, CSRF on, at phone and
desktop size: add and remove rows, the live sum, no sideways scrolling, submit."""

from __future__ import annotations

import pytest

from tests import factories as f
from tests.e2e.conftest import CHROMIUM, log_in
from tests.test_repeat_groups import POSYANDU

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is not installed"),
]
sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
USERS = {"phone": "pegawai.hp", "desktop": "pegawai.pc"}


@pytest.fixture(scope="module")
def live_tables(live_app):
    """POSYANDU assigned to two employees of a puskesmas; returns (url, {user: submission
    id}, form version id)."""
    from app.extensions import db
    from app.models import Submission
    from seeds.loader import load_reference
    from tests.conftest_admin import assign_form

    with live_app.app.app_context():
        load_reference(db.session)
        db.session.commit()
        unit = f.make_unit("E2E-PKM", "Puskesmas Uji")
        head = f.make_employee(unit, "Kepala", jabatan_type="jpt_pratama", golongan="IV/b")
        evaluator = f.make_employee(unit, "Penilai Uji", supervisor=head)
        f.make_user("penilai.rep", ["Supervisor", "Employee"], evaluator)
        people = {}
        for name in USERS.values():
            people[name] = f.make_employee(unit, f"Pegawai {name}", supervisor=evaluator)
            f.make_user(name, ["Employee"], people[name])
        version = assign_form(unit.id, POSYANDU, "E2E-REP").form_version
        ids = {
            name: db.session.query(Submission).filter_by(employee_id=person.id).one().id
            for name, person in people.items()
        }
        form_id = version.id
        db.session.remove()
    return live_app.url, ids, form_id


def _fits(tab) -> bool:
    width, inner = tab.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    return width <= inner


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_rows_added_removed_summed_live_and_submitted(browser, live_tables, size):
    url, ids, form_id = live_tables
    username = USERS[size]
    context = browser.new_context(
        base_url=url, locale="id-ID", viewport=PHONE if size == "phone" else DESKTOP
    )
    context.set_default_timeout(10_000)
    tab = context.new_page()
    problems = []
    tab.on("pageerror", lambda error: problems.append(str(error)))
    tab.on("console", lambda m: problems.append(m.text) if "Refused" in m.text else None)  # CSP
    try:
        log_in(tab, username, f.PASSWORD)
        tab.goto(f"/my/{ids[username]}/")
        cell = f"{form_id}:posyandu.{{}}.{{}}"
        box = tab.locator(".fill-repeat")
        rows = box.locator(".repeat-rows > .repeat-row")
        expect(rows).to_have_count(1)  # the minimum, pre-created
        expect(box.locator(".repeat-remove").first).to_be_disabled()  # min 1

        tab.fill(f'[name="{cell.format(0, "nama")}"]', "Mawar")
        tab.fill(f'[name="{cell.format(0, "sasaran")}"]', "80")
        tab.fill(f'[name="{cell.format(0, "realisasi")}"]', "75")
        total = tab.locator(f'[name="{form_id}:total"]')
        expect(total).to_have_value("75")
        expect(tab.locator(f'[name="{cell.format(0, "persen")}"]')).to_have_value("93.75")

        for number, (name, value) in enumerate([("Melati", "45"), ("Anggrek", "10")], start=1):
            box.locator(".repeat-add").click()
            expect(rows).to_have_count(number + 1)
            tab.fill(f'[name="{cell.format(number, "nama")}"]', name)
            tab.fill(f'[name="{cell.format(number, "sasaran")}"]', "50")
            tab.fill(f'[name="{cell.format(number, "realisasi")}"]', value)
        expect(total).to_have_value("130")
        expect(box.locator(".repeat-add")).to_be_disabled()  # max 3
        button = box.locator(".repeat-add").bounding_box()
        assert button["height"] >= 44 and button["width"] >= 44
        assert _fits(tab)

        rows.nth(1).locator(".repeat-remove").click()  # Melati goes; Anggrek becomes row 2
        expect(rows).to_have_count(2)
        expect(tab.locator(f'[name="{cell.format(1, "nama")}"]')).to_have_value("Anggrek")
        expect(rows.nth(1).locator(".repeat-index")).to_have_text("2")
        expect(total).to_have_value("85")
        expect(box.locator(".repeat-add")).to_be_enabled()

        tab.fill(f'[name="{cell.format(1, "realisasi")}"]', "-5")
        expect(
            tab.locator(f'.field-errors[data-ref="{cell.format(1, "realisasi")}"]')
        ).not_to_be_empty()
        tab.fill(f'[name="{cell.format(1, "realisasi")}"]', "10")
        assert _fits(tab)

        tab.click("#fill-submit")
        with tab.expect_navigation():
            tab.click("#fill-submit-confirm")
        expect(tab.locator("#submission-state")).to_have_text("Dikirim")
        table = tab.locator(".repeat-table")
        expect(table).to_contain_text("Mawar")
        expect(table).to_contain_text("Anggrek")
        assert "Melati" not in table.inner_text()
        assert _fits(tab)
        assert problems == []
    finally:
        context.close()
