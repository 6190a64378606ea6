"""Regular-expression patterns of text fields, run by RE2 (linear time, no backtracking).

A pattern must match the whole value (like HTML's ``pattern`` attribute). RE2 decides
what is allowed: constructs it cannot run in linear time (backreferences, lookarounds)
are refused when the form is defined, with a reason naming them. Patterns longer than
200 characters are refused too, and values longer than ``MAX_INPUT`` never match.
"""

from __future__ import annotations

import re
import re._parser as sre  # the stdlib's parser, only to name what RE2 refused
from functools import lru_cache

import re2
from flask_babel.speaklater import LazyString

from forms.i18n import lazy_gettext as _l

MAX_PATTERN_LENGTH = 200
MAX_INPUT = 1000
MAX_PROGRAM_MEMORY = 1 << 20  # bytes RE2 may use for one compiled pattern

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False
_OPTIONS.max_mem = MAX_PROGRAM_MEMORY

_UNSUPPORTED = {
    sre.GROUPREF: _l("backreference"),
    sre.GROUPREF_EXISTS: _l("backreference"),
    sre.ASSERT: _l("lookahead or lookbehind"),
    sre.ASSERT_NOT: _l("lookahead or lookbehind"),
}


def _nodes(parsed) -> list:
    """Every opcode of a stdlib-parsed pattern, depth first."""
    found = []
    for op, argument in parsed:
        found.append(op)
        stack = [argument]
        while stack:
            item = stack.pop()
            if isinstance(item, sre.SubPattern):
                found.extend(_nodes(item))
            elif isinstance(item, tuple | list):
                stack.extend(item)
    return found


def _refusal_reason(pattern: str) -> LazyString:
    """Name the construct RE2 refused, for the author's benefit."""
    try:
        ops = _nodes(sre.parse(pattern))
    except (re.error, RecursionError, OverflowError):
        return _l("invalid regular expression")
    for op in ops:
        if op in _UNSUPPORTED:
            return _UNSUPPORTED[op]
    return _l("not supported by the safe regular-expression engine (RE2)")


@lru_cache(maxsize=512)
def _compiled(pattern: str) -> re2._Regexp | None:
    try:
        return re2.compile(pattern, _OPTIONS)
    except re2.error:
        return None


def pattern_problem(pattern: str) -> LazyString | None:
    """Why ``pattern`` is not allowed, or ``None`` when RE2 can run it."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        return _l("longer than %(max)s characters", max=MAX_PATTERN_LENGTH)
    if _compiled(pattern) is None:
        return _refusal_reason(pattern)
    return None


def matches(pattern: str, value: str) -> bool:
    """Whether the whole of ``value`` matches ``pattern``; a refused pattern matches nothing."""
    compiled = _compiled(pattern)
    if compiled is None or len(value) > MAX_INPUT:
        return False
    return compiled.fullmatch(value) is not None
