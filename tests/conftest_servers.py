"""App servers in their own processes, for tests of what several servers share.

`serve(settings)` starts gunicorn processes running `server_app()` (TestConfig plus
`settings`) and returns their base URLs. `two_servers` gives two of them on one database
(the suite's PostgreSQL database, else a shared SQLite file), Redis for the login limits
(the database when Redis does not answer) and one S3 bucket on a local S3 server (moto);
`Servers.app` is an app on the same database and storage, to prepare data and look.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask

from app import create_app, storage
from config import TestConfig

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")
_SETTINGS = "KINERJA_TEST_SETTINGS"
GUNICORN = [sys.executable, "-m", "gunicorn", "--workers", "1", "--timeout", "120",
            "--graceful-timeout", "3"]  # fmt: skip


def server_app() -> Flask:
    """The app a server process runs: ``gunicorn "tests.conftest_servers:server_app()"``."""
    return create_app(TestConfig, **json.loads(os.environ.get(_SETTINGS, "{}")))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=1).close()
        return True
    except OSError:
        return False


def redis_available(url: str = REDIS_URL) -> bool:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return _answers(parts.hostname or "127.0.0.1", parts.port or 6379)


def _wait_for(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        if _answers("127.0.0.1", port):
            return
        time.sleep(0.2)
    raise AssertionError(f"the server did not start:\n{log.read_text()}")


def migrated_sqlite(path: Path) -> Flask:
    """An app on a new, migrated SQLite file (with the roles)."""
    from flask_migrate import upgrade

    from app.extensions import db
    from app.security import sync_roles

    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}")
    with app.app_context():
        upgrade()
        sync_roles(db.session)
        db.session.remove()
    return app


@pytest.fixture
def serve(tmp_path):
    """`serve(settings, count=2)`: start `count` gunicorn servers; their base URLs."""
    processes = []

    def start(settings: dict, count: int = 2) -> list[str]:
        env = {**os.environ, "SECRET_KEY": "x" * 32, "INSTANCE_PATH": str(tmp_path),
               _SETTINGS: json.dumps(settings)}  # fmt: skip
        started = []
        for _ in range(count):
            port, log = free_port(), tmp_path / f"server-{len(processes)}.log"
            command = [*GUNICORN, "--bind", f"127.0.0.1:{port}", f"{__name__}:server_app()"]
            with log.open("wb") as out:
                process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)
            processes.append(process)
            started.append((port, process, log))
        for port, process, log in started:
            _wait_for(port, process, log)
        return [f"http://127.0.0.1:{port}" for port, _, _ in started]

    yield start
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(timeout=20)


@pytest.fixture(scope="session")
def s3_endpoint():
    """A local S3 server (moto's server mode) on 127.0.0.1, for the whole session."""
    moto_server = pytest.importorskip("moto.server")
    port = free_port()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def new_bucket(endpoint: str) -> dict:
    """Create an empty bucket on the S3 server at `endpoint`; the settings to use it."""
    bucket = f"kinerja-{uuid.uuid4().hex[:12]}"
    settings = {
        "STORAGE_URL": f"s3://{bucket}/portal",
        "S3_ENDPOINT_URL": endpoint,
        "S3_REGION": "us-east-1",
        "S3_ACCESS_KEY_ID": "testing",
        "S3_SECRET_ACCESS_KEY": "testing",
    }
    storage.s3_client(settings).create_bucket(Bucket=bucket)
    return settings


@pytest.fixture
def s3_settings(s3_endpoint) -> dict:
    """The settings of a new, empty bucket (with a key prefix) on the local S3 server."""
    return new_bucket(s3_endpoint)


@pytest.fixture
def shared_app(request, tmp_path) -> Flask:
    """An app on the database servers can share: the suite's PostgreSQL database (emptied
    after the test by `db`), else a migrated SQLite file (the suite's is in memory)."""
    if os.environ.get("TEST_DATABASE_URL"):
        request.getfixturevalue("db")
        yield request.getfixturevalue("app")
        return
    app = migrated_sqlite(tmp_path / "shared.db")
    yield app
    with app.app_context():
        from app.extensions import db

        db.engine.dispose()


@dataclass
class Servers:
    urls: list[str]
    app: Flask  # on the servers' database
    storage: storage.Storage  # the servers' storage
    settings: dict  # what the servers run with (over TestConfig)
    rate_limits_on_redis: bool


LOGIN_LIMIT = 3


@pytest.fixture
def two_servers(shared_app, s3_settings, serve) -> Servers:
    """Two gunicorn servers on one database, Redis (else the database) and one S3 bucket."""
    on_redis = redis_available()
    settings = {
        **s3_settings,
        "SQLALCHEMY_DATABASE_URI": shared_app.config["SQLALCHEMY_DATABASE_URI"],
        "RATELIMIT_ENABLED": True,
        "AUTH_RATE_LIMIT": f"{LOGIN_LIMIT} per minute",
        "RATELIMIT_STORAGE_URI": REDIS_URL if on_redis else "database://",
        "RATELIMIT_KEY_PREFIX": uuid.uuid4().hex,  # fresh counters for each test
    }
    shared = storage.from_config({**shared_app.config, **s3_settings})
    return Servers(serve(settings), shared_app, shared, settings, on_redis)
