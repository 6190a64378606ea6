"""`/api/v1/submission/<id>/evidence`: upload, download and removal of bukti dukung by API."""

from __future__ import annotations

import io

import pytest
from openapi_spec_validator import OpenAPIV30SpecValidator

from app.extensions import db as _db
from app.models import AuditEntry, Evidence
from app.models.types import PeriodState
from app.services import evidence as evidence_service
from app.services.periods import change_period_state
from tests.conftest_cycle import TINY_PDF, TINY_PNG

API = "/api/v1/submission"


@pytest.fixture
def call(client, api_token):
    """`call(username, method, path, **kwargs)` with that user's JWT."""
    tokens = {}

    def _call(username, method, path, **kwargs):
        if username not in tokens:
            tokens[username] = api_token(username)
        return client.open(f"{API}{path}", method=method, headers=tokens[username], **kwargs)

    return _call


@pytest.fixture
def upload(call, cycle):
    """`upload(content, name, user=..., field=..., **extra)`: a multipart POST of one file."""

    def _upload(content=TINY_PDF, name="laporan.pdf", user="pegawai.dinkes", field=None, **extra):
        extra.setdefault("lock_version", str(cycle.reload().lock_version))
        data = {"field": field or cycle.ref("bukti"), "file": (io.BytesIO(content), name), **extra}
        return call(user, "POST", f"/{cycle.submission.id}/evidence", data=data,
                    content_type="multipart/form-data")  # fmt: skip

    return _upload


def _stored_files() -> set[str]:
    return set(evidence_service.stored_files())


def _assert_refusal(response, status: int, field: str | None = None) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.json
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["errors"], dict)
    if field:
        assert body["errors"][field] and all(isinstance(m, str) for m in body["errors"][field])


def test_upload_stores_the_file_as_the_answer_and_it_downloads(upload, call, cycle, documented):
    lock = cycle.reload().lock_version
    response = upload(TINY_PDF, "laporan triwulan.pdf", lock_version=str(lock))
    assert response.status_code == 201, response.json
    documented(response, "/api/v1/submission/{pk}/evidence", "POST")
    evidence = _db.session.get(Evidence, response.json["id"])
    assert response.json == {
        "id": evidence.id, "field": cycle.ref("bukti"), "name": "laporan triwulan.pdf",
        "content_type": "application/pdf", "size": len(TINY_PDF), "lock_version": lock + 1,
    }  # fmt: skip
    submission = cycle.reload()
    assert submission.answers[cycle.fv]["bukti"] == evidence_service.as_answer(evidence)
    assert submission.history[-1].action == "answers"
    download = call("pegawai.dinkes", "GET", f"/{cycle.submission.id}/evidence/{evidence.id}")
    assert download.status_code == 200 and download.data == TINY_PDF
    documented(download, "/api/v1/submission/{pk}/evidence/{evidence_id}", "GET")
    assert download.mimetype == "application/pdf"
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "laporan" in disposition


def test_download_name_is_safe(upload, call, cycle):
    evidence_id = upload(TINY_PNG, "foto.png").json["id"]
    evidence = _db.session.get(Evidence, evidence_id)
    evidence.original_name = 'x"\r\n../evil'  # a row stored before names were cleaned
    _db.session.commit()
    download = call("pegawai.dinkes", "GET", f"/{cycle.submission.id}/evidence/{evidence_id}")
    assert download.status_code == 200
    disposition = download.headers["Content-Disposition"]
    assert "\r" not in disposition and "\n" not in disposition and "/" not in disposition
    assert disposition.endswith('.png"') or disposition.endswith(".png")


def test_download_follows_the_submissions_scope(upload, call, cycle):
    evidence_id = upload().json["id"]
    path = f"/{cycle.submission.id}/evidence/{evidence_id}"
    for username in ("pegawai.dinkes", "penilai.dinkes", "admin.dinkes", "hr"):
        assert call(username, "GET", path).status_code == 200, username
    for username in ("admin.disdik", "pegawai.disdik", "penilai.disdik"):
        _assert_refusal(call(username, "GET", path), 404)
    # the evidence must belong to the submission named in the path
    _assert_refusal(call("hr", "GET", f"/{cycle.other.id}/evidence/{evidence_id}"), 404)
    _assert_refusal(call("hr", "GET", f"/{cycle.submission.id}/evidence/999999"), 404)


def test_only_the_owner_uploads_while_editable(upload, cycle):
    _assert_refusal(upload(user="admin.disdik"), 404)
    _assert_refusal(upload(user="pegawai.disdik"), 404)
    _assert_refusal(upload(user="penilai.dinkes"), 403)  # sees it, may not change it
    cycle.submit()
    _assert_refusal(upload(), 403)
    assert _db.session.query(Evidence).count() == 0


def test_closed_period_refuses_upload_and_removal(upload, call, cycle):
    evidence_id = upload().json["id"]
    change_period_state([cycle.period], PeriodState.CLOSED)
    response = upload(TINY_PNG, "foto.png")
    _assert_refusal(response, 403)
    assert "dibuka" in response.json["message"]  # translated (Indonesian by default)
    path = f"/{cycle.submission.id}/evidence/{evidence_id}"
    _assert_refusal(call("pegawai.dinkes", "DELETE", path), 403)
    assert _db.session.query(Evidence).count() == 1


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"just some text, not a PDF", "laporan.pdf"),
        (TINY_PNG, "foto.pdf"),
        (b"", "kosong.pdf"),
        (TINY_PDF + b"0" * (5 * 1024 * 1024), "besar.pdf"),
    ],
)
def test_bad_content_is_refused_and_nothing_kept(upload, cycle, content, name):
    before = _stored_files()
    response = upload(content, name)
    _assert_refusal(response, 422, "file")
    assert _db.session.query(Evidence).count() == 0
    assert _stored_files() == before
    assert cycle.reload().answers == {}


