"""Background jobs: life cycle on the embedded queue and on RQ (real Redis), progress,
scoping, failure and retry, dedupe, 202 + Location, and the debounced recap refresh."""

# ruff: noqa: F811 - the `recap_data` fixture is imported from tests.printing_helpers
from __future__ import annotations

import datetime as dt
import io
import time
import uuid

import pytest
from sqlalchemy import func, select

from app import storage
from app.models import Employee, Job, Unit, UnitRating
from app.scope import scope_for
from app.services import documents as docs
from app.services import jobs, recaps
from app.services.job_kinds import RECAP_REFRESH, start_employee_import, start_recap
from tests.printing_helpers import recap_data  # noqa: F401

REDIS = "redis://127.0.0.1:6379/13"


def _job(db, pk) -> Job:
    db.session.expire_all()
    return db.session.get(Job, pk)


def _start(client, data, unit, fmt="csv"):
    response = client.post("/jobs/recap", data={"period": data.period.id, "unit": unit or "",
                                                "format": fmt})  # fmt: skip
    assert response.status_code == 302, response.data[:300]
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


@pytest.fixture
def deferred(app):
    """Jobs wait in the queue instead of running at once (the real asynchronous path)."""
    app.config["JOBS_EAGER"] = False
    yield
    app.config["JOBS_EAGER"] = True


def test_recap_job_from_the_web_runs_and_downloads(login_as, recap_data, db):
    client = login_as("admin.dinkes")
    pk = _start(client, recap_data, recap_data.world.dinkes.id)
    page = client.get(f"/jobs/{pk}")
    assert page.status_code == 200 and b'id="job-bar"' in page.data
    assert b"js/jobs.js" in page.data and b"<script>" not in page.data  # CSP: no inline code
    status = client.get(f"/jobs/{pk}/status").json
    assert status["state"] == "done" and status["progress"] == status["total"] == 1
    assert status["state_label"] == "Selesai"
    download = client.get(status["result_url"])
    assert download.status_code == 200 and download.mimetype.startswith("text/csv")
    assert recap_data.world.people["pegawai.dinkes"].nip in download.data.decode()
    assert recap_data.world.people["pegawai.disdik"].nip not in download.data.decode()
    listing = client.get("/jobs/")
    assert f'data-job="{pk}"'.encode() in listing.data


def test_regency_pdf_job_reports_progress_per_unit(login_as, recap_data, db, monkeypatch):
    seen = []
    real = jobs.Context.set_progress
    monkeypatch.setattr(
        jobs.Context, "set_progress", lambda self, n: seen.append(n) or real(self, n)
    )
    client = login_as("hr")
    pk = _start(client, recap_data, None, "pdf")
    job = _job(db, pk)
    # The cover plus one part per unit with rows (Dinkes, its puskesmas, Disdik).
    assert (job.state, job.progress, job.total) == ("done", 4, 4)
    assert sorted(set(seen)) == [1, 2, 3, 4]  # reported as each part was rendered
    assert jobs.result_content(job).startswith(b"%PDF")
    # The same data again: served from the PDF cache by the synchronous download.
    again = client.get(f"/recaps/download?period={recap_data.period.id}&unit=&format=pdf")
    assert again.headers["X-Document-Cache"] == "hit"


def test_api_answers_202_with_location_and_documents_the_status(
    client, api_token, recap_data, db, documented
):
    headers = api_token("hr")
    body = {"period": recap_data.period.id, "unit": recap_data.world.disdik.id, "format": "xlsx"}
    started = client.post("/api/v1/job/recap", json=body, headers=headers)
    assert started.status_code == 202, started.json
    documented(started, "/api/v1/job/recap", "POST")
    location = started.headers["Location"]
    assert location.endswith(f"/api/v1/job/{started.json['id']}")
    polled = client.get(location, headers=headers)
    assert polled.status_code == 200
    documented(polled, "/api/v1/job/{pk}", "GET")
    assert {"state", "progress", "total", "result_url", "error"} <= set(polled.json)
    assert polled.json["state"] == "done" and polled.json["error"] is None
    result = client.get(polled.json["result_url"], headers=headers)
    assert result.status_code == 200 and result.data[:2] == b"PK"  # an XLSX (zip) file


