"""Background jobs (pekerjaan latar belakang): start, run, report progress, keep the result.

The same job code runs on two queues:

- **RQ on Redis** when ``REDIS_URL`` is set: `flask worker` runs RQ's worker (with its
  scheduler, for debounced work); jobs survive a restart of the app servers.
- **Embedded** otherwise (``make run``): a thread in each app process takes the due jobs
  from the ``jobs`` table, so queued work survives a restart too. With ``JOBS_EAGER``
  (the test configuration) a job started without a delay runs at once, in the caller.

A kind of work is a function registered with `@handler("kind")`; it receives a
`Context` to read its inputs and scope, report progress and save its result. The
``Job`` row is the truth for every page: state, progress, total, result and error.
The same inputs (kind, inputs, owner) are never queued or run twice at once: their hash
is the row's unique ``active_key`` while it is queued or running.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import re
import threading
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from typing import BinaryIO

from flask import Flask, current_app, g, has_request_context
from flask_babel import force_locale
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import practice, storage
from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.models import Job
from app.models.forms import _now
from app.models.jobs import DONE, FAILED, QUEUED, RUNNING
from app.scope import Scope, scope_for
from app.services import notifications

log = logging.getLogger(__name__)

STATE_LABELS = {QUEUED: _l("Queued"), RUNNING: _l("Running"), DONE: _l("Done"),
                FAILED: _l("Failed")}  # fmt: skip
HANDLERS: dict[str, Callable[[Context], None]] = {}
KIND_LABELS: dict[str, object] = {}
UNEXPECTED = _l(
    "The job stopped because of an error on our side (it has been recorded). Try again."
)
_PROGRESS_EVERY = 0.5  # seconds between two progress writes
RESULTS = "jobs"  # results are stored objects jobs/<id>/<name> (not in backups)


class JobFailed(Exception):
    """A job that cannot finish, with a message for its owner (already translated), and
    what it found (e.g. the errors of an import by row), kept on the job."""

    def __init__(self, message: str, summary: dict | None = None):
        super().__init__(message)
        self.summary = summary


def handler(kind: str, label, silent: bool = False) -> Callable:
    """Register `func(context)` as the code of the jobs of `kind`, shown as `label`; the
    owner is notified when such a job ends, unless `silent` (work nobody waits for)."""

    def register(func: Callable[[Context], None]) -> Callable[[Context], None]:
        HANDLERS[kind] = func
        KIND_LABELS[kind] = label
        if silent:
            SILENT.add(kind)
        return func

    return register


SILENT: set[str] = set()


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


# --- starting -------------------------------------------------------------------------------


def inputs_hash(kind: str, inputs: dict, owner_id: int | None) -> str:
    blob = json.dumps([kind, inputs, owner_id], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


def start(kind: str, inputs: dict, *, owner_id: int | None, unit_id: int | None = None,
          delay: float = 0, session: Session | None = None) -> Job:  # fmt: skip
    """Queue a job, or return the one already queued or running for the same inputs.

    With a `delay` (debounced work), a queued twin is pushed back to run `delay` seconds
    from now, and a running twin is asked to run once more when it ends.
    """
    if kind not in HANDLERS:
        raise LookupError(f"unknown job kind {kind!r}")
    session = session or db.session
    digest = inputs_hash(kind, inputs, owner_id)
    run_after = _now() + dt.timedelta(seconds=delay)
    twin = session.scalar(select(Job).where(Job.active_key == digest))
    if twin is None:
        job = Job(kind=kind, inputs=inputs, inputs_hash=digest, active_key=digest,
                  owner_id=owner_id, unit_id=unit_id, state=QUEUED, run_after=run_after,
                  progress=0, total=0, attempts=0, rerun=False)  # fmt: skip
        session.add(job)
        try:
            session.commit()
        except IntegrityError:  # started at the same moment elsewhere
            session.rollback()
            twin = session.scalar(select(Job).where(Job.active_key == digest))
            if twin is None:
                raise
        else:  # not in the caller when it runs in another session (after a commit)
            queue().enqueue(job, eager=delay == 0 and session is db.session)
            return job
    if delay:
        _debounce(session, twin, run_after)
    return twin


def _debounce(session: Session, job: Job, run_after: dt.datetime) -> None:
    """Push a queued job back (its earlier wake-up finds it not due and waits again), or
    ask a running one to run once more."""
    if job.state == QUEUED:
        job.run_after = max(job.run_after, run_after)
    else:
        job.rerun = True
    session.commit()


def retry(job: Job) -> Job:
    """Queue a failed job again with the same inputs (or return its active twin)."""
    if job.state != FAILED:
        return job
    twin = db.session.scalar(select(Job).where(Job.active_key == job.inputs_hash))
    if twin is not None:
        return twin
    job.state, job.active_key, job.error = QUEUED, job.inputs_hash, None
    job.progress, job.run_after, job.updated_at = 0, _now(), _now()
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return db.session.scalar(select(Job).where(Job.active_key == job.inputs_hash)) or job
    queue().enqueue(job, eager=True)
    return job


# --- running --------------------------------------------------------------------------------


@dataclass
class Context:
    """What a handler gets: its job's inputs and owner's scope, progress and result."""

    job: Job
    scope: Scope
    _written: float = 0.0

    @property
    def inputs(self) -> dict:
        return self.job.inputs

    def set_total(self, total: int) -> None:
        self.job.total = max(int(total), 0)
        self._write(force=True)

    def set_progress(self, done: int) -> None:
        self.job.progress = min(max(int(done), 0), self.job.total or int(done))
        self._write()

    def advance(self, step: int = 1) -> None:
        self.set_progress(self.job.progress + step)

    def summarise(self, **values) -> None:
        """Plain values shown with the result (e.g. rows imported, errors by row)."""
        self.job.summary = {**(self.job.summary or {}), **values}

    def save_result(self, name: str, content: bytes | BinaryIO, mimetype: str) -> None:
        """Store the result (bytes or a binary file) in `app.storage`, as the job's result."""
        key = f"{RESULTS}/{self.job.id}/{_safe_name(name)}"
        storage.current().put(key, content)
        self.job.result_key, self.job.result_name, self.job.result_mime = key, name, mimetype

    def _write(self, force: bool = False) -> None:
        """Commit the progress (not more often than every half second). This commits the
        handler's session too: a handler writes its data in one step after its progress
        (as the services do), or accepts that what it flushed before is kept."""
        now = time.monotonic()
        if force or now - self._written >= _PROGRESS_EVERY:
            self._written = now
            self.job.updated_at = _now()
            db.session.commit()


