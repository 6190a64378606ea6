"""The long work that runs as background jobs: recaps, the recap cache, imports, backups.

Each handler checks access with the scope of the job's owner (rebuilt when it runs, so a
role removed meanwhile counts) and reports progress in rows or units.
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from app import practice, printing, storage
from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.models import (
    Employee,
    EvaluationPeriod,
    Submission,
    TemplateVersion,
    Unit,
    UnitRating,
)
from app.services import ValidationFailed, exports, notifications, recaps
from app.services import documents as docs
from app.services.jobs import Context, JobFailed, handler, start

RECAP, RECAP_REFRESH, IMPORT_EMPLOYEES, ASSIGN, BACKUP, PERIOD_NOTICE = (
    "recap", "recap_refresh", "import_employees", "assign", "backup", "period_notice",
)  # fmt: skip
NOTICE_CHUNK = 1000
UPLOADS = "jobs/uploads"


def _period(period_id) -> EvaluationPeriod:
    period = db.session.get(EvaluationPeriod, period_id)
    if period is None:
        raise JobFailed(str(_l("The evaluation period no longer exists.")))
    return period


def _printed(spec: docs.Spec, context: Context) -> bytes:
    """The PDF of `spec` (from the cache when unchanged), progress per part rendered."""
    sections = spec.payload["sections"]
    parts = 1 + sum(1 for s in sections if s[4]) if spec.payload["regency"] else 1
    context.set_total(parts)
    token = printing.PARTS_DONE.set(context.set_progress)
    try:
        pdf, _issued, _cached = docs.obtain(spec, context.job.owner_id)
    except printing.PrintError as exc:
        raise JobFailed(str(_l("The document could not be printed: %(why)s", why=exc))) from exc
    finally:
        printing.PARTS_DONE.reset(token)
    return pdf


# --- recaps ---------------------------------------------------------------------------------


def start_recap(scope, period_id: int, unit_id: int | None, fmt: str, lang: str, user_id: int):
    """Queue a recap (PDF/XLSX/CSV) for `scope`, after checking access now."""
    if fmt not in docs.FORMATS:
        raise ValueError("format must be pdf, xlsx or csv")
    recaps.check_access(scope, unit_id)
    if db.session.get(EvaluationPeriod, period_id) is None:
        raise LookupError("no such period")
    inputs = {"period": period_id, "unit": unit_id, "format": fmt, "lang": lang}
    return start(RECAP, inputs, owner_id=user_id, unit_id=unit_id)


@handler(RECAP, _l("Performance recap"))
def _recap(context: Context) -> None:
    period, unit_id = _period(context.inputs["period"]), context.inputs["unit"]
    fmt = context.inputs["format"]
    try:
        recaps.check_access(context.scope, unit_id)
    except recaps.RecapRefused:
        raise JobFailed(str(_l("You no longer have access to this recap."))) from None
    if fmt == "pdf":
        spec = docs.recap_spec(period, unit_id, context.inputs["lang"])
        context.save_result(spec.filename, _printed(spec, context), docs.FORMATS["pdf"])
        return
    context.set_total(1)
    try:
        download = docs.recap_download(
            context.scope, period.id, unit_id, fmt, context.inputs["lang"], context.job.owner_id
        )
    except exports.NoTables as exc:
        raise JobFailed(str(exc)) from None
    context.save_result(download.filename, download.content, download.mimetype)


@handler(RECAP_REFRESH, _l("Recap cache refresh"), silent=True)
def _refresh(context: Context) -> None:
    """Render a period's unit recaps and regency recap again into the PDF cache."""
    period = _period(context.inputs["period"])
    langs = current_app.config["RECAP_REFRESH_LANGS"]
    units = list(db.session.scalars(select(Unit.id).order_by(Unit.code)))
    context.set_total(len(langs) * (len(units) + 1))
    for lang in langs:
        with force_locale(lang):
            for unit_id in [*units, None]:
                spec = docs.recap_spec(period, unit_id, lang)
                if unit_id is None or spec.payload["sections"][0][4]:  # a unit with rows
                    docs.obtain(spec, None)
                context.advance()


def schedule_refresh(period_ids, session: Session | None = None) -> None:
    """Re-render these periods' recaps in the background, once the changes settle."""
    delay = current_app.config["JOBS_DEBOUNCE"]
    for period_id in sorted(period_ids):
        start(RECAP_REFRESH, {"period": period_id}, owner_id=None, delay=delay, session=session)


_WATCHED = {
    Submission: ("state", "hasil_rating", "perilaku_rating", "predikat", "unit_id",
                 "calibrated_predikat"),
    UnitRating: ("rating",),
}  # fmt: skip
_PENDING = "kinerja.recap_periods"


@event.listens_for(Session, "after_flush")
def _note_recap_changes(session: Session, _context) -> None:
    """Remember the periods whose recap data this flush changed."""
    for obj in (*session.new, *session.dirty, *session.deleted):
        fields = _WATCHED.get(type(obj))
        if fields is None or getattr(obj, "period_id", None) is None:
            continue
        state = inspect(obj)
        if obj in session.dirty and not any(state.attrs[f].history.has_changes() for f in fields):
            continue
        session.info.setdefault(_PENDING, set()).add(obj.period_id)


