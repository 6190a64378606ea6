"""Supporting evidence (bukti dukung) files: checked by content, stored outside the web root.

Files live under `STORAGE_DIR/evidence/` with random names, so every app server
that mounts the same storage finds them; only the database knows the original name.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import filetype
from flask import current_app
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.models import Evidence, Submission
from app.services import ValidationFailed

MAX_BYTES = 5 * 1024 * 1024
ALLOWED = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
# The name must not claim another type than the content (a PNG named "laporan.pdf").
SUFFIXES = {"application/pdf": {".pdf"}, "image/jpeg": {".jpg", ".jpeg"}, "image/png": {".png"}}


def storage_dir() -> Path:
    path = Path(current_app.config["STORAGE_DIR"]) / "evidence"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _refuse(field_ref: str, message) -> ValidationFailed:
    return ValidationFailed({field_ref: [str(message)]})


def store(submission: Submission, field_ref: str, filename: str, stream, user_id) -> Evidence:
    """Check and store an upload for `field_ref` ("<form version id>:<field key>")."""
    content = stream.read(MAX_BYTES + 1)
    if not content:
        raise _refuse(field_ref, _l("The file is empty."))
    if len(content) > MAX_BYTES:
        raise _refuse(field_ref, _l("The file is larger than 5 MB."))
    kind = filetype.guess(content)
    if kind is None or kind.mime not in ALLOWED:
        raise _refuse(field_ref, _l("Only PDF, JPEG or PNG files are accepted."))
    suffix = Path(filename or "").suffix.lower()
    if suffix and suffix not in SUFFIXES[kind.mime]:
        raise _refuse(
            field_ref,
            _l("The file name ends in %(suffix)s but its content is %(kind)s.",
               suffix=suffix, kind=kind.extension.upper()),
        )  # fmt: skip
    stored_name = secrets.token_hex(16) + ALLOWED[kind.mime]
    (storage_dir() / stored_name).write_bytes(content)
    evidence = Evidence(
        submission=submission,
        field_ref=field_ref[:80],
        stored_name=stored_name,
        original_name=Path(filename or "bukti").name[:200] or "bukti",
        content_type=kind.mime,
        size=len(content),
        uploaded_by_id=user_id,
    )
    db.session.add(evidence)
    db.session.flush()
    return evidence


def path_of(evidence: Evidence) -> Path:
    return storage_dir() / evidence.stored_name


def as_answer(evidence: Evidence) -> dict[str, str]:
    """The answer value the form engine stores for an uploaded file."""
    return {"kind": "file", "name": evidence.original_name, "ref": str(evidence.id)}


def discard(stored_names: list[str]) -> None:
    """Forget the uploads of a save that failed: roll back their rows, delete their files."""
    db.session.rollback()
    folder = storage_dir()
    for name in stored_names:
        (folder / name).unlink(missing_ok=True)