def execute(job_id: int) -> str:
    """Run job `job_id` if it is queued and due (the function both queues call)."""
    job = _claim(job_id)
    if job is None:
        return "skipped"
    owner = _owner(job)
    context = Context(job, scope_for(owner) if owner else Scope(None, frozenset({"System"})))
    locale = job.inputs.get("lang") or current_app.config["BABEL_DEFAULT_LOCALE"]
    with _addressable(), force_locale(locale):
        try:
            HANDLERS[job.kind](context)
        except JobFailed as exc:
            _finish(job_id, FAILED, error=str(exc), summary=exc.summary)
        except Exception:  # noqa: BLE001 - every failure must end the job, never hang it
            log.exception("Job %s (%s) failed", job_id, job.kind)
            _finish(job_id, FAILED, error=str(UNEXPECTED))
        else:
            if job.total == 0 or job.progress < job.total:
                job.total = max(job.total, 1)
                job.progress = job.total
            _finish(job_id, DONE)
    return db.session.get(Job, job_id).state


def _addressable():
    """A request context on the public address when run by a worker (for `url_for`)."""
    if has_request_context():
        return nullcontext()
    return current_app.test_request_context("/", base_url=current_app.config["PUBLIC_BASE_URL"])


def _claim(job_id: int) -> Job | None:
    """Mark the job running if it is still queued and due; None if someone else has it."""
    db.session.rollback()
    now = _now()
    claimed = db.session.execute(
        update(Job)
        .where(Job.id == job_id, Job.state == QUEUED, Job.run_after <= now)
        .values(state=RUNNING, started_at=now, updated_at=now, attempts=Job.attempts + 1)
    ).rowcount
    db.session.commit()
    if not claimed:
        job = db.session.get(Job, job_id)
        if job is not None and job.state == QUEUED:  # not due yet: ask again later
            queue().enqueue(job, eager=False)
        return None
    return db.session.get(Job, job_id)


def _owner(job: Job):
    if job.owner_id is None:
        return None
    return db.session.get(current_app.appbuilder.sm.user_model, job.owner_id)


