"""Kinerja Saya and Penilaian Bawahan in a real browser, CSRF on: live relevance and
calculations (fill.js), save, upload and submit, then a return by the evaluator."""

from __future__ import annotations

import copy
import socket
import threading
from pathlib import Path

import pytest

from tests.conftest_admin import HR_SCOPE
from tests.conftest_cycle import CYCLE_FORM, TINY_PDF

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is not installed"),
]
sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect


@pytest.fixture(scope="module")
def live_cycle(tmp_path_factory):
    """The portal on a free port with one assigned submission; yields (url, ids)."""
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from app import create_app
    from app.extensions import db
    from app.models import Submission
    from app.security import sync_roles
    from app.services import forms as form_service
    from app.services import templates as template_service
    from app.services.assignment import assign
    from app.services.templates import DEFAULT_RULES
    from config import TestConfig
    from seeds.loader import load_reference
    from tests import factories as f

    database = tmp_path_factory.mktemp("e2e-cycle") / "e2e.db"
    app = create_app(
        TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{database}", WTF_CSRF_ENABLED=True
    )
    with app.app_context():
        upgrade()
        sync_roles(db.session)
        load_reference(db.session)
        db.session.commit()
        unit = f.make_unit("E2E-UNIT", "Unit Uji")
        head = f.make_employee(unit, "Kepala", jabatan_type="jpt_pratama", golongan="IV/b")
        evaluator = f.make_employee(unit, "Penilai Uji", supervisor=head)
        employee = f.make_employee(unit, "Pegawai Uji", supervisor=evaluator)
        f.make_user("pegawai.e2e", ["Employee"], employee)
        f.make_user("penilai.e2e", ["Supervisor", "Employee"], evaluator)
        period = f.make_period()
        form = form_service.import_definition(copy.deepcopy(CYCLE_FORM), unit.id, HR_SCOPE)
        version = form_service.publish(form)
        template = template_service.create_template(unit.id, "E2E", "Templat uji", HR_SCOPE)
        template_service.save_draft(
            template,
            {"title": "Templat uji", "forms": [{"form_version_id": version.id, "weight": 100}],
             "rules": DEFAULT_RULES},
        )  # fmt: skip
        assign(period, template_service.publish(template), HR_SCOPE, unit_id=unit.id)
        ids = {
            "submission": db.session.query(Submission).filter_by(employee_id=employee.id).one().id,
            "form": version.id,
        }
        db.session.remove()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, name="e2e-cycle", daemon=True).start()
    try:
        yield f"http://127.0.0.1:{port}", ids
    finally:
        server.shutdown()


def _login(page, username):
    from tests import factories as f

    page.goto("/logout/")
    page.goto("/login/")
    page.fill("#username", username)
    page.fill("#password", f.PASSWORD)
    with page.expect_navigation():
        page.click("input[type=submit], button[type=submit]")


def test_fill_live_save_submit_and_return(live_cycle):
    url, ids = live_cycle
    ref = f"{ids['form']}:"
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(base_url=url)
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))

        _login(page, "pegawai.e2e")
        page.goto(f"/my/{ids['submission']}/")
        kendala = page.locator(f'.fill-field[data-ref="{ref}kendala"]')
        expect(kendala).to_be_hidden()
        page.fill(f'[name="{ref}sasaran"]', "100")
        page.fill(f'[name="{ref}diimunisasi"]', "80")
        expect(page.locator(f'[name="{ref}cakupan"]')).to_have_value("80")
        expect(kendala).to_be_visible()  # cakupan < 95
        page.fill(f'[name="{ref}diimunisasi"]', "99")
        expect(kendala).to_be_hidden()
        page.fill(f'[name="{ref}kunjungan"]', "110")
        page.fill(f'[name="{ref}catatan"]', "<img src=x onerror=alert(1)>")
        with page.expect_navigation():
            page.click("#fill-save")
        expect(page.locator(f'[name="{ref}catatan"]')).to_have_value("<img src=x onerror=alert(1)>")
        page.set_input_files(
            f'[name="{ref}bukti__file"]',
            files=[{"name": "bukti.pdf", "mimeType": "application/pdf", "buffer": TINY_PDF}],
        )
        page.click("#fill-submit")  # asks once, in the page
        with page.expect_navigation():
            page.click("#fill-submit-confirm")
        expect(page.locator("#submission-state")).to_have_attribute(
            "class", "label label-default state-submitted"
        )
        expect(page.locator(".evidence-link")).to_have_text("bukti.pdf")

        _login(page, "penilai.e2e")
        page.goto(f"/reviews/{ids['submission']}/")
        with page.expect_navigation():
            page.click("#review-return")  # no reason: refused, page kept
        expect(page.locator("#reason")).to_be_visible()
        page.fill("#reason", "Lengkapi kendala")
        page.fill(f'[name="comment:{ref}kunjungan"]', "Lampirkan daftar")
        with page.expect_navigation():
            page.click("#review-return")
        assert page.url.endswith("/reviews/")

        _login(page, "pegawai.e2e")
        page.goto(f"/my/{ids['submission']}/")
        expect(page.locator("#what-to-fix")).to_contain_text("Lengkapi kendala")
        expect(page.locator("#what-to-fix")).to_contain_text("Lampirkan daftar")
        assert not errors, errors
        browser.close()
