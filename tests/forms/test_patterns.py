import time

import pytest

from forms.patterns import MAX_INPUT, matches, pattern_problem


@pytest.mark.parametrize(
    "pattern",
    [
        "[0-9]{18}",
        "[A-Z]+-[0-9]+",
        "\\d{4}-\\d{2}-\\d{2}",
        "[a-z0-9._%+-]+@[a-z0-9.-]+\\.[a-z]{2,}",
        "(?:ab){2,}",
        "(ya|tidak)",
        "a*a*a*b",
    ],
)
def test_safe_patterns(pattern):
    assert pattern_problem(pattern) is None


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ("(a+)+", "nested or alternating repetition"),
        ("(a*)*b", "nested or alternating repetition"),
        ("((ab)*c)*", "nested or alternating repetition"),
        ("(a|ab)*c", "nested or alternating repetition"),
        ("(a)\\1", "backreference"),
        ("(?P<x>a)(?P=x)", "backreference"),
        ("a*a*a*a*b", "too much repetition"),
        ("x" * 201, "longer than 200 characters"),
        ("(", "invalid regular expression"),
        ("a{5,2}", "invalid regular expression"),
    ],
)
def test_rejected_patterns(pattern, reason):
    assert str(pattern_problem(pattern)) == reason


def test_matching_is_whole_value_and_bounded():
    assert matches("[0-9]{3}", "123")
    assert not matches("[0-9]{3}", "1234")
    assert not matches(".*", "x" * (MAX_INPUT + 1))


def test_worst_allowed_pattern_stays_fast():
    started = time.perf_counter()
    assert not matches("a*a*a*b", "a" * MAX_INPUT)
    assert time.perf_counter() - started < 2