@event.listens_for(Session, "after_commit")
def _refresh_after_commit(session: Session) -> None:
    periods = session.info.pop(_PENDING, None)
    if not periods or not current_app or not current_app.config.get("RECAP_REFRESH"):
        return
    if practice.active():  # recaps of practice data are rendered when asked for
        return
    with Session(bind=session.get_bind()) as other:  # this session may not run SQL any more
        schedule_refresh(periods, session=other)


@event.listens_for(Session, "after_rollback")
def _forget_recap_changes(session: Session) -> None:
    session.info.pop(_PENDING, None)
    session.info.pop(notifications.OPENED_PERIODS, None)


# --- telling everyone that a period opened --------------------------------------------------


@event.listens_for(Session, "after_commit")
def _tell_after_commit(session: Session) -> None:
    periods = session.info.pop(notifications.OPENED_PERIODS, None)
    if not periods or not current_app:
        return
    with Session(bind=session.get_bind()) as other:  # this session may not run SQL any more
        for period_id in sorted(periods):
            start(PERIOD_NOTICE, {"period": period_id}, owner_id=None, session=other)


@handler(PERIOD_NOTICE, _l("Period-open notifications"), silent=True)
def _period_notice(context: Context) -> None:
    """Tell every active employee with an account, a thousand at a time."""
    period = _period(context.inputs["period"])
    users = db.session.scalars(
        select(Employee.user_id)
        .where(Employee.active, Employee.user_id.is_not(None))
        .distinct()
        .order_by(Employee.user_id)
    ).all()
    context.set_total(len(users))
    for first in range(0, len(users), NOTICE_CHUNK):
        chunk = users[first : first + NOTICE_CHUNK]
        notifications.tell_period_opened(db.session, period, chunk)
        db.session.commit()
        context.advance(len(chunk))


# --- employee import ------------------------------------------------------------------------


def start_employee_import(filename: str, content: bytes, lang: str, user_id: int):
    """Keep the uploaded file and queue its import (the same file twice at once: one job)."""
    key = f"{UPLOADS}/{hashlib.sha256(content).hexdigest()}"
    storage.current().put(key, content)
    inputs = {"file": key, "filename": filename, "lang": lang}
    return start(IMPORT_EMPLOYEES, inputs, owner_id=user_id)


@handler(IMPORT_EMPLOYEES, _l("Employee import"))
def _import_employees(context: Context) -> None:
    from app.services.imports import ImportFileError, import_employees, read_rows

    content = storage.current().get(context.inputs.get("file", UPLOADS + "/none"))
    if content is None:
        raise JobFailed(str(_l("The uploaded file is gone; upload it again.")))
    try:
        rows = read_rows(context.inputs["filename"], content)
    except ImportFileError as exc:
        raise JobFailed(str(exc.args[0])) from None
    context.set_total(len(rows))
    try:
        result = import_employees(rows, context.scope)
    except ValidationFailed as exc:
        raise JobFailed(" ".join(m for ms in exc.errors.values() for m in ms)) from None
    if result.errors:
        errors = [[e.row, e.column, str(e.message)] for e in result.errors]
        message = _l("Nothing was imported: %(count)d problems in the file.", count=len(errors))
        raise JobFailed(str(message), summary={"errors": errors})
    context.summarise(created=result.created, updated=result.updated)


# --- bulk assignment ------------------------------------------------------------------------


def start_assignment(period_id: int, version_id: int, choice: dict, lang: str, user_id: int):
    """Queue the assignment of a template to a unit's employees (`assignment.assign`)."""
    inputs = {"period": period_id, "version": version_id, "choice": choice, "lang": lang}
    return start(ASSIGN, inputs, owner_id=user_id, unit_id=choice.get("unit_id"))


@handler(ASSIGN, _l("Evaluation assignment"))
def _assign(context: Context) -> None:
    from app.scope import assignable_versions
    from app.services.assignment import assign

    period = _period(context.inputs["period"])
    version = db.session.scalar(
        select(TemplateVersion).where(
            TemplateVersion.id == context.inputs["version"], assignable_versions(context.scope)
        )
    )
    if version is None:
        raise JobFailed(str(_l("Choose a published template.")))
    context.set_total(1)
    try:
        result = assign(period, version, context.scope, **context.inputs["choice"])
    except ValidationFailed as exc:
        raise JobFailed(" ".join(m for ms in exc.errors.values() for m in ms)) from None
    problems = [[e.nip, e.name, message] for e, message in result.problems]
    context.summarise(created=result.created, existing=result.existing, problems=problems)


# --- backup ---------------------------------------------------------------------------------


@handler(BACKUP, _l("Backup"))
def _backup(context: Context) -> None:
    from app.services.backup import BackupError, create_backup

    context.set_total(1)
    name = f"kinerja-{context.job.id}-{context.job.created_at:%Y%m%d-%H%M%S}.tar.gz"
    with tempfile.TemporaryDirectory(prefix="kinerja-backup-job-") as work:
        try:
            result = create_backup(Path(work) / name)
        except BackupError as exc:
            raise JobFailed(str(exc)) from None
        with result.path.open("rb") as archive:
            context.save_result(name, archive, "application/gzip")
    context.summarise(rows=sum(result.manifest["tables"].values()))
