"""The safe expression language of form definitions.

A hand-written tokenizer and recursive-descent parser build a tree of small node
classes; nothing is ever passed to ``eval``/``exec``/``compile``.

Grammar (lowest precedence first)::

    or_expr    := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | comparison
    comparison := additive (("=" | "==" | "!=" | "<" | "<=" | ">" | ">=") additive)?
    additive   := term (("+" | "-") term)*
    term       := unary (("*" | "/" | "%") unary)*
    unary      := ("-" | "+") unary | primary
    primary    := NUMBER | STRING | "true" | "false" | NAME | NAME "(" args ")" | "(" or_expr ")"

A field is named by its key, bare (``target``) or as in XLSForm (``${target}``). A
repeat (table) ``posyandu`` is named in aggregates only: ``count(posyandu)`` (rows),
``sum(posyandu.realisasi)``, ``min``, ``max``, ``avg`` (a child's values over the rows).
Inside a row, a child's expressions name the row's other children by their bare keys.

Evaluation semantics:

* Values are ``Decimal`` numbers, ``str``, ``bool``, ``tuple[str, ...]`` (multiselect),
  evidence dicts or ``None`` (empty).
* Arithmetic on an empty or non-numeric operand gives empty. Division or modulo by
  zero gives empty. A result whose magnitude exceeds 10^15 gives empty. ``%`` keeps
  the sign of the dividend.
* Comparisons use three-valued (SQL/Kleene) logic: a comparison with an empty operand
  is *unknown* (``None``); ``=``/``!=`` between values of different kinds are
  false/true; ordering is defined for two numbers or two texts only (else unknown).
  ``and``/``or``/``not`` follow Kleene logic. Test emptiness with ``count(x) = 0``.
* ``if(c, a, b)`` gives ``a`` when ``c`` is true, otherwise ``b`` (unknown counts as
  false). ``min``/``max`` ignore empty arguments. ``round(x, n)`` rounds half up,
  ``0 <= n <= 10``. ``selected(f, 'v')`` tests a select/multiselect answer;
  ``count(f)`` is the number of selected values (0 or 1 for other fields).
* Aggregates over a repeat ignore empty values: ``sum`` of nothing is 0, ``avg``,
  ``min`` and ``max`` of nothing are empty, ``count(group.x)`` counts the present
  values and ``count(group)`` the rows.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal, DivisionByZero, InvalidOperation, Overflow
from decimal import localcontext as _localcontext
from functools import lru_cache
from typing import Any, TypeGuard

from forms.errors import EngineError, ErrorCode
from forms.i18n import lazy_gettext as _l

MAX_LENGTH = 500
MAX_DEPTH = 30
MAX_NODES = 200
MAX_MAGNITUDE = Decimal("1e15")
MAX_ROUND_DIGITS = 10
KEYWORDS = frozenset({"and", "or", "not", "true", "false"})


class Column(tuple):
    """A repeat in an expression: its rows (``group``) or one child's value in each row
    (``group.child``). Only aggregate functions take it apart."""


Value = Decimal | str | bool | tuple[str, ...] | Mapping[str, Any] | Column | None
AGGREGATES = frozenset({"sum", "count", "min", "max", "avg"})

_CONTEXT = Context(
    prec=28,
    rounding=ROUND_HALF_UP,
    Emax=99,
    Emin=-99,
    traps=[InvalidOperation, DivisionByZero, Overflow],
)
_TOKEN_RE = re.compile(
    r"""(?P<space>\s+)
    |(?P<number>[0-9]+(?:\.[0-9]+)?)
    |(?P<string>'[^']*'|"[^"]*")
    |\$\{\s*(?P<ref>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?)\s*\}
    |(?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?)
    |(?P<op><=|>=|!=|==|[-+*/%()<>=,])""",
    re.VERBOSE,
)
_COMPARISONS = frozenset({"=", "==", "!=", "<", "<=", ">", ">="})


class ExpressionError(Exception):
    """An expression cannot be compiled; ``error`` tells why and where."""

    def __init__(self, error: EngineError) -> None:
        super().__init__(error)
        self.error = error

    def __str__(self) -> str:
        return str(self.error.message)


def _fail(code: ErrorCode, position: int, **params: Any) -> ExpressionError:
    return ExpressionError(EngineError.of(code, position=position, **params))


# ---------------------------------------------------------------- value helpers


def _kind(value: Value) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, Decimal):
        return "number"
    if isinstance(value, str):
        return "text"
    return type(value).__name__


def _is_number(value: Value) -> TypeGuard[Decimal]:
    return isinstance(value, Decimal)


def _bounded(value: Decimal) -> Decimal | None:
    return None if value.is_nan() or abs(value) > MAX_MAGNITUDE else value


def _decimal_op(operation: Callable[[Decimal, Decimal], Decimal]) -> Callable[..., Value]:
    def apply(left: Value, right: Value) -> Value:
        if not (_is_number(left) and _is_number(right)):
            return None
        try:
            with _localcontext(_CONTEXT):
                return _bounded(operation(left, right))
        except ArithmeticError:
            return None

    return apply


def truth(value: Value) -> bool | None:
    """Three-valued truth of a value: ``None`` (unknown) for empty."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return not value.is_zero()
    return bool(value)


