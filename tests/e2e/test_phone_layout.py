"""Every main page of every role on a 390 × 844 phone and on a desktop.

The portal runs with the demo data (``flask seed --demo``). Each role logs in through
the login page and opens its pages; on each page the document must not scroll
sideways (``scrollWidth <= innerWidth``) and axe-core, injected from the vendored
file app/static/vendor/axe-core/axe.min.js (never from the internet), must report no
serious or critical violation.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, _free_port

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is not installed"),
]
sync_api = pytest.importorskip("playwright.sync_api")

AXE = Path(__file__).resolve().parents[2] / "app/static/vendor/axe-core/axe.min.js"
INDONESIAN_MONTHS = [
    "Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
    "Oktober", "November", "Desember",
]  # fmt: skip
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}

#: The pages each demo account opens; ``{name}`` is filled from `_ids`.
PAGES = {
    "pegawai.dinkes": [
        "/",
        "/my/",
        "/my/{own_submission}/",
        "/my/{approved_submission}/",
        "/dashboard/me",
        "/dashboard/awards",
        "/annual/",
        "/employeeview/list/",
        "/periodview/list/",
        "/skp/",
        "/notifications/",
        "/notifications/settings",
        "/panduan/",
        "/announcements/",
        "/alignment/?year=2026",
    ],
    "penilai.dinkes": [
        "/",
        "/reviews/",
        "/reviews/{approved_submission}/",
        "/dashboard/team",
        "/dashboard/employee/{subordinate}",
        "/calibration/",
        "/my/",
        "/skp/approvals",
        "/skp-tools/copy",
    ],
    "admin.dinkes": [
        "/",
        "/unitview/list/",
        "/employeeview/list/",
        "/employeeview/show/{subordinate}",
        "/unitview/show/{unit}",
        "/units/tree/",
        "/employees/import/",
        "/builder/",
        "/builder/{form}/",
        "/evaluation-templates/",
        "/evaluation-templates/{template}/",
        "/assign/",
        "/unit-ratings/",
        "/recaps/",
        "/iku/",
        "/training-needs/",
        "/dashboard/unit/{unit}",
        "/skp/list",
        "/skp-tools/import",
        "/jobs/",
    ],
    "hr": [
        "/",
        "/dashboard/units",
        "/periods/",
        "/periodview/list/",
        "/recaps/",
        "/awards/",
        "/dashboard/awards",
        "/calibration/",
        "/annual/",
        "/training-needs/",
        "/builder/",
        "/evaluation-templates/",
        "/assign/",
        "/unit-ratings/",
        "/regency-goals/",
        "/alignment/?year=2026",
        "/announcements/new",
        "/jobs/",
    ],
}


def _ids(session) -> dict:
    """Record ids the page list refers to, read from the demo data."""
    from flask_appbuilder.security.sqla.models import User
    from sqlalchemy import select

    from app.models import Employee, EvaluationTemplate, IndicatorForm, Submission
    from app.models.types import SubmissionState

    def employee_of(username: str) -> Employee:
        user = session.scalars(select(User).filter_by(username=username)).one()
        return session.scalars(select(Employee).filter_by(user_id=user.id)).one()

    employee, evaluator = employee_of("pegawai.dinkes"), employee_of("penilai.dinkes")
    reviews = select(Submission.id).filter_by(evaluator_id=evaluator.id)
    return {
        "own_submission": session.scalars(
            select(Submission.id).filter_by(employee_id=employee.id, state=SubmissionState.DRAFT)
        ).first(),
        "approved_submission": session.scalars(
            reviews.filter_by(state=SubmissionState.APPROVED)
        ).first(),
        "subordinate": employee.id,
        "unit": employee.unit_id,
        "form": session.scalars(
            select(IndicatorForm.id).filter_by(unit_id=employee.unit_id)
        ).first(),
        "template": session.scalars(
            select(EvaluationTemplate.id).filter_by(unit_id=employee.unit_id)
        ).first(),
    }


@pytest.fixture(scope="module")
def demo_portal(tmp_path_factory):
    """The portal with the demo data on a free port; yields (base URL, page ids)."""
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from app import create_app
    from app.extensions import db
    from config import TestConfig

    folder = tmp_path_factory.mktemp("e2e-phone")
    app = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder / 'demo.db'}",
        STORAGE_DIR=str(folder / "storage"),
        WTF_CSRF_ENABLED=True,
    )
    with app.app_context():
        upgrade()
    result = app.test_cli_runner().invoke(args=["seed", "--demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        ids = _ids(db.session)
        db.session.remove()
    assert all(ids.values()), ids
    server = make_server("127.0.0.1", _free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-phone", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", ids, app.config["DEMO_PASSWORD"]
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(scope="module")
def chromium():
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


def _problems(tab) -> list[str]:
    """Sideways scrolling and serious or critical axe-core violations of the open page."""
    found = []
    width, inner = tab.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    if width > inner:
        wide = tab.evaluate(
            """() => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > innerWidth + 1)
                .slice(0, 3).map(e => e.tagName + '.' + e.getAttribute('class'))"""
        )
        found.append(f"{width} px wide > {inner}: {wide}")
    # evaluate() runs outside the page's Content-Security-Policy; a <script> tag would not
    tab.evaluate(AXE.read_text(encoding="utf-8") + "\n;0")
    violations = tab.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
            .filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '))"""
    )
    found.extend(violations)
    return found


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
@pytest.mark.parametrize("username", list(PAGES))
def test_every_page_fits_and_passes_axe(chromium, demo_portal, username, viewport):
    url, ids, password = demo_portal
    context = chromium.new_context(base_url=url, locale="id-ID", viewport=viewport)
    context.set_default_timeout(15_000)
    tab = context.new_page()
    try:
        tab.goto("/login/")
        failures = {"/login/": _problems(tab)}
        tab.fill("#username", username)
        tab.fill("#password", password)
        with tab.expect_navigation():
            tab.click("form [type=submit]")
        assert "/login" not in tab.url, f"login failed for {username}"
        for path in PAGES[username]:
            response = tab.goto(path.format(**ids))
            assert response.status == 200, f"{path}: {response.status}"
            problems = _problems(tab)
            if problems:
                failures[path] = problems
        assert {path: found for path, found in failures.items() if found} == {}
    finally:
        context.close()


