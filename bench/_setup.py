"""Shared set-up for benchmarks: a migrated database with N synthetic employees."""

from __future__ import annotations

import os
import statistics
import tempfile
import time

from flask_migrate import upgrade
from sqlalchemy import event, select

from app import create_app
from app.extensions import db
from app.security import sync_roles
from config import Config

PASSWORD = "bench-password"  # noqa: S105 - local benchmark accounts only


def bench_app(employees: int):
    """An app on DATABASE_URL (default: a fresh SQLite file) seeded for `employees`."""
    from seeds.loader import load_reference
    from seeds.synthetic import load_synthetic

    url = os.environ.get("BENCH_DATABASE_URL")
    url = url or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    app = create_app(
        Config,
        SQLALCHEMY_DATABASE_URI=url,
        RATELIMIT_ENABLED=False,
        WTF_CSRF_ENABLED=False,
        FAB_PASSWORD_HASH_METHOD="pbkdf2:sha256:1000",
        PUBLIC_BASE_URL="http://127.0.0.1:8080",
        APP_ENV="development",  # the test client calls itself "localhost"
    )
    with app.app_context():
        upgrade()
        sync_roles(db.session)
        load_reference(db.session)
        db.session.commit()
        started = time.perf_counter()
        load_synthetic(db.session, employees)
        print(f"seeded {employees} synthetic employees in {time.perf_counter() - started:.1f} s")
    return app


def account(app, username: str, roles: list[str], employee_id: int | None = None) -> None:
    from app.models import Employee

    with app.app_context():
        sm = app.appbuilder.sm
        if sm.find_user(username=username) is None:
            user = sm.add_user(username, username, "Bench", f"{username}@bench.example",
                               [sm.find_role(r) for r in roles], PASSWORD)  # fmt: skip
            if employee_id:
                db.session.get(Employee, employee_id).user_id = user.id
                db.session.commit()


def first_id(app, query):
    with app.app_context():
        return db.session.scalar(query)


def measure(client, url: str, repeat: int = 5) -> tuple[float, int, int]:
    """Median milliseconds, SQL statements and status of GET `url`."""
    client.get(url)
    times, statements = [], []
    status = 0
    with client.application.app_context():
        engine = db.engine
    for _ in range(repeat):
        sent: list[str] = []

        def _record(_conn, _cursor, statement, *_args, sent=sent):
            sent.append(statement)

        event.listen(engine, "before_cursor_execute", _record)
        started = time.perf_counter()
        status = client.get(url).status_code
        times.append((time.perf_counter() - started) * 1000)
        event.remove(engine, "before_cursor_execute", _record)
        statements.append(len(sent))
    return statistics.median(times), max(statements), status


__all__ = ["account", "bench_app", "first_id", "measure", "select", "PASSWORD"]
