"""`flask backup create|restore`: the demo data survives a round trip, checked row by row."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest
from sqlalchemy import MetaData, Table, create_engine, inspect, select, text

from app import create_app
from app.extensions import db as _db
from config import TestConfig

RESTORE_DB = "test_data_restore"  # PostgreSQL scratch database, created and dropped here


def _cli(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def _rows(engine) -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order."""
    metadata, rows = MetaData(), {}
    with engine.connect() as conn:
        for name in sorted(inspect(conn).get_table_names()):
            table = Table(name, metadata, autoload_with=conn)
            order = list(table.primary_key.columns) or list(table.columns)
            rows[name] = [tuple(r) for r in conn.execute(select(table).order_by(*order))]
    return rows


def _files(folder: Path) -> dict[str, bytes]:
    """Stored files but jobs' results and practice files, which backups leave out."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in folder.rglob("*")
        if p.is_file() and not p.relative_to(folder).as_posix().startswith(("jobs/", "practice/"))
    }


@pytest.fixture
def target_url(db, tmp_path):
    """An empty database of the same kind as the suite's: a SQLite file or a scratch database."""
    url = _db.engine.url
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {RESTORE_DB}"))
        conn.execute(text(f"CREATE DATABASE {RESTORE_DB}"))
    yield url.set(database=RESTORE_DB).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {RESTORE_DB} WITH (FORCE)"))
    admin.dispose()


@pytest.fixture
def backed_up(app, db, tmp_path):
    """`backed_up(*seed_args)`: seed, store an evidence file, back up; the archive's path."""
    evidence = Path(app.config["STORAGE_DIR"]) / "evidence" / "bukti-uji.pdf"

    def _backup(*seed_args):
        assert _cli(app, "seed", *seed_args).exit_code == 0
        evidence.parent.mkdir(parents=True, exist_ok=True)
        evidence.write_bytes(b"%PDF-1.4 bukti dukung uji")
        archive = tmp_path / "cadangan.tar.gz"
        result = _cli(app, "backup", "create", str(archive))
        assert result.exit_code == 0, result.output
        return archive

    yield _backup
    evidence.unlink(missing_ok=True)


def _restore(url, storage, archive):
    """Run `flask backup restore` in an app on `url`; its engine and the CLI result."""
    target = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, STORAGE_DIR=str(storage))
    with target.app_context():
        result = _cli(target, "backup", "restore", str(archive))
        engine = _db.engine
    return engine, result


def test_demo_data_round_trip(app, backed_up, target_url, tmp_path):
    demo_backup = backed_up("--demo")
    with tarfile.open(demo_backup) as archive:
        manifest = json.load(archive.extractfile("manifest.json"))
    assert manifest["tables"]["submissions"] > 100 and manifest["revision"]
    assert "storage/evidence/bukti-uji.pdf" in manifest["files"]

    storage = tmp_path / "restored-storage"
    engine, result = _restore(target_url, storage, demo_backup)
    assert result.exit_code == 0, result.output
    assert "match the manifest" in result.output
    assert _rows(engine) == _rows(_db.engine)
    assert _files(storage) == _files(Path(app.config["STORAGE_DIR"]))
    engine.dispose()


def test_restore_refuses_a_database_that_is_not_empty(app, backed_up):
    result = _cli(app, "backup", "restore", str(backed_up()))
    assert result.exit_code != 0
    assert "not empty" in result.output


def test_restore_refuses_a_damaged_archive(backed_up, target_url, tmp_path):
    damaged = tmp_path / "rusak.tar.gz"
    with tarfile.open(backed_up()) as source, tarfile.open(damaged, "w:gz") as out:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name.endswith("bukti-uji.pdf"):
                data = data.replace(b"uji", b"UJI")
            out.addfile(member, io.BytesIO(data))
    storage = tmp_path / "restored-storage"
    engine, result = _restore(target_url, storage, damaged)
    assert result.exit_code != 0
    assert "Checksum mismatch for storage/evidence/bukti-uji.pdf" in result.output
    assert inspect(engine).get_table_names() == []  # nothing was written
    engine.dispose()


def test_restore_refuses_a_storage_folder_that_is_not_empty(backed_up, target_url, tmp_path):
    storage = tmp_path / "used-storage"
    (storage / "evidence").mkdir(parents=True)
    (storage / "evidence" / "lama.pdf").write_bytes(b"%PDF")
    engine, result = _restore(target_url, storage, backed_up())
    assert result.exit_code != 0
    assert "storage folder" in result.output and "not empty" in result.output
    engine.dispose()
