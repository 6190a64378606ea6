"""Standard XLSForm workbooks (ODK, KoboToolbox) in and out.

Import reads the sheets ``survey``, ``choices`` and ``settings`` (any letter case) and
maps what the engine supports: ``text``, ``integer``, ``decimal``, ``date``,
``select_one``/``select_multiple`` (also the old ``select one from …`` spelling),
``acknowledge``, ``file``/``image`` (evidence), ``note`` and groups (sections),
``calculate``, repeats (``begin repeat``/``begin_repeat``, any case: tables whose
questions are the columns; ``count(.) >= n``/``<= n`` constraints bound the rows); the
columns ``name``, ``label``/``label::<Language> (<code>)``, ``hint``, ``required``,
``relevant``, ``constraint``, ``constraint_message``, ``calculation``, ``default``.
XPath expressions are translated (``${x}``, ``.``, ``div``, ``mod``, ``count-selected``,
``true()``…); in a repeat, ``${x}`` of a question of the same repeat is the row's
``x``; elsewhere ``sum(${x})`` becomes ``sum(group.x)`` and ``count(${group})`` the
number of rows. Every row the engine cannot represent — a type it lacks, a loop, a
repeat inside a repeat, an expression it cannot translate, a field depending on a
skipped one — is reported as :class:`Unsupported` with its sheet and row; the caller
decides whether to import the rest. Nothing is dropped silently: a field imported
without a part of its row (a choice filter, a default, a ``repeat_count``) is reported
too, as ``partial``.

Export writes a form as a standard XLSForm workbook that pyxform accepts; a repeat's row
bounds become its ``count(.)`` constraint, aggregates ``sum(${x})``/``count(${group})``.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

import openpyxl
from flask_babel.speaklater import LazyString

from forms.definition import (
    CHOICE_VALUE_RE,
    CODE_RE,
    MAX_KEY_LENGTH,
    NOT_IN_REPEAT,
    RESERVED_KEYS,
    check_definition,
)
from forms.errors import DefinitionError, EngineError, ErrorCode
from forms.expressions import KEYWORDS, ExpressionError, Token, compile_expression, tokenize
from forms.i18n import lazy_gettext as _l
from forms.schema import FieldType, FormSchema, plain_number
from forms.xlsx import literal_text, open_workbook, xlsx_to_definition

SURVEY, CHOICES, SETTINGS = "survey", "choices", "settings"
MAX_COLUMNS = 60  # as the portal's own workbook: room for several languages
LANGUAGE_NAMES = {
    "english": "en",
    "indonesian": "id",
    "indonesia": "id",
    "bahasa": "id",
    "bahasa indonesia": "id",
}
TRUE_CELLS = {"yes", "true", "true()", "1", "y"}
FALSE_CELLS = {"no", "false", "false()", "0", "n", ""}
METADATA = {
    "start", "end", "today", "deviceid", "subscriberid", "simserial", "phonenumber",
    "username", "email", "audit", "start-geopoint", "calculate_here",
}  # fmt: skip
SIMPLE_TYPES = {
    "text": FieldType.TEXT,
    "string": FieldType.TEXT,
    "integer": FieldType.INTEGER,
    "int": FieldType.INTEGER,
    "decimal": FieldType.DECIMAL,
    "date": FieldType.DATE,
    "acknowledge": FieldType.BOOLEAN,
    "file": FieldType.EVIDENCE,
    "image": FieldType.EVIDENCE,
    "note": FieldType.SECTION,
    "calculate": FieldType.DECIMAL,
}
_SELECT_RE = re.compile(
    r"(?P<kind>select_one|select one|select1|select_multiple|select multiple"
    r"|select all that apply)(?: from)?\s+(?P<list>\S+)(?P<other>\s+or(?:_| specify )other)?$"
)
_BEGIN_RE = re.compile(r"begin[ _](group|repeat|loop)\b")
_END_RE = re.compile(r"end[ _](group|repeat|loop)$")
_LANG_COLUMN_RE = re.compile(r"(?P<base>[a-z_]+)\s*::?\s*(?P<lang>.+)$")
_LANG_CODE_RE = re.compile(r"\((?P<code>[a-z]{2,3})\)\s*$")


@dataclass(frozen=True)
class Unsupported:
    """A survey row not imported (or imported only in part, when ``partial``)."""

    sheet: str
    row: int
    name: str
    type: str
    reason: LazyString
    partial: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "name": self.name,
            "type": self.type,
            "reason": str(self.reason),
            "partial": self.partial,
        }


@dataclass
class XlsFormImport:
    """The definition read from an XLSForm and what it could not carry over."""

    definition: dict[str, Any]
    unsupported: list[Unsupported] = field(default_factory=list)

    @property
    def skipped(self) -> list[Unsupported]:
        return [item for item in self.unsupported if not item.partial]


class _Skip(Exception):
    def __init__(self, reason: LazyString) -> None:
        super().__init__(str(reason))
        self.reason = reason


# ---------------------------------------------------------------- reading sheets


def _sheet(workbook: Any, name: str) -> Any | None:
    return next((workbook[s] for s in workbook.sheetnames if s.strip().lower() == name), None)


def is_xlsform(workbook: Any) -> bool:
    """True when an opened workbook has a ``survey`` sheet (any letter case)."""
    return _sheet(workbook, SURVEY) is not None


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _header_name(raw: Any) -> str:
    return re.sub(r"\s+", " ", _cell(raw).lower()).replace("list name", "list_name")


@dataclass(frozen=True)
class _Row:
    number: int
    cells: dict[str, str]

    def get(self, name: str) -> str:
        return self.cells.get(name, "")


def _rows(worksheet: Any | None) -> Iterator[_Row]:
    if worksheet is None:
        return
    rows = worksheet.iter_rows(values_only=True, max_col=MAX_COLUMNS)
    header = [_header_name(cell) for cell in next(rows, ())]
    for number, values in enumerate(rows, start=2):
        cells = {name: _cell(v) for name, v in zip(header, values, strict=False) if name}
        if any(cells.values()):
            yield _Row(number, cells)


def _language(label: str, default: str | None) -> str | None:
    """The engine language ("id"/"en") of a column suffix like ``English (en)``."""
    code = _LANG_CODE_RE.search(label)
    if code:
        return code["code"] if code["code"] in ("id", "en") else None
    name = label.strip().lower()
    return LANGUAGE_NAMES.get(name, default if name == "default" else None)


def _texts(row: _Row, base: str, default_lang: str) -> dict[str, str]:
    """Texts per engine language of ``base`` (label, hint…); the plain column is the default."""
    texts: dict[str, str] = {}
    others: list[str] = []
    for column, value in row.cells.items():
        if not value:
            continue
        if column == base:
            texts.setdefault(default_lang, value)
            continue
        match = _LANG_COLUMN_RE.fullmatch(column)
        if match and match["base"] == base:
            lang = _language(match["lang"], default_lang)
            if lang:
                texts[lang] = value
            else:
                others.append(value)
    if "id" not in texts and (texts or others):
        texts["id"] = texts.get("en") or others[0]
    return texts


# ---------------------------------------------------------------- names and expressions


def _key_for(name: str, taken: set[str]) -> str:
    """An engine key (lower-case, single underscores, a letter first) for an XLSForm name."""
    key = re.sub(r"_+", "_", re.sub(r"[^a-z0-9]+", "_", name.lower())).strip("_")
    key = key if key[:1].isalpha() else f"f_{key}".rstrip("_")
    key = key[:MAX_KEY_LENGTH].rstrip("_") or "field"
    if key in RESERVED_KEYS or key.startswith(("validate_", "filter_")):
        key = f"{key[: MAX_KEY_LENGTH - 2]}_f"
    base, counter = key, 2
    while key in taken:
        suffix = f"_{counter}"
        key, counter = f"{base[: MAX_KEY_LENGTH - len(suffix)]}{suffix}", counter + 1
    taken.add(key)
    return key


def _choice_value(name: str) -> str:
    if CHOICE_VALUE_RE.fullmatch(name):
        return name
    value = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).lstrip("_.-")[:64]
    return value or "v"


_XPATH_RE = re.compile(
    r"""(?P<string>'[^']*'|"[^"]*")
    |\$\{\s*(?P<ref>[^}\s]+)\s*\}
    |(?P<const>true|false)\s*\(\s*\)
    |(?P<func>[A-Za-z_][\w.:-]*)(?=\s*\()
    |(?P<word>[A-Za-z_][\w.:-]*)
    |(?P<number>[0-9]+(?:\.[0-9]+)?|\.[0-9]+)
    |(?P<dot>\.)
    |(?P<space>\s+)
    |(?P<other>!=|<=|>=|[-+*()<>=,])""",
    re.VERBOSE,
)
_XPATH_FUNCTIONS = {
    "if": "if",
    "round": "round",
    "abs": "abs",
    "min": "min",
    "max": "max",
    "selected": "selected",
    "count-selected": "count",
    "count": "count",
    "sum": "sum",
    "not": "not",
}
_XPATH_WORDS = {"and": "and", "or": "or", "div": "/", "mod": "%"}


def translate_expression(
    source: str, keys: dict[str, str | None], own: str | None, tables: frozenset[str] = frozenset()
) -> str:
    """The engine expression of an XLSForm (XPath) expression; raise :class:`_Skip`.

    ``keys`` spells each XLSForm name as the field sees it (``group.x`` for a column of
    another repeat, ``None`` for the field's own repeat); ``tables`` are the repeat keys.
    """
    out: list[str] = []
    pos = 0
    while pos < len(source):
        match = _XPATH_RE.match(source, pos)
        if match is None:
            raise _Skip(_l("expression %(expr)s cannot be translated", expr=source))
        out.append(_translate_token(match, source, keys, own))
        pos = match.end()
    translated = "".join(out).strip()
    _check_aggregated(translated, tables)
    return translated


def _check_aggregated(translated: str, tables: frozenset[str]) -> None:
    """Refuse a repeat or its question used outside an aggregate (XPath would take the
    first row)."""
    try:
        expression = compile_expression(translated)
    except ExpressionError:
        return  # reported with its position when the definition is checked
    aggregated = expression.aggregated()
    for name, pos in expression.references():
        if ("." in name or name in tables) and pos not in aggregated:
            raise _Skip(
                _l(
                    "uses %(name)s of a repeat outside sum(), count(), min() or max()",
                    name=name.split(".")[-1],
                )
            )


def _translate_token(
    match: re.Match[str], source: str, keys: dict[str, str | None], own: str | None
) -> str:
    kind, text = match.lastgroup, match.group()
    if kind == "ref":
        if match["ref"] not in keys:
            raise _Skip(_l("refers to %(name)s, which is not imported", name=match["ref"]))
        if keys[match["ref"]] is None:
            raise _Skip(_l("refers to its own repeat %(name)s", name=match["ref"]))
        return keys[match["ref"]]
    if kind == "const":
        return match["const"]
    if kind == "func" and text in _XPATH_WORDS:  # "and (…)"
        return _XPATH_WORDS[text]
    if kind == "func":
        if text not in _XPATH_FUNCTIONS:
            raise _Skip(_l("the function %(name)s() is not supported", name=text))
        return _XPATH_FUNCTIONS[text]
    if kind == "word":
        if text not in _XPATH_WORDS:
            raise _Skip(_l("expression %(expr)s cannot be translated", expr=source))
        return _XPATH_WORDS[text]
    if kind == "dot":
        if own is None:
            raise _Skip(_l("expression %(expr)s cannot be translated", expr=source))
        return own
    return text


# ---------------------------------------------------------------- survey rows


@dataclass
class _Field:
    row: _Row
    name: str
    type_text: str
    data: dict[str, Any]
    list_name: str | None = None
    other: bool = False
    conditions: tuple[str, ...] = ()  # relevant of the enclosing groups (XPath)
    repeat: str | None = None  # name of the enclosing repeat


@dataclass
class _Survey:
    fields: list[_Field] = field(default_factory=list)
    unsupported: list[Unsupported] = field(default_factory=list)

    def skip(self, row: _Row, reason: LazyString, partial: bool = False) -> None:
        item = Unsupported(SURVEY, row.number, row.get("name"), row.get("type"), reason, partial)
        self.unsupported.append(item)


def _field_type(type_text: str) -> tuple[FieldType, str | None, bool]:
    """The engine type, choice list and "or other" flag of a survey ``type``; raise _Skip."""
    select = _SELECT_RE.match(type_text)
    if select:
        multiple = select["kind"] in ("select_multiple", "select multiple", "select all that apply")
        kind = FieldType.MULTISELECT if multiple else FieldType.SELECT
        return kind, select["list"], bool(select["other"])
    base = type_text.split()[0] if type_text else ""
    if base in SIMPLE_TYPES:
        return SIMPLE_TYPES[base], None, False
    if base in METADATA:
        raise _Skip(_l("metadata (%(type)s) is not recorded by the portal", type=base))
    raise _Skip(_l("the question type %(type)s is not supported", type=type_text))


class _SurveyReader:
    """Reads survey rows in order, following groups and repeats."""

    def __init__(self, default_lang: str) -> None:
        self.survey = _Survey()
        self.default_lang = default_lang
        self.groups: list[tuple[str, str]] = []  # (kind, relevant) of the open groups
        self.repeat: str | None = None  # name of the open repeat
        self.skipping = 0  # depth inside a block that is skipped whole
        self.inside: LazyString | None = None  # why the rows of that block are skipped

    def conditions(self) -> tuple[str, ...]:
        """Relevant conditions of the open groups inside the innermost open repeat."""
        kinds = [kind for kind, _ in self.groups]
        start = len(kinds) - kinds[::-1].index("repeat") if "repeat" in kinds else 0
        return tuple(condition for _, condition in self.groups[start:] if condition)

    def read(self, row: _Row) -> None:
        type_text = re.sub(r"\s+", " ", row.get("type").lower())
        begin, end = _BEGIN_RE.match(type_text), _END_RE.match(type_text)
        if self.skipping:
            self.skipping += 1 if begin else -1 if end else 0
            if not end or self.skipping:
                self.survey.skip(row, self.inside)
        elif begin and begin.group(1) == "loop":
            self.skip_block(row, _l("loops are not supported"), _l("inside a loop"))
        elif begin and begin.group(1) == "repeat":
            self.begin_repeat(row)
        elif begin:
            self.begin_group(row)
        elif end:
            kind, _ = self.groups.pop() if self.groups else ("group", "")
            self.repeat = None if kind == "repeat" else self.repeat
        else:
            _read_question(self.survey, row, type_text, self.conditions(), self.repeat)

    def skip_block(self, row: _Row, reason: LazyString, inside: LazyString) -> None:
        self.skipping, self.inside = 1, inside
        self.survey.skip(row, reason)

    def begin_repeat(self, row: _Row) -> None:
        if self.repeat is not None:
            reason = _l("a repeat inside a repeat is not supported")
            self.skip_block(row, reason, _l("inside a repeat within a repeat"))
            return
        if not row.get("name"):
            self.skip_block(row, _l("the row has no name"), _l("inside a repeat without a name"))
            return
        repeat = FieldType.REPEAT.value
        self.survey.fields.append(
            _Field(row, row.get("name"), repeat, {}, None, False, self.conditions())
        )
        self.groups.append(("repeat", ""))  # its relevant belongs to the repeat field
        self.repeat = row.get("name")

    def begin_group(self, row: _Row) -> None:
        outer = self.conditions()
        self.groups.append(("group", row.get("relevant")))
        if not _texts(row, "label", self.default_lang):
            return
        if self.repeat is not None:
            reason = _l("a group heading inside a repeat is not shown; its condition is kept")
            self.survey.skip(row, reason, True)
            return
        section = FieldType.SECTION.value
        self.survey.fields.append(_Field(row, row.get("name"), section, {}, None, False, outer))


def _read_survey(worksheet: Any, default_lang: str) -> _Survey:
    reader = _SurveyReader(default_lang)
    for row in _rows(worksheet):
        reader.read(row)
    return reader.survey


def _read_question(
    survey: _Survey, row: _Row, type_text: str, conditions: tuple[str, ...], repeat: str | None
) -> None:
    if not type_text:
        survey.skip(row, _l("the row has no type"))
        return
    if not row.get("name"):
        survey.skip(row, _l("the row has no name"))
        return
    try:
        kind, list_name, other = _field_type(type_text)
    except _Skip as skip:
        survey.skip(row, skip.reason)
        return
    if repeat is not None and kind in NOT_IN_REPEAT:
        survey.skip(row, _l("a %(type)s question inside a repeat is not supported", type=type_text))
        return
    field = _Field(row, row.get("name"), kind.value, {}, list_name, other, conditions, repeat)
    survey.fields.append(field)


# ---------------------------------------------------------------- building the definition


def _choices(rows: list[_Row], default_lang: str) -> dict[str, list[dict[str, Any]]]:
    lists: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        list_name, name = row.get("list_name"), row.get("name")
        if not list_name or not name:
            continue
        seen = lists.setdefault(list_name, [])
        value = _choice_value(name)
        if any(choice["value"] == value for choice in seen):
            continue  # a choice repeated for a choice filter
        label = _texts(row, "label", default_lang) or {"id": name}
        seen.append({"value": value, "label": label})
    return lists


def _required(cell: str) -> bool | None:
    word = cell.strip().lower()
    if word in TRUE_CELLS:
        return True
    return False if word in FALSE_CELLS else None


@dataclass(frozen=True)
class _Names:
    """How the expressions of one field spell the XLSForm names (see translate_expression)."""

    keys: dict[str, str | None]
    tables: frozenset[str]

    def translate(self, source: str, own: str | None = None) -> str:
        return translate_expression(source, self.keys, own, self.tables)


def _relevant(item: _Field, names: _Names) -> str | None:
    parts = [*item.conditions, *([item.row.get("relevant")] if item.row.get("relevant") else [])]
    translated = [names.translate(part) for part in parts]
    if len(translated) > 1:
        translated = [f"({part})" for part in translated]
    return " and ".join(translated) or None


def _build_field(
    item: _Field,
    key: str,
    names: _Names,
    lists: dict[str, list[dict[str, Any]]],
    default_lang: str,
    survey: _Survey,
) -> dict[str, Any]:
    """The engine field of a survey row; raise :class:`_Skip` when it cannot be built."""
    row = item.row
    label = _texts(row, "label", default_lang) or {"id": item.name}
    data: dict[str, Any] = {"key": key, "type": item.type_text, "label": label}
    if help_text := _texts(row, "hint", default_lang):
        data["help"] = help_text
    if relevant := _relevant(item, names):
        data["relevant"] = relevant
    if item.type_text == FieldType.SECTION.value:
        return data
    if item.type_text == FieldType.REPEAT.value:
        _repeat_properties(item, data, survey)
        return data
    if "multiline" in row.get("appearance") and item.type_text == FieldType.TEXT.value:
        data["type"] = FieldType.TEXTAREA.value
    _value_properties(item, key, names, data, default_lang, survey)
    if item.list_name is not None:
        _attach_choices(item, lists, data, survey)
    return data


def _required_property(item: _Field, data: dict[str, Any], survey: _Survey) -> None:
    required = _required(item.row.get("required"))
    if required is None:
        survey.skip(item.row, _l("a conditional 'required' is imported as not required"), True)
    elif required:
        data["required"] = True


def _repeat_properties(item: _Field, data: dict[str, Any], survey: _Survey) -> None:
    row = item.row
    _required_property(item, data, survey)
    if row.get("repeat_count"):
        reason = _l("repeat_count is not supported: any number of rows can be entered")
        survey.skip(row, reason, True)
    if row.get("constraint"):
        bounds, rest = _split_constraint(row.get("constraint"), FieldType.REPEAT)
        data.update(bounds)
        if rest:
            reason = _l("the constraint %(expr)s of a repeat is not imported", expr=rest)
            survey.skip(row, reason, True)


def _value_properties(item, key, names: _Names, data, default_lang, survey) -> None:
    row = item.row
    _required_property(item, data, survey)
    if row.get("constraint"):
        bounds, rest = _split_constraint(row.get("constraint"), FieldType(data["type"]))
        data.update(bounds)
        if rest:
            data["constraint"] = names.translate(rest, key)
        if message := _texts(row, "constraint_message", default_lang):
            data["constraint_message"] = message
    calculation = row.get("calculation")
    if item.row.get("type").strip().lower() == "calculate" and not calculation:
        raise _Skip(_l("a calculate row needs a calculation"))
    if calculation:
        data["calculate"] = names.translate(calculation)
    if default := row.get("default"):
        _set_default(item, data, default, survey)


_NUMBER = r"(-?[0-9]+(?:\.[0-9]+)?)"
_BOUND_RES = {
    "number": re.compile(rf"\.\s*(>=|<=)\s*{_NUMBER}"),
    "length": re.compile(rf"string-length\(\s*\.\s*\)\s*(>=|<=)\s*{_NUMBER}"),
    "count": re.compile(rf"count-selected\(\s*\.\s*\)\s*(>=|<=)\s*{_NUMBER}"),
    "rows": re.compile(r"count\(\s*\.\s*\)\s*(>=|<=)\s*([0-9]+)"),
}
_REGEX_RE = re.compile(r"regex\(\s*\.\s*,\s*'([^']*)'\s*\)")


_PARTS_RE = re.compile(r"'[^']*'|\"[^\"]*\"|[()]|\band\b")


def _conjuncts(source: str) -> list[str]:
    """The top-level ``and`` parts of an XPath expression, outer parentheses removed."""
    parts, depth, start = [], 0, 0
    for match in _PARTS_RE.finditer(source):
        token = match.group()
        depth += {"(": 1, ")": -1}.get(token, 0)
        if token == "and" and depth == 0:
            parts.append(source[start : match.start()])
            start = match.end()
    parts.append(source[start:])
    return [_unwrap(part.strip()) for part in parts if part.strip()]


def _unwrap(part: str) -> str:
    """``part`` without parentheses that enclose all of it."""
    while part.startswith("(") and part.endswith(")"):
        depth = 0
        for match in _PARTS_RE.finditer(part):
            depth += {"(": 1, ")": -1}.get(match.group(), 0)
            if depth == 0 and match.end() < len(part):
                return part
        part = part[1:-1].strip()
    return part


def _split_constraint(source: str, kind: FieldType) -> tuple[dict[str, Any], str]:
    """min, max and pattern written as XLSForm constraints, and the rest of the constraint."""
    measures = {FieldType.MULTISELECT: "count", FieldType.REPEAT: "rows"}
    measure = "number" if kind.is_numeric else measures.get(kind, "length")
    bounds: dict[str, Any] = {}
    rest = []
    for part in _conjuncts(source):
        bound = _BOUND_RES[measure].fullmatch(part)
        regex = _REGEX_RE.fullmatch(part)
        name = {">=": "min", "<=": "max"}[bound.group(1)] if bound else None
        number = _number(bound.group(2)) if bound else None
        if bound and name not in bounds and _consistent(bounds, name, number):
            bounds[name] = number
        elif regex and kind in (FieldType.TEXT, FieldType.TEXTAREA) and "pattern" not in bounds:
            bounds["pattern"] = regex.group(1)
        else:
            rest.append(f"({part})" if " or " in part else part)
    return bounds, " and ".join(rest)


def _number(text: str) -> int | float:
    number = float(text)
    return int(number) if number.is_integer() else number


def _consistent(bounds: dict[str, Any], name: str, number: float) -> bool:
    """Whether ``number`` as bound ``name`` keeps min <= max (else it stays a constraint)."""
    low, high = bounds.get("min"), bounds.get("max")
    return (high is None or number <= high) if name == "min" else (low is None or number >= low)


def _set_default(item: _Field, data: dict[str, Any], default: str, survey: _Survey) -> None:
    if item.type_text == FieldType.MULTISELECT.value:
        data["default"] = default.split()
    elif item.type_text in (FieldType.INTEGER.value, FieldType.DECIMAL.value):
        try:
            data["default"] = _number(default)
        except ValueError:
            survey.skip(item.row, _l("the default %(value)s is not imported", value=default), True)
    elif item.type_text == FieldType.BOOLEAN.value:
        data["default"] = _required(default) is True
    elif item.type_text != FieldType.EVIDENCE.value and "(" not in default:
        data["default"] = default
    else:
        survey.skip(item.row, _l("the default %(value)s is not imported", value=default), True)


def _attach_choices(item: _Field, lists, data: dict[str, Any], survey: _Survey) -> None:
    if item.list_name not in lists:
        raise _Skip(_l("the choice list %(name)s is missing", name=item.list_name))
    choices = list(lists[item.list_name])
    if item.other and not any(choice["value"] == "other" for choice in choices):
        choices.append({"value": "other", "label": {"id": "Lainnya", "en": "Other"}})
        survey.skip(item.row, _l("'or other' is imported as a choice without its text box"), True)
    if item.row.get("choice_filter"):
        survey.skip(
            item.row, _l("the choice filter is not supported: every choice is offered"), True
        )
    data["choices"] = choices


def _settings(workbook: Any) -> dict[str, str]:
    rows = list(_rows(_sheet(workbook, SETTINGS)))
    return rows[0].cells if rows else {}


def _code(form_id: str, fallback: str) -> str:
    code = re.sub(r"[^A-Z0-9_-]+", "-", form_id.upper()).strip("-_")[:40]
    return code if CODE_RE.fullmatch(code) else fallback


class _Pass:
    """One attempt at building every pending field; a repeat collects its columns."""

    def __init__(self, pending: list[_Field], lists, default_lang: str, survey: _Survey) -> None:
        taken: set[str] = set()
        self.keys = {item.name: _key_for(item.name, taken) for item in pending}
        self.table_of = {item.name: self.keys[item.repeat] for item in pending if item.repeat}
        repeat = FieldType.REPEAT.value
        self.tables = frozenset(
            self.keys[item.name] for item in pending if item.type_text == repeat
        )
        self.lists, self.default_lang, self.survey = lists, default_lang, survey
        self.fields: list[dict[str, Any]] = []
        self.rows: dict[str, _Row] = {}  # definition path -> survey row
        self.repeats: dict[str, tuple[str, dict[str, Any], _Field]] = {}  # name -> path, field…

    def names(self, scope: str | None) -> _Names:
        """The names as the expressions of a field in the repeat ``scope`` spell them."""
        spelled: dict[str, str | None] = {}
        for name, key in self.keys.items():
            table = self.table_of.get(name)
            column = table is not None and table != scope
            spelled[name] = None if key == scope else f"{table}.{key}" if column else key
        return _Names(spelled, self.tables)

    def add(self, item: _Field) -> None:
        """Build ``item`` into its place; raise :class:`_Skip` when it cannot be built."""
        if item.repeat is not None and item.repeat not in self.repeats:
            raise _Skip(_l("its repeat is not imported"))
        names = self.names(self.table_of.get(item.name))
        key = self.keys[item.name]
        data = _build_field(item, key, names, self.lists, self.default_lang, self.survey)
        if item.repeat is None:
            path, siblings = f"fields[{len(self.fields)}]", self.fields
        else:
            owner, table, _ = self.repeats[item.repeat]
            path, siblings = f"{owner}.fields[{len(table['fields'])}]", table["fields"]
        siblings.append(data)
        self.rows[path] = item.row
        if item.type_text == FieldType.REPEAT.value:
            data["fields"] = []
            self.repeats[item.name] = (path, data, item)

    def empty_repeat(self) -> _Field | None:
        """A repeat none of whose questions could be built."""
        return next((item for _, data, item in self.repeats.values() if not data["fields"]), None)


def _assemble(survey: _Survey, lists, default_lang: str) -> tuple[list[dict], dict[str, _Row]]:
    """Engine fields and their rows; rows that cannot be built are skipped until none fail."""
    pending = list(survey.fields)
    while True:
        attempt = _Pass(pending, lists, default_lang, survey)
        partial_mark = len(survey.unsupported)
        failed = None
        for item in pending:
            try:
                attempt.add(item)
            except _Skip as skip:
                failed = (item, skip.reason)
                break
        empty = attempt.empty_repeat() if failed is None else None
        if empty is not None:
            failed = (empty, _l("the repeat has no question the portal can import"))
        if failed is None:
            return attempt.fields, attempt.rows
        del survey.unsupported[partial_mark:]  # partial notes are made again on the next pass
        survey.skip(failed[0].row, failed[1])
        pending.remove(failed[0])


def _locate(errors: list[EngineError], rows: dict[str, _Row]) -> list[EngineError]:
    located = []
    for error in errors:
        match = re.fullmatch(r"(fields\[\d+\](?:\.fields\[\d+\])?)\.?(.*)", error.path or "")
        if match and match.group(1) in rows:
            path = f"{SURVEY}!{rows[match.group(1)].number}:{match.group(2) or 'name'}"
            located.append(replace(error, path=path))
        else:
            located.append(error)
    return located


@contextmanager
def _reading(data: bytes) -> Iterator[Any]:
    """An uploaded workbook, open while the block reads it; failures become BAD_FILE."""
    if not isinstance(data, bytes | bytearray):
        raise DefinitionError([EngineError.of(ErrorCode.BAD_FILE, path="file")])
    workbook = open_workbook(bytes(data), MAX_COLUMNS)
    try:
        yield workbook
    except DefinitionError:
        raise
    except Exception as error:  # a corrupt sheet can fail while rows are streamed
        raise DefinitionError([EngineError.of(ErrorCode.BAD_FILE, path="file")]) from error
    finally:
        workbook.close()


def read_xlsform(
    workbook: Any, fallback_code: str = "XLSFORM", fallback_title: str = ""
) -> XlsFormImport:
    """Read an opened XLSForm workbook; raise :class:`DefinitionError` for what stops it."""
    settings = _settings(workbook)
    default_lang = _language(settings.get("default_language", ""), None) or "id"
    survey = _read_survey(_sheet(workbook, SURVEY), default_lang)
    lists = _choices(list(_rows(_sheet(workbook, CHOICES))), default_lang)
    fields, rows = _assemble(survey, lists, default_lang)
    title = _texts(_Row(1, settings), "form_title", default_lang)
    definition = {
        "code": _code(settings.get("form_id", ""), _code(fallback_code, "XLSFORM")),
        "title": title or {"id": fallback_title or settings.get("form_id") or fallback_code},
        "fields": fields,
    }
    errors = check_definition(definition)
    if errors:
        raise DefinitionError(_locate(errors, rows))
    survey.unsupported.sort(key=lambda item: (item.row, item.partial))
    return XlsFormImport(definition, survey.unsupported)


def xlsform_to_definition(
    data: bytes, fallback_code: str = "XLSFORM", fallback_title: str = ""
) -> XlsFormImport:
    """Read XLSForm bytes (size-checked first); raise :class:`DefinitionError`."""
    with _reading(data) as workbook:
        if not is_xlsform(workbook):
            error = EngineError.of(ErrorCode.MISSING_SHEET, path=SURVEY, sheet=SURVEY)
            raise DefinitionError([error])
        return read_xlsform(workbook, fallback_code, fallback_title)


# ---------------------------------------------------------------- export

_EXPORT_TYPES = {
    FieldType.TEXT: "text",
    FieldType.TEXTAREA: "text",
    FieldType.INTEGER: "integer",
    FieldType.DECIMAL: "decimal",
    FieldType.PERCENT: "decimal",
    FieldType.DATE: "date",
    FieldType.BOOLEAN: "acknowledge",
    FieldType.EVIDENCE: "file",
}
_ENGINE_OPERATORS = {"/": "div", "%": "mod", "==": "="}
LANGUAGE_COLUMNS = (("id", "Indonesian (id)"), ("en", "English (en)"))


def export_expression(
    source: str, own: str | None = None, tables: frozenset[str] = frozenset()
) -> str:
    """The XPath (``${key}``) spelling of an engine expression; ``tables`` are the keys
    of the form's repeats (``count`` of one is XPath ``count``, of a field
    ``count-selected``; ``avg`` is spelled ``sum div count``)."""
    tokens = _spelled_averages(tokenize(source))
    out = ""
    for index, token in enumerate(tokens[:-1]):
        call = token.kind == "name" and tokens[index + 1].text == "("
        rows = call and tokens[index + 2].text.split(".")[0] in tables
        text = _export_token(token, call, own, rows)
        glued = not out or out.endswith("(") or text in (")", ",")
        glued = glued or (text == "(" and tokens[index - 1].kind == "name" and index > 0)
        glued = glued and not (text == "(" and tokens[index - 1].text in KEYWORDS)
        out += text if glued else f" {text}"
    return out


def _spelled_averages(tokens: list[Token]) -> list[Token]:
    """``avg(g.x)`` as ``(sum(g.x) / count(g.x))``: XPath has no average."""
    spelled: list[Token] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.text == "avg" and token.kind == "name" and tokens[index + 1].text == "(":
            argument = tokens[index + 2]
            texts = [
                "(",
                "sum",
                "(",
                argument.text,
                ")",
                "/",
                "count",
                "(",
                argument.text,
                ")",
                ")",
            ]
            kinds = ["op", "name", "op", "name", "op", "op", "name", "op", "name", "op", "op"]
            spelled += [
                Token(kind, text, token.pos) for kind, text in zip(kinds, texts, strict=True)
            ]
            index += 4  # avg ( argument )
            continue
        spelled.append(token)
        index += 1
    return spelled


def _export_token(token, call: bool, own: str | None, rows: bool = False) -> str:
    if token.kind != "name":
        return _ENGINE_OPERATORS.get(token.text, token.text)
    if call:
        return "count-selected" if token.text == "count" and not rows else token.text
    if token.text in ("true", "false"):
        return f"{token.text}()"
    if token.text in KEYWORDS:
        return token.text
    name = token.text.split(".")[-1]  # a repeat's column is named by its key alone
    return "." if name == own else f"${{{name}}}"


_MEASURES = {FieldType.MULTISELECT: "count-selected(.)", FieldType.REPEAT: "count(.)"}


def _constraint(field_schema, tables: frozenset[str]) -> str | None:
    """The field's constraint with its min, max and pattern folded in (XPath)."""
    parts = []
    numeric = field_schema.type.is_numeric
    measure = "." if numeric else _MEASURES.get(field_schema.type, "string-length(.)")
    if field_schema.min is not None:
        parts.append(f"{measure} >= {plain_number(field_schema.min)}")
    if field_schema.max is not None:
        parts.append(f"{measure} <= {plain_number(field_schema.max)}")
    if field_schema.pattern:
        parts.append(f"regex(., '{field_schema.pattern}')")
    if field_schema.constraint:
        own = field_schema.key
        parts.append(f"({export_expression(field_schema.constraint, own, tables)})")
    return " and ".join(parts) or None


def _local_columns(prefix: str, text) -> dict[str, str]:
    pairs = dict(text.pairs) if text is not None else {}
    return {f"{prefix}::{name}": pairs[lang] for lang, name in LANGUAGE_COLUMNS if lang in pairs}


def _survey_rows(schema: FormSchema) -> Iterator[dict[str, str]]:
    tables = frozenset(schema.row_order)
    in_group = False
    for item in schema.fields:
        if item.type == FieldType.SECTION:
            if in_group:
                yield {"type": "end group"}
            in_group = True
            relevant = export_expression(item.relevant, None, tables) if item.relevant else ""
            label = _local_columns("label", item.label)
            yield {"type": "begin group", "name": item.key, **label, "relevant": relevant}
        elif item.type == FieldType.REPEAT:
            yield _repeat_row(item, tables)
            yield from (_survey_row(child, tables) for child in item.fields)
            yield {"type": "end repeat"}
        else:
            yield _survey_row(item, tables)
    if in_group:
        yield {"type": "end group"}


def _repeat_row(item, tables: frozenset[str]) -> dict[str, str]:
    return {
        "type": "begin repeat",
        "name": item.key,
        **_local_columns("label", item.label),
        **_local_columns("hint", item.help),
        "required": "yes" if item.required else "",
        "relevant": export_expression(item.relevant, None, tables) if item.relevant else "",
        "constraint": _constraint(item, tables) or "",
    }


def _survey_row(item, tables: frozenset[str]) -> dict[str, str]:
    if item.type in (FieldType.SELECT, FieldType.MULTISELECT):
        kind = "select_one" if item.type == FieldType.SELECT else "select_multiple"
        type_text = f"{kind} {item.key}"
    else:
        type_text = (
            "calculate" if item.calculate and item.type.is_numeric else _EXPORT_TYPES[item.type]
        )
    default = item.default
    if isinstance(default, list | tuple):
        default = " ".join(default)
    return {
        "type": type_text,
        "name": item.key,
        **_local_columns("label", item.label),
        **_local_columns("hint", item.help),
        "required": "yes" if item.required else "",
        "relevant": export_expression(item.relevant, None, tables) if item.relevant else "",
        "constraint": _constraint(item, tables) or "",
        **_local_columns("constraint_message", item.constraint_message),
        "calculation": export_expression(item.calculate, None, tables) if item.calculate else "",
        "default": "" if default is None else _cell(default),
        "appearance": "multiline" if item.type == FieldType.TEXTAREA else "",
    }


def _write(
    workbook: openpyxl.Workbook,
    name: str,
    rows: list[dict[str, str]],
    columns: list[str] | None = None,
) -> None:
    worksheet = workbook.create_sheet(name)
    columns = list(columns or [])
    for row in rows:
        columns.extend(column for column in row if column not in columns)
    worksheet.append(columns)
    for row in rows:
        worksheet.append([row.get(column) or None for column in columns])


def definition_to_xlsform(schema: FormSchema) -> bytes:
    """A standard XLSForm workbook (XLSX bytes) of a form: survey, choices, settings."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    _write(workbook, SURVEY, list(_survey_rows(schema)))
    choices = [
        {"list_name": item.key, "name": choice.value, **_local_columns("label", choice.label)}
        for field in schema.fields
        for item in (field, *field.fields)
        for choice in item.choices
    ]
    _write(workbook, CHOICES, choices, ["list_name", "name", "label::Indonesian (id)"])
    settings = {
        "form_id": schema.code,
        "form_title": dict(schema.title.pairs)["id"],
        "default_language": "Indonesian (id)",
    }
    _write(workbook, SETTINGS, [settings])
    output = io.BytesIO()
    literal_text(workbook).save(output)
    return output.getvalue()


def workbook_to_definition(
    data: bytes, fallback_code: str = "XLSFORM", fallback_title: str = ""
) -> XlsFormImport:
    """A portal workbook or a standard XLSForm, told apart by their sheets."""
    with _reading(data) as workbook:
        if is_xlsform(workbook):
            return read_xlsform(workbook, fallback_code, fallback_title)
    return XlsFormImport(xlsx_to_definition(bytes(data)))