def test_jobs_are_scoped_to_their_owner_and_hr(client, api_token, login_as, recap_data, db):
    web = login_as("admin.dinkes")
    pk = _start(web, recap_data, recap_data.world.dinkes.id)
    other = login_as("admin.disdik")
    for path in (f"/jobs/{pk}", f"/jobs/{pk}/status", f"/jobs/{pk}/download"):
        assert other.get(path).status_code == 404, path
    assert f'data-job="{pk}"'.encode() not in other.get("/jobs/").data
    assert other.post(f"/jobs/{pk}/retry").status_code == 404
    # Starting a recap of a unit outside one's scope, or regency-wide without HR: refused.
    outside = {"period": recap_data.period.id, "unit": recap_data.world.dinkes.id}
    assert other.post("/jobs/recap", data=outside).status_code == 404
    token = api_token("admin.disdik")
    assert client.get(f"/api/v1/job/{pk}", headers=token).status_code == 404
    assert client.get(f"/api/v1/job/{pk}/result", headers=token).status_code == 404
    regency = client.post("/api/v1/job/recap", json={"period": recap_data.period.id},
                          headers=token)  # fmt: skip
    assert regency.status_code == 403
    assert client.get(f"/api/v1/job/{pk}", headers=api_token("hr")).status_code == 200
    assert login_as("hr").get(f"/jobs/{pk}/status").status_code == 200


def test_failed_job_shows_a_translated_message_and_can_be_retried(
    login_as, recap_data, db, monkeypatch
):
    calls = []
    real = docs.recap_download

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(docs, "recap_download", flaky)
    client = login_as("admin.dinkes")
    pk = _start(client, recap_data, recap_data.world.dinkes.id)
    status = client.get(f"/jobs/{pk}/status").json
    assert status["state"] == "failed" and status["result_url"] is None
    assert status["error"].startswith("Pekerjaan berhenti karena kesalahan di pihak kami")
    page = client.get(f"/jobs/{pk}").data.decode()
    assert 'id="job-retry"' in page and "Coba lagi" in page
    assert _job(db, pk).active_key is None  # the same inputs may run again
    assert client.post(f"/jobs/{pk}/retry").status_code == 302
    job = _job(db, pk)
    assert (job.state, job.attempts, job.error) == ("done", 2, None)


def test_same_inputs_are_not_queued_twice_at_once(login_as, recap_data, db, deferred):
    client = login_as("admin.dinkes")
    first = _start(client, recap_data, recap_data.world.dinkes.id)
    assert _start(client, recap_data, recap_data.world.dinkes.id) == first
    other_format = _start(client, recap_data, recap_data.world.dinkes.id, "xlsx")
    assert other_format != first
    assert _job(db, first).state == "queued"
    assert jobs.run_due() == 2
    assert _job(db, first).state == "done"
    assert _start(client, recap_data, recap_data.world.dinkes.id) != first  # ended: new run


def test_embedded_worker_thread_runs_queued_jobs(app, login_as, recap_data, db, deferred):
    client = login_as("admin.dinkes")
    pk = _start(client, recap_data, recap_data.world.dinkes.id)
    assert client.get(f"/jobs/{pk}/status").json["state"] == "queued"
    queue = jobs.queue()
    queue.ensure_started()
    queue.wake.set()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and _job(db, pk).state != "done":
        db.session.rollback()
        time.sleep(0.2)
    app.extensions.pop("kinerja.jobs").stop()
    assert _job(db, pk).state == "done"
    assert client.get(f"/jobs/{pk}/download").status_code == 200


def test_stale_running_jobs_are_queued_again(login_as, recap_data, db, deferred):
    client = login_as("admin.dinkes")
    pk = _start(client, recap_data, recap_data.world.dinkes.id)
    job = _job(db, pk)
    job.state, job.updated_at = "running", dt.datetime(2020, 1, 1)
    db.session.commit()
    assert jobs.requeue_stale() == 1
    assert jobs.run_due() == 1 and _job(db, pk).state == "done"


@pytest.fixture
def redis_queue(app):
    """RQ on the local Redis, in a queue of its own (removed afterwards)."""
    from redis import Redis

    try:
        Redis.from_url(REDIS).ping()
    except Exception:  # noqa: BLE001
        pytest.skip("no Redis on 127.0.0.1:6379")
    name = f"kinerja-test-{uuid.uuid4().hex[:8]}"
    app.config.update(REDIS_URL=REDIS, JOBS_QUEUE=name)
    app.extensions.pop("kinerja.jobs", None)
    yield name
    queue = app.extensions.pop("kinerja.jobs", None)
    if queue is not None:
        queue.rq.delete(delete_jobs=True)
        for key in queue.connection.scan_iter(f"*{name}*"):  # its registries
            queue.connection.delete(key)
    app.config.update(REDIS_URL=None, JOBS_QUEUE="kinerja")


