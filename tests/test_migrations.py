"""Models and Alembic migrations agree, and the migrations run down and up again."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from app import create_app
from app.extensions import db as _db
from config import TestConfig

# Compare column types and server defaults too; nothing is ignored (no false positive seen).
_OPTIONS = {"compare_type": True, "compare_server_default": True}


def _diff(engine) -> list:
    with engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn, opts=_OPTIONS), _db.metadata)


@pytest.fixture(scope="module")
def fresh_app(tmp_path_factory):
    path = tmp_path_factory.mktemp("migrations") / "schema.db"
    return create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}")


def test_models_match_the_migrations_on_a_fresh_database(fresh_app):
    with fresh_app.app_context():
        upgrade()
        assert _diff(_db.engine) == []


def test_downgrade_to_base_and_upgrade_again(fresh_app):
    with fresh_app.app_context():
        upgrade()
        tables = set(inspect(_db.engine).get_table_names())
        assert {"units", "employees", "evaluation_periods", "ab_user"} <= tables
        downgrade(revision="base")
        assert set(inspect(_db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert set(inspect(_db.engine).get_table_names()) == tables
        assert _diff(_db.engine) == []


def test_models_match_the_test_database(app):
    """The suite's own database (PostgreSQL when TEST_DATABASE_URL is set) has no drift."""
    with app.app_context():
        assert _diff(_db.engine) == []
