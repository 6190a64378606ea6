"""The S3 storage backend against a local S3 server (moto's server mode on 127.0.0.1).

Evidence, the document cache, `flask storage gc` and `flask backup` on a bucket with a key
prefix; downloads stream from the bucket; a missing object is a clean 404.
"""

from __future__ import annotations

import io
import json
import tarfile
import time

import pytest

from app import create_app, storage
from app.extensions import db as _db
from app.models import Evidence
from app.services import evidence as evidence_service
from config import TestConfig
from tests.conftest_cycle import TINY_PDF, TINY_PNG
from tests.conftest_servers import new_bucket
from tests.printing_helpers import recap_data  # noqa: F401 - fixture
from tests.test_backup import _cli, target_url  # noqa: F401 - fixture
from tests.test_evidence_storage import add_leftover


@pytest.fixture
def s3(app, s3_settings):
    """The suite's app stores in a new bucket (under the key prefix "portal/") for one test."""
    previous = app.extensions["kinerja.storage"]
    bucket = storage.from_config({**app.config, **s3_settings})
    assert isinstance(bucket, storage.S3Storage)
    app.extensions["kinerja.storage"] = bucket
    yield bucket
    app.extensions["kinerja.storage"] = previous


def _raw_keys(bucket: storage.S3Storage) -> set[str]:
    listed = bucket.client.list_objects_v2(Bucket=bucket.bucket)
    return {item["Key"] for item in listed.get("Contents", ())}


def _upload(client, cycle, content=TINY_PDF, name="laporan.pdf"):
    data = {"action": "save", "lock_version": str(cycle.reload().lock_version),
            cycle.ref("bukti") + "__file": (io.BytesIO(content), name)}  # fmt: skip
    response = client.post(f"/my/{cycle.submission.id}/", data=data,
                           content_type="multipart/form-data")  # fmt: skip
    assert response.status_code == 302, response.text
    _db.session.expire_all()
    return _db.session.query(Evidence).one()


def test_the_backend_stores_lists_and_deletes_under_its_prefix(s3):
    s3.put("evidence/a.pdf", b"%PDF-a")
    s3.put("documents/b.pdf", io.BytesIO(b"%PDF-bb"))
    assert _raw_keys(s3) == {"portal/evidence/a.pdf", "portal/documents/b.pdf"}
    assert s3.get("documents/b.pdf") == b"%PDF-bb"
    opened = s3.open("evidence/a.pdf")
    assert opened.size == 6 and opened.file.read() == b"%PDF-a"
    assert [(o.key, o.name, o.size) for o in s3.list("evidence/")] == [
        ("evidence/a.pdf", "a.pdf", 6)
    ]
    assert abs(next(iter(s3.list("evidence/"))).modified - time.time()) < 60
    s3.put("evidence/a.pdf", b"%PDF-new")  # replaced whole
    assert s3.get("evidence/a.pdf") == b"%PDF-new"
    s3.delete("evidence/a.pdf")
    s3.delete("evidence/a.pdf")  # a missing object is fine
    assert s3.get("evidence/a.pdf") is None and s3.open("nothing/here") is None
    assert not s3.is_empty()
    for bad in ("", "/etc/passwd", "../x", "evidence/../../x", "evidence//x", "a/.tmp-x"):
        with pytest.raises(ValueError, match="invalid storage key"):
            s3.put(bad, b"x")


def test_evidence_is_stored_in_the_bucket_and_streamed_back(login_as, api_token, cycle, s3,
                                                            monkeypatch):  # fmt: skip
    client = login_as("pegawai.dinkes")
    row = _upload(client, cycle)
    assert _raw_keys(s3) == {f"portal/evidence/{row.stored_name}"}
    # Downloads stream the object: never read whole into the app's memory.
    monkeypatch.setattr(storage.S3Storage, "get", lambda *a: pytest.fail("read whole"))
    download = client.get(f"/evidence/{row.id}", buffered=False)
    assert download.status_code == 200 and download.is_streamed
    assert download.headers["Content-Length"] == str(len(TINY_PDF))
    assert download.headers["Content-Type"] == "application/pdf"
    assert b"".join(download.response) == TINY_PDF
    download.close()
    api = client.get(f"/api/v1/submission/{cycle.submission.id}/evidence/{row.id}",
                     headers=api_token("pegawai.dinkes"))  # fmt: skip
    assert api.status_code == 200 and api.data == TINY_PDF
    assert api.headers["Content-Disposition"].startswith("attachment;")


