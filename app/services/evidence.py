"""Supporting evidence (bukti dukung) files: checked by content, stored outside the web root.

Files are stored as ``evidence/<random name>`` in the shared storage (`app.storage`: a
folder or S3), so every app server finds them; only the database knows the original name.
A submission's evidence is bounded (`EVIDENCE_QUOTA_MB`, `EVIDENCE_MAX_FILES`); a file
no answer refers to any more is deleted when its answer changes (`forget`), and
`flask storage gc` removes what older versions left behind (`collect_garbage`).
"""

from __future__ import annotations

import datetime as dt
import secrets
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import filetype
from flask import current_app
from sqlalchemy import func, select

from app import storage
from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.models import Evidence, Submission
from app.models.forms import _now
from app.services import ValidationFailed
from app.storage import StoredObject

MAX_BYTES = 5 * 1024 * 1024
ALLOWED = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
# The name must not claim another type than the content (a PNG named "laporan.pdf").
SUFFIXES = {"application/pdf": {".pdf"}, "image/jpeg": {".jpg", ".jpeg"}, "image/png": {".png"}}
MAX_NAME = 200
# An upload writes its file before its row is committed: younger files are left alone.
GC_GRACE = dt.timedelta(hours=1)


PREFIX = "evidence/"


def key_of(stored_name: str) -> str:
    """The storage key of a stored evidence file."""
    return PREFIX + stored_name


def stored_files() -> dict[str, StoredObject]:
    """The evidence files in the storage, by stored name."""
    return {item.name: item for item in storage.current().list(PREFIX)}


def _refuse(field_ref: str, message) -> ValidationFailed:
    return ValidationFailed({field_ref: [str(message)]})


def safe_name(filename: str | None) -> str:
    """A file name fit for storage and headers: no folders, control characters or odd spaces."""
    base = unicodedata.normalize("NFC", str(filename or "")).replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(
        " " if c.isspace() else c
        for c in base
        if c.isspace() or not unicodedata.category(c).startswith("C")  # control, format …
    )
    cleaned = " ".join(cleaned.split()).strip(" .")
    if len(cleaned) > MAX_NAME:
        stem, dot, suffix = cleaned.rpartition(".")
        keep = MAX_NAME - len(suffix) - 1
        cleaned = f"{stem[:keep]}.{suffix}" if dot and 0 < len(suffix) < 10 else cleaned[:MAX_NAME]
    return cleaned or "bukti"


def _check_quota(submission: Submission, field_ref: str, size: int) -> None:
    """The submission's other files plus this one must stay within the quota."""
    quota_mb = int(current_app.config.get("EVIDENCE_QUOTA_MB", 25))
    max_files = int(current_app.config.get("EVIDENCE_MAX_FILES", 20))
    count, total = db.session.execute(
        select(func.count(Evidence.id), func.coalesce(func.sum(Evidence.size), 0)).where(
            Evidence.submission_id == submission.id, Evidence.field_ref != field_ref[:80]
        )
    ).one()
    if count + 1 > max_files or total + size > quota_mb * 1024 * 1024:
        raise _refuse(
            field_ref,
            _l("The evidence of one submission may total at most %(mb)d MB in %(n)d files. "
               "Remove or replace a file first.", mb=quota_mb, n=max_files),
        )  # fmt: skip


def store(submission: Submission, field_ref: str, filename: str, stream, user_id) -> Evidence:
    """Check and store an upload for `field_ref` ("<form version id>:<field key>")."""
    content = stream.read(MAX_BYTES + 1)
    if not content:
        raise _refuse(field_ref, _l("The file is empty."))
    if len(content) > MAX_BYTES:
        raise _refuse(field_ref, _l("The file is larger than 5 MB."))
    _check_quota(submission, field_ref, len(content))
    filename = safe_name(filename)
    kind = filetype.guess(content)
    if kind is None or kind.mime not in ALLOWED:
        raise _refuse(field_ref, _l("Only PDF, JPEG or PNG files are accepted."))
    suffix = Path(filename).suffix.lower()
    if suffix and suffix not in SUFFIXES[kind.mime]:
        raise _refuse(
            field_ref,
            _l("The file name ends in %(suffix)s but its content is %(kind)s.",
               suffix=suffix, kind=kind.extension.upper()),
        )  # fmt: skip
    stored_name = secrets.token_hex(16) + ALLOWED[kind.mime]
    storage.current().put(key_of(stored_name), content)
    evidence = Evidence(
        submission=submission,
        field_ref=field_ref[:80],
        stored_name=stored_name,
        original_name=filename,
        content_type=kind.mime,
        size=len(content),
        uploaded_by_id=user_id,
    )
    db.session.add(evidence)
    db.session.flush()
    return evidence