def _rq_burst(app) -> None:
    from rq import SimpleWorker

    queue = jobs.queue()
    SimpleWorker([queue.rq], connection=queue.connection).work(burst=True)


def test_rq_life_cycle_survives_an_app_server_restart(app, login_as, recap_data, db, redis_queue):
    client = login_as("admin.dinkes")
    pk = _start(client, recap_data, recap_data.world.dinkes.id)
    assert client.get(f"/jobs/{pk}/status").json["state"] == "queued"  # not eager on Redis
    assert jobs.queue().rq.count == 1
    assert _start(client, recap_data, recap_data.world.dinkes.id) == pk  # dedupe
    assert jobs.queue().rq.count == 1
    app.extensions.pop("kinerja.jobs")  # the app server restarts: nothing kept in memory
    _rq_burst(app)
    status = client.get(f"/jobs/{pk}/status").json
    assert status["state"] == "done" and status["progress"] == status["total"]
    assert client.get(status["result_url"]).status_code == 200


def test_rq_failure_then_retry(app, login_as, recap_data, db, redis_queue, monkeypatch):
    monkeypatch.setattr(docs, "recap_download", lambda *a, **k: 1 / 0)
    client = login_as("admin.dinkes")
    pk = _start(client, recap_data, recap_data.world.dinkes.id)
    _rq_burst(app)
    assert _job(db, pk).state == "failed"
    monkeypatch.undo()
    client.post(f"/jobs/{pk}/retry")
    assert _job(db, pk).state == "queued"
    _rq_burst(app)
    assert _job(db, pk).state == "done"


def test_period_changes_rerender_recaps_in_the_background_debounced(app, login_as, recap_data, db):
    app.config.update(RECAP_REFRESH=True, JOBS_DEBOUNCE=60)
    try:
        submission = recap_data.submissions[7]  # submitted
        submission.state = "returned"
        db.session.commit()
        refresh = db.session.scalars(select(Job).where(Job.kind == RECAP_REFRESH)).all()
        assert len(refresh) == 1 and refresh[0].state == "queued"
        first_due = refresh[0].run_after
        assert first_due > dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(seconds=50)
        time.sleep(0.01)
        submission = db.session.get(type(submission), submission.id)
        submission.state = "submitted"
        db.session.commit()
        refresh = db.session.scalars(select(Job).where(Job.kind == RECAP_REFRESH)).all()
        assert len(refresh) == 1 and refresh[0].run_after > first_due  # pushed back, one job
        submission.feedback = "Catatan saja"  # no recap field: no refresh asked
        db.session.commit()
        assert jobs.run_due() == 0  # not due yet
        refresh[0].run_after = dt.datetime(2020, 1, 1)
        db.session.commit()
        assert jobs.run_due() == 1
        job = _job(db, refresh[0].id)
        assert job.state == "done", job.error
        units = db.session.scalar(select(func.count(Unit.id)))
        assert job.progress == job.total == units + 1  # every unit (3 with rows) + regency
    finally:
        app.config.update(RECAP_REFRESH=False, JOBS_DEBOUNCE=30)
    client = login_as("hr")
    start = time.monotonic()
    response = client.get(f"/recaps/download?period={recap_data.period.id}&unit=&format=pdf")
    assert response.status_code == 200, response.headers
    assert response.headers["X-Document-Cache"] == "hit"
    assert time.monotonic() - start < 1.0
    unit = client.get(
        f"/recaps/download?period={recap_data.period.id}&unit={recap_data.world.dinkes.id}"
    )
    assert unit.status_code == 200, unit.headers
    assert unit.headers["X-Document-Cache"] == "hit"


def _employee_csv(world, rows: int, bad: bool = False) -> bytes:
    from tests import factories as f

    boss = world.people["head.dinkes"].nip
    lines = [",".join(["nip", "nama", "status", "golongan", "jabatan", "jenis_jabatan",
                       "kode_unit", "nip_atasan", "aktif"])]  # fmt: skip
    for n in range(rows):
        unit = "NOPE" if bad and n == 1 else "DINKES"
        lines.append(f"{f.nip(serial=n + 500)},Pegawai Impor {n},PNS,III/a,Staf,pelaksana,"
                     f"{unit},{boss},Ya")  # fmt: skip
    return "\n".join(lines).encode()


