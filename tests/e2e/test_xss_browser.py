"""In the browser: hostile names never run, and the pages work under the Content-Security-Policy.

Every text is `<script>alert(1)</script>"><img src=x onerror=alert(1)>javascript:alert(1)`;
HR, the unit admin, the evaluator and the employee open the pages that show it and do the
actions whose messages quote it. Any dialog fails the test, and so does a CSP violation or
a script error on any page (Debian's Chromium, CSRF on, nothing from the internet).
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass, field

import pytest

from config import TestConfig
from tests.e2e.conftest import _free_port
from tests.factories import PASSWORD
from tests.test_xss import SCRIPT, _hostile_form, hostile

pytestmark = pytest.mark.e2e


@dataclass
class HostileApp:
    url: str
    ids: dict


def _build(db) -> dict:
    """One unit whose people, period, form, template and award all carry hostile text."""
    from sqlalchemy import select

    from app.models import Award, Submission
    from app.scope import scope_for
    from app.services import forms as form_service
    from app.services import submissions as submission_service
    from app.services import templates as template_service
    from app.services.assignment import assign
    from app.services.templates import DEFAULT_RULES
    from seeds.loader import load_reference
    from tests import factories as f
    from tests.conftest_admin import HR_SCOPE
    from tests.conftest_cycle import GOOD

    load_reference(db.session)
    db.session.commit()
    unit = f.make_unit("XSS-UJI", hostile("unit"))
    unit.short_name = hostile("short")
    head = f.make_employee(unit, hostile("head"), jabatan_type="jpt_pratama", golongan="IV/b")
    admin = f.make_employee(unit, hostile("admin"), supervisor=head)
    evaluator = f.make_employee(unit, hostile("evaluator"), supervisor=head, golongan="III/d")
    employee = f.make_employee(unit, hostile("employee"), supervisor=evaluator)
    rusdi = f.make_employee(unit, hostile("Rusdi"), supervisor=evaluator, jabatan=hostile("job"))
    f.make_user("hr.xss", ["HR"])
    f.make_user("root.xss", ["Admin"])
    f.make_user("admin.xss", ["UnitAdmin", "Employee"], admin)
    f.make_user("penilai.xss", ["Supervisor", "Employee"], evaluator)
    pegawai = f.make_user("pegawai.xss", ["Employee"], employee)
    period = f.make_period(hostile("period"))
    form = form_service.import_definition(_hostile_form(), unit.id, HR_SCOPE)
    version = form_service.publish(form)
    template = template_service.create_template(unit.id, "XSS-STAF", hostile("tpl"), HR_SCOPE)
    template_service.save_draft(
        template,
        {"title": hostile("template"), "forms": [{"form_version_id": version.id, "weight": 100}],
         "rules": copy.deepcopy(DEFAULT_RULES)},
    )  # fmt: skip
    assign(period, template_service.publish(template), HR_SCOPE, unit_id=unit.id)
    submission = db.session.scalar(select(Submission).where(Submission.employee_id == employee.id))
    answers = {str(version.id): {**GOOD, "catatan": hostile("answer"), "pilihan": "a"}}
    submission_service.save_answers(
        submission, answers, scope_for(pegawai), pegawai.id, lock_version=submission.lock_version
    )
    submission_service.submit(
        submission, scope_for(pegawai), pegawai.id, lock_version=submission.lock_version
    )
    award = Award(period_id=period.id, unit_id=unit.id, employee_id=rusdi.id)
    db.session.add(award)
    db.session.commit()
    return {"unit": unit.id, "period": period.id, "submission": submission.id,
            "award": award.id, "rusdi": rusdi.id, "form": form.id}  # fmt: skip


@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory):
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from app import create_app
    from app.extensions import db
    from app.security import sync_roles

    database = tmp_path_factory.mktemp("e2e-xss") / "e2e.db"
    app = create_app(
        TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{database}", WTF_CSRF_ENABLED=True,
        STORAGE_DIR=str(tmp_path_factory.mktemp("e2e-xss-storage")),
    )  # fmt: skip
    with app.app_context():
        upgrade()
        sync_roles(db.session)
        ids = _build(db)
        db.session.remove()
    port = _free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-xss", daemon=True)
    thread.start()
    try:
        yield HostileApp(f"http://127.0.0.1:{port}", ids)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@dataclass
class Watch:
    """What a page must never do: open a dialog, break the CSP, throw."""

    problems: list = field(default_factory=list)

    def attach(self, page) -> None:
        def on_dialog(dialog):
            self.problems.append(f"dialog on {page.url}: {dialog.message}")
            dialog.dismiss()

        def on_console(message):
            if message.type == "error" and "Content Security Policy" in message.text:
                self.problems.append(f"CSP on {page.url}: {message.text}")

        page.on("dialog", on_dialog)
        page.on("console", on_console)
        page.on("pageerror", lambda error: self.problems.append(f"error on {page.url}: {error}"))


@pytest.fixture
def open_as(browser, hostile_app):
    """A logged-in tab for one account; every tab is watched."""
    watch, contexts = Watch(), []

    def _open(username: str):
        context = browser.new_context(base_url=hostile_app.url, locale="id-ID")
        context.set_default_timeout(10_000)
        contexts.append(context)
        tab = context.new_page()
        watch.attach(tab)
        tab.goto("/login/")
        tab.fill("input[name=username]", username)
        tab.fill("input[name=password]", PASSWORD)
        with tab.expect_navigation():
            tab.click("form input[type=submit], form button[type=submit]")
        assert "/login" not in tab.url, f"login failed for {username}"
        return tab

    yield _open, watch
    for context in contexts:
        context.close()


def _visit(tab, paths) -> None:
    for path in paths:
        response = tab.goto(path)
        assert response.status < 400, f"{path}: {response.status}"
        tab.wait_for_load_state("load")


def test_hostile_names_never_run_for_any_role(open_as, hostile_app):
    _open, watch = open_as
    ids = hostile_app.ids
    period, unit, pk = ids["period"], ids["unit"], ids["submission"]

    evaluator = _open("penilai.xss")
    evaluator.goto(f"/reviews/{pk}/")
    evaluator.fill("#reason", hostile("reason"))
    with evaluator.expect_navigation():
        evaluator.click("#review-return")
    assert SCRIPT in evaluator.inner_text(".alert-success")  # the name shown as text
    _visit(evaluator, ["/reviews/", "/dashboard/team", "/dashboard/"])

    hr = _open("hr.xss")
    hr.goto(f"/awards/?period={period}")
    row = hr.locator("#award-table tr[data-state='proposed']").first
    row.locator("input[name=title]").fill(hostile("title"))
    row.locator("textarea[name=citation]").fill(hostile("citation"))
    with hr.expect_navigation():
        row.locator("form.confirm-award button").click()
    assert SCRIPT in hr.inner_text(".alert-success")
    _visit(hr, [
        "/dashboard/awards", f"/dashboard/?period={period}",
        f"/dashboard/unit/{unit}?period={period}",
        f"/dashboard/unit/{unit}/achievement?period={period}",
        f"/dashboard/employee/{ids['rusdi']}", "/periods/", f"/periods/{period}/reopen",
        f"/recaps/?period={period}", "/training-needs/", "/evaluation-templates/",
        "/employeeview/list/", "/unitview/list/",
    ])  # fmt: skip

    admin = _open("admin.xss")
    _visit(admin, [
        "/employeeview/list/", f"/employeeview/show/{ids['rusdi']}",
        f"/employeeview/edit/{ids['rusdi']}", "/unitview/list/", f"/unitview/show/{unit}",
        "/builder/", f"/builder/{ids['form']}/", f"/builder/{ids['form']}/versions", "/iku/",
        "/assign/", "/unit-ratings/",
    ])  # fmt: skip

    root = _open("root.xss")
    _visit(root, ["/users/list/", "/roles/list/", "/users/userinfo/", "/swagger/v1"])
    root.wait_for_selector("#swagger-ui .info")  # Swagger UI built the page under the CSP

    employee = _open("pegawai.xss")
    _visit(employee, ["/my/", "/dashboard/me", f"/my/{pk}/"])
    assert hostile("reason") in employee.inner_text("body")  # the return reason, as text

    assert watch.problems == []
