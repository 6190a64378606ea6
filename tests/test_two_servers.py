"""Two app servers (gunicorn) on one database, Redis and S3 storage behave as one (issue 14 §3).

The servers come from `two_servers` (tests/conftest_servers.py): each test gets its own
pair, fresh rate-limit counters and an empty bucket.
"""

from __future__ import annotations

import pytest
import requests

from tests import factories as f
from tests.conftest_servers import LOGIN_LIMIT


@pytest.fixture
def accounts(two_servers):
    """HR and an employee in the servers' database; a period and a unit to print a recap of."""
    with two_servers.app.app_context():
        unit = f.make_unit("DINKES", "Dinas Kesehatan")
        f.make_user("pegawai", ["Employee"], f.make_employee(unit, "Pegawai Uji"))
        f.make_user("hr", ["HR"])
        period = f.make_period()
        return {"unit": unit.id, "period": period.id}


def _login(session: requests.Session, base: str, username: str, password=f.PASSWORD) -> int:
    response = session.post(f"{base}/login/", data={"username": username, "password": password},
                            allow_redirects=False, timeout=30)  # fmt: skip
    return response.status_code


def _api_login(base: str) -> int:
    body = {"username": "pegawai", "password": "wrong", "provider": "db"}
    return requests.post(f"{base}/api/v1/security/login", json=body, timeout=30).status_code


def _web_login(base: str) -> int:
    return _login(requests.Session(), base, "pegawai", "wrong")


def test_the_login_limit_holds_across_both_servers(two_servers, accounts):
    if not two_servers.rate_limits_on_redis:
        pytest.skip("no Redis (the database's counters: test_rate_limit_shared.py)")
    first, second = two_servers.urls
    for login in (_web_login, _api_login):
        assert 429 not in [login(first) for _ in range(LOGIN_LIMIT)]
        assert login(second) == 429


def test_a_session_made_on_one_server_works_on_the_other(two_servers, accounts):
    first, second = two_servers.urls
    browser = requests.Session()
    assert _login(browser, first, "pegawai") == 302
    page = browser.get(f"{second}/my/", allow_redirects=False, timeout=30)
    assert page.status_code == 200
    assert browser.get(f"{second}/logout/", timeout=30).ok
    assert browser.get(f"{first}/my/", allow_redirects=False, timeout=30).status_code == 302


def test_a_document_rendered_by_one_is_served_from_the_cache_by_the_other(two_servers, accounts):
    first, second = two_servers.urls
    query = f"/recaps/download?period={accounts['period']}&unit={accounts['unit']}&format=pdf"
    browser = requests.Session()
    assert _login(browser, first, "hr") == 302
    rendered = browser.get(first + query, timeout=120)
    assert rendered.status_code == 200, rendered.text[:500]
    assert rendered.headers["X-Document-Cache"] == "miss"
    cached = [item.key for item in two_servers.storage.list("documents/")]
    assert len(cached) == 1  # in the shared bucket, not on either server's disk
    served = browser.get(second + query, timeout=120)
    assert served.headers["X-Document-Cache"] == "hit"
    assert served.headers["X-Document-Code"] == rendered.headers["X-Document-Code"]
    assert served.content == rendered.content


def test_a_job_started_through_one_server_is_followed_and_downloaded_through_the_other(
    two_servers, accounts, serve
):
    import time

    # Jobs really queued (not run inside the request): the embedded workers of these servers
    # (started outside testing) take them from the shared database.
    first, second = serve({**two_servers.settings, "JOBS_EAGER": False, "TESTING": False})
    browser = requests.Session()
    assert _login(browser, first, "hr") == 302
    started = browser.post(
        f"{first}/jobs/recap", data={"period": accounts["period"], "unit": "", "format": "csv"},
        allow_redirects=False, timeout=30,
    )  # fmt: skip
    assert started.status_code == 302, started.text[:300]
    job = started.headers["Location"].rstrip("/").rsplit("/", 1)[1]
    deadline, status = time.monotonic() + 60, {}
    while time.monotonic() < deadline:
        status = browser.get(f"{second}/jobs/{job}/status", timeout=30).json()
        if status["state"] in ("done", "failed"):
            break
        time.sleep(0.5)
    assert status["state"] == "done", status
    download = browser.get(f"{second}{status['result_url']}", timeout=30)
    assert download.status_code == 200 and download.headers["Content-Type"].startswith("text/csv")