def test_a_missing_object_is_a_clean_404(login_as, cycle, s3, api_token):
    client = login_as("pegawai.dinkes")
    row = _upload(client, cycle, TINY_PNG, "foto.png")
    s3.delete(evidence_service.key_of(row.stored_name))  # lost from the bucket
    page = client.get(f"/evidence/{row.id}")
    assert page.status_code == 404
    api = client.get(f"/api/v1/submission/{cycle.submission.id}/evidence/{row.id}",
                     headers=api_token("pegawai.dinkes"))  # fmt: skip
    assert api.status_code == 404 and set(api.json) >= {"message"}


def test_documents_are_cached_in_the_bucket(login_as, recap_data, s3):  # noqa: F811
    client = login_as("hr")
    url = f"/recaps/download?period={recap_data.period.id}&unit={recap_data.world.disdik.id}"
    first = client.get(url + "&format=pdf")
    assert first.headers["X-Document-Cache"] == "miss"
    (cached,) = s3.list("documents/")
    assert s3.get(cached.key) == first.data
    second = client.get(url + "&format=pdf")
    assert second.headers["X-Document-Cache"] == "hit" and second.data == first.data
    s3.delete(cached.key)  # a cleaned bucket: rendered again with the code it was issued with
    third = client.get(url + "&format=pdf")
    assert third.headers["X-Document-Cache"] == "miss"
    assert third.headers["X-Document-Code"] == first.headers["X-Document-Code"]
    assert [o.key for o in s3.list("documents/")] == [cached.key]


def test_storage_gc_on_the_bucket(login_as, cycle, s3, app, monkeypatch):
    client = login_as("pegawai.dinkes")
    used = _upload(client, cycle)
    leftover = add_leftover(used)
    for name in (leftover.stored_name, "b" * 32 + ".pdf"):
        s3.put(evidence_service.key_of(name), TINY_PDF)
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["storage", "gc", "--dry-run"])
    assert leftover.stored_name in listed.output
    assert "b" * 32 not in listed.output  # the lone object is younger than an hour
    later = time.time() + 2 * 3600
    monkeypatch.setattr(evidence_service.time, "time", lambda: later)
    removed = runner.invoke(args=["storage", "gc"])
    assert "Removed 2" in removed.output, removed.output
    assert set(evidence_service.stored_files()) == {used.stored_name}
    assert client.get(f"/evidence/{used.id}").status_code == 200


def test_backup_and_restore_with_the_bucket(login_as, cycle, s3, s3_endpoint, app, target_url,  # noqa: F811
                                            tmp_path):  # fmt: skip
    row = _upload(login_as("pegawai.dinkes"), cycle)
    s3.put("documents/cached.pdf", b"%PDF-cache")
    archive = tmp_path / "cadangan.tar.gz"
    created = _cli(app, "backup", "create", str(archive))
    assert created.exit_code == 0, created.output
    with tarfile.open(archive) as tar:
        files = json.load(tar.extractfile("manifest.json"))["files"]
    assert {f"storage/evidence/{row.stored_name}", "storage/documents/cached.pdf"} <= set(files)

    empty = new_bucket(s3_endpoint)
    target = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=target_url, **empty)
    with target.app_context():
        restored = _cli(target, "backup", "restore", str(archive))
        assert restored.exit_code == 0, restored.output
        bucket = storage.current()
        assert bucket.get(evidence_service.key_of(row.stored_name)) == TINY_PDF
        assert {o.key for o in bucket.list()} == {o.key for o in s3.list()}
        _db.engine.dispose()
    settings = {**empty, "STORAGE_URL": s3.describe()}  # the bucket in use
    used = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/x.db", **settings)
    with used.app_context():
        refused = _cli(used, "backup", "restore", str(archive))
    assert refused.exit_code != 0 and "is not empty" in refused.output
