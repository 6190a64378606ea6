from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forms.errors import ErrorCode
from forms.expressions import (
    MAX_DEPTH,
    MAX_LENGTH,
    ExpressionError,
    check_references,
    compile_expression,
    tokenize,
)

ENV = {
    "a": Decimal(2),
    "b": Decimal(3),
    "zero": Decimal(0),
    "empty": None,
    "name": "Budi",
    "multi": ("x", "y"),
    "single": "x",
    "flag": True,
}


def run(source, env=ENV):
    return compile_expression(source).evaluate(env)


def failure(source):
    with pytest.raises(ExpressionError) as caught:
        compile_expression(source)
    return caught.value.error


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("1 + 2 * 3", Decimal(7)),
        ("(1 + 2) * 3", Decimal(9)),
        ("a - b - 1", Decimal(-2)),
        ("-a + +b", Decimal(1)),
        ("7 % 3", Decimal(1)),
        ("-7 % 3", Decimal(-1)),
        ("a / 4", Decimal("0.5")),
        ("0.25 * 4", Decimal("1.00")),
        ("'it' = \"it\"", True),
        ("a = 2 and b == 3", True),
        ("a != b", True),
        ("a < b and a <= 2 and b > a and b >= 3", True),
        ("name > 'Ani'", True),
        ("not flag or false", False),
        ("true", True),
        ("if(a > b, 'big', 'small')", "small"),
        ("if(empty, 1, 2)", Decimal(2)),
        ("min(a, b, empty)", Decimal(2)),
        ("max(a, b)", Decimal(3)),
        ("min(empty)", None),
        ("min(a, name)", None),
        ("round(10 / 3, 2)", Decimal("3.33")),
        ("round(2.5)", Decimal(3)),
        ("round(a, 11)", None),
        ("round(a, 0.5)", None),
        ("abs(0 - a)", Decimal(2)),
        ("abs(name)", None),
        ("selected(multi, 'y')", True),
        ("selected(single, 'x')", True),
        ("selected(empty, 'x')", False),
        ("count(multi)", Decimal(2)),
        ("count(single)", Decimal(1)),
        ("count(empty) = 0", True),
        ("missing", None),
    ],
)
def test_evaluation(source, expected):
    result = run(source)
    assert result == expected and type(result) is type(expected)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("a + empty", None),
        ("a * name", None),
        ("-name", None),
        ("flag + 1", None),
        ("a / zero", None),
        ("a % zero", None),
        ("zero / zero", None),
        ("999999999999999 * 10", None),
        ("1000000000000000 + 0", Decimal(1000000000000000)),
        ("empty = 1", None),
        ("empty != 1", None),
        ("empty < 1", None),
        ("a < name", None),
        ("a = name", False),
        ("a != name", True),
        ("flag = 1", False),
        ("multi < multi", None),
        ("not empty", None),
        ("empty and false", False),
        ("empty and true", None),
        ("empty or true", True),
        ("empty or false", None),
    ],
)
def test_empty_and_type_mismatch_semantics(source, expected):
    assert run(source) == expected


