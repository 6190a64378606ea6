"""The database enforces foreign keys on every connection (SQLite included)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from app.extensions import db as _db
from tests import factories as f


def test_every_sqlite_connection_enforces_foreign_keys(db):
    if _db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL always enforces foreign keys")
    with _db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_a_row_pointing_at_a_missing_unit_is_refused(db):
    unit = f.make_unit("DINKES")
    employee = f.make_employee(unit)
    with pytest.raises(IntegrityError), _db.engine.begin() as conn:
        conn.execute(text("UPDATE employees SET unit_id = 999999 WHERE id = :id"),
                     {"id": employee.id})  # fmt: skip


def test_deleting_a_unit_that_employees_refer_to_is_refused_by_the_database(db):
    unit = f.make_unit("DINKES")
    f.make_employee(unit)
    with pytest.raises(IntegrityError), _db.engine.begin() as conn:
        conn.execute(text("DELETE FROM units WHERE id = :id"), {"id": unit.id})
