"""CSRF, login throttling, cookies, no external resources, and no stack traces."""

from __future__ import annotations

import io
import re

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select

from app import create_app
from app.extensions import db as _db
from app.models import Employee, EvaluationPeriod
from app.models.types import PeriodState
from app.security import sync_roles
from config import TestConfig
from tests import factories as f

BAD_REQUEST = "Permintaan tidak dapat dipahami. Periksa kembali data yang Anda kirim."
TOO_MANY = "Terlalu banyak percobaan. Tunggu satu menit lalu coba lagi."
SERVER_ERROR = "Terjadi kesalahan di sisi kami. Kesalahan ini telah dicatat."


def _fresh_app(path, **overrides):
    """A second app on its own SQLite file (whatever TEST_DATABASE_URL says), migrated."""
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}", **overrides)
    with app.app_context():
        upgrade()
        sync_roles(_db.session)
        unit = f.make_unit("DINKES", "Dinas Kesehatan")
        employee = f.make_employee(unit, "Admin Dinkes")
        f.make_user("admin.dinkes", ["UnitAdmin", "Employee"], employee)
        unit_id = unit.id
        _db.session.remove()
    app.config["TEST_UNIT_ID"] = unit_id
    return app


def _csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, "no CSRF token in the form"
    return match.group(1)


# --- CSRF ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def csrf_app(tmp_path_factory):
    return _fresh_app(tmp_path_factory.mktemp("csrf") / "csrf.db", WTF_CSRF_ENABLED=True)


