"""Mode Latihan (practice mode): a sandbox of demo data per user, isolated from the real data.

A user who enters practice gets a SQLite database of their own
(``PRACTICE_DIR/users/<user id>-<version>.sqlite``), copied from a template built once
per migration head and seed (the migrations, then the demo seed). While the signed session
says practice is on, every ORM statement of a web request goes to that database
(`engine`, read by `app.extensions.RoutingSession`) and `current_user` is the demo persona
of the chosen role in it. The real account stays logged in: its security stamp is checked
against the real database on every practice request, so a logout elsewhere, a password
change or a deactivation ends practice too.

What could otherwise reach the real world is closed where it happens: stored files get the
prefix ``practice/<user id>/`` (`app.storage.current`), e-mail is off
(`notifications.mail_enabled`), jobs run inside the request or stay in the practice
database (`jobs.queue`), every PDF page says LATIHAN (`app.printing`), and `/verify`
never confirms a practice document. API tokens (JWT) always use the real database:
practice belongs to the web session.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import threading
import time
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, current_app, g, has_app_context, request, session
from sqlalchemy import create_engine, event, select
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from app.i18n import lazy_gettext as _l

SESSION_KEY = "practice"
STORAGE_PREFIX = "practice"
WATERMARK = "LATIHAN"
_ENGINES_KEPT = 32
# Requests that are about the real account itself end practice and use the real database.
_ENDING = {"AuthDBView.login", "AuthDBView.logout"}


@dataclass(frozen=True)
class Persona:
    """A role to practise: the demo account used for it and what to try."""

    username: str
    label: object  # lazy translated text
    tasks: object


PERSONAS = {
    "employee": Persona(
        "pegawai.dinkes", _l("Employee"), _l("Fill in your evaluation and submit it.")
    ),
    "supervisor": Persona(
        "penilai.dinkes",
        _l("Evaluator (pejabat penilai)"),
        _l("Return an evaluation of your team with a note, or approve it."),
    ),
    "unit_admin": Persona(
        "admin.dinkes", _l("Unit admin"), _l("Build an indicator form and publish it.")
    ),
    "hr": Persona("hr", _l("HR (BKPSDM)"), _l("Open an evaluation period or print a recap.")),
}


def enabled() -> bool:
    return bool(current_app.config.get("PRACTICE_ENABLED", True))


def engine() -> Engine | None:
    """The practice database of this request (or of the template being built), else None."""
    return g.get("practice_engine") if has_app_context() else None


def active() -> bool:
    return engine() is not None


def role() -> str | None:
    return g.get("practice_role") if active() else None


def persona() -> Persona | None:
    return PERSONAS.get(role() or "")


def watermark() -> str:
    """What every page of a PDF made now says across it: LATIHAN in practice, else nothing."""
    return WATERMARK if active() else ""


def storage_prefix() -> str:
    """Where this practice session's stored files go: ``practice/<user id>/``."""
    return f"{STORAGE_PREFIX}/{g.get('practice_owner', 'template')}/"


# --- databases ------------------------------------------------------------------------------


def _directory() -> Path:
    return Path(current_app.config["PRACTICE_DIR"])


def _version() -> str:
    """The migration head and a digest of the seed files: either changing (a deployment)
    means a new template and new practice databases."""
    cache = current_app.extensions.setdefault("kinerja.practice", {})
    if "version" not in cache:
        from alembic.script import ScriptDirectory

        from config import BASE_DIR

        head = ScriptDirectory(current_app.extensions["migrate"].directory).get_current_head()
        digest = hashlib.sha256()
        for path in sorted((BASE_DIR / "seeds").rglob("*")):
            if path.is_file() and path.suffix in {".py", ".yaml", ".json", ".xlsx"}:
                digest.update(path.read_bytes())
        cache["version"] = f"{head}-{digest.hexdigest()[:12]}"
    return cache["version"]


def template_path() -> Path:
    return _directory() / f"template-{_version()}.sqlite"


def database_path(user_id: int) -> Path:
    return _directory() / "users" / f"{int(user_id)}-{_version()}.sqlite"


@contextmanager
def _locked(path: Path):
    """An exclusive lock shared by every process on this machine (and the shared volume)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_template() -> Path:
    """The template database, built once per migration head under a lock."""
    target = template_path()
    if target.exists():
        return target
    with _locked(target):
        if not target.exists():
            _build_template(target)
    return target


def _build_template(target: Path) -> None:
    """Migrate a new file, load the demo seed into it, and rename it into place."""
    from alembic import command

    from app.cli import seed_data
    from app.extensions import db

    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    built = create_engine(f"sqlite:///{temporary}", poolclass=NullPool)
    event.listen(built, "connect", _fast_writes)
    try:
        with current_app.app_context():  # its own `g` and session, whatever the caller has
            g.practice_engine = built
            migrate = current_app.extensions["migrate"]
            config = migrate.migrate.get_config(migrate.directory)
            config.attributes["engine"] = built  # read by migrations/env.py
            command.upgrade(config, "head")
            seed_data(demo=True, echo=lambda *_args, **_kw: None)
            db.session.remove()
        os.replace(temporary, target)
        for old in target.parent.glob("template-*.sqlite"):
            if old != target:  # of an older migration head or seed
                old.unlink(missing_ok=True)
    finally:
        built.dispose()
        temporary.unlink(missing_ok=True)


def _fast_writes(dbapi_connection, _record) -> None:
    """No waiting for the disk on each of the seed's commits (a half-built file is thrown
    away anyway): several times faster."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=OFF")
    cursor.execute("PRAGMA journal_mode=MEMORY")
    cursor.close()


