"""Lazy translations that are safe to fill with user text (shared by the engine and the app)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext
from flask_babel.speaklater import LazyString
from markupsafe import Markup


class EscapingLazyString(LazyString):
    """A lazy translation whose HTML form escapes the interpolated values.

    Flask-Babel's ``LazyString`` hands Jinja (and ``flash``, which stores it as markup)
    the formatted text as safe HTML, so user text in ``%(name)s`` would run as markup.
    Here only the catalog text is trusted; ``str()`` stays the plain text (JSON, PDF, XLSX).
    ``_func(*_args)`` must give the unformatted template.
    """

    def __html__(self) -> Markup:
        template = Markup(self._func(*self._args))
        return template % self._kwargs if self._kwargs else template


def lazy_gettext(msgid: str, /, **values: Any) -> LazyString:
    """``flask_babel.lazy_gettext`` whose HTML form escapes ``values``."""
    return EscapingLazyString(gettext, msgid, **values)


def _fill(template: LazyString | str, /, **values: Any) -> str:
    return str(template) % values if values else str(template)


def lazy_format(template: LazyString | str, /, **values: Any) -> LazyString:
    """An already-translatable template filled lazily with ``values``, escaped in HTML."""
    return EscapingLazyString(_fill, template, **values)