def _equal(left: Value, right: Value) -> bool | None:
    if left is None or right is None:
        return None
    return _kind(left) == _kind(right) and left == right


def _not_equal(left: Value, right: Value) -> bool | None:
    equal = _equal(left, right)
    return None if equal is None else not equal


def _ordering(test: Callable[[Any, Any], bool]) -> Callable[..., Value]:
    def apply(left: Value, right: Value) -> Value:
        if left is None or right is None or _kind(left) != _kind(right):
            return None
        return test(left, right) if _kind(left) in ("number", "text") else None

    return apply


def _and(left: Value, right: Value) -> bool | None:
    truths = (truth(left), truth(right))
    if False in truths:
        return False
    return None if None in truths else True


def _or(left: Value, right: Value) -> bool | None:
    truths = (truth(left), truth(right))
    if True in truths:
        return True
    return None if None in truths else False


_BINARY: dict[str, Callable[..., Value]] = {
    "+": _decimal_op(lambda a, b: a + b),
    "-": _decimal_op(lambda a, b: a - b),
    "*": _decimal_op(lambda a, b: a * b),
    "/": _decimal_op(lambda a, b: a / b),
    "%": _decimal_op(lambda a, b: a % b),
    "=": _equal,
    "==": _equal,
    "!=": _not_equal,
    "<": _ordering(lambda a, b: a < b),
    "<=": _ordering(lambda a, b: a <= b),
    ">": _ordering(lambda a, b: a > b),
    ">=": _ordering(lambda a, b: a >= b),
    "and": _and,
    "or": _or,
}


def _negate(value: Value) -> Value:
    return -value if _is_number(value) else None


def _not(value: Value) -> bool | None:
    known = truth(value)
    return None if known is None else not known


_UNARY: dict[str, Callable[[Value], Value]] = {
    "-": _negate,
    "+": lambda value: value if _is_number(value) else None,
    "not": _not,
}


# ---------------------------------------------------------------- functions


def _if(condition: Value, then: Value, otherwise: Value) -> Value:
    return then if truth(condition) else otherwise


def _present(args: tuple[Value, ...]) -> list[Value]:
    """The arguments with columns spread out and empty values left out."""
    spread = (item for arg in args for item in (arg if isinstance(arg, Column) else (arg,)))
    return [item for item in spread if item is not None]


def _numbers(args: tuple[Value, ...]) -> list[Decimal] | None:
    """The present values of the arguments when all are numbers, else ``None``."""
    present = _present(args)
    return present if all(_is_number(item) for item in present) else None  # type: ignore[return-value]


def _extreme(pick: Callable[[list[Decimal]], Decimal]) -> Callable[..., Value]:
    def apply(*args: Value) -> Value:
        numbers = _numbers(args)
        return pick(numbers) if numbers else None

    return apply