def _copy_template(target: Path) -> None:
    source = ensure_template()
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    shutil.copyfile(source, temporary)
    os.replace(temporary, target)
    for old in target.parent.glob(f"{target.name.split('-')[0]}-*.sqlite"):
        if old != target:  # a database of an older migration head
            old.unlink(missing_ok=True)


def ensure_database(user_id: int) -> Path:
    """The user's practice database, copied from the template the first time."""
    target = database_path(user_id)
    if not target.exists():
        with _locked(target):
            if not target.exists():
                _copy_template(target)
    return target


def reset() -> None:
    """Start over: a fresh copy of the demo data, and no stored practice files."""
    from app import storage
    from app.extensions import db

    user_id = g.practice_owner
    db.session.remove()  # its connection to the file being replaced ends here
    target = database_path(user_id)
    with _locked(target):
        _copy_template(target)
    real = storage.real()
    for item in list(real.list(f"{STORAGE_PREFIX}/{int(user_id)}/")):
        real.delete(item.key)


_engines_lock = threading.Lock()


def _engine_for(path: Path) -> Engine:
    """An engine per file, the last few kept. NullPool: no connection stays open between
    requests, so nothing idle needs closing and a reset may replace the file."""
    engines: OrderedDict = current_app.extensions.setdefault(
        "kinerja.practice_engines", OrderedDict()
    )
    key = str(path)
    with _engines_lock:
        found = engines.pop(key, None) or create_engine(f"sqlite:///{key}", poolclass=NullPool)
        engines[key] = found
        while len(engines) > _ENGINES_KEPT:
            engines.popitem(last=False)[1].dispose()
    return found


# --- entering, leaving, every request -------------------------------------------------------


def enter(chosen: str) -> None:
    """Practise as `chosen` (a key of PERSONAS) from the next request on."""
    if chosen not in PERSONAS:
        raise ValueError(chosen)
    os.utime(ensure_database(int(session["_user_id"])))  # last used: kept from `prune`
    session[SESSION_KEY] = {"role": chosen}


def prune(days: int, dry_run: bool = False) -> list[int]:
    """Remove the sandboxes (database and stored files) unused for `days` days; the
    users whose sandbox went, or would go. A user who comes back starts afresh."""
    from app import storage

    cutoff = time.time() - days * 86400
    stale = [
        path
        for path in sorted((_directory() / "users").glob("*.sqlite"))
        if path.stat().st_mtime < cutoff
    ]
    users = sorted({int(path.name.split("-")[0]) for path in stale})
    if dry_run:
        return users
    for path in stale:
        with _locked(path):
            if path.exists() and path.stat().st_mtime < cutoff:  # not entered meanwhile
                path.unlink()
    real = storage.real()
    for user_id in users:
        if not database_path(user_id).exists():  # not entered again meanwhile
            for item in list(real.list(f"{STORAGE_PREFIX}/{user_id}/")):
                real.delete(item.key)
    return users


def leave() -> None:
    session.pop(SESSION_KEY, None)


def return_address(asked: str | None) -> str:
    """Where to go after leaving: the same page (a local path), but home from a page about
    one practice record (its number means another record, or none, in the real data)."""
    path = urlsplit(asked or "")
    segments = path.path.split("/")
    if path.scheme or path.netloc or not path.path.startswith("/") or "\\" in path.path:
        return "/"
    if any(segment.isdigit() for segment in segments):
        return "/"
    return asked


def _real_account_valid() -> int | None:
    """The real account's id if its stamp (checked in the real database) is still current."""
    from flask_appbuilder.security.sqla.models import User

    from app.extensions import db
    from app.security import SESSION_STAMP

    user_id = session.get("_user_id")
    if not str(user_id or "").isdigit():
        return None
    query = select(User.security_stamp, User.active).where(User.id == int(user_id))
    with db.engine.connect() as connection:  # the real database, not this request's session
        row = connection.execute(query).first()
    if row is None or not row.active or row.security_stamp != session.get(SESSION_STAMP):
        return None
    return int(user_id)


def _route_request() -> None:
    """Send this request's ORM statements to the user's practice database, if practising."""
    state = session.get(SESSION_KEY)
    static = (request.endpoint or "").rpartition(".")[2] == "static"  # the app's and FAB's
    if not state or static or request.path.startswith("/api/"):
        return
    g.pop("_login_user", None)  # Flask-Login loads the user of this request's mode
    user_id = _real_account_valid() if enabled() else None
    chosen = state.get("role") if isinstance(state, dict) else None
    if user_id is None or chosen not in PERSONAS or request.endpoint in _ENDING:
        leave()
        return
    g.practice_engine = _engine_for(ensure_database(user_id))
    g.practice_owner = user_id
    g.practice_role = chosen


def _end_request(_exc) -> None:
    """Close the practice session and forget the practice state (a test client's requests
    share one application context, and so one `g`)."""
    if active():
        from app.extensions import db

        db.session.remove()
        for name in ("practice_engine", "practice_owner", "practice_role", "_login_user"):
            g.pop(name, None)


def session_scope() -> tuple[int, int | None]:
    """The key of `db.session`'s registry: the application context and the practice engine,
    so a practice request never shares a session (identity map) with real-data work."""
    from flask.globals import app_ctx

    return id(app_ctx._get_current_object()), id(engine()) if active() else None


def load_persona(security_manager):
    """The demo account practising the chosen role (from the practice database)."""
    user = security_manager.find_user(username=persona().username)
    return user if user is not None and user.is_active else None


def install(app: Flask) -> None:
    """Route practice requests first, before anything (Flask-Login, FAB) reads the user."""
    app.before_request_funcs.setdefault(None, []).insert(0, _route_request)
    app.teardown_request(_end_request)
    app.add_template_global(persona, "practice_persona")
