"""Rate-limit counters in the portal's database, shared by every worker and server.

Flask-Limiter keeps its counters in a `limits` storage chosen by
``RATELIMIT_STORAGE_URI``. In memory, each gunicorn worker counts on its own (``WORKERS=2``
doubles every limit) and a restart forgets them; ``database://`` (the default) keeps them
in the ``rate_limit_counters`` table of the app's own database, so no extra service is
needed. ``redis://…`` still selects Redis. Only the fixed-window strategy (Flask-Limiter's
default) is supported.
"""

from __future__ import annotations

import hashlib
import time

from flask_appbuilder import Model
from limits.storage import Storage
from sqlalchemy import Float, Integer, String, delete, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

_MAX_KEY = 255


class RateLimitCounter(Model):
    """One fixed window of one limit and client: attempts counted until ``expires_at``."""

    __tablename__ = "rate_limit_counters"

    key: Mapped[str] = mapped_column(String(_MAX_KEY), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, nullable=False)
    expires_at: Mapped[float] = mapped_column(Float, nullable=False, index=True)


_TABLE = RateLimitCounter.__table__
_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def _key(key: str) -> str:
    if len(key) <= _MAX_KEY:
        return key
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def _engine():
    from app.extensions import db

    return db.engine  # the current app's; limits are only checked inside requests


class DatabaseStorage(Storage):
    """A `limits` storage on the app's database (SQLite or PostgreSQL), one row per window."""

    STORAGE_SCHEME = ["database"]

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        key, now = _key(key), time.time()
        with _engine().begin() as connection:
            connection.execute(delete(_TABLE).where(_TABLE.c.expires_at <= now))
            insert = _INSERTS[connection.dialect.name](_TABLE)
            connection.execute(
                insert.values(key=key, count=amount, expires_at=now + expiry).on_conflict_do_update(
                    index_elements=[_TABLE.c.key], set_={"count": _TABLE.c.count + amount}
                )
            )
            return connection.scalar(select(_TABLE.c.count).where(_TABLE.c.key == key))

    def get(self, key: str) -> int:
        return self._column(key, _TABLE.c.count) or 0

    def get_expiry(self, key: str) -> float:
        return self._column(key, _TABLE.c.expires_at) or time.time()

    def _column(self, key: str, column):
        with _engine().connect() as connection:
            return connection.scalar(
                select(column).where(_TABLE.c.key == _key(key), _TABLE.c.expires_at > time.time())
            )

    def check(self) -> bool:
        try:
            with _engine().connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with _engine().begin() as connection:
            return connection.execute(delete(_TABLE)).rowcount

    def clear(self, key: str) -> None:
        with _engine().begin() as connection:
            connection.execute(delete(_TABLE).where(_TABLE.c.key == _key(key)))
