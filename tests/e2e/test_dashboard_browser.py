"""In the browser: HR opens the dashboard, drills down from a unit to an employee, and
confirms an award (CSRF on, Debian's Chromium, nothing from the internet)."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pytest

from config import TestConfig
from tests.e2e.conftest import _free_port

pytestmark = pytest.mark.e2e


@dataclass
class DashboardApp:
    url: str
    period_id: int
    unit_id: int
    employee_name: str


@pytest.fixture(scope="module")
def dashboard_app(tmp_path_factory):
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from app import create_app
    from app.extensions import db
    from app.security import sync_roles
    from seeds.loader import load_reference
    from tests import factories as f
    from tests.conftest_admin import make_form, make_template
    from tests.conftest_dashboard import approved

    database = tmp_path_factory.mktemp("e2e-dashboard") / "e2e.db"
    app = create_app(
        TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{database}", WTF_CSRF_ENABLED=True,
        STORAGE_DIR=str(tmp_path_factory.mktemp("e2e-storage")),
    )  # fmt: skip
    with app.app_context():
        upgrade()
        sync_roles(db.session)
        load_reference(db.session)
        db.session.commit()
        unit = f.make_unit("UJI-E2E", "Dinas Uji Peramban")
        head = f.make_employee(unit, "Kepala Uji", jabatan_type="jpt_pratama", golongan="IV/b")
        star = f.make_employee(unit, "Siti Teladan", supervisor=head)
        other = f.make_employee(unit, "Budi Baik", supervisor=head)
        f.make_user("hr.e2e", ["HR"])
        period = f.make_period()
        version = make_template(unit.id, "UJI-STAF", [(make_form(unit.id, "UJI-FORM").id, 100)])
        approved(star, period, version, predikat="sangat_baik", achievement=115)
        approved(other, period, version, predikat="baik", achievement=101)
        ids = (period.id, unit.id)
        db.session.remove()
    port = _free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-dashboard", daemon=True)
    thread.start()
    try:
        yield DashboardApp(f"http://127.0.0.1:{port}", *ids, "Siti Teladan")
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def hr_page(browser, dashboard_app):
    context = browser.new_context(base_url=dashboard_app.url, locale="id-ID")
    context.set_default_timeout(10_000)
    tab = context.new_page()
    tab.goto("/login/")
    tab.fill("input[name=username]", "hr.e2e")
    tab.fill("input[name=password]", "test-password")
    with tab.expect_navigation():
        tab.click("form input[type=submit], form button[type=submit]")
    try:
        yield tab
    finally:
        context.close()


def test_hr_drills_down_and_confirms_an_award(hr_page, dashboard_app):
    page = hr_page
    page.goto("/")
    assert page.locator("#dashboard-overview").is_visible()
    page.select_option("#period", str(dashboard_app.period_id))
    with page.expect_navigation():
        page.click("form.dashboard-period button")
    assert page.locator("svg.chart").count() >= 3
    row = page.locator(f'#completion-table tr[data-unit-id="{dashboard_app.unit_id}"]')
    assert row.locator('td[data-state="approved"]').inner_text().startswith("2")
    row.locator("a.unit-link").click()
    page.wait_for_selector("#dashboard-unit")
    page.locator("a.employee-link", has_text=dashboard_app.employee_name).click()
    page.wait_for_selector("#dashboard-employee")
    assert dashboard_app.employee_name in page.inner_text("h2")

    page.goto(f"/awards/?period={dashboard_app.period_id}")
    with page.expect_navigation():
        page.click("#propose-nominees button")
    page.wait_for_selector("#award-table tr[data-state='proposed']")
    first = page.locator("#award-table tr[data-state='proposed']").first
    assert dashboard_app.employee_name in first.inner_text()  # Sangat Baik ranks first
    first.locator("input[name=title]").fill("Pegawai Teladan Triwulan I")
    first.locator("textarea[name=citation]").fill("Capaian tertinggi di unit.")
    with page.expect_navigation():
        first.locator("form.confirm-award button").click()
    page.wait_for_selector("#award-table tr[data-state='confirmed']")
    with page.expect_download() as download:
        page.locator("a.certificate-link").first.click()
    assert download.value.suggested_filename.startswith("piagam-")
    page.goto("/dashboard/awards")
    assert "Pegawai Teladan Triwulan I" in page.inner_text("#hall-of-fame")