def _sum(values: Value) -> Value:
    numbers = _numbers((values,))
    if numbers is None:
        return None
    with _localcontext(_CONTEXT):
        return _bounded(sum(numbers, Decimal(0)))


def _avg(values: Value) -> Value:
    numbers = _numbers((values,))
    if not numbers:
        return None
    with _localcontext(_CONTEXT):
        return _bounded(sum(numbers, Decimal(0)) / len(numbers))


def _round(value: Value, digits: Value = Decimal(0)) -> Value:
    if not (_is_number(value) and _is_number(digits)):
        return None
    if digits != digits.to_integral_value() or not 0 <= digits <= MAX_ROUND_DIGITS:
        return None
    return value.quantize(Decimal(1).scaleb(-int(digits)), rounding=ROUND_HALF_UP)


def _abs(value: Value) -> Value:
    return abs(value) if _is_number(value) else None


def _selected(answer: Value, choice: Value) -> bool:
    if isinstance(answer, tuple):
        return choice in answer
    return isinstance(answer, str) and answer == choice


def _count(answer: Value) -> Decimal:
    if isinstance(answer, Column):
        return Decimal(len(_present((answer,))))
    if answer is None:
        return Decimal(0)
    return Decimal(len(answer)) if isinstance(answer, tuple) else Decimal(1)


@dataclass(frozen=True)
class Function:
    """A callable of the expression language and its static argument rules."""

    impl: Callable[..., Value]
    min_args: int
    max_args: int | None
    field_argument: bool = False
    literal_second: bool = False


FUNCTIONS: dict[str, Function] = {
    "if": Function(_if, 3, 3),
    "min": Function(_extreme(min), 1, None),
    "max": Function(_extreme(max), 1, None),
    "round": Function(_round, 1, 2),
    "abs": Function(_abs, 1, 1),
    "selected": Function(_selected, 2, 2, field_argument=True, literal_second=True),
    "count": Function(_count, 1, 1, field_argument=True),
    "sum": Function(_sum, 1, 1, field_argument=True),
    "avg": Function(_avg, 1, 1, field_argument=True),
}


# ---------------------------------------------------------------- syntax tree


@dataclass(frozen=True)
class Node:
    """Base of the syntax tree; ``pos`` is the 0-based source position."""

    pos: int

    def evaluate(self, env: Mapping[str, Value]) -> Value:
        raise NotImplementedError

    def children(self) -> tuple[Node, ...]:
        return ()


@dataclass(frozen=True)
class Literal(Node):
    value: Value

    def evaluate(self, env: Mapping[str, Value]) -> Value:
        return self.value


@dataclass(frozen=True)
class Name(Node):
    key: str

    def evaluate(self, env: Mapping[str, Value]) -> Value:
        return env.get(self.key)


@dataclass(frozen=True)
class Unary(Node):
    op: str
    operand: Node

    def evaluate(self, env: Mapping[str, Value]) -> Value:
        return _UNARY[self.op](self.operand.evaluate(env))

    def children(self) -> tuple[Node, ...]:
        return (self.operand,)


@dataclass(frozen=True)
class Binary(Node):
    op: str
    left: Node
    right: Node

    def evaluate(self, env: Mapping[str, Value]) -> Value:
        return _BINARY[self.op](self.left.evaluate(env), self.right.evaluate(env))

    def children(self) -> tuple[Node, ...]:
        return (self.left, self.right)


@dataclass(frozen=True)
class Call(Node):
    name: str
    args: tuple[Node, ...]

    def evaluate(self, env: Mapping[str, Value]) -> Value:
        return FUNCTIONS[self.name].impl(*(arg.evaluate(env) for arg in self.args))

    def children(self) -> tuple[Node, ...]:
        return self.args


def _walk(node: Node) -> Iterator[Node]:
    yield node
    for child in node.children():
        yield from _walk(child)


