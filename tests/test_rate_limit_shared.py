"""Login rate limits hold across workers: counters live in the database or Redis (issue 9 §5)."""

from __future__ import annotations

import time
import urllib.error
import urllib.request

import pytest

from tests import factories as f
from tests.conftest_servers import REDIS_URL, migrated_sqlite, redis_available

LIMIT = 3


@pytest.fixture
def database(tmp_path):
    """A migrated SQLite file with one account."""
    from app.extensions import db

    app = migrated_sqlite(tmp_path / "shared.db")
    with app.app_context():
        f.make_user("pegawai", ["Employee"], f.make_employee(f.make_unit("DINKES", "Dinkes"), "P"))
        db.session.remove()
        db.engine.dispose()
    return app.config["SQLALCHEMY_DATABASE_URI"]


def _limited(database: str) -> dict:
    return {"SQLALCHEMY_DATABASE_URI": database, "RATELIMIT_ENABLED": True,
            "AUTH_RATE_LIMIT": f"{LIMIT} per minute"}  # fmt: skip


@pytest.fixture
def two_workers(database, serve):
    """`two_workers(storage_uri=None)`: two servers on the file, limits on; their URLs."""

    def start(storage_uri: str | None = None) -> list[str]:
        settings = {**_limited(database), "RATELIMIT_KEY_PREFIX": database}
        if storage_uri:
            settings["RATELIMIT_STORAGE_URI"] = storage_uri  # else the default
        return serve(settings)

    return start


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
    if not redis_available():
        pytest.skip(f"no Redis at {REDIS_URL}")
    first, second = two_workers(REDIS_URL)  # keys prefixed per test
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


@pytest.mark.parametrize(("proxies", "other_client"), [(1, 401), (0, 429)])
def test_behind_a_proxy_each_client_has_its_own_limit(database, proxies, other_client):
    """PROXY_FIX_X_FOR=1: the address comes from the proxy's X-Forwarded-For; 0: the proxy's."""
    from app import create_app
    from config import TestConfig

    app = create_app(TestConfig, **_limited(database), RATELIMIT_STORAGE_URI="memory://",
                     PROXY_FIX_X_FOR=proxies)  # fmt: skip
    client = app.test_client()

    def login(address: str) -> int:
        body = {"username": "pegawai", "password": "wrong", "provider": "db"}
        headers = {"X-Forwarded-For": address}
        return client.post("/api/v1/security/login", json=body, headers=headers).status_code

    assert [login("203.0.113.7") for _ in range(LIMIT)] == [401] * LIMIT
    assert login("203.0.113.7") == 429
    assert login("198.51.100.20") == other_client