def test_large_employee_import_runs_as_a_job(app, login_as, world, db):
    app.config["IMPORT_SYNC_ROWS"] = 2
    try:
        client = login_as("hr")
        response = client.post(
            "/employees/import/",
            data={"file": (io.BytesIO(_employee_csv(world, 3)), "pegawai.csv")},
            content_type="multipart/form-data",
        )
    finally:
        app.config["IMPORT_SYNC_ROWS"] = 500
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    job = db.session.scalars(select(Job).order_by(Job.id.desc())).first()
    assert (job.kind, job.state, job.progress, job.total) == ("import_employees", "done", 3, 3)
    assert job.summary == {"created": 3, "updated": 0}
    names = select(func.count()).where(Employee.name.like("Pegawai Impor%"))
    assert db.session.scalar(names) == 3


def test_failed_import_job_lists_the_errors_by_row(login_as, world, db):
    user = world.users["hr"]
    job = start_employee_import("pegawai.csv", _employee_csv(world, 3, bad=True), "id", user.id)
    job = _job(db, job.id)
    assert job.state == "failed" and "Tidak ada yang diimpor" in job.error
    assert [row[0] for row in job.summary["errors"]] == [3]
    page = login_as("hr").get(f"/jobs/{job.id}").data.decode()
    assert 'id="import-errors"' in page


def test_recap_job_refuses_a_unit_outside_scope(recap_data, db):
    user = recap_data.world.users["admin.disdik"]
    with pytest.raises(recaps.RecapRefused):
        start_recap(scope_for(user), recap_data.period.id, recap_data.world.dinkes.id, "csv",
                    "id", user.id)  # fmt: skip
    assert db.session.scalar(select(func.count(Job.id))) == 0


def test_assigning_a_large_unit_runs_as_a_job(app, login_as, world, db, dinkes_template,
                                              open_period):  # fmt: skip
    app.config["ASSIGN_SYNC_EMPLOYEES"] = 2
    try:
        client = login_as("admin.dinkes")
        response = client.post("/assign/", data={
            "period_id": open_period.id, "template_version_id": dinkes_template.id,
            "mode": "unit", "unit_id": world.dinkes.id, "include_subunits": "1",
        })  # fmt: skip
    finally:
        app.config["ASSIGN_SYNC_EMPLOYEES"] = 500
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    job = db.session.scalars(select(Job).order_by(Job.id.desc())).first()
    assert (job.kind, job.state) == ("assign", "done")
    assert (job.summary["created"], job.summary["existing"]) == (4, 0)
    head = world.people["head.dinkes"]
    assert [row[0] for row in job.summary["problems"]] == [head.nip]  # no evaluator
    page = client.get(response.headers["Location"]).data.decode()
    assert 'id="assign-problems"' in page and head.name in page
    assert login_as("admin.disdik").get(f"/jobs/{job.id}").status_code == 404


def test_recaps_page_offers_the_background_job(login_as, recap_data, db):
    page = login_as("hr").get(f"/recaps/?period={recap_data.period.id}").data.decode()
    assert 'id="recap-job"' in page and 'action="/jobs/recap"' in page
    assert "Siapkan di latar belakang" in page


def test_backup_job_is_for_administrators_only(login_as, world, db):
    hr = login_as("hr")
    assert 'id="backup-start"' not in hr.get("/jobs/").data.decode()
    assert hr.post("/jobs/backup").status_code == 403
    admin = login_as("admin")
    assert 'id="backup-start"' in admin.get("/jobs/").data.decode()
    response = admin.post("/jobs/backup")
    assert response.status_code == 302
    job = db.session.scalars(select(Job).order_by(Job.id.desc())).first()
    assert (job.kind, job.state) == ("backup", "done"), job.error
    assert jobs.result_content(job)[:2] == b"\x1f\x8b"  # gzip
    assert login_as("hr").get(f"/jobs/{job.id}/status").status_code == 200  # HR sees all
    assert login_as("admin.dinkes").get(f"/jobs/{job.id}").status_code == 404


def test_flask_worker_runs_the_waiting_jobs(app, login_as, recap_data, db, deferred):
    client = login_as("admin.dinkes")
    pk = _start(client, recap_data, recap_data.world.dinkes.id)
    result = app.test_cli_runner().invoke(args=["worker", "--burst"])
    assert result.exit_code == 0, result.output
    assert _job(db, pk).state == "done"


