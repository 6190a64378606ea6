"""HR announcements (sosialisasi): written by HR, shown on every dashboard until they expire,
with an optional PDF attachment and read counts per unit."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select

from app import storage
from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.models import Announcement, AnnouncementRead, Employee, Unit
from app.services import ValidationFailed
from app.services.evidence import safe_name

MAX_ATTACHMENT = 5 * 1024 * 1024
MAX_TITLE = 200
MAX_BODY = 10_000


@dataclass(frozen=True)
class Draft:
    """What HR typed (validated by `_checked`)."""

    title: str
    body: str
    starts_on: dt.date | None
    expires_on: dt.date | None


def _checked(draft: Draft) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not draft.title.strip():
        errors["title"] = [str(_l("Write a title."))]
    elif len(draft.title) > MAX_TITLE:
        errors["title"] = [str(_l("At most %(n)d characters.", n=MAX_TITLE))]
    if not draft.body.strip():
        errors["body"] = [str(_l("Write the announcement."))]
    elif len(draft.body) > MAX_BODY:
        errors["body"] = [str(_l("At most %(n)d characters.", n=MAX_BODY))]
    if draft.starts_on is None:
        errors["starts_on"] = [str(_l("Enter a date."))]
    if draft.expires_on is None:
        errors["expires_on"] = [str(_l("Enter a date."))]
    elif draft.starts_on and draft.expires_on < draft.starts_on:
        errors["expires_on"] = [str(_l("The end date must not be before the start date."))]
    return errors


def _attachment(upload) -> tuple[bytes, str] | None:
    """The uploaded PDF's bytes and clean name; None when no file was chosen."""
    if upload is None or not upload.filename:
        return None
    data = upload.read(MAX_ATTACHMENT + 1)
    if len(data) > MAX_ATTACHMENT:
        raise ValidationFailed({"attachment": [str(_l("The file is larger than 5 MB."))]})
    if not data.startswith(b"%PDF-"):
        raise ValidationFailed({"attachment": [str(_l("Attach a PDF file."))]})
    return data, safe_name(upload.filename)


def save(announcement: Announcement | None, draft: Draft, upload, user_id) -> Announcement:
    """Create or change an announcement; nothing is stored when anything is invalid."""
    errors = _checked(draft)
    try:
        attached = _attachment(upload)
    except ValidationFailed as exc:
        errors.update(exc.errors)
        attached = None
    if errors:
        raise ValidationFailed(errors)
    announcement = announcement or Announcement(created_by_id=user_id)
    announcement.title, announcement.body = draft.title.strip(), draft.body.strip()
    announcement.starts_on, announcement.expires_on = draft.starts_on, draft.expires_on
    if attached is not None:
        data, name = attached
        key = f"announcements/{secrets.token_hex(16)}.pdf"
        storage.current().put(key, data)
        announcement.attachment_key, announcement.attachment_name = key, name
    db.session.add(announcement)
    db.session.commit()
    return announcement


def archive(announcement: Announcement) -> None:
    """Take it off the dashboards (kept, with its read counts)."""
    announcement.archived = True
    db.session.commit()


def active(today: dt.date) -> list[Announcement]:
    """Announcements shown today, newest first."""
    return db.session.scalars(
        select(Announcement)
        .where(
            Announcement.archived.is_(False),
            Announcement.starts_on <= today,
            Announcement.expires_on >= today,
        )
        .order_by(Announcement.starts_on.desc(), Announcement.id.desc())
    ).all()


def everything() -> list[Announcement]:
    return db.session.scalars(
        select(Announcement).order_by(Announcement.starts_on.desc(), Announcement.id.desc())
    ).all()


def read_ids(user_id: int, announcements: list[Announcement]) -> set[int]:
    ids = [item.id for item in announcements]
    if not ids:
        return set()
    return set(
        db.session.scalars(
            select(AnnouncementRead.announcement_id).where(
                AnnouncementRead.user_id == user_id, AnnouncementRead.announcement_id.in_(ids)
            )
        )
    )


def mark_read(announcement: Announcement, user_id: int) -> None:
    if announcement.id not in read_ids(user_id, [announcement]):
        db.session.add(AnnouncementRead(announcement_id=announcement.id, user_id=user_id))
        db.session.commit()


@dataclass(frozen=True)
class UnitReads:
    """How many people of a unit (with an account) have read an announcement."""

    unit: str
    read: int
    people: int


def read_counts(announcement: Announcement) -> list[UnitReads]:
    """Per unit: readers among the active employees with an account, least read first."""
    read = (
        select(AnnouncementRead.user_id)
        .where(AnnouncementRead.announcement_id == announcement.id)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(
            Unit.name,
            func.count(Employee.id),
            func.count(Employee.id).filter(Employee.user_id.in_(read)),
        )
        .join(Employee, Employee.unit_id == Unit.id)
        .where(Employee.active, Employee.user_id.is_not(None))
        .group_by(Unit.id, Unit.name)
    ).all()
    counts = [UnitReads(name, read_count, people) for name, people, read_count in rows]
    return sorted(counts, key=lambda c: (c.read / c.people if c.people else 1, c.unit))