@dataclass(frozen=True)
class Expression:
    """A compiled expression."""

    source: str
    root: Node

    def evaluate(self, env: Mapping[str, Value]) -> Value:
        """Value of the expression with field values from ``env`` (missing = empty)."""
        return self.root.evaluate(env)

    def references(self) -> tuple[tuple[str, int], ...]:
        """Every field reference as ``(key, position)``, in source order."""
        names = (node for node in _walk(self.root) if isinstance(node, Name))
        return tuple(sorted(((node.key, node.pos) for node in names), key=lambda ref: ref[1]))

    def selections(self) -> tuple[tuple[str, str, int], ...]:
        """Every ``selected(field, 'value')`` as ``(field key, value, value position)``."""
        calls = (n for n in _walk(self.root) if isinstance(n, Call) and n.name == "selected")
        return tuple(
            (call.args[0].key, call.args[1].value, call.args[1].pos)
            for call in calls
            if isinstance(call.args[0], Name) and isinstance(call.args[1], Literal)
        )

    def aggregated(self) -> frozenset[int]:
        """Positions of the names that are arguments of an aggregate (where repeats may be)."""
        calls = (n for n in _walk(self.root) if isinstance(n, Call) and n.name in AGGREGATES)
        return frozenset(arg.pos for call in calls for arg in call.args if isinstance(arg, Name))

    @property
    def names(self) -> frozenset[str]:
        """Keys of the fields the expression refers to."""
        return frozenset(key for key, _ in self.references())


# ---------------------------------------------------------------- tokenizer


@dataclass(frozen=True)
class Token:
    kind: str  # number, string, name, op or end
    text: str
    pos: int


def tokenize(source: str) -> list[Token]:
    """Split ``source`` into tokens, ending with an ``end`` token."""
    tokens: list[Token] = []
    pos = 0
    while pos < len(source):
        match = _TOKEN_RE.match(source, pos)
        if match is None:
            raise _bad_character(source, pos)
        if match.lastgroup == "ref":  # XLSForm's ${key}: the same name as a bare key
            tokens.append(Token("name", match.group("ref"), pos))
        elif match.lastgroup != "space":
            tokens.append(Token(match.lastgroup or "", match.group(), pos))
        pos = match.end()
    tokens.append(Token("end", "", len(source)))
    return tokens


def _bad_character(source: str, pos: int) -> ExpressionError:
    if source[pos] in "'\"":
        detail = _l("unterminated text")
    else:
        detail = _l("unexpected character %(char)s", char=repr(source[pos]))
    return _fail(ErrorCode.EXPR_SYNTAX, pos, detail=detail)


