"""XLSForm-like spreadsheet interchange of form definitions (openpyxl).

Sheets: ``form`` (one row: code, title, description), ``fields`` (one row per field)
and ``choices`` (one row per choice: field key, value, labels; optional when no field
has choices). Multilingual properties have a column per language (``label_id``,
``label_en``), nested properties are joined with ``_`` (``indicator_target``).
A multiselect default is written as space-separated values. The columns of a repeat
(table) are rows right after the repeat's row, their ``group`` cell naming the repeat
(choices name their field by key as usual). Strings are always written as text cells,
never as formulas.

Import reports every problem as an :class:`EngineError` whose ``path`` is
``sheet!row:column`` (e.g. ``fields!4:min``); definition errors found afterwards are
mapped onto the same locations. Callers must bound the upload size; the unpacked size,
rows and columns are bounded here (:mod:`forms.workbook`) before the workbook is read in
openpyxl's read-only mode.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any

import openpyxl
from flask_babel.speaklater import LazyString

from forms.definition import MAX_FIELDS, check_definition
from forms.errors import DefinitionError, EngineError, ErrorCode
from forms.i18n import lazy_gettext as _l
from forms.schema import FieldType, FormSchema, plain_number
from forms.values import FALSE_WORDS, TRUE_WORDS
from forms.workbook import workbook_problem

FORM_SHEET, FIELDS_SHEET, CHOICES_SHEET = "form", "fields", "choices"
MAX_COLUMNS = 60
MAX_SCANNED_ROWS = 20_000
MAX_CHOICE_ROWS = 5_000
MAX_CELLS = 100_000  # per sheet: a form of MAX_FIELDS fields or MAX_CHOICE_ROWS choices fits


@dataclass(frozen=True)
class Column:
    """A spreadsheet column and the definition property (dotted path) it holds."""

    path: str
    kind: str = "text"  # text, number, boolean or default

    @property
    def name(self) -> str:
        return self.path.replace(".", "_")


@dataclass(frozen=True)
class Sheet:
    name: str
    columns: tuple[Column, ...]
    required: frozenset[str]
    max_rows: int

    def column(self, name: str) -> Column | None:
        return next((column for column in self.columns if column.name == name), None)


def _texts(path: str) -> tuple[Column, Column]:
    return Column(f"{path}.id"), Column(f"{path}.en")


FORM = Sheet(
    FORM_SHEET,
    (Column("code"), *_texts("title"), *_texts("description")),
    frozenset({"code", "title_id"}),
    1,
)
FIELDS = Sheet(
    FIELDS_SHEET,
    (
        Column("key"),
        Column("type"),
        *_texts("label"),
        *_texts("help"),
        Column("required", "boolean"),
        Column("min", "number"),
        Column("max", "number"),
        Column("pattern"),
        Column("constraint"),
        *_texts("constraint_message"),
        Column("relevant"),
        Column("calculate"),
        Column("default", "default"),
        Column("indicator.group"),
        Column("indicator.aspect"),
        Column("indicator.target", "number"),
        Column("indicator.unit"),
        Column("indicator.polarity"),
        Column("indicator.weight", "number"),
        Column("indicator.parent"),
        *_texts("indicator.rhk"),
        Column("group"),  # last, so that workbooks written before repeats keep their layout
    ),
    frozenset({"key", "type", "label_id"}),
    MAX_FIELDS,
)
CHOICES = Sheet(
    CHOICES_SHEET,
    (Column("field"), Column("value"), *_texts("label")),
    frozenset({"field", "value", "label_id"}),
    MAX_CHOICE_ROWS,
)


# ---------------------------------------------------------------- export


def _get(data: dict[str, Any], path: str) -> Any:
    for part in path.split("."):
        if not isinstance(data, dict):
            return None
        data = data.get(part)  # type: ignore[assignment]
    return data


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def literal_text(workbook: openpyxl.Workbook) -> openpyxl.Workbook:
    """Make every text cell of `workbook` plain text that no spreadsheet runs as a formula.

    Every writer of XLSX calls this before saving: a text cell is stored as a string
    (openpyxl would store "=…" as a formula) and one starting with = + - @ gets Excel's
    quote prefix, the equivalent of a typed apostrophe; the text itself is unchanged.
    """
    for worksheet in workbook.worksheets:
        for row in worksheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"
                    if cell.value.startswith(FORMULA_START):
                        cell.quotePrefix = True
    return workbook


def _cell_value(value: Any) -> Any:
    return " ".join(value) if isinstance(value, list) else value


def _write_sheet(workbook: openpyxl.Workbook, sheet: Sheet, rows: Iterable[dict]) -> None:
    worksheet = workbook.create_sheet(sheet.name)
    worksheet.append([column.name for column in sheet.columns])
    for row_number, row in enumerate(rows, start=2):
        for column_number, column in enumerate(sheet.columns, start=1):
            value = _cell_value(_get(row, column.path))
            worksheet.cell(row=row_number, column=column_number, value=value)


def _rows_of_fields(fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per field: a repeat without its columns, then its columns with ``group``."""
    rows = []
    for field in fields:
        rows.append({name: value for name, value in field.items() if name != "fields"})
        rows += [{**child, "group": field["key"]} for child in field.get("fields", [])]
    return rows