def _finish(job_id: int, state: str, error: str | None = None, summary=None) -> None:
    """End the job (a failure keeps nothing half-written), or queue it again if asked to."""
    if state == FAILED:
        db.session.rollback()
    job = db.session.get(Job, job_id)
    if state == FAILED:
        job.summary, job.result_key = summary, None
    job.state, job.error, job.finished_at, job.updated_at = state, error, _now(), _now()
    job.active_key = None
    again = job.rerun and state == DONE
    if again:
        job.state, job.active_key, job.rerun = QUEUED, job.inputs_hash, False
        job.run_after = _now() + dt.timedelta(seconds=current_app.config["JOBS_DEBOUNCE"])
    elif job.kind not in SILENT:
        notifications.job_ended(db.session, job, state == DONE, str(kind_label(job.kind)))
    db.session.commit()
    if again:
        queue().enqueue(job, eager=False)


# --- results --------------------------------------------------------------------------------


def _safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip(".-")[:120] or "result"


def result_content(job: Job) -> bytes | None:
    """The result file of a finished job, or None if it has none (or it was removed)."""
    if job.state != DONE or not job.result_key:
        return None
    return storage.current().get(job.result_key)


def send_result(job: Job):
    """A response streaming the job's result as a download, or None if it has none."""
    if job.state != DONE or not job.result_key:
        return None
    mimetype = job.result_mime or "application/octet-stream"
    response = storage.send(job.result_key, mimetype, as_attachment=True,
                            download_name=job.result_name, max_age=0)  # fmt: skip
    if response is not None:
        response.headers["Cache-Control"] = "private, no-store"
    return response


def expire_results(dry_run: bool = False) -> list[Job]:
    """Remove the files of jobs that ended more than JOBS_KEEP_DAYS ago (result and
    uploaded input); the rows stay as the record of what was run."""
    limit = _now() - dt.timedelta(days=current_app.config["JOBS_KEEP_DAYS"])
    old = db.session.scalars(
        select(Job).where(
            Job.state.in_((DONE, FAILED)),
            Job.finished_at < limit,
            Job.result_key.is_not(None) | Job.inputs["file"].as_string().is_not(None),
        )
    ).all()
    if dry_run:
        return list(old)
    for job in old:
        for key in (job.result_key, job.inputs.get("file")):
            if key and not _in_use(key, job):
                storage.current().delete(key)
        job.result_key = None
        job.inputs = {k: v for k, v in job.inputs.items() if k != "file"}
    db.session.commit()
    return list(old)


def _in_use(key: str, job: Job) -> bool:
    """Whether an uploaded file is still the input of another job (the same file twice)."""
    if key.startswith(f"{RESULTS}/{job.id}/"):
        return False
    others = select(Job.id).where(Job.id != job.id, Job.inputs["file"].as_string() == key)
    return db.session.execute(others.limit(1)).first() is not None


def status(job: Job) -> dict:
    """The job as the API and the progress page poll it."""
    return {
        "id": job.id,
        "kind": job.kind,
        "label": kind_label(job.kind),
        "state": job.state,
        "state_label": str(STATE_LABELS.get(job.state, job.state)),
        "progress": job.progress,
        "total": job.total,
        "error": job.error,
        "summary": job.summary or {},
        "result_name": job.result_name if job.result_key else None,
    }


# --- queues ---------------------------------------------------------------------------------


class EmbeddedQueue:
    """No extra service: a daemon thread per app process runs the due jobs of the table."""

    def __init__(self, app: Flask):
        self.app = app
        self.wake = threading.Event()
        self.stopped = threading.Event()
        self.thread: threading.Thread | None = None
        self.lock = threading.Lock()

    def enqueue(self, job: Job, eager: bool) -> None:
        if eager and self.app.config.get("JOBS_EAGER"):
            execute(job.id)
            return
        # In an app server only: a CLI command leaves the job queued for the servers or
        # `flask worker`; tests start the thread themselves (or call run_due).
        if has_request_context() and not self.app.testing:
            self.ensure_started()
        self.wake.set()

    def ensure_started(self) -> None:
        with self.lock:
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._loop, name="kinerja-jobs", daemon=True)
                self.thread.start()

    def _loop(self) -> None:
        with self.app.app_context():
            resumed = False
            while not self.stopped.is_set():
                self.wake.clear()
                try:
                    if not resumed:  # jobs a dead process left running (once it succeeds)
                        requeue_stale()
                        resumed = True
                    run_due()
                except Exception:  # noqa: BLE001 - the loop must outlive one bad round
                    log.exception("Embedded job loop")
                    db.session.rollback()
                finally:
                    db.session.remove()
                self.wake.wait(self.app.config["JOBS_POLL_SECONDS"])

    def stop(self, timeout: float = 30) -> None:
        """Let the thread finish its job and end (tests, shutdown)."""
        self.stopped.set()
        self.wake.set()
        if self.thread is not None:
            self.thread.join(timeout)