# ---------------------------------------------------------------- parser


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.index = 0
        self.depth = 0
        self.nodes = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.current
        self.index += 1
        return token

    def at(self, *texts: str) -> bool:
        return self.current.kind in ("op", "name") and self.current.text in texts

    def unexpected(self) -> ExpressionError:
        token = self.current
        if token.kind == "end":
            return _fail(ErrorCode.EXPR_SYNTAX, token.pos, detail=_l("unexpected end"))
        detail = _l("unexpected %(token)s", token=repr(token.text))
        return _fail(ErrorCode.EXPR_SYNTAX, token.pos, detail=detail)

    def expect(self, text: str) -> Token:
        if self.current.kind != "op" or self.current.text != text:
            raise self.unexpected()
        return self.advance()

    def node(self, node: Node) -> Node:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _fail(ErrorCode.EXPR_TOO_COMPLEX, node.pos, max=MAX_NODES)
        return node

    def enter(self, pos: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _fail(ErrorCode.EXPR_TOO_DEEP, pos, max=MAX_DEPTH)

    def parse(self) -> Node:
        root = self.or_expr()
        if self.current.kind != "end":
            raise self.unexpected()
        return root

    def binary_chain(self, operators: tuple[str, ...], operand: Callable[[], Node]) -> Node:
        left = operand()
        while self.at(*operators):
            token = self.advance()
            left = self.node(Binary(token.pos, token.text, left, operand()))
        return left

    def or_expr(self) -> Node:
        return self.binary_chain(("or",), self.and_expr)

    def and_expr(self) -> Node:
        return self.binary_chain(("and",), self.not_expr)

    def not_expr(self) -> Node:
        if self.at("not"):
            return self.prefix(self.not_expr)
        return self.comparison()

    def comparison(self) -> Node:
        left = self.additive()
        if self.current.kind == "op" and self.current.text in _COMPARISONS:
            token = self.advance()
            left = self.node(Binary(token.pos, token.text, left, self.additive()))
        return left

    def additive(self) -> Node:
        return self.binary_chain(("+", "-"), self.term)

    def term(self) -> Node:
        return self.binary_chain(("*", "/", "%"), self.unary)

    def unary(self) -> Node:
        if self.at("-", "+"):
            return self.prefix(self.unary)
        return self.primary()

    def prefix(self, operand: Callable[[], Node]) -> Node:
        token = self.advance()
        self.enter(token.pos)
        node = self.node(Unary(token.pos, token.text, operand()))
        self.depth -= 1
        return node

    def primary(self) -> Node:
        token = self.current
        if token.kind == "number":
            return self.number()
        if token.kind == "string":
            return self.node(Literal(self.advance().pos, token.text[1:-1]))
        if token.kind == "op" and token.text == "(":
            return self.parenthesised()
        if token.kind == "name":
            return self.name()
        raise self.unexpected()

    def number(self) -> Node:
        token = self.advance()
        value = _bounded(Decimal(token.text))
        if value is None:
            raise _fail(ErrorCode.EXPR_SYNTAX, token.pos, detail=_l("number too large"))
        return self.node(Literal(token.pos, value))

    def parenthesised(self) -> Node:
        self.enter(self.advance().pos)
        inner = self.or_expr()
        self.expect(")")
        self.depth -= 1
        return inner

    def name(self) -> Node:
        token = self.advance()
        if self.at("("):
            return self.call(token)
        if token.text in ("true", "false"):
            return self.node(Literal(token.pos, token.text == "true"))
        if token.text in KEYWORDS:
            raise _fail(ErrorCode.EXPR_SYNTAX, token.pos, detail=_l("misplaced keyword"))
        return self.node(Name(token.pos, token.text))

    def call(self, token: Token) -> Node:
        function = FUNCTIONS.get(token.text)
        if function is None:
            raise _fail(ErrorCode.EXPR_UNKNOWN_FUNCTION, token.pos, name=token.text)
        self.enter(self.advance().pos)
        args = self.arguments()
        self.depth -= 1
        _check_arguments(token, function, args)
        return self.node(Call(token.pos, token.text, args))

    def arguments(self) -> tuple[Node, ...]:
        args: list[Node] = []
        if not self.at(")"):
            args.append(self.or_expr())
            while self.at(","):
                self.advance()
                args.append(self.or_expr())
        self.expect(")")
        return tuple(args)


def _check_arguments(token: Token, function: Function, args: tuple[Node, ...]) -> None:
    count = len(args)
    too_many = function.max_args is not None and count > function.max_args
    if count < function.min_args or too_many:
        detail = _l("wrong number of arguments (%(count)s)", count=count)
    elif function.field_argument and not isinstance(args[0], Name):
        detail = _l("the first argument must be a field name")
    elif function.literal_second and not _is_text_literal(args[1]):
        detail = _l("the second argument must be a quoted value")
    else:
        return
    raise _fail(ErrorCode.EXPR_BAD_ARGS, token.pos, name=token.text, detail=detail)


def _is_text_literal(node: Node) -> bool:
    return isinstance(node, Literal) and isinstance(node.value, str)


@lru_cache(maxsize=4096)
def compile_expression(source: str) -> Expression:
    """Parse ``source``; raise :class:`ExpressionError` (with a position) when invalid."""
    if len(source) > MAX_LENGTH:
        raise _fail(ErrorCode.EXPR_TOO_LONG, MAX_LENGTH, max=MAX_LENGTH)
    return Expression(source, _Parser(tokenize(source)).parse())


def check_references(expression: Expression, known: Collection[str]) -> list[EngineError]:
    """Errors for references to keys missing from ``known``."""
    return [
        EngineError.of(ErrorCode.EXPR_UNKNOWN_NAME, position=pos, name=key)
        for key, pos in expression.references()
        if key not in known
    ]
