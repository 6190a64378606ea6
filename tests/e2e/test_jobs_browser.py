"""In the browser: a unit admin prepares a recap in the background, the job page follows it
by polling (static jobs.js under the CSP) and offers the download when it is done."""

from __future__ import annotations

import threading

import pytest

from config import TestConfig
from tests.e2e.conftest import _free_port

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def jobs_app(tmp_path_factory):
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from app import create_app
    from app.extensions import db
    from app.security import sync_roles
    from tests import factories as f

    database = tmp_path_factory.mktemp("e2e-jobs") / "e2e.db"
    app = create_app(
        TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{database}", WTF_CSRF_ENABLED=True,
        STORAGE_DIR=str(tmp_path_factory.mktemp("e2e-jobs-storage")), JOBS_EAGER=False,
        JOBS_POLL_SECONDS=0.2,
    )  # fmt: skip
    with app.app_context():
        upgrade()
        sync_roles(db.session)
        unit = f.make_unit("DINKES", "Dinas Kesehatan")
        head = f.make_employee(unit, "Kepala Dinas", jabatan_type="jpt_pratama", golongan="IV/b")
        admin = f.make_employee(unit, "Admin Dinkes", supervisor=head)
        f.make_user("admin.jobs", ["UnitAdmin", "Employee"], admin)
        ids = (f.make_period().id, unit.id)
        db.session.commit()
        db.session.remove()
    port = _free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-jobs", daemon=True)
    thread.start()
    try:
        yield app, f"http://127.0.0.1:{port}", *ids
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            queue = app.extensions.pop("kinerja.jobs", None)
            if queue is not None:
                queue.stop()
            db.session.remove()
            db.engine.dispose()


def test_recap_job_progress_page_polls_until_the_download(browser, jobs_app):
    app, url, period_id, unit_id = jobs_app
    context = browser.new_context(base_url=url, locale="id-ID", accept_downloads=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto("/login/")
    page.fill("input[name=username]", "admin.jobs")
    page.fill("input[name=password]", "test-password")
    with page.expect_navigation():
        page.click("form input[type=submit], form button[type=submit]")
    page.goto(f"/recaps/?period={period_id}&unit={unit_id}")
    page.select_option("#recap-job select[name=format]", "csv")
    with page.expect_navigation():
        page.click("#recap-job button")
    assert "/jobs/" in page.url
    assert page.inner_text("#job-state") == "Dalam antrean"
    assert page.locator("#job-result").is_hidden()
    with app.app_context():  # the worker starts only now: the page must update by itself
        from app.services import jobs

        jobs.queue().ensure_started()
    page.wait_for_selector("#job-result:not([hidden])")
    assert page.inner_text("#job-state") == "Selesai"
    assert page.inner_text("#job-bar") == "100%"
    assert page.locator("#job-retry").is_hidden()
    with page.expect_download() as download:
        page.click("#job-download")
    assert download.value.suggested_filename.endswith(".csv")
    assert not [e for e in errors if "Content Security Policy" in e], errors
    context.close()
