"""Browser fixtures: the real app on a local port, Debian's Chromium driven by Playwright.

The app runs in a background thread (werkzeug ``make_server``) on its own SQLite
file, with CSRF protection on, exactly as in production. Nothing is fetched from
the internet: FAB serves Bootstrap and jQuery locally and Chromium is started with
background networking disabled.
"""

from __future__ import annotations

import socket
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from config import TestConfig

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serve(app, name: str = "e2e"):
    """Serve `app` on 127.0.0.1:<free port> in a background thread; yields the base URL."""
    from werkzeug.serving import make_server

    from app.extensions import db

    server = make_server("127.0.0.1", _free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def log_in(tab, username: str, password: str) -> None:
    """Log in through the real login page."""
    tab.goto("/login/")
    tab.fill("input[name=username]", username)
    tab.fill("input[name=password]", password)
    with tab.expect_navigation():
        tab.click("form input[type=submit], form button[type=submit]")
    assert "/login" not in tab.url, f"login failed for {username}"


@dataclass
class LiveApp:
    """The running portal: its Flask app, base URL and the accounts made for the tests."""

    app: object
    url: str
    unit_id: int
    username: str
    password: str


@pytest.fixture(scope="module")
def live_app(tmp_path_factory):
    """The portal with a fresh migrated database, served on 127.0.0.1:<free port>."""
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.security import sync_roles
    from tests import factories as f

    database = tmp_path_factory.mktemp("e2e") / "e2e.db"
    app = create_app(
        TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{database}", WTF_CSRF_ENABLED=True
    )
    with app.app_context():
        upgrade()
        sync_roles(db.session)
        unit = f.make_unit("DINKES", "Dinas Kesehatan")
        head = f.make_employee(unit, "Kepala Dinas", jabatan_type="jpt_pratama", golongan="IV/b")
        admin = f.make_employee(unit, "Admin Dinkes", supervisor=head)
        f.make_user("admin.e2e", ["UnitAdmin", "Employee"], admin)
        unit_id = unit.id
        db.session.remove()
    with serve(app) as url:
        yield LiveApp(app, url, unit_id, "admin.e2e", f.PASSWORD)


@pytest.fixture(scope="module")
def browser():
    """Headless Debian Chromium (never a downloaded browser)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser, live_app):
    """A fresh browser tab, logged in as the unit admin through the real login page."""
    context = browser.new_context(base_url=live_app.url, locale="id-ID")
    context.set_default_timeout(10_000)
    tab = context.new_page()
    tab.goto("/login/")
    tab.fill("input[name=username]", live_app.username)
    tab.fill("input[name=password]", live_app.password)
    with tab.expect_navigation():
        tab.click("form input[type=submit], form button[type=submit]")
    assert "/login" not in tab.url, "login failed"
    try:
        yield tab
    finally:
        context.close()
