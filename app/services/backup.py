"""Backup and restore (cadangan): the database, the storage folder and a manifest, in one archive.

The archive is a ``.tar.gz`` holding ``manifest.json``, the database (``database.sqlite3``
made with SQLite's online-backup API, or ``database.dump`` in ``pg_dump``'s custom format)
and ``storage/`` (evidence, issued documents: every object of `app.storage`, a folder or
S3). The manifest records the format, the
migration revision, the row count of every table and the SHA-256 of every other member.
A restore goes into an empty database and an empty storage only, and checks the
archive against the manifest before and the restored data after.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from flask import current_app
from sqlalchemy import create_engine, func, inspect, select, table, text
from sqlalchemy.engine import URL, Connection, Engine

from app import practice, storage
from app.extensions import db

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
STORAGE = "storage"
_DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.dump"}
_CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    manifest: dict


# --- create --------------------------------------------------------------------------------


def create_backup(path: Path | None = None) -> BackupResult:
    """Write the archive to `path` (default: ``instance/backups/kinerja-<time>.tar.gz``)."""
    engine = db.engine
    dialect = _dialect(engine)
    created = dt.datetime.now(dt.UTC)
    path = Path(path or _default_path(created))
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kinerja-backup-") as work:
        database = Path(work) / _DATABASE_FILES[dialect]
        if dialect == "sqlite":
            counts, revision = _dump_sqlite(engine, database)
        else:
            counts, revision = _dump_postgresql(engine, database)
        files = {database.name: _sha256(database)}
        files.update(_stage_storage(storage.current(), Path(work)))
        manifest = {
            "format_version": FORMAT_VERSION,
            "created_at": created.isoformat(timespec="seconds"),
            "dialect": dialect,
            "revision": revision,
            "tables": counts,
            "files": files,
        }
        partial = path.with_name(path.name + ".part")
        with tarfile.open(partial, "w:gz") as archive:
            _add_bytes(archive, MANIFEST, json.dumps(manifest, indent=2, sort_keys=True).encode())
            archive.add(database, arcname=database.name)
            for name in files:
                if name.startswith(f"{STORAGE}/"):
                    archive.add(Path(work) / name, arcname=name)
        partial.replace(path)  # never leave a half-written archive under the final name
    return BackupResult(path, manifest)


def _default_path(created: dt.datetime) -> Path:
    folder = Path(current_app.instance_path) / "backups"
    return folder / f"kinerja-{created:%Y%m%d-%H%M%S}.tar.gz"


def _dump_sqlite(engine: Engine, target: Path) -> tuple[dict[str, int], str | None]:
    """Copy the live database with the online-backup API; count rows in the copy."""
    raw = engine.raw_connection()
    try:
        with sqlite3.connect(target) as copy:
            raw.driver_connection.backup(copy)
    finally:
        raw.close()
    copy_engine = _sqlite_engine(target)
    try:
        with copy_engine.connect() as conn:
            return _counts(conn), _revision(conn)
    finally:
        copy_engine.dispose()


def _dump_postgresql(engine: Engine, target: Path) -> tuple[dict[str, int], str | None]:
    """Count rows and run ``pg_dump -Fc`` on one snapshot, so both describe the same data."""
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
        snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
        counts, revision = _counts(conn), _revision(conn)
        _run_pg("pg_dump", engine.url, "--format=custom", f"--snapshot={snapshot}",
                f"--file={target}")  # fmt: skip
        conn.rollback()
    return counts, revision


# --- restore -------------------------------------------------------------------------------


def restore_backup(path: Path) -> dict:
    """Restore the archive at `path` into the empty database and storage; the manifest."""
    engine = db.engine
    dialect = _dialect(engine)
    store = storage.current()
    _require_empty(engine, store)
    with tempfile.TemporaryDirectory(prefix="kinerja-restore-") as work:
        manifest = _unpack(Path(path), Path(work))
        if manifest["dialect"] != dialect:
            raise BackupError(
                f"The backup is of a {manifest['dialect']} database; this one is {dialect}."
            )
        database = Path(work) / _DATABASE_FILES[dialect]
        if dialect == "sqlite":
            _load_sqlite(engine, database)
        else:
            _run_pg("pg_restore", engine.url, "--no-owner", "--no-privileges", "--exit-on-error",
                    "--single-transaction", str(database))  # fmt: skip
        engine.dispose()  # pooled connections may predate the restored schema
        _copy_storage(Path(work) / STORAGE, store)
    _verify(engine, store, manifest)
    return manifest


def _require_empty(engine: Engine, store: storage.Storage) -> None:
    tables = inspect(engine).get_table_names()
    if tables:
        raise BackupError(
            f"The target database is not empty ({len(tables)} tables): restore only into a "
            "new, empty database."
        )
    if not store.is_empty():
        raise BackupError(f"The storage {store.describe()} is not empty: restore only into an "
                          "empty storage.")  # fmt: skip


def _unpack(path: Path, work: Path) -> dict:
    """Extract the archive into `work` after checking every member against the manifest."""
    if not path.is_file():
        raise BackupError(f"No backup file at {path}.")
    try:
        with tarfile.open(path, "r:gz") as archive:
            manifest = _read_manifest(archive)
            members = {m.name: m for m in archive.getmembers() if m.name != MANIFEST}
            if set(members) != set(manifest["files"]):
                raise BackupError("The archive's files differ from its manifest.")
            for name, member in members.items():
                if not member.isfile() or not _safe_name(name):
                    raise BackupError(f"Refusing the archive member {name!r}.")
                target = work / name
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.extractfile(member) as source, target.open("wb") as out:
                    shutil.copyfileobj(source, out, _CHUNK)
                if _sha256(target) != manifest["files"][name]:
                    raise BackupError(f"Checksum mismatch for {name}: the archive is damaged.")
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BackupError(f"Cannot read the backup {path}: {exc}") from exc
    return manifest


def _read_manifest(archive: tarfile.TarFile) -> dict:
    try:
        manifest = json.load(archive.extractfile(MANIFEST))
    except (KeyError, ValueError, AttributeError) as exc:
        raise BackupError("The archive has no readable manifest.json.") from exc
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(f"Unknown backup format {manifest.get('format_version')!r}.")
    return manifest


def _safe_name(name: str) -> bool:
    parts = PurePosixPath(name).parts
    return bool(parts) and not PurePosixPath(name).is_absolute() and ".." not in parts


def _load_sqlite(engine: Engine, database: Path) -> None:
    raw = engine.raw_connection()
    try:
        with sqlite3.connect(database) as source:
            source.backup(raw.driver_connection)
    finally:
        raw.close()


def _stage_storage(store: storage.Storage, work: Path) -> dict[str, str]:
    """Copy every stored object under ``work/storage/``; their checksums by archive name."""
    files = {}
    for item in store.list():
        if item.key.startswith(("jobs/", f"{practice.STORAGE_PREFIX}/")):
            continue  # jobs' results are made again on demand; practice files are no records
        opened = store.open(item.key)
        if opened is None:  # deleted since it was listed
            continue
        name = f"{STORAGE}/{item.key}"
        target = work / name
        target.parent.mkdir(parents=True, exist_ok=True)
        with opened.file as source, target.open("wb") as out:
            shutil.copyfileobj(source, out, _CHUNK)
        files[name] = _sha256(target)
    return files


def _copy_storage(source: Path, store: storage.Storage) -> None:
    for path in sorted(source.rglob("*")) if source.is_dir() else ():
        if path.is_file():
            with path.open("rb") as handle:
                store.put(path.relative_to(source).as_posix(), handle)


def _verify(engine: Engine, store: storage.Storage, manifest: dict) -> None:
    """The restored rows and files are those the manifest lists."""
    with engine.connect() as conn:
        counts = _counts(conn)
    if counts != manifest["tables"]:
        wrong = sorted(k for k in counts.keys() | manifest["tables"].keys()
                       if counts.get(k) != manifest["tables"].get(k))  # fmt: skip
        raise BackupError(f"Row counts differ after the restore: {', '.join(wrong)}.")
    for name, digest in manifest["files"].items():
        if name.startswith(f"{STORAGE}/"):
            opened = store.open(name[len(STORAGE) + 1 :])
            if opened is None or _digest(opened.file) != digest:
                raise BackupError(f"The restored file {name} differs from the backup.")


# --- shared --------------------------------------------------------------------------------


def _dialect(engine: Engine) -> str:
    if engine.dialect.name not in _DATABASE_FILES:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {engine.dialect.name}.")
    return engine.dialect.name


def _counts(conn: Connection) -> dict[str, int]:
    """Rows per table, every table of the database (the migration table included)."""
    names = sorted(inspect(conn).get_table_names())
    return {name: conn.execute(select(func.count()).select_from(table(name))).scalar_one()
            for name in names}  # fmt: skip


def _revision(conn: Connection) -> str | None:
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _sqlite_engine(path: Path) -> Engine:
    return create_engine(f"sqlite:///{path}")


def _sha256(path: Path) -> str:
    return _digest(path.open("rb"))


def _digest(handle) -> str:
    """SHA-256 of a binary file object, read in chunks; closes it."""
    digest = hashlib.sha256()
    with handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(dt.datetime.now(dt.UTC).timestamp())
    archive.addfile(info, io.BytesIO(data))


def pg_tool(name: str) -> str:
    """The path of a PostgreSQL client tool (``PG_BIN_DIR``, the PATH, then Debian's folders)."""
    folder = current_app.config.get("PG_BIN_DIR")
    candidates = [str(Path(folder) / name)] if folder else []
    candidates += [shutil.which(name) or ""]
    candidates += sorted(map(str, Path("/usr/lib/postgresql").glob(f"*/bin/{name}")), reverse=True)
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise BackupError(f"{name} was not found: install the PostgreSQL client or set PG_BIN_DIR.")


def _libpq_args(url: URL) -> tuple[list[str], dict[str, str]]:
    """Connection arguments for libpq tools; the password goes in the environment, not argv."""
    args = [f"--dbname={url.database}"]
    if url.host:
        args.append(f"--host={url.host}")
    if url.port:
        args.append(f"--port={url.port}")
    if url.username:
        args.append(f"--username={url.username}")
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return args, env


def _run_pg(tool: str, url: URL, *args: str) -> None:
    connection, env = _libpq_args(url)
    result = subprocess.run(  # noqa: S603 - a fixed tool; arguments are not shell-parsed
        [pg_tool(tool), *connection, *args], env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{tool} failed: {result.stderr.strip()[-2000:]}")
