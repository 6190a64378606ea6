"""Extension objects shared by the app factory, models and CLI."""

import sqlite3

from flask_appbuilder import Model
from flask_appbuilder.utils.legacy import get_sqla_class
from flask_migrate import Migrate
from flask_sqlalchemy.session import Session
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import event
from sqlalchemy.engine import Engine

from app import practice


class RoutingSession(Session):
    """Flask-SQLAlchemy's session; in practice mode every statement goes to the user's
    practice database (app.practice), whatever the model or query."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        if bind is None:
            practising = practice.engine()
            if practising is not None:
                return practising
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


# FAB's metadata, so Alembic sees FAB's tables and ours in one place.
db = get_sqla_class()(
    metadata=Model.metadata,
    session_options={"class_": RoutingSession, "scopefunc": practice.session_scope},
)
csrf = CSRFProtect()
migrate = Migrate()


@event.listens_for(Engine, "connect")
def _sqlite_foreign_keys(dbapi_connection, connection_record) -> None:
    """SQLite ignores foreign keys unless every connection turns them on; and a writer
    waits up to 30 s for another's transaction (several workers, a background job)
    instead of failing after the driver's default 5 s."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()