def run_due(limit: int | None = None) -> int:
    """Run the queued jobs that are due, oldest first; returns how many ran."""
    ran = 0
    while limit is None or ran < limit:
        job_id = db.session.scalar(
            select(Job.id)
            .where(Job.state == QUEUED, Job.run_after <= _now())
            .order_by(Job.run_after, Job.id)
            .limit(1)
        )
        db.session.rollback()
        if job_id is None:
            break
        execute(job_id)
        ran += 1
    return ran


def requeue_stale() -> int:
    """Queue again the jobs left running by a process that died: no progress for longer
    than both JOBS_STALE_SECONDS and the queue's job timeout (a live job is never taken)."""
    config = current_app.config
    seconds = max(config["JOBS_STALE_SECONDS"], config["JOBS_TIMEOUT"] + 60)
    limit = _now() - dt.timedelta(seconds=seconds)
    stale = list(
        db.session.scalars(select(Job).where(Job.state == RUNNING, Job.updated_at < limit))
    )
    for job in stale:
        job.state, job.run_after, job.updated_at = QUEUED, _now(), _now()
    db.session.commit()
    for job in stale:
        queue().enqueue(job, eager=False)
    return len(stale)


class RedisQueue:
    """RQ on Redis (``REDIS_URL``); `flask worker` runs the jobs."""

    def __init__(self, app: Flask):
        from redis import Redis
        from rq import Queue

        self.connection = Redis.from_url(app.config["REDIS_URL"])
        self.rq = Queue(app.config["JOBS_QUEUE"], connection=self.connection)

    def enqueue(self, job: Job, eager: bool) -> None:
        wait = (job.run_after - _now()).total_seconds()
        timeout = current_app.config["JOBS_TIMEOUT"]
        if wait > 0:
            self.rq.enqueue_in(dt.timedelta(seconds=wait), execute, job.id, job_timeout=timeout)
        else:
            self.rq.enqueue(execute, job.id, job_timeout=timeout)


class PracticeQueue:
    """Practice mode: the workers read only the real database, so practice jobs run in the
    practice requests: at once, or (started from another session, or delayed) once due, at
    the end of a request (`_run_practice_jobs`)."""

    def enqueue(self, job: Job, eager: bool) -> None:
        if eager:
            execute(job.id)
        else:
            g.practice_jobs_waiting = True


def _run_practice_jobs(response):
    if practice.active() and g.pop("practice_jobs_waiting", False):
        run_due()
    return response


def queue() -> EmbeddedQueue | RedisQueue | PracticeQueue:
    """The app's queue, made on first use (practice mode: `PracticeQueue`)."""
    if practice.active():
        return PracticeQueue()
    ext = current_app.extensions
    if "kinerja.jobs" not in ext:
        app = current_app._get_current_object()  # the thread needs the app, not the proxy
        ext["kinerja.jobs"] = RedisQueue(app) if app.config.get("REDIS_URL") else EmbeddedQueue(app)
    return ext["kinerja.jobs"]


def work(burst: bool = False) -> None:
    """`flask worker`: RQ's worker (with its scheduler, for delayed jobs) on REDIS_URL,
    else the embedded loop in the foreground."""
    q = queue()
    if isinstance(q, RedisQueue):
        from rq import Worker

        # Each job runs in a forked child: it must not share the parent's connections.
        os.register_at_fork(after_in_child=lambda: db.engine.dispose(close=False))
        requeue_stale()
        Worker([q.rq], connection=q.connection).work(burst=burst, with_scheduler=True)
        return
    requeue_stale()
    while True:
        ran = run_due()
        db.session.remove()
        if burst and not ran:
            return
        if not ran:
            time.sleep(current_app.config["JOBS_POLL_SECONDS"])


def install(app: Flask) -> None:
    """Register the kinds of jobs; resume the embedded queue's waiting jobs once the
    process serves its first request."""
    from app.services import job_kinds  # noqa: F401 - registers the handlers

    app.after_request(_run_practice_jobs)
    if app.config.get("REDIS_URL") or app.testing:
        return

    @app.before_request
    def _resume_jobs():
        q = queue()
        if isinstance(q, EmbeddedQueue):
            q.ensure_started()
