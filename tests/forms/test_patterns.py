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
        "(a+)+",
        "(?:a?){40}a{40}",
    ],
)
def test_safe_patterns(pattern):
    assert pattern_problem(pattern) is None


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ("(a)\\1", "backreference"),
        ("(?P<x>a)(?P=x)", "backreference"),
        ("(?=a)a", "lookahead or lookbehind"),
        ("(?<!a)b", "lookahead or lookbehind"),
        ("a{1001}", "not supported by the safe regular-expression engine (RE2)"),
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


def test_patterns_that_backtrack_exponentially_in_re_are_matched_by_re2():
    assert not matches("(?:a?){40}a{40}", "a" * 39)  # 2^40 steps for Python's re
    assert matches("(?:a?){40}a{40}", "a" * 40)
    assert not matches("(a+)+b", "a" * MAX_INPUT)


def test_a_refused_pattern_matches_nothing():
    assert not matches("(?=a)a", "a")