def content_disposition(evidence: Evidence) -> str:
    """The download header of an evidence file.

    The name is cleaned again: rows stored before names were cleaned may hold anything.
    """
    return attachment_header(evidence.original_name, "bukti")


def attachment_header(filename: str | None, default: str) -> str:
    """An attachment header with an ASCII fallback and the UTF-8 name (RFC 6266/5987)."""
    name = safe_name(filename)
    fallback = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    fallback = "".join(c if c.isalnum() or c in " .-_()" else "_" for c in fallback).strip()
    return (
        f"attachment; filename=\"{fallback or default}\"; filename*=UTF-8''{quote(name, safe='')}"
    )


def send(evidence: Evidence, **options):
    """A response streaming the evidence file (`send_file` options), or None when it is missing."""
    return storage.send(key_of(evidence.stored_name), evidence.content_type, **options)


def as_answer(evidence: Evidence) -> dict[str, str]:
    """The answer value the form engine stores for an uploaded file."""
    return {"kind": "file", "name": evidence.original_name, "ref": str(evidence.id)}


def file_refs(answers: dict) -> set[str]:
    """The evidence ids that a submission's answers refer to."""
    return {
        str(value.get("ref"))
        for values in (answers or {}).values()
        if isinstance(values, dict)
        for value in values.values()
        if isinstance(value, dict) and value.get("kind") == "file"
    }


def forget(submission: Submission, refs: set[str]) -> list[str]:
    """Delete the evidence rows `refs` of `submission` that its answers no longer name.

    Part of the caller's transaction; returns the stored names whose files the caller
    removes (`remove_files`) once the transaction is committed.
    """
    unused = refs - file_refs(submission.answers)
    gone = [e for e in submission.evidence if str(e.id) in unused]
    for evidence in gone:
        db.session.delete(evidence)
    return [e.stored_name for e in gone]


def remove_files(stored_names: list[str]) -> None:
    """Remove stored files that no evidence row names (any submission's)."""
    if not stored_names:
        return
    named = set(
        db.session.scalars(
            select(Evidence.stored_name).where(Evidence.stored_name.in_(stored_names))
        )
    )
    for name in set(stored_names) - named:
        storage.current().delete(key_of(name))


@dataclass(frozen=True)
class Leftover:
    """An evidence row or a stored file that nothing refers to any more."""

    stored_name: str
    size: int
    evidence_id: int | None = None  # None: a file without a row
    submission_id: int | None = None


def collect_garbage(dry_run: bool = False) -> list[Leftover]:
    """Find (and unless `dry_run`, delete) evidence that nothing refers to.

    Rows whose submission's answers no longer name them (uploads replaced before
    files were cleaned up) and files in the storage folder without a row, both older
    than `GC_GRACE` so that an upload being saved right now is never touched.
    """
    cutoff = _now() - GC_GRACE
    with_old_files = select(Evidence.submission_id).where(Evidence.uploaded_at < cutoff)
    rows = []
    for submission in db.session.scalars(
        select(Submission).where(Submission.id.in_(with_old_files))
    ):
        named = file_refs(submission.answers)
        rows += [
            e for e in submission.evidence if str(e.id) not in named and e.uploaded_at < cutoff
        ]
    found = [Leftover(e.stored_name, e.size, e.id, e.submission_id) for e in rows]
    known = set(db.session.scalars(select(Evidence.stored_name)))
    oldest = time.time() - GC_GRACE.total_seconds()
    for name, item in sorted(stored_files().items()):
        if name not in known and item.modified < oldest:
            found.append(Leftover(name, item.size))
    if not dry_run:
        for evidence in rows:
            db.session.delete(evidence)
        db.session.commit()
        remove_files([item.stored_name for item in found])
    return found


def discard(stored_names: list[str]) -> None:
    """Forget the uploads of a save that failed: roll back their rows, delete their files."""
    db.session.rollback()
    for name in stored_names:
        storage.current().delete(key_of(name))
