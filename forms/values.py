"""Coercion of raw answers (HTML form strings or JSON values) into engine values.

Engine values: ``Decimal`` (numbers), ``str`` (text, select, ISO dates), ``bool``,
``tuple[str, ...]`` (multiselect, in choice order), evidence dicts, or ``None`` (empty).
A repeat's answer is a list of row objects (``{column key: raw answer}``); coercion
checks only that shape, the evaluation coerces each row's answers.
Numbers accept ``.`` or ``,`` as decimal separator and no thousands separators.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from forms.errors import EngineError, ErrorCode
from forms.expressions import MAX_MAGNITUDE, Column, Value
from forms.schema import FieldSchema, FieldType, json_number

MAX_TEXT = 10_000
MAX_NUMBER_TEXT = 40
MAX_FILE_NAME = 255
MAX_FILE_REF = 500
MAX_URL = 2000
MAX_ROWS = 500  # rows of one repeat: far above any real table, keeps evaluation fast
TRUE_WORDS = frozenset({"true", "1", "on", "yes", "y", "ya"})
FALSE_WORDS = frozenset({"false", "0", "off", "no", "n", "tidak"})

_NUMBER_RE = re.compile(r"[+-]?[0-9]+(?:[.,][0-9]+)?")
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_URL_FORBIDDEN_RE = re.compile(r"[\s\x00-\x1f\x7f<>\"']")


class InvalidAnswer(Exception):
    """A raw answer cannot be coerced; ``error`` says why."""

    def __init__(self, error: EngineError) -> None:
        super().__init__(error.code.value)
        self.error = error


def _invalid(field: FieldSchema, code: ErrorCode, **params: Any) -> InvalidAnswer:
    return InvalidAnswer(EngineError.of(code, field.key, **params))


def _is_empty(raw: Any) -> bool:
    if isinstance(raw, str):
        return not raw.strip()
    return raw is None or (isinstance(raw, list | tuple) and not raw)


def _is_number_text(raw: str) -> bool:
    return len(raw) <= MAX_NUMBER_TEXT and _NUMBER_RE.fullmatch(raw) is not None


def _decimal(field: FieldSchema, raw: Any) -> Decimal:
    if isinstance(raw, bool):
        raise _invalid(field, ErrorCode.NOT_A_NUMBER)
    if isinstance(raw, int | Decimal):
        number = Decimal(raw)
    elif isinstance(raw, float) and math.isfinite(raw):
        number = Decimal(str(raw))
    elif isinstance(raw, str) and _is_number_text(raw.strip()):
        number = Decimal(raw.strip().replace(",", "."))
    else:
        raise _invalid(field, ErrorCode.NOT_A_NUMBER)
    if not number.is_finite():
        raise _invalid(field, ErrorCode.NOT_A_NUMBER)
    if abs(number) > MAX_MAGNITUDE:
        raise _invalid(field, ErrorCode.NUMBER_TOO_LARGE)
    return number


def _integer(field: FieldSchema, raw: Any) -> Decimal:
    number = _decimal(field, raw)
    if number != number.to_integral_value():
        raise _invalid(field, ErrorCode.NOT_AN_INTEGER)
    return number.to_integral_value()


def _text(field: FieldSchema, raw: Any) -> str:
    if not isinstance(raw, str):
        raise _invalid(field, ErrorCode.NOT_TEXT)
    if len(raw) > MAX_TEXT:
        raise _invalid(field, ErrorCode.TOO_LONG, max=MAX_TEXT)
    return raw.strip()


def _date(field: FieldSchema, raw: Any) -> str:
    if isinstance(raw, dt.datetime):
        raw = raw.date()
    if isinstance(raw, dt.date):
        return raw.isoformat()
    if isinstance(raw, str) and _DATE_RE.fullmatch(raw.strip()):
        try:
            return dt.date.fromisoformat(raw.strip()).isoformat()
        except ValueError:
            pass
    raise _invalid(field, ErrorCode.INVALID_DATE)


def _choice(field: FieldSchema, raw: Any) -> str:
    if not isinstance(raw, str) or raw not in field.choice_values:
        raise _invalid(field, ErrorCode.INVALID_CHOICE)
    return raw


def _choices(field: FieldSchema, raw: Any) -> tuple[str, ...]:
    picked = [raw] if isinstance(raw, str) else raw
    if not isinstance(picked, list | tuple):
        raise _invalid(field, ErrorCode.INVALID_CHOICE)
    chosen = {_choice(field, item) for item in picked}
    return tuple(value for value in field.choice_values if value in chosen)


def _boolean(field: FieldSchema, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    word = str(raw).strip().lower() if isinstance(raw, str | int) else None
    if word in TRUE_WORDS or word in FALSE_WORDS:
        return word in TRUE_WORDS
    raise _invalid(field, ErrorCode.NOT_BOOLEAN)


def is_web_link(url: str) -> bool:
    """Whether ``url`` is an absolute http(s) link without spaces or quotes."""
    if len(url) > MAX_URL or _URL_FORBIDDEN_RE.search(url):
        return False
    try:
        parts = urlsplit(url)
        return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
    except ValueError:
        return False


def _link(field: FieldSchema, url: Any) -> dict[str, str]:
    if not isinstance(url, str) or not is_web_link(url.strip()):
        raise _invalid(field, ErrorCode.INVALID_LINK)
    return {"kind": "link", "url": url.strip()}


def _file(field: FieldSchema, raw: dict[str, Any]) -> dict[str, str]:
    name, ref = raw.get("name"), raw.get("ref", "")
    valid_name = isinstance(name, str) and 0 < len(name.strip()) <= MAX_FILE_NAME
    if not valid_name or not isinstance(ref, str) or len(ref) > MAX_FILE_REF:
        raise _invalid(field, ErrorCode.INVALID_EVIDENCE)
    return {"kind": "file", "name": name.strip(), "ref": ref}


def _evidence(field: FieldSchema, raw: Any) -> dict[str, str]:
    if isinstance(raw, str):
        return _link(field, raw)
    if isinstance(raw, dict) and raw.get("kind") == "link":
        return _link(field, raw.get("url"))
    if isinstance(raw, dict) and raw.get("kind") == "file":
        return _file(field, raw)
    raise _invalid(field, ErrorCode.INVALID_EVIDENCE)


def _rows(field: FieldSchema, raw: Any) -> Column:
    if not isinstance(raw, list | tuple) or not all(isinstance(row, dict) for row in raw):
        raise _invalid(field, ErrorCode.INVALID_ROWS)
    if len(raw) > MAX_ROWS:
        raise _invalid(field, ErrorCode.ROWS_ABOVE_MAX, max=MAX_ROWS)
    return Column(raw)


_COERCERS: dict[FieldType, Callable[[FieldSchema, Any], Value]] = {
    FieldType.INTEGER: _integer,
    FieldType.DECIMAL: _decimal,
    FieldType.PERCENT: _decimal,
    FieldType.TEXT: _text,
    FieldType.TEXTAREA: _text,
    FieldType.DATE: _date,
    FieldType.SELECT: _choice,
    FieldType.MULTISELECT: _choices,
    FieldType.BOOLEAN: _boolean,
    FieldType.EVIDENCE: _evidence,
    FieldType.REPEAT: _rows,
}


def coerce(field: FieldSchema, raw: Any) -> Value:
    """Engine value of a raw answer; raise :class:`InvalidAnswer` when it has the wrong type."""
    if _is_empty(raw) or field.type is FieldType.SECTION:
        return None
    return _COERCERS[field.type](field, raw)


def to_json(value: Value) -> Any:
    """JSON-able form of an engine value (numbers as int/float, multiselect as list,
    repeat rows as a list of objects)."""
    if isinstance(value, Decimal):
        return json_number(value)
    if isinstance(value, tuple):
        return [to_json(item) for item in value]
    if isinstance(value, dict):
        return {key: to_json(item) for key, item in value.items()}
    return value
