"""Versioned documents: a draft being edited and numbered, frozen versions.

Indicator forms, evaluation templates and SKPs share this shape (dokumen berversi):

* `DraftDocument`: the document's `draft` (JSON, None when nothing is being changed)
  with its `draft_revision`, bumped on every save so a stale editor is refused, and who
  changed it last. Its versions are the `versions` relationship, in number order.
* `PublishedVersion`: one numbered version with when and by whom it was published
  (for an SKP: agreed by the pejabat penilai). `freeze` makes published versions
  refuse every change at flush time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from flask_appbuilder.security.sqla.models import User
from sqlalchemy import JSON, DateTime, ForeignKey, Integer, event, inspect
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class FrozenVersionError(RuntimeError):
    """A published (or agreed) version was about to change."""


class DraftDocument:
    """A document with a JSON draft and frozen numbered `versions` (a relationship)."""

    draft: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    draft_revision: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now, nullable=False)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))

    versions: list[Any]

    @property
    def latest_version(self) -> Any | None:
        return self.versions[-1] if self.versions else None


class PublishedVersion:
    """A numbered version with its publication (or agreement) stamp."""

    number: Mapped[int] = mapped_column(Integer, nullable=False)
    published_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now, nullable=False)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))

    @declared_attr
    def published_by(cls) -> Mapped[User | None]:
        return relationship(User, foreign_keys=lambda: [cls.published_by_id])


def freeze(
    cls: type,
    label: str,
    frozen: Callable[[Any], bool] = lambda _row: True,
    allowed: Callable[[Any, set[str]], bool] = lambda _row, _changed: False,
) -> None:
    """Refuse any update or delete of a `cls` row that was frozen before the change.

    `frozen(row)` is read on the values before the change; `allowed(row, changed)` may
    accept a change of the attributes `changed` (an agreed SKP becoming superseded).
    """

    @event.listens_for(cls, "before_update")
    def _refuse_changes(mapper, connection, target) -> None:
        state = inspect(target)
        before = _ValuesBefore(target, state)
        if not frozen(before):
            return
        changed = {
            attr.key
            for attr in state.mapper.column_attrs
            if state.attrs[attr.key].history.has_changes()
        }
        if mapper.version_id_col is not None:
            changed.discard(mapper.get_property_by_column(mapper.version_id_col).key)
        if changed and not allowed(target, changed):
            raise FrozenVersionError(f"{label} {target.id} is published and cannot change")

    @event.listens_for(cls, "before_delete")
    def _refuse_delete(mapper, connection, target) -> None:
        if frozen(target):
            raise FrozenVersionError(f"{label} {target.id} is published and cannot be deleted")


class _ValuesBefore:
    """A row's attributes as they were loaded, before this flush's changes."""

    def __init__(self, target: Any, state) -> None:
        self._target, self._state = target, state

    def __getattr__(self, name: str) -> Any:
        history = self._state.attrs[name].history
        if history.deleted:
            return history.deleted[0]
        return getattr(self._target, name)
