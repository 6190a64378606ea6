"""Drafts and frozen versions of versioned documents (forms, templates, SKPs).

What the three documents share: the draft being edited with its revision check, the next
version number, publishing a draft as a frozen version (for an SKP: the agreement), and
finding a version by number. What a definition must contain stays with each document.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.models.versioning import DraftDocument, PublishedVersion, _now
from app.services import ValidationFailed


class DraftConflict(ValidationFailed):
    """Someone saved the draft since it was loaded."""


class VersionMissing(ValidationFailed):
    """The write does not say which version of the record it was based on (lock_version)."""


def _fail(message, field: str = "_form") -> ValidationFailed:
    return ValidationFailed({field: [str(message)]})


def next_number(version_cls: type[PublishedVersion], parent_column, parent_id: int) -> int:
    """The number the next version of the document `parent_id` gets (1 for the first)."""
    latest = db.session.scalar(
        select(func.max(version_cls.number)).where(parent_column == parent_id)
    )
    return (latest or 0) + 1


def editable_draft(doc: DraftDocument, blank: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """The draft to edit; a copy of the latest version's definition, or `blank()`, if none."""
    if doc.draft is not None:
        return doc.draft
    latest = doc.latest_version
    return copy.deepcopy(latest.definition) if latest else blank()


def check_revision(doc: DraftDocument, revision: int | None) -> None:
    """Refuse to overwrite a draft someone saved after `revision` was read."""
    if revision == doc.draft_revision:
        return
    who = doc.updated_by.username if getattr(doc, "updated_by", None) else "?"
    raise DraftConflict(
        {"_form": [str(_l(
            "This draft was changed by %(who)s at %(when)s. Reload it before saving.",
            who=who, when=doc.updated_at.strftime("%d-%m-%Y %H:%M"),
        ))]}
    )  # fmt: skip


def touch(doc: DraftDocument, user_id: int | None, draft: Any = None) -> None:
    """Record a change of the draft (`draft` replaces it unless None): new revision, who, when."""
    if draft is not None:
        doc.draft = draft
    doc.draft_revision += 1
    doc.updated_at = _now()
    doc.updated_by_id = user_id


def stamp(version: PublishedVersion, user_id: int | None) -> None:
    """Mark `version` published (agreed) now by `user_id`; it is frozen from the next flush."""
    version.published_at = _now()
    version.published_by_id = user_id


def publish_draft(
    doc: DraftDocument,
    definition: dict[str, Any],
    version_cls: type,
    parent: str,
    user_id: int | None,
    conflict_message,
) -> Any:
    """Freeze a checked `definition` of `doc`'s draft as its next version and clear the draft.

    `parent` names the version's relationship to `doc` ("form", "template"). Refuses a
    definition equal to the latest version's; a concurrent publish of the same number is
    refused with `conflict_message`, nothing written.
    """
    latest = doc.latest_version
    if latest is not None and latest.definition == definition:
        raise _fail(
            _l("The draft is the same as version %(n)d; nothing to publish.", n=latest.number)
        )
    number = next_number(version_cls, getattr(version_cls, f"{parent}_id"), doc.id)
    version = version_cls(
        **{parent: doc}, number=number, definition=definition, published_by_id=user_id
    )
    db.session.add(version)
    doc.draft = None
    touch(doc, user_id)
    try:
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise _fail(conflict_message) from exc
    return version


def find_version(doc: DraftDocument, number: int | None) -> Any:
    """Version `number` of `doc` (the latest when None); refused when there is none."""
    for item in reversed(doc.versions):
        if number is None or item.number == number:
            return item
    raise _fail(_l("Version %(n)s does not exist.", n=number), "version")


def check_lock(
    row: Any,
    lock_version: Any,
    *,
    missing,
    changed: Callable[..., Any],
    conflict: type[ValidationFailed],
) -> None:
    """Optimistic locking of a write to `row` (with `lock_version`, `updated_by/at`): refuse
    it without a lock version (`missing`), or based on another one (`changed(who=, when=)`,
    raised as `conflict`)."""
    if lock_version is None or isinstance(lock_version, bool):
        raise VersionMissing({"lock_version": [str(missing)]})
    if lock_version == row.lock_version:
        return
    who = row.updated_by.username if row.updated_by else "?"
    when = row.updated_at.strftime("%d-%m-%Y %H:%M")
    raise conflict({"_form": [str(changed(who=who, when=when))]})