def test_request_over_the_size_limit_is_413(upload, cycle, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 64 * 1024)
    response = upload(TINY_PDF + b"0" * (128 * 1024))
    _assert_refusal(response, 413, "file")
    assert _db.session.query(Evidence).count() == 0


def test_missing_parts_wrong_types_and_fields(upload, call, cycle):
    path = f"/{cycle.submission.id}/evidence"
    no_file = call("pegawai.dinkes", "POST", path, data={"field": cycle.ref("bukti")},
                   content_type="multipart/form-data")  # fmt: skip
    _assert_refusal(no_file, 422, "file")
    assert no_file.json["errors"]["file"] == ["Bagian ini belum dikirim."]  # translated
    no_field = call("pegawai.dinkes", "POST", path, data={"file": (io.BytesIO(TINY_PDF), "a.pdf")},
                    content_type="multipart/form-data")  # fmt: skip
    _assert_refusal(no_field, 422, "field")
    _assert_refusal(upload(field=cycle.ref("catatan")), 422, "field")  # not an evidence field
    _assert_refusal(upload(field="999999:bukti"), 422, "field")
    _assert_refusal(upload(field="nonsense"), 422, "field")
    _assert_refusal(upload(name="lap\x00oran.pdf"), 422, "file")  # PostgreSQL refuses NUL
    _assert_refusal(upload(lock_version="abc"), 422, "lock_version")
    too_big = upload(lock_version=str(2**64))
    _assert_refusal(too_big, 422, "lock_version")
    assert too_big.json["errors"]["lock_version"] == ["Isi dengan bilangan bulat."]
    as_json = call("pegawai.dinkes", "POST", path, json={"field": cycle.ref("bukti")})
    _assert_refusal(as_json, 415)
    _assert_refusal(call("pegawai.dinkes", "POST", f"/{2**64}/evidence"), 404)
    _assert_refusal(call("hr", "GET", f"/{cycle.submission.id}/evidence/{2**64}"), 404)
    _assert_refusal(call("pegawai.dinkes", "DELETE", f"/{2**63}/evidence/1"), 404)
    # beyond PostgreSQL's INTEGER (the fuzzer's find): 404, not a database error
    beyond = f"/{cycle.submission.id}/evidence/{2**31}"
    _assert_refusal(call("hr", "GET", beyond), 404)
    _assert_refusal(call("pegawai.dinkes", "DELETE", beyond), 404)
    _assert_refusal(call("pegawai.dinkes", "POST", f"/{2**31}/evidence"), 404)
    assert _db.session.query(Evidence).count() == 0


def test_stale_lock_version_is_a_conflict(upload, cycle):
    lock = cycle.reload().lock_version
    cycle.save()
    before = _stored_files()
    _assert_refusal(upload(lock_version=str(lock)), 409)
    assert _db.session.query(Evidence).count() == 0
    assert _stored_files() == before


def test_delete_removes_the_answer_and_the_file(upload, call, cycle):
    evidence_id = upload().json["id"]
    stored = _db.session.get(Evidence, evidence_id).stored_name
    path = f"/{cycle.submission.id}/evidence/{evidence_id}"
    _assert_refusal(call("penilai.dinkes", "DELETE", path), 403)
    _assert_refusal(call("admin.disdik", "DELETE", path), 404)
    _assert_refusal(call("pegawai.dinkes", "DELETE", f"{path}?lock_version=x"), 422, "lock_version")
    response = call(
        "pegawai.dinkes", "DELETE", f"{path}?lock_version={cycle.reload().lock_version}"
    )
    assert response.status_code == 204
    submission = cycle.reload()
    assert submission.answers[cycle.fv]["bukti"] is None
    last = _db.session.query(AuditEntry).order_by(AuditEntry.id.desc()).first()
    assert last.changes[cycle.ref("bukti")][1] is None
    # nothing refers to the upload any more: its row and file are gone (issue 9, storage)
    assert _db.session.get(Evidence, evidence_id) is None and stored not in _stored_files()
    _assert_refusal(call("penilai.dinkes", "GET", path), 404)
    _assert_refusal(call("pegawai.dinkes", "DELETE", path), 404)


def test_spec_documents_the_evidence_operations(client, api_token):
    spec = client.get("/api/v1/_openapi", headers=api_token("pegawai.dinkes")).json
    paths = spec["paths"]
    upload = paths["/api/v1/submission/{pk}/evidence"]["post"]
    one = paths["/api/v1/submission/{pk}/evidence/{evidence_id}"]
    assert upload["operationId"] == "uploadEvidence"
    assert "multipart/form-data" in upload["requestBody"]["content"]
    assert {"201", "404", "413", "415", "422"} <= set(upload["responses"])
    assert [p["name"] for p in one["get"]["parameters"]] == ["pk", "evidence_id"]
    assert {"200", "404"} <= set(one["get"]["responses"])
    assert {"204", "403", "404", "409"} <= set(one["delete"]["responses"])
    assert {"EvidenceUpload", "Evidence", "Error"} <= set(spec["components"]["schemas"])
    assert "file" in spec["components"]["schemas"]["EvidenceUpload"]["properties"]
    mine = {path: item for path, item in paths.items() if "/evidence" in path}
    assert list(OpenAPIV30SpecValidator(dict(spec, paths=mine)).iter_errors()) == []
