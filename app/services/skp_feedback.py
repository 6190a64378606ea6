"""Continuous feedback (umpan balik berkelanjutan): dated notes on an SKP's RHK.

During the year the pejabat penilai records coaching, progress and obstacles on an RHK of
the employee's SKP; the employee records progress and obstacles and may reply to a note.
The notes follow an RHK through revisions (by its `key`), and show on the SKP page, the
review page and the annual evaluation (`feedback_for`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.models import Employee, Skp, SkpFeedback, SkpRhk, SkpVersion
from app.scope import Scope
from app.services import ValidationFailed
from app.services.submissions import ActionRefused

KINDS = {
    "coaching": _l("Coaching"),
    "progress": _l("Progress"),
    "obstacle": _l("Obstacle"),
    "reply": _l("Reply"),
}
SUPERVISOR_KINDS = {"coaching", "progress", "obstacle", "reply"}
EMPLOYEE_KINDS = {"progress", "obstacle", "reply"}
MAX_BODY = 2000


@dataclass(frozen=True)
class Note:
    """A feedback note as pages show it."""

    id: int
    at: dt.datetime
    author: str
    kind: str
    rhk_key: str | None
    rhk_title: str | None
    body: str
    reply_to_id: int | None

    @property
    def kind_label(self) -> str:
        return str(KINDS.get(self.kind, self.kind))


def _role(skp: Skp, scope: Scope) -> str | None:
    """ "employee", "supervisor" (pejabat penilai) or None: who may write notes on `skp`."""
    if not scope.employee_id:
        return None
    if scope.employee_id == skp.employee_id:
        return "employee"
    evaluators = {skp.employee.supervisor_id, *(v.evaluator_id for v in skp.versions)}
    return "supervisor" if scope.employee_id in evaluators else None


def may_write(skp: Skp, scope: Scope) -> bool:
    return _role(skp, scope) is not None


def kinds_for(skp: Skp, scope: Scope) -> list[str]:
    """The kinds of note `scope` may record on `skp` (besides replies)."""
    role = _role(skp, scope)
    allowed = SUPERVISOR_KINDS if role == "supervisor" else EMPLOYEE_KINDS if role else set()
    return [kind for kind in KINDS if kind in allowed and kind != "reply"]


def rhk_titles(skp: Skp) -> dict[str, str]:
    """RHK key → title, the newest version's title winning."""
    rows = db.session.execute(
        select(SkpRhk.key, SkpRhk.title)
        .join(SkpVersion, SkpRhk.version_id == SkpVersion.id)
        .where(SkpVersion.skp_id == skp.id)
        .order_by(SkpVersion.number)
    )
    return {row.key: row.title for row in rows}


def _clean(skp: Skp, data: dict[str, Any], role: str) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    kind = data.get("kind") or "progress"
    allowed = SUPERVISOR_KINDS if role == "supervisor" else EMPLOYEE_KINDS
    if kind not in allowed:
        errors["kind"] = [str(_l("Choose a kind of note you may record."))]
    body = data.get("body") if isinstance(data.get("body"), str) else ""
    body = body.strip()
    if not body:
        errors["body"] = [str(_l("Write the note."))]
    elif len(body) > MAX_BODY or "\x00" in body:
        errors["body"] = [str(_l("At most %(n)d characters.", n=MAX_BODY))]
    rhk_key = data.get("rhk_key") or None
    if rhk_key is not None and rhk_key not in rhk_titles(skp):
        errors["rhk_key"] = [str(_l("Choose an RHK of this SKP."))]
    reply_to = None
    if kind == "reply":
        reply_to = _reply_target(skp, data.get("reply_to_id"))
        if reply_to is None:
            errors["reply_to_id"] = [str(_l("Choose the note you reply to."))]
        else:
            rhk_key = reply_to.rhk_key
    if errors:
        raise ValidationFailed(errors)
    return {"kind": kind, "body": body, "rhk_key": rhk_key,
            "reply_to_id": reply_to.id if reply_to else None}  # fmt: skip


def _reply_target(skp: Skp, note_id: Any) -> SkpFeedback | None:
    if not isinstance(note_id, int) or isinstance(note_id, bool) or not 0 < note_id < 2**31:
        return None
    note = db.session.get(SkpFeedback, note_id)
    return note if note is not None and note.skp_id == skp.id else None


def record(skp: Skp, data: dict[str, Any], scope: Scope, user_id) -> SkpFeedback:
    """Record a note by the employee or the pejabat penilai; anyone else is refused."""
    role = _role(skp, scope)
    if role is None:
        raise ActionRefused(_l("Only the employee and the pejabat penilai write feedback notes."))
    clean = _clean(skp, data, role)
    note = SkpFeedback(skp_id=skp.id, author_id=user_id, **clean)
    db.session.add(note)
    db.session.commit()
    return note


def _notes(query) -> list[Note]:
    rows = db.session.scalars(query.options(selectinload(SkpFeedback.author))).all()
    titles: dict[int, dict[str, str]] = {}
    notes = []
    for row in rows:
        if row.skp_id not in titles:
            titles[row.skp_id] = rhk_titles(row.skp)
        author = row.author
        notes.append(
            Note(
                id=row.id, at=row.at, kind=row.kind, rhk_key=row.rhk_key,
                rhk_title=titles[row.skp_id].get(row.rhk_key) if row.rhk_key else None,
                author=f"{author.first_name} {author.last_name}".strip() if author else "?",
                body=row.body, reply_to_id=row.reply_to_id,
            )
        )  # fmt: skip
    return _threaded(notes)


def _threaded(notes: list[Note]) -> list[Note]:
    """Notes in date order, each followed by its replies."""
    replies: dict[int, list[Note]] = {}
    for note in notes:
        if note.reply_to_id is not None:
            replies.setdefault(note.reply_to_id, []).append(note)
    ordered: list[Note] = []

    def add(note: Note) -> None:
        ordered.append(note)
        for reply in replies.get(note.id, []):
            add(reply)

    ids = {note.id for note in notes}
    for note in notes:
        if note.reply_to_id is None or note.reply_to_id not in ids:
            add(note)
    return ordered


def notes_of(skp: Skp) -> list[Note]:
    """Every note on `skp`, oldest first, replies under their note."""
    return _notes(
        select(SkpFeedback)
        .where(SkpFeedback.skp_id == skp.id)
        .order_by(SkpFeedback.at, SkpFeedback.id)
    )


def feedback_for(employee: Employee | int, year: int) -> list[Note]:
    """The notes on `employee`'s SKPs of `year`, for the review page and annual evaluation."""
    employee_id = employee if isinstance(employee, int) else employee.id
    skps = select(Skp.id).where(Skp.employee_id == employee_id, Skp.year == year)
    return _notes(
        select(SkpFeedback)
        .where(SkpFeedback.skp_id.in_(skps))
        .order_by(SkpFeedback.at, SkpFeedback.id)
    )
