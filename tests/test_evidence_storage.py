"""Evidence storage: safe file names, replaced files deleted, a quota, and `flask storage gc`."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

from sqlalchemy import select

from app.extensions import db as _db
from app.models import Evidence
from app.services import evidence as service
from tests.conftest_cycle import TINY_PDF, TINY_PNG


def _post(client, cycle, content=None, name=None, **extra):
    data = {"action": "save", "lock_version": str(cycle.reload().lock_version), **extra}
    if content is not None:
        data[cycle.ref("bukti") + "__file"] = (io.BytesIO(content), name)
    return client.post(f"/my/{cycle.submission.id}/", data=data, content_type="multipart/form-data")


def _rows():
    _db.session.expire_all()
    return _db.session.scalars(select(Evidence).order_by(Evidence.id)).all()


def _files(app) -> set[str]:
    with app.app_context():
        return set(service.stored_files())


def test_control_characters_in_a_file_name_are_removed(login_as, cycle):
    client = login_as("pegawai.dinkes")
    response = _post(client, cycle, TINY_PDF, "lap\x00oran\x07\u202e\ttriwulan.pdf")
    assert response.status_code == 302
    (row,) = _rows()
    assert row.original_name == "laporan triwulan.pdf"
    download = client.get(f"/evidence/{row.id}")
    assert download.status_code == 200 and download.data == TINY_PDF
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="laporan triwulan.pdf"')
    assert "filename*=UTF-8''laporan%20triwulan.pdf" in disposition


def test_a_name_stored_before_the_fix_still_downloads(login_as, cycle):
    client = login_as("pegawai.dinkes")
    _post(client, cycle, TINY_PDF, "bukti.pdf")
    (row,) = _rows()
    row.original_name = "rapor\x07 kinerja\n\u00e9t\u00e9.pdf"  # PostgreSQL stores no NUL
    _db.session.commit()
    download = client.get(f"/evidence/{row.id}")
    assert download.status_code == 200
    disposition = download.headers["Content-Disposition"]
    assert 'filename="rapor kinerja ete.pdf"' in disposition
    assert "filename*=UTF-8''rapor%20kinerja%20%C3%A9t%C3%A9.pdf" in disposition


def test_a_replaced_or_removed_file_is_deleted(login_as, cycle, app):
    client = login_as("pegawai.dinkes")
    _post(client, cycle, TINY_PDF, "pertama.pdf")
    (first,) = _rows()
    first_file = first.stored_name
    assert first_file in _files(app)
    assert _post(client, cycle, TINY_PNG, "kedua.png").status_code == 302
    (second,) = _rows()
    assert second.original_name == "kedua.png"
    assert first_file not in _files(app) and second.stored_name in _files(app)
    assert _post(client, cycle, **{cycle.ref("bukti") + "__remove": "1"}).status_code == 302
    assert _rows() == [] and second.stored_name not in _files(app)


def test_the_quota_of_a_submission_refuses_an_upload_and_writes_nothing(login_as, cycle, app):
    client = login_as("pegawai.dinkes")
    item = cycle.reload()
    _db.session.add(
        Evidence(submission_id=item.id, field_ref="99:lain", stored_name="x" * 32 + ".pdf",
                 original_name="besar.pdf", content_type="application/pdf",
                 size=app.config["EVIDENCE_QUOTA_MB"] * 1024 * 1024 - 10)
    )  # fmt: skip
    _db.session.commit()
    before = _files(app)
    response = _post(client, cycle, TINY_PDF, "laporan.pdf")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f"{app.config['EVIDENCE_QUOTA_MB']} MB" in html
    assert len(_rows()) == 1 and _files(app) == before
    assert cycle.reload().answers == {}


def add_leftover(used: Evidence) -> Evidence:
    """A row a year old for the field of `used`, replaced since (its answer names `used`)."""
    old = used.uploaded_at.replace(year=used.uploaded_at.year - 1)
    leftover = Evidence(
        submission_id=used.submission_id, field_ref=used.field_ref, stored_name="a" * 32 + ".pdf",
        original_name="lama.pdf", content_type="application/pdf", size=len(TINY_PDF),
        uploaded_at=old,
    )  # fmt: skip
    _db.session.add(leftover)
    _db.session.commit()
    return leftover


def test_storage_gc_lists_then_removes_only_what_nothing_refers_to(login_as, cycle, app):
    client = login_as("pegawai.dinkes")
    _post(client, cycle, TINY_PDF, "dipakai.pdf")
    (used,) = _rows()
    # Left behind by older versions: a replaced upload's row and file, and a lone file.
    leftover = add_leftover(used)
    folder = Path(app.config["STORAGE_DIR"]) / "evidence"  # the default storage: a folder
    for name, age in ((leftover.stored_name, 7200), ("b" * 32 + ".pdf", 7200), ("baru.pdf", 0)):
        (folder / name).write_bytes(TINY_PDF)
        os.utime(folder / name, (time.time() - age, time.time() - age))
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["storage", "gc", "--dry-run"])
    assert listed.exit_code == 0, listed.output
    assert leftover.stored_name in listed.output and "b" * 32 in listed.output
    assert "baru.pdf" not in listed.output and used.stored_name not in listed.output
    assert len(_rows()) == 2 and (folder / leftover.stored_name).exists()
    removed = runner.invoke(args=["storage", "gc"])
    assert "Removed 2" in removed.output
    assert [r.id for r in _rows()] == [used.id]
    assert _files(app) >= {used.stored_name, "baru.pdf"}
    assert (
        not (folder / leftover.stored_name).exists() and not (folder / ("b" * 32 + ".pdf")).exists()
    )
    assert client.get(f"/evidence/{used.id}").status_code == 200