def definition_to_xlsx(schema: FormSchema) -> bytes:
    """The workbook (XLSX bytes) of a schema's normalised definition."""
    definition = schema.to_dict()
    fields = _rows_of_fields(definition["fields"])
    choices = [
        {"field": field["key"], **choice} for field in fields for choice in field.get("choices", [])
    ]
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    _write_sheet(workbook, FORM, [definition])
    _write_sheet(workbook, FIELDS, fields)
    _write_sheet(workbook, CHOICES, choices)
    output = io.BytesIO()
    literal_text(workbook).save(output)
    return output.getvalue()


# ---------------------------------------------------------------- import


@dataclass(frozen=True)
class Row:
    number: int
    values: dict[str, Any]


class _CellError(Exception):
    def __init__(self, detail: LazyString) -> None:
        super().__init__(str(detail))
        self.detail = detail


def _text_cell(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return plain_number(Decimal(str(value)))
    raise _CellError(_l("expected text"))


def _number_cell(value: Any) -> int | float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    try:
        number = Decimal(value.strip().replace(",", ".")) if isinstance(value, str) else None
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise _CellError(_l("expected a number"))
    return int(number) if number == number.to_integral_value() else float(number)


def _boolean_cell(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word not in TRUE_WORDS | FALSE_WORDS:
        raise _CellError(_l("expected TRUE or FALSE"))
    return word in TRUE_WORDS


def _default_cell(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return value.isoformat() if isinstance(value, dt.date) else value


_CONVERTERS = {
    "text": _text_cell,
    "number": _number_cell,
    "boolean": _boolean_cell,
    "default": _default_cell,
}


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for part in parents:
        data = data.setdefault(part, {})
    data[last] = value


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class _WorkbookReader:
    """Reads the three sheets into a definition dict, collecting every problem."""

    def __init__(self, workbook: Any) -> None:
        self.workbook = workbook
        self.errors: list[EngineError] = []

    def fail(self, code: ErrorCode, sheet: str, row: int | None = None, **params: Any) -> None:
        path = sheet if row is None else f"{sheet}!{row}:{params.get('column', '')}"
        self.errors.append(EngineError.of(code, path=path, sheet=sheet, row=row, **params))

    def header(self, sheet: Sheet, cells: tuple[Any, ...]) -> list[Column | None] | None:
        names = [str(cell).strip().lower() if cell is not None else "" for cell in cells]
        unknown = ", ".join(name for name in names if name and sheet.column(name) is None)
        missing = ", ".join(sorted(sheet.required - set(names)))
        repeated = ", ".join(sorted({name for name in names if name and names.count(name) > 1}))
        problems = [
            _l("unknown columns %(names)s", names=unknown) if unknown else None,
            _l("missing columns %(names)s", names=missing) if missing else None,
            _l("repeated columns %(names)s", names=repeated) if repeated else None,
        ]
        for detail in filter(None, problems):
            self.fail(ErrorCode.BAD_XLSX_HEADER, sheet.name, detail=detail)
        if any(problems):
            return None
        return [sheet.column(name) if name else None for name in names]

    def convert(self, sheet: Sheet, number: int, columns: list[Column | None], cells: Any) -> Row:
        values: dict[str, Any] = {}
        for column, cell in zip(columns, cells, strict=False):
            if column is None or _is_blank(cell):
                continue
            try:
                values[column.path] = _CONVERTERS[column.kind](cell)
            except _CellError as error:
                self.fail(
                    ErrorCode.BAD_XLSX_ROW,
                    sheet.name,
                    number,
                    column=column.name,
                    detail=error.detail,
                )
        return Row(number, values)

    def data_rows(self, sheet: Sheet, rows: Iterator[tuple[Any, ...]]) -> Iterator[Row]:
        columns = self.header(sheet, next(rows, ()))
        if columns is None:
            return
        count = 0
        for number, cells in enumerate(rows, start=2):
            blank = all(_is_blank(cell) for cell in cells)
            count += not blank
            if count > sheet.max_rows or number > MAX_SCANNED_ROWS:
                self.fail(ErrorCode.TOO_MANY_ROWS, sheet.name, max=sheet.max_rows)
                return
            if not blank:
                yield self.convert(sheet, number, columns, cells)

    def sheet(self, sheet: Sheet, optional: bool = False) -> list[Row]:
        if sheet.name not in self.workbook.sheetnames:
            if not optional:
                self.fail(ErrorCode.MISSING_SHEET, sheet.name)
            return []
        rows = self.workbook[sheet.name].iter_rows(values_only=True, max_col=MAX_COLUMNS)
        return list(self.data_rows(sheet, rows))


@dataclass(frozen=True)
class _Locations:
    """The sheet row of the form and of each field, column and choice, by definition path
    (``fields[2]``, ``fields[2].fields[0]``, ``fields[2].choices[1]``)."""

    form: int
    rows: dict[str, int]


def _nest(values: dict[str, Any]) -> dict[str, Any]:
    nested: dict[str, Any] = {}
    for path, value in values.items():
        _set(nested, path, value)
    return nested


def _field(row: Row) -> dict[str, Any]:
    field = _nest({path: value for path, value in row.values.items() if path != "group"})
    default = field.get("default")
    if field.get("type") == FieldType.MULTISELECT.value and isinstance(default, str):
        field["default"] = default.split()
    return field


class _Assembly:
    """Fields, repeat columns and choices put together from sheet rows, with their rows."""

    def __init__(self, reader: _WorkbookReader) -> None:
        self.reader = reader
        self.items: list[dict[str, Any]] = []
        self.rows: dict[str, int] = {}
        self.by_key: dict[str, tuple[str, dict[str, Any]]] = {}  # key -> (path, field)

    def bad_row(self, sheet: str, row: Row, column: str, detail: LazyString) -> None:
        self.reader.fail(ErrorCode.BAD_XLSX_ROW, sheet, row.number, column=column, detail=detail)

    def add_field(self, row: Row) -> None:
        item, group = _field(row), row.values.get("group")
        if group is None:
            path, siblings = f"fields[{len(self.items)}]", self.items
        elif group in self.by_key and self.by_key[group][1].get("type") == FieldType.REPEAT.value:
            owner_path, owner = self.by_key[group]
            siblings = owner.setdefault("fields", [])
            path = f"{owner_path}.fields[{len(siblings)}]"
        else:
            self.bad_row(FIELDS_SHEET, row, "group", _l("no table with this key above this row"))
            return
        siblings.append(item)
        self.rows[path] = row.number
        if isinstance(item.get("key"), str):
            self.by_key.setdefault(item["key"], (path, item))

    def add_choice(self, row: Row) -> None:
        key = row.values.get("field")
        if key not in self.by_key:
            self.bad_row(CHOICES_SHEET, row, "field", _l("no field with this key"))
            return
        path, item = self.by_key[key]
        item_choices = item.setdefault("choices", [])
        self.rows[f"{path}.choices[{len(item_choices)}]"] = row.number
        item_choices.append(_nest({k: v for k, v in row.values.items() if k != "field"}))


def _assemble(
    reader: _WorkbookReader, form: list[Row], fields: list[Row], choices: list[Row]
) -> tuple[dict[str, Any], _Locations]:
    definition = _nest(form[0].values) if form else {}
    assembly = _Assembly(reader)
    for row in fields:
        assembly.add_field(row)
    for row in choices:
        assembly.add_choice(row)
    definition["fields"] = assembly.items
    return definition, _Locations(form[0].number if form else 2, assembly.rows)


_PATH_RE = re.compile(r"(fields\[\d+\](?:\.fields\[\d+\])?(?:\.choices\[\d+\])?)\.?(.*)")


def _locate(path: str | None, locations: _Locations) -> str | None:
    """Map a definition path (``fields[2].min``) onto ``sheet!row:column``."""
    match = _PATH_RE.fullmatch(path or "")
    if match is None or match[1] not in locations.rows:
        known = path not in (None, "fields", "definition")
        return f"{FORM_SHEET}!{locations.form}:{path.replace('.', '_')}" if known else path
    place, rest = match.groups()
    sheet = CHOICES_SHEET if ".choices[" in place else FIELDS_SHEET
    return f"{sheet}!{locations.rows[place]}:{rest.replace('.', '_')}"


def open_workbook(data: bytes, max_columns: int = MAX_COLUMNS) -> Any:
    """The workbook of uploaded bytes, read-only, after its size was checked."""
    problem = workbook_problem(data, MAX_SCANNED_ROWS, max_columns, MAX_CELLS)
    if problem is not None:
        error = EngineError.of(ErrorCode.WORKBOOK_TOO_LARGE, path="file", detail=problem)
        raise DefinitionError([error])
    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # any failure to open an upload means a bad file
        raise DefinitionError([EngineError.of(ErrorCode.BAD_FILE, path="file")]) from error


def _read(workbook: Any) -> dict[str, Any]:
    reader = _WorkbookReader(workbook)
    form = reader.sheet(FORM)
    fields = reader.sheet(FIELDS)
    choices = reader.sheet(CHOICES, optional=True)
    definition, locations = _assemble(reader, form, fields, choices)
    if reader.errors:
        raise DefinitionError(reader.errors)
    errors = check_definition(definition)
    if errors:
        raise DefinitionError([replace(e, path=_locate(e.path, locations)) for e in errors])
    return definition


def xlsx_to_definition(data: bytes) -> dict[str, Any]:
    """The definition dict of a workbook; raise :class:`DefinitionError` with every problem."""
    if not isinstance(data, bytes | bytearray):
        raise DefinitionError([EngineError.of(ErrorCode.BAD_FILE, path="file")])
    workbook = open_workbook(bytes(data))
    try:
        return _read(workbook)
    except DefinitionError:
        raise
    except Exception as error:  # a corrupt sheet can fail while rows are streamed
        raise DefinitionError([EngineError.of(ErrorCode.BAD_FILE, path="file")]) from error
    finally:
        workbook.close()