@pytest.mark.parametrize(
    ("source", "code", "position"),
    [
        ("__import__('os')", ErrorCode.EXPR_UNKNOWN_FUNCTION, 0),
        ("a + exec(b)", ErrorCode.EXPR_UNKNOWN_FUNCTION, 4),
        ("a..b", ErrorCode.EXPR_SYNTAX, 1),
        ("a[0]", ErrorCode.EXPR_SYNTAX, 1),
        ("x**99999999", ErrorCode.EXPR_SYNTAX, 2),
        ("1 +", ErrorCode.EXPR_SYNTAX, 3),
        ("(1", ErrorCode.EXPR_SYNTAX, 2),
        ("1 < 2 < 3", ErrorCode.EXPR_SYNTAX, 6),
        ("'open", ErrorCode.EXPR_SYNTAX, 0),
        ("a and", ErrorCode.EXPR_SYNTAX, 5),
        ("or", ErrorCode.EXPR_SYNTAX, 0),
        ("1e5", ErrorCode.EXPR_SYNTAX, 1),
        ("a # comment", ErrorCode.EXPR_SYNTAX, 2),
        ("lambda: 1", ErrorCode.EXPR_SYNTAX, 6),
        ("9999999999999999", ErrorCode.EXPR_SYNTAX, 0),
        ("", ErrorCode.EXPR_SYNTAX, 0),
        ("if(a, b)", ErrorCode.EXPR_BAD_ARGS, 0),
        ("abs()", ErrorCode.EXPR_BAD_ARGS, 0),
        ("round(1, 2, 3)", ErrorCode.EXPR_BAD_ARGS, 0),
        ("selected('x', 'y')", ErrorCode.EXPR_BAD_ARGS, 0),
        ("selected(a, b)", ErrorCode.EXPR_BAD_ARGS, 0),
        ("1 + count(1)", ErrorCode.EXPR_BAD_ARGS, 4),
        ("a" * 1000, ErrorCode.EXPR_TOO_LONG, MAX_LENGTH),
        ("1+" * 250 + "1", ErrorCode.EXPR_TOO_LONG, MAX_LENGTH),
        ("(" * 40 + "1" + ")" * 40, ErrorCode.EXPR_TOO_DEEP, MAX_DEPTH),
        ("-" * 31 + "1", ErrorCode.EXPR_TOO_DEEP, MAX_DEPTH),
        ("not " * 31 + "a", ErrorCode.EXPR_TOO_DEEP, 4 * MAX_DEPTH),
        ("+".join(["a"] * 201), ErrorCode.EXPR_TOO_COMPLEX, 199),
    ],
)
def test_rejected(source, code, position):
    error = failure(source)
    assert (error.code, error.position) == (code, position)
    assert error.to_dict()["code"] == code.value


def test_syntax_messages_name_the_position_and_problem():
    message = str(failure("a..b").message)
    assert "position 1" in message and "'.'" in message


def test_thirty_levels_are_allowed():
    assert run("(" * MAX_DEPTH + "1" + ")" * MAX_DEPTH) == Decimal(1)


def test_references_and_names():
    expression = compile_expression("b + if(selected(multi, 'x'), a, b)")
    assert expression.references() == (("b", 0), ("multi", 16), ("a", 29), ("b", 32))
    assert expression.names == {"a", "b", "multi"}


def test_unknown_names_are_reported_with_positions():
    errors = check_references(compile_expression("a + zz * yy"), {"a"})
    assert [(error.code, error.position) for error in errors] == [
        (ErrorCode.EXPR_UNKNOWN_NAME, 4),
        (ErrorCode.EXPR_UNKNOWN_NAME, 9),
    ]
    assert "zz" in str(errors[0].message)


def test_compiled_expressions_are_cached():
    assert compile_expression("a + 1") is compile_expression("a + 1")


def test_tokenizer_positions():
    tokens = tokenize("a<=  'x y'")
    assert [(token.kind, token.text, token.pos) for token in tokens] == [
        ("name", "a", 0),
        ("op", "<=", 1),
        ("string", "'x y'", 5),
        ("end", "", 10),
    ]


TOKENS = st.sampled_from(
    ["a", "b", "name", "multi", "1", "0", "2.5", "'x'", "+", "-", "*", "/", "%", "(", ")",
     ",", "=", "!=", "<", ">=", "and", "or", "not", "true", "if", "min", "round", "selected",
     "count", ".", "**", "[", "__import__", " "]
)  # fmt: skip


def _compile_or_error(source: str) -> None:
    try:
        expression = compile_expression(source)
    except ExpressionError as error:
        assert error.error.code.startswith("EXPR_")
        assert error.error.position is not None and 0 <= error.error.position <= len(source)
        return
    expression.evaluate(ENV)


@settings(deadline=200, max_examples=300)
@given(st.text(max_size=80))
def test_any_text_compiles_or_fails_cleanly(source):
    _compile_or_error(source)


@settings(deadline=200, max_examples=300)
@given(st.lists(TOKENS, max_size=60).map(" ".join))
def test_token_soup_compiles_or_fails_cleanly(source):
    _compile_or_error(source)


@settings(deadline=500, max_examples=50)
@given(st.lists(TOKENS, min_size=100, max_size=300).map("".join))
def test_long_token_soup_is_bounded(source):
    _compile_or_error(source)