def test_flask_worker_on_redis_starts_and_stops(app, db, redis_queue):
    result = app.test_cli_runner().invoke(args=["worker", "--burst"])
    assert result.exit_code == 0, result.output


def test_storage_gc_removes_old_job_files_and_keeps_the_rows(app, login_as, recap_data, db):
    client = login_as("admin.dinkes")
    pk = _start(client, recap_data, recap_data.world.dinkes.id)
    fresh = _start(client, recap_data, recap_data.world.dinkes.id, "xlsx")
    job = _job(db, pk)
    job.finished_at = dt.datetime(2020, 1, 1)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["storage", "gc"])
    assert result.exit_code == 0 and "files of 1 finished background job" in result.output
    assert jobs.result_content(_job(db, pk)) is None
    assert client.get(f"/jobs/{pk}/status").json["result_url"] is None
    assert jobs.result_content(_job(db, fresh)) is not None


def test_recap_refresh_goes_through_rq(app, recap_data, db, redis_queue):
    app.config.update(RECAP_REFRESH=True, JOBS_DEBOUNCE=0)
    try:
        unit_rating = db.session.scalars(select(UnitRating)).first()
        unit_rating.rating = "istimewa"
        db.session.commit()
    finally:
        app.config.update(RECAP_REFRESH=False, JOBS_DEBOUNCE=30)
    job = db.session.scalars(select(Job).where(Job.kind == RECAP_REFRESH)).one()
    assert job.state == "queued" and jobs.queue().rq.count == 1
    _rq_burst(app)
    assert _job(db, job.id).state == "done"
    spec = docs.recap_spec(recap_data.period, recap_data.world.dinkes.id, "id")
    key = docs.storage_key(spec.data_hash)
    assert storage.current().get(key) is not None  # the new data is in the PDF cache


def test_every_result_type_is_documented(client, api_token, recap_data, db, documented):
    headers = api_token("hr")
    for fmt in ("pdf", "xlsx", "csv"):
        body = {"period": recap_data.period.id, "unit": recap_data.world.disdik.id, "format": fmt}
        started = client.post("/api/v1/job/recap", json=body, headers=headers).json
        result = client.get(f"/api/v1/job/{started['id']}/result", headers=headers)
        assert result.status_code == 200
        documented(result, "/api/v1/job/{pk}/result", "GET")


def test_job_results_and_uploads_live_in_s3(app, login_as, recap_data, db, s3_settings):
    previous = app.extensions["kinerja.storage"]
    bucket = storage.from_config({**app.config, **s3_settings})
    app.extensions["kinerja.storage"] = bucket
    try:
        client = login_as("admin.dinkes")
        pk = _start(client, recap_data, recap_data.world.dinkes.id)
        key = _job(db, pk).result_key
        assert key.startswith(f"jobs/{pk}/") and bucket.get(key) is not None
        download = client.get(f"/jobs/{pk}/download")
        assert download.status_code == 200
        assert recap_data.world.people["pegawai.dinkes"].nip in download.data.decode()
        bucket.delete(key)  # a result gone from the bucket: a clean 404
        assert client.get(f"/jobs/{pk}/download").status_code == 404
    finally:
        app.extensions["kinerja.storage"] = previous


def test_the_owner_is_told_when_a_job_ends_and_nobody_for_refreshes(
    login_as, recap_data, db, monkeypatch
):
    from app.models import Notification

    client = login_as("admin.dinkes")
    pk = _start(client, recap_data, recap_data.world.dinkes.id)
    owner = recap_data.world.users["admin.dinkes"].id
    notes = db.session.scalars(select(Notification).where(Notification.target_type == "job"))
    assert [(n.user_id, n.kind, n.target_id) for n in notes] == [(owner, "job_finished", pk)]
    monkeypatch.setattr(docs, "recap_download", lambda *a, **k: 1 / 0)
    failed = _start(client, recap_data, recap_data.world.dinkes.id, fmt="xlsx")
    kinds = db.session.scalars(select(Notification.kind).where(Notification.target_id == failed))
    assert list(kinds) == ["job_failed"]
    assert "/jobs/" in client.get("/notifications/").get_data(as_text=True)
    assert (
        db.session.scalar(
            select(Notification.id).where(
                Notification.params["job"].as_string() == "Recap cache refresh"
            )
        )
        is None
    )
