"""Login rate limits hold across workers: counters live in the database or Redis (issue 9 §5)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 3

# One worker: the test app on a shared SQLite file, login limits on, served by werkzeug.
SERVER = """
import sys
from werkzeug.serving import make_server
from app import create_app
from config import TestConfig

database, port, limit, *storage = sys.argv[1:]
settings = {"RATELIMIT_STORAGE_URI": storage[0]} if storage else {}  # else the default
app = create_app(
    TestConfig, SQLALCHEMY_DATABASE_URI=database, RATELIMIT_ENABLED=True,
    AUTH_RATE_LIMIT=f"{limit} per minute", RATELIMIT_KEY_PREFIX=database, **settings,
)
make_server("127.0.0.1", int(port), app, threaded=True).serve_forever()
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read().decode()
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the server did not start")


@pytest.fixture
def database(tmp_path):
    """A migrated SQLite file with the test world's accounts."""
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.security import sync_roles
    from config import TestConfig
    from tests import factories as f

    url = f"sqlite:///{tmp_path / 'shared.db'}"
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade()
        sync_roles(db.session)
        f.make_user("pegawai", ["Employee"], f.make_employee(f.make_unit("DINKES", "Dinkes"), "P"))
        db.session.remove()
        db.engine.dispose()
    return url


@pytest.fixture
def two_workers(database, tmp_path):
    def start(*storage: str) -> list[str]:
        env = {**os.environ, "SECRET_KEY": "x" * 32, "INSTANCE_PATH": str(tmp_path)}
        ports = [_free_port(), _free_port()]
        for port in ports:
            command = [sys.executable, "-c", SERVER, database, str(port), str(LIMIT), *storage]
            processes.append(
                subprocess.Popen(
                    command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
                )
            )
        for port, process in zip(ports, processes, strict=True):
            _wait_for(port, process)
        return [f"http://127.0.0.1:{port}" for port in ports]

    processes = []
    yield start
    for process in processes:
        process.terminate()
        process.wait(timeout=10)


def _status(url: str, body: bytes, content_type: str) -> int:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _api_login(base: str) -> int:
    body = b'{"username": "pegawai", "password": "wrong", "provider": "db"}'
    return _status(f"{base}/api/v1/security/login", body, "application/json")


def _web_login(base: str) -> int:
    body = b"username=pegawai&password=wrong"
    return _status(f"{base}/login/", body, "application/x-www-form-urlencoded")


def test_the_login_limits_hold_across_two_workers(two_workers):
    first, second = two_workers()  # the default storage
    for login in (_api_login, _web_login):
        assert 429 not in [login(first) for _ in range(LIMIT)]
        assert login(second) == 429
        assert login(first) == 429


def test_redis_when_configured(two_workers):
    pytest.importorskip("redis")
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    first, second = two_workers("redis://127.0.0.1:6379")  # keys prefixed per test
    assert 429 not in [_api_login(first) for _ in range(LIMIT)]
    assert _api_login(second) == 429


def test_database_storage_counts_per_window(db, monkeypatch):
    """The storage itself, on the suite's database (SQLite, or TEST_DATABASE_URL's)."""
    from app import ratelimit

    storage = ratelimit.DatabaseStorage()
    now = time.time()
    monkeypatch.setattr(ratelimit.time, "time", lambda: now)
    assert [storage.incr("login/10.0.0.1", 60) for _ in range(3)] == [1, 2, 3]
    assert storage.incr("login/10.0.0.2", 60) == 1
    assert storage.get("login/10.0.0.1") == 3
    assert storage.get_expiry("login/10.0.0.1") == pytest.approx(now + 60)
    monkeypatch.setattr(ratelimit.time, "time", lambda: now + 61)  # the window is over
    assert storage.get("login/10.0.0.1") == 0
    assert storage.incr("login/10.0.0.1", 60) == 1
    storage.clear("login/10.0.0.1")
    assert storage.get("login/10.0.0.1") == 0
    assert storage.incr("x" * 300, 60) == 1  # long keys are hashed to fit the column
    assert storage.check()