def test_date_picker_select2_and_dialogs_speak_indonesian(chromium, demo_portal):
    url, _ids, password = demo_portal
    context = chromium.new_context(base_url=url, locale="id-ID", viewport=PHONE)
    context.set_default_timeout(15_000)
    tab = context.new_page()
    native = []
    tab.on("dialog", lambda dialog: (native.append(dialog.message), dialog.dismiss()))
    try:
        tab.goto("/login/")
        tab.fill("#username", "admin")
        tab.fill("#password", password)
        with tab.expect_navigation():
            tab.click("form [type=submit]")
        tab.goto("/periodview/add")
        tab.locator("input.appbuilder_date, .appbuilder_date input").first.click()
        days = tab.locator(".datepicker-days")
        assert re.fullmatch(r"[A-Z][a-z]+ \d{4}", days.locator(".datepicker-switch").inner_text())
        month = days.locator(".datepicker-switch").inner_text().split()[0]
        assert month in INDONESIAN_MONTHS, month
        assert days.locator(".dow").all_inner_texts() == [
            "Sen", "Sel", "Rab", "Kam", "Jum", "Sab", "Min",
        ]  # fmt: skip
        tab.goto("/unitview/add")  # FAB's "no choice" option
        rendered = tab.locator("#select2-parent-container").inner_text()
        assert "—" in rendered and "__None" not in rendered
        assert tab.locator('#parent option[value="__None"]').inner_text() == "—"
        tab.goto("/users/add")
        tab.locator(".select2-selection--multiple").first.click()
        tab.locator(".select2-results__option").first.click()
        clear = tab.locator(".select2-selection__clear").first
        assert clear.get_attribute("title") == "Hapus semua pilihan"
        # FAB's own confirmation (bulk action on a list) is translated
        modal = tab.locator("#modal-confirm .modal-footer")
        assert modal.inner_text().split() == ["Batal", "Ya"]
        # the portal's dialog answers a data-confirm form without the browser's OK/Cancel
        tab.evaluate(
            """() => { const f = document.createElement('form'); f.id = 'probe';
                f.dataset.confirm = 'Lanjutkan?'; f.action = '/'; f.method = 'get';
                f.innerHTML = '<button id=probe-go>Go</button>'; document.body.append(f); }"""
        )
        tab.click("#probe-go")
        dialog = tab.locator("#portal-confirm")
        assert dialog.is_visible()
        assert tab.locator("#portal-confirm-text").inner_text() == "Lanjutkan?"
        assert _problems(tab) == []  # the open dialog passes axe too
        tab.keyboard.press("Escape")
        assert not dialog.is_visible() and "/users/add" in tab.url
        assert native == []
    finally:
        context.close()
