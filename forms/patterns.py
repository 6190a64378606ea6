"""Regular-expression patterns of text fields, restricted to avoid catastrophic backtracking.

A pattern must match the whole value (like HTML's ``pattern`` attribute). Rejected:
patterns longer than 200 characters, backreferences, repetitions inside a repeated
group (``(a+)+``), repeated alternations (``(a|ab)*``) and patterns whose repetitions
multiply to more than ``MAX_BACKTRACK_COST`` on inputs of ``MAX_INPUT`` characters.
Values longer than ``MAX_INPUT`` never match.
"""

from __future__ import annotations

import re
import re._parser as sre  # the stdlib's own regex parser (Python >= 3.11)
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from flask_babel.speaklater import LazyString

from forms.i18n import lazy_gettext as _l

MAX_PATTERN_LENGTH = 200
MAX_INPUT = 1000
MAX_BACKTRACK_COST = 1_100_000_000

_REPEATS = {sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT}
_REFERENCES = {sre.GROUPREF, sre.GROUPREF_EXISTS}


def _subpatterns(argument: Any) -> Iterator[sre.SubPattern]:
    """SubPatterns nested anywhere in an opcode argument."""
    if isinstance(argument, sre.SubPattern):
        yield argument
    elif isinstance(argument, tuple | list):
        for item in argument:
            yield from _subpatterns(item)


def _nodes(pattern: sre.SubPattern) -> Iterator[tuple[Any, Any]]:
    """Every (opcode, argument) pair of a parsed pattern, depth first."""
    for op, argument in pattern:
        yield op, argument
        for child in _subpatterns(argument):
            yield from _nodes(child)


def _is_loop(op: Any, argument: Any) -> bool:
    return op in _REPEATS and argument[1] > 1


def _problem_in(parsed: sre.SubPattern) -> LazyString | None:
    cost = 1
    for op, argument in _nodes(parsed):
        if op in _REFERENCES:
            return _l("backreference")
        if not _is_loop(op, argument):
            continue
        inner = list(_nodes(argument[2]))
        if any(_is_loop(*node) or node[0] is sre.BRANCH for node in inner):
            return _l("nested or alternating repetition")
        cost *= min(argument[1], MAX_INPUT) + 1
    return _l("too much repetition") if cost > MAX_BACKTRACK_COST else None


def pattern_problem(pattern: str) -> LazyString | None:
    """Why ``pattern`` is not allowed, or ``None`` when it is safe."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        return _l("longer than %(max)s characters", max=MAX_PATTERN_LENGTH)
    try:
        parsed = sre.parse(pattern)
        re.compile(pattern)
    except (re.error, RecursionError, OverflowError):
        return _l("invalid regular expression")
    return _problem_in(parsed)


@lru_cache(maxsize=512)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def matches(pattern: str, value: str) -> bool:
    """Whether the whole of ``value`` matches the (already checked) ``pattern``."""
    return len(value) <= MAX_INPUT and _compiled(pattern).fullmatch(value) is not None
