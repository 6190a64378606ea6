"""Fixtures: `app`, `db`, `client`, `world` (two agencies with staff) and `login_as(role)`."""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
from sqlalchemy import text

from app import create_app
from app.extensions import db as _db
from app.security import sync_roles
from config import TestConfig
from tests import factories as f

# One list for every fixture module (a second assignment would replace the first).
pytest_plugins = [
    "tests.conftest_admin",  # before conftest_cycle, which builds on it
    "tests.conftest_cycle",
    "tests.conftest_dashboard",
    "tests.conftest_servers",
    "tests.conftest_skp",
]


def _reset_schema(app) -> None:
    """Drop everything (PostgreSQL keeps tables between runs), then migrate."""
    from flask_migrate import upgrade

    with app.app_context():
        if _db.engine.dialect.name == "postgresql":
            with _db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
        sync_roles(_db.session)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    application = create_app(
        TestConfig,
        STORAGE_DIR=str(tmp_path_factory.mktemp("storage")),
        PRACTICE_DIR=str(tmp_path_factory.mktemp("practice")),
    )
    _reset_schema(application)
    return application


_KEEP = {"ab_role", "ab_permission", "ab_view_menu", "ab_permission_view", "alembic_version"}


@pytest.fixture
def db(app):
    """The database, emptied (but for roles) after each test."""
    with app.app_context():
        yield _db
        _db.session.rollback()
        _db.session.remove()
        with _db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                tables = [t.name for t in _db.metadata.sorted_tables if t.name not in _KEEP]
                conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            else:
                _empty_sqlite(conn)


def _empty_sqlite(conn) -> None:
    """Delete every row (foreign keys are enforced): first break the cycles, then children first."""
    tables = [t for t in reversed(_db.metadata.sorted_tables) if t.name not in _KEEP]
    for table in tables:  # self-references (units.parent_id) and cycles (units.head_id)
        nullable = {c.name: None for c in table.columns if c.foreign_keys and c.nullable}
        if nullable:
            conn.execute(table.update().values(nullable))
    for table in tables:
        conn.execute(table.delete())


@pytest.fixture
def client(app, db):
    return app.test_client()


@dataclass
class World:
    """Two agencies: Dinkes (with a puskesmas) and Disdikpora, with staff per role."""

    dinkes: object
    puskesmas: object
    disdik: object
    people: dict
    users: dict


@pytest.fixture
def world(db):
    dinkes = f.make_unit("DINKES", "Dinas Kesehatan")
    puskesmas = f.make_unit("PKM-TP", "Puskesmas Tampa Padang", parent=dinkes, kind="puskesmas")
    disdik = f.make_unit("DISDIKPORA", "Dinas Pendidikan, Pemuda, dan Olahraga")
    people, users = {}, {}
    for key, unit in (("dinkes", dinkes), ("disdik", disdik)):
        head = f.make_employee(unit, f"Kepala {key}", jabatan_type="jpt_pratama", golongan="IV/b")
        admin = f.make_employee(unit, f"Admin {key}", supervisor=head)
        penilai = f.make_employee(unit, f"Penilai {key}", supervisor=head, golongan="III/d")
        pegawai = f.make_employee(unit, f"Pegawai {key}", supervisor=penilai)
        people.update(
            {f"head.{key}": head, f"admin.{key}": admin, f"penilai.{key}": penilai,
             f"pegawai.{key}": pegawai}
        )  # fmt: skip
        users[f"admin.{key}"] = f.make_user(f"admin.{key}", ["UnitAdmin", "Employee"], admin)
        users[f"penilai.{key}"] = f.make_user(f"penilai.{key}", ["Supervisor", "Employee"], penilai)
        users[f"pegawai.{key}"] = f.make_user(f"pegawai.{key}", ["Employee"], pegawai)
    people["perawat.pkm"] = f.make_employee(
        puskesmas, "Perawat Puskesmas", supervisor=people["penilai.dinkes"]
    )
    users["hr"] = f.make_user("hr", ["HR"])
    users["admin"] = f.make_user("admin", ["Admin"])
    users["nolink"] = f.make_user("nolink", ["UnitAdmin", "Supervisor", "Employee"])
    return World(dinkes, puskesmas, disdik, people, users)


@pytest.fixture
def login_as(client, world):
    """Log the test client in as one of the world's accounts; returns the client."""

    def _login(username: str):
        client.get("/logout/")
        response = client.post(
            "/login/", data={"username": username, "password": f.PASSWORD}, follow_redirects=False
        )
        assert response.status_code == 302, f"login failed for {username}"
        return client

    return _login


@pytest.fixture
def api_token(client, world):
    """A JWT for one of the world's accounts, obtained by the real API login."""

    def _token(username: str) -> dict:
        response = client.post(
            "/api/v1/security/login",
            json={"username": username, "password": f.PASSWORD, "provider": "db"},
        )
        assert response.status_code == 200, response.json
        return {"Authorization": f"Bearer {response.json['access_token']}"}

    return _token


@pytest.fixture
def documented(app, api_token):
    """`documented(response, path, method)`: the answer is the one the served spec describes
    (status, content type, body schema); raises schemathesis' failure otherwise."""
    import schemathesis

    spec = schemathesis.openapi.from_wsgi("/api/v1/_openapi", app, headers=api_token("admin"))

    def _check(response, path: str, method: str) -> None:
        spec[path][method].validate_response(response)

    return _check


def pytest_report_header(config):
    return f"database: {os.environ.get('TEST_DATABASE_URL', 'sqlite (in memory)')}"
