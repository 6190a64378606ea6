import datetime as dt
from decimal import Decimal

import pytest

from forms.definition import parse_definition
from forms.errors import ErrorCode
from forms.values import MAX_TEXT, InvalidAnswer, coerce, is_web_link, to_json
from tests.forms.samples import choices, field, form

SCHEMA = parse_definition(
    form(
        field("i", "integer"),
        field("d", "decimal"),
        field("t", "text"),
        field("day", "date"),
        field("s", "select", choices=choices("a", "b")),
        field("m", "multiselect", choices=choices("a", "b", "c")),
        field("b", "boolean"),
        field("e", "evidence"),
        field("h", "section"),
    )
)


def coerced(key, raw):
    return coerce(SCHEMA.by_key[key], raw)


def rejected(key, raw):
    with pytest.raises(InvalidAnswer) as caught:
        coerced(key, raw)
    assert caught.value.error.field == key
    return caught.value.error.code


@pytest.mark.parametrize(
    ("key", "raw", "expected"),
    [
        ("i", "42", Decimal(42)),
        ("i", " -7 ", Decimal(-7)),
        ("i", 3.0, Decimal(3)),
        ("i", Decimal("4.00"), Decimal(4)),
        ("d", "12,5", Decimal("12.5")),
        ("d", 0.1, Decimal("0.1")),
        ("d", "1000000000000000", Decimal(10**15)),
        ("t", "  Budi  ", "Budi"),
        ("day", "2024-02-29", "2024-02-29"),
        ("day", dt.date(2024, 1, 2), "2024-01-02"),
        ("day", dt.datetime(2024, 1, 2, 10, 30), "2024-01-02"),
        ("s", "b", "b"),
        ("m", ["c", "a", "c"], ("a", "c")),
        ("m", "b", ("b",)),
        ("b", True, True),
        ("b", "Ya", True),
        ("b", "tidak", False),
        ("b", "on", True),
        ("b", 0, False),
        (
            "e",
            " https://drive.example.id/file ",
            {"kind": "link", "url": "https://drive.example.id/file"},
        ),
        ("e", {"kind": "link", "url": "http://x.id"}, {"kind": "link", "url": "http://x.id"}),
        (
            "e",
            {"kind": "file", "name": "bukti.pdf", "ref": "files/1"},
            {"kind": "file", "name": "bukti.pdf", "ref": "files/1"},
        ),
        (
            "e",
            {"kind": "file", "name": "bukti.pdf"},
            {"kind": "file", "name": "bukti.pdf", "ref": ""},
        ),
        ("h", "anything", None),
    ],
)
def test_coercion(key, raw, expected):
    assert coerced(key, raw) == expected


@pytest.mark.parametrize("raw", [None, "", "   ", []])
@pytest.mark.parametrize("key", ["i", "t", "day", "s", "m", "b", "e"])
def test_empty_answers(key, raw):
    assert coerced(key, raw) is None


@pytest.mark.parametrize(
    ("key", "raw", "expected"),
    [
        ("i", "abc", ErrorCode.NOT_A_NUMBER),
        ("i", "1.000,5", ErrorCode.NOT_A_NUMBER),
        ("i", "1e3", ErrorCode.NOT_A_NUMBER),
        ("i", True, ErrorCode.NOT_A_NUMBER),
        ("i", float("nan"), ErrorCode.NOT_A_NUMBER),
        ("i", float("inf"), ErrorCode.NOT_A_NUMBER),
        ("d", Decimal("NaN"), ErrorCode.NOT_A_NUMBER),
        ("i", [1], ErrorCode.NOT_A_NUMBER),
        ("i", "1" * 41, ErrorCode.NOT_A_NUMBER),
        ("i", "2.5", ErrorCode.NOT_AN_INTEGER),
        ("d", 10**16, ErrorCode.NUMBER_TOO_LARGE),
        ("d", "-1000000000000001", ErrorCode.NUMBER_TOO_LARGE),
        ("t", 5, ErrorCode.NOT_TEXT),
        ("t", "x" * (MAX_TEXT + 1), ErrorCode.TOO_LONG),
        ("day", "2024-02-30", ErrorCode.INVALID_DATE),
        ("day", "20240101", ErrorCode.INVALID_DATE),
        ("day", "2024-W01-1", ErrorCode.INVALID_DATE),
        ("day", 20240101, ErrorCode.INVALID_DATE),
        ("s", "z", ErrorCode.INVALID_CHOICE),
        ("s", ["a"], ErrorCode.INVALID_CHOICE),
        ("m", ["a", "z"], ErrorCode.INVALID_CHOICE),
        ("m", [["a"]], ErrorCode.INVALID_CHOICE),
        ("m", {"a": 1}, ErrorCode.INVALID_CHOICE),
        ("b", "maybe", ErrorCode.NOT_BOOLEAN),
        ("b", 2, ErrorCode.NOT_BOOLEAN),
        ("e", "javascript:alert(1)", ErrorCode.INVALID_LINK),
        ("e", "ftp://x.id/a", ErrorCode.INVALID_LINK),
        ("e", "https://", ErrorCode.INVALID_LINK),
        ("e", {"kind": "link", "url": 5}, ErrorCode.INVALID_LINK),
        ("e", {"kind": "file", "name": " "}, ErrorCode.INVALID_EVIDENCE),
        ("e", {"kind": "file", "name": "a", "ref": 1}, ErrorCode.INVALID_EVIDENCE),
        ("e", {"kind": "photo"}, ErrorCode.INVALID_EVIDENCE),
        ("e", 42, ErrorCode.INVALID_EVIDENCE),
    ],
)
def test_invalid_answers(key, raw, expected):
    assert rejected(key, raw) is expected


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://mamujukab.go.id/a?b=c#d", True),
        ("HTTP://x.id", True),
        ("https://x.id/a b", False),
        ("https://x.id/<script>", False),
        ("data:text/html,hi", False),
        ("//x.id/a", False),
        ("https://[::1", False),
        ("https://x.id/" + "a" * 2000, False),
    ],
)
def test_web_links(url, ok):
    assert is_web_link(url) is ok


def test_to_json():
    assert to_json(Decimal("2.50")) == 2.5
    assert to_json(Decimal("3.0")) == 3 and isinstance(to_json(Decimal("3.0")), int)
    assert to_json(("a", "b")) == ["a", "b"]
    assert to_json("x") == "x" and to_json(None) is None
