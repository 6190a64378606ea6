"""Translation helpers and locale-aware formatting for templates ("27 November 2026", "1.234,5")."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from flask_babel import format_date, format_datetime, format_decimal, get_locale, gettext

from forms.i18n import lazy_gettext  # noqa: F401 - the app's lazy_gettext: escapes user text in HTML


def long_date(value: dt.date | None) -> str:
    """A date written out, as on letters: "27 November 2026"."""
    return format_date(value, "d MMMM yyyy") if value else ""


def date_time(value: dt.datetime | None) -> str:
    """A moment in the portal's time zone: "14 November 2026 09.30"."""
    return format_datetime(value, "d MMMM yyyy HH.mm") if value else ""


def number(value, digits: int = 2) -> str:
    """A number with the locale's separators, at most `digits` decimals."""
    if value is None:
        return ""
    return format_decimal(value, format="#,##0." + "#" * digits if digits else "#,##0")


def percent(value, digits: int = 1) -> str:
    """A percentage with the sign attached: "98,7%" (empty for no value)."""
    return "" if value is None else f"{number(value, digits)}%"


def blank(value):
    """A value as shown, or "—" when there is none (never "None")."""
    return "—" if value is None or value == "" else value


def yes_no(value) -> str:
    """A boolean as the locale's "Ya"/"Tidak"."""
    return gettext("Yes") if value else gettext("No")


def register_template_helpers(app: Flask) -> None:
    app.add_template_filter(long_date, "long_date")
    app.add_template_filter(date_time, "date_time")
    app.add_template_filter(yes_no, "yes_no")
    app.add_template_filter(blank, "blank")
    app.add_template_filter(number, "number")
    app.add_template_filter(percent, "percent")
    app.add_template_global(lang, "page_lang")


def lang() -> str:
    """The request's language for the form engine and documents: "en" or "id"."""
    return "en" if str(get_locale() or "id").startswith("en") else "id"
