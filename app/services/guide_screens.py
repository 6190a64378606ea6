"""`flask guide screens`: the guide's screenshots, taken from the demo data in Chromium.

A throw-away portal (a temporary SQLite database with `flask seed --demo`) is served on a
free local port; Playwright drives Debian's Chromium (never a downloaded browser) through
each task's page as the task's demo account, at desktop or phone size.
"""

from __future__ import annotations

import socket
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def demo_portal(password: str) -> Iterator[str]:
    """A demo portal on 127.0.0.1; yields its base URL."""
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from app import create_app
    from app.cli import seed_data
    from config import Config

    with tempfile.TemporaryDirectory(prefix="kinerja-guide-") as folder:
        port = _free_port()
        app = create_app(
            Config,
            SQLALCHEMY_DATABASE_URI=f"sqlite:///{Path(folder) / 'guide.db'}",
            STORAGE_DIR=str(Path(folder) / "storage"),
            STORAGE_URL=None,
            APP_ENV="development",
            PUBLIC_BASE_URL=f"http://127.0.0.1:{port}",
            DEMO_PASSWORD=password,
            RATELIMIT_ENABLED=False,
            MAIL_SERVER=None,
        )
        with app.app_context():
            upgrade()
            seed_data(demo=True, echo=lambda *_: None)
        server = make_server("127.0.0.1", port, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.shutdown()
            thread.join(timeout=10)


def take(out: Path, password: str, lang: str = "id") -> list[Path]:
    """Take every task's screenshot into `out`; return the files written."""
    from playwright.sync_api import sync_playwright

    from app.services.guide import screen_name, tasks_with_screens

    out.mkdir(parents=True, exist_ok=True)
    written = []
    with demo_portal(password) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
        )
        try:
            for task in tasks_with_screens():
                size = PHONE if task.screen.phone else DESKTOP
                context = browser.new_context(base_url=base, viewport=size, locale=f"{lang}-ID")
                page = context.new_page()
                page.goto("/login/")
                page.fill("input[name=username]", task.screen.account)
                page.fill("input[name=password]", password)
                with page.expect_navigation():
                    page.click("form input[type=submit], form button[type=submit]")
                page.goto(task.screen.path)
                target = out / screen_name(task)
                page.screenshot(path=str(target), full_page=False)
                written.append(target)
                context.close()
        finally:
            browser.close()
    return written