@pytest.fixture
def csrf_client(csrf_app):
    client = csrf_app.test_client()
    token = _csrf_token(client.get("/login/").text)
    response = client.post(
        "/login/",
        data={"username": "admin.dinkes", "password": f.PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    return client


def _employees(app) -> set[str]:
    with app.app_context():
        return set(_db.session.scalars(select(Employee.nip)))


def test_login_without_csrf_token_is_rejected(csrf_app):
    client = csrf_app.test_client()
    response = client.post("/login/", data={"username": "admin.dinkes", "password": f.PASSWORD})
    assert response.status_code == 400
    assert BAD_REQUEST in response.text
    assert client.get("/employeeview/list/").status_code == 302  # still anonymous


def test_form_post_without_csrf_token_is_rejected(csrf_app, csrf_client):
    unit_id = csrf_app.config["TEST_UNIT_ID"]
    data = f.employee_form(unit=unit_id)
    response = csrf_client.post("/employeeview/add", data=data)
    assert response.status_code == 400
    assert BAD_REQUEST in response.text
    assert "Traceback" not in response.text
    assert data["nip"] not in _employees(csrf_app)
    # The same form with the page's token is accepted: the 400 was the missing token.
    token = _csrf_token(csrf_client.get("/employeeview/add").text)
    response = csrf_client.post("/employeeview/add", data={**data, "csrf_token": token})
    assert response.status_code == 302
    assert data["nip"] in _employees(csrf_app)


def test_delete_by_get_is_refused_when_csrf_is_on(csrf_app, csrf_client):
    with csrf_app.app_context():
        victim = _db.session.scalar(select(Employee.id))
    csrf_client.get(f"/employeeview/delete/{victim}")
    response = csrf_client.post(f"/employeeview/delete/{victim}")
    assert response.status_code == 400
    with csrf_app.app_context():
        assert _db.session.get(Employee, victim) is not None


def test_api_with_jwt_needs_no_csrf_token(csrf_app):
    client = csrf_app.test_client()
    response = client.post(
        "/api/v1/security/login",
        json={"username": "admin.dinkes", "password": f.PASSWORD, "provider": "db"},
    )
    assert response.status_code == 200
    headers = {"Authorization": f"Bearer {response.json['access_token']}"}
    payload = {
        "nip": f.nip(),
        "name": "Lewat API",
        "status": "PNS",
        "golongan": "III/a",
        "jabatan": "Analis",
        "jabatan_type": "pelaksana",
        "unit_id": csrf_app.config["TEST_UNIT_ID"],
    }
    response = client.post("/api/v1/employee/", json=payload, headers=headers)
    assert response.status_code == 201, response.json
    assert payload["nip"] in _employees(csrf_app)


def test_api_ignores_the_session_cookie(csrf_app, csrf_client):
    """A logged-in browser session must not authorise API writes (that would bypass CSRF)."""
    payload = {
        "nip": f.nip(),
        "name": "Lewat cookie",
        "status": "PNS",
        "golongan": "III/a",
        "jabatan": "Analis",
        "jabatan_type": "pelaksana",
        "unit_id": csrf_app.config["TEST_UNIT_ID"],
    }
    response = csrf_client.post("/api/v1/employee/", json=payload)
    assert response.status_code == 401
    assert payload["nip"] not in _employees(csrf_app)


# --- login throttling ---------------------------------------------------------------


@pytest.fixture(scope="module")
def limited_app(tmp_path_factory):
    return _fresh_app(
        tmp_path_factory.mktemp("limits") / "limits.db",
        RATELIMIT_ENABLED=True,
        AUTH_RATE_LIMIT="3 per minute",
    )


def _client_from(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address  # each test has its own limit bucket
    return client


def test_web_login_is_throttled(limited_app):
    client = _client_from(limited_app, "10.0.0.1")
    statuses = [
        client.post("/login/", data={"username": "admin.dinkes", "password": "salah"}).status_code
        for _ in range(3)
    ]
    assert 429 not in statuses
    response = client.post("/login/", data={"username": "admin.dinkes", "password": f.PASSWORD})
    assert response.status_code == 429
    assert TOO_MANY in response.text
    assert client.get("/employeeview/list/").status_code == 302  # the 4th did not log in


def test_api_login_is_throttled(limited_app):
    client = _client_from(limited_app, "10.0.0.2")
    body = {"username": "admin.dinkes", "password": "salah", "provider": "db"}
    statuses = [client.post("/api/v1/security/login", json=body).status_code for _ in range(3)]
    assert statuses == [401, 401, 401]
    body["password"] = f.PASSWORD
    response = client.post("/api/v1/security/login", json=body)
    assert response.status_code == 429
    assert response.json == {"message": TOO_MANY, "errors": {}}
    assert "access_token" not in response.json


def test_other_addresses_are_not_throttled(limited_app):
    client = _client_from(limited_app, "10.0.0.3")
    response = client.post("/login/", data={"username": "admin.dinkes", "password": f.PASSWORD})
    assert response.status_code == 302


# --- cookies ------------------------------------------------------------------------


def test_session_cookie_is_httponly_and_samesite(client, world):
    response = client.post("/login/", data={"username": "admin", "password": f.PASSWORD})
    assert response.status_code == 302
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies, "no session cookie set at login"
    for cookie in cookies:
        assert "HttpOnly" in cookie
        assert "SameSite=Lax" in cookie


# --- no external resources ----------------------------------------------------------

_EXTERNAL = [
    re.compile(r"""\b(?:src|href|action|srcset|poster|data)\s*=\s*["']?\s*(?:https?:)?//""", re.I),
    re.compile(r"""url\(\s*["']?\s*(?:https?:)?//""", re.I),
    re.compile(r"""@import\s+(?:url\()?\s*["']?\s*(?:https?:)?//""", re.I),
]


def _external_refs(text: str) -> list[str]:
    found = []
    for pattern in _EXTERNAL:
        for match in pattern.finditer(text):
            found.append(text[max(0, match.start() - 40) : match.end() + 60])
    return found


def _stylesheets(html: str) -> set[str]:
    return {
        href.split("?")[0]
        for href in re.findall(r'<link[^>]+href="([^"]+\.css[^"]*)"', html)
        if href.startswith("/")
    }


def _pages(world, account: str) -> list[str]:
    own = world.people["pegawai.dinkes"].id
    pages = ["/", "/employeeview/list/", f"/employeeview/show/{own}", "/periodview/list/",
             "/swagger/v1", "/userinfoeditview/form", "/does-not-exist"]  # fmt: skip
    if account == "admin":
        pages += ["/employeeview/add", f"/employeeview/edit/{own}", "/unitview/list/",
                  f"/unitview/show/{world.dinkes.id}", "/units/tree/", "/employees/import/",
                  "/periodview/add", "/users/list/"]  # fmt: skip
    return pages


@pytest.mark.parametrize("account", ["admin", "pegawai.dinkes", None])
def test_pages_load_nothing_from_the_internet(client, world, login_as, account):
    if account:
        login_as(account)
        pages = _pages(world, account)
    else:
        pages = ["/login/", "/", "/does-not-exist"]
    stylesheets: set[str] = set()
    for url in pages:
        response = client.get(url)
        assert response.status_code in (200, 404), (url, response.status_code)
        assert _external_refs(response.text) == [], url
        stylesheets |= _stylesheets(response.text)
    assert any(s.endswith("bootstrap.min.css") for s in stylesheets)
    assert any(s.endswith("ab.css") for s in stylesheets)
    for sheet in sorted(stylesheets):
        response = client.get(sheet)
        assert response.status_code == 200, sheet
        assert _external_refs(response.get_data(as_text=True)) == [], sheet


def test_swagger_ui_does_not_call_the_online_validator(login_as, world):
    client = login_as("admin")
    response = client.get("/swagger/v1")
    assert response.status_code == 200
    assert "SwaggerUIBundle(" in response.text
    assert re.search(r"validatorUrl:\s*null", response.text)
    assert "/static/appbuilder/js/swagger-ui-bundle.js" in response.text


# --- no stack traces ----------------------------------------------------------------


def test_unexpected_error_shows_the_friendly_page(login_as, world, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("rahasia: koneksi basis data putus")

    monkeypatch.setattr("app.views.imports.read_rows", explode)
    client = login_as("admin.dinkes")
    response = client.post(
        "/employees/import/",
        data={"file": (io.BytesIO(b"nip\n1\n"), "a.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 500
    assert SERVER_ERROR in response.text
    assert "Traceback" not in response.text
    assert "RuntimeError" not in response.text
    assert "rahasia" not in response.text


def test_unexpected_api_error_is_plain_json(client, world, api_token, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("rahasia")

    monkeypatch.setattr("app.api.org.employee_errors", explode)
    before = _db.session.scalar(select(func.count(Employee.id)))
    payload = {
        "nip": f.nip(),
        "name": "X",
        "status": "PNS",
        "golongan": "III/a",
        "jabatan": "Analis",
        "jabatan_type": "pelaksana",
        "unit_id": world.dinkes.id,
    }
    response = client.post("/api/v1/employee/", json=payload, headers=api_token("admin.dinkes"))
    assert response.status_code == 500
    assert set(response.json) == {"message", "errors"}
    assert "rahasia" not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)
    _db.session.expire_all()
    assert _db.session.scalar(select(func.count(Employee.id))) == before


def test_not_found_page_is_translated(login_as, world):
    client = login_as("pegawai.dinkes")
    response = client.get(f"/employeeview/show/{world.people['head.dinkes'].id}")
    assert response.status_code == 404
    assert "Halaman atau data tidak ditemukan, atau berada di luar lingkup Anda." in response.text
    assert world.people["head.dinkes"].nip not in response.text


def test_row_actions_cannot_be_triggered_by_a_link(login_as, world):
    """A GET (a link or an image on another site) must not change a period's state."""
    period = f.make_period(state=PeriodState.DRAFT)
    client = login_as("hr")
    response = client.get(f"/periodview/action/open_period/{period.id}")
    assert response.status_code == 405
    _db.session.expire_all()
    assert _db.session.get(EvaluationPeriod, period.id).state == PeriodState.DRAFT.value
    client.post(f"/periodview/action/open_period/{period.id}")
    _db.session.expire_all()
    assert _db.session.get(EvaluationPeriod, period.id).state == PeriodState.OPEN.value


def test_api_login_without_provider_means_the_database(client, world):
    from tests import factories as f

    ok = client.post("/api/v1/security/login", json={"username": "hr", "password": f.PASSWORD})
    assert ok.status_code == 200 and "access_token" in ok.json
    wrong = client.post("/api/v1/security/login", json={"username": "x", "password": "y"})
    assert wrong.status_code == 401
    bad = client.post(
        "/api/v1/security/login", json={"username": "hr", "password": "y", "provider": "oauth"}
    )
    assert bad.status_code == 400
