"""Error codes, translatable messages and the error value type of the form engine."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from forms.i18n import lazy_format

Message = str | LazyString


class ErrorCode(StrEnum):
    """Every failure the engine can report."""

    # definition structure
    BAD_DEFINITION = "BAD_DEFINITION"
    UNKNOWN_PROPERTY = "UNKNOWN_PROPERTY"
    NOT_APPLICABLE = "NOT_APPLICABLE"
    INVALID_CODE = "INVALID_CODE"
    MISSING_TITLE = "MISSING_TITLE"
    UNKNOWN_LANGUAGE = "UNKNOWN_LANGUAGE"
    NO_FIELDS = "NO_FIELDS"
    TOO_MANY_FIELDS = "TOO_MANY_FIELDS"
    INVALID_KEY = "INVALID_KEY"
    RESERVED_KEY = "RESERVED_KEY"
    DUPLICATE_KEY = "DUPLICATE_KEY"
    UNKNOWN_TYPE = "UNKNOWN_TYPE"
    MISSING_LABEL = "MISSING_LABEL"
    MISSING_CHOICES = "MISSING_CHOICES"
    TOO_MANY_CHOICES = "TOO_MANY_CHOICES"
    INVALID_CHOICE_VALUE = "INVALID_CHOICE_VALUE"
    DUPLICATE_CHOICE = "DUPLICATE_CHOICE"
    MIN_GT_MAX = "MIN_GT_MAX"
    BAD_PATTERN = "BAD_PATTERN"
    BAD_DEFAULT = "BAD_DEFAULT"
    REPEAT_NO_FIELDS = "REPEAT_NO_FIELDS"
    REPEAT_CHILD_TYPE = "REPEAT_CHILD_TYPE"
    INDICATOR_IN_REPEAT = "INDICATOR_IN_REPEAT"
    # expressions
    EXPR_SYNTAX = "EXPR_SYNTAX"
    EXPR_UNKNOWN_NAME = "EXPR_UNKNOWN_NAME"
    EXPR_UNKNOWN_FUNCTION = "EXPR_UNKNOWN_FUNCTION"
    EXPR_BAD_ARGS = "EXPR_BAD_ARGS"
    EXPR_UNKNOWN_CHOICE = "EXPR_UNKNOWN_CHOICE"
    EXPR_TOO_LONG = "EXPR_TOO_LONG"
    EXPR_TOO_DEEP = "EXPR_TOO_DEEP"
    EXPR_TOO_COMPLEX = "EXPR_TOO_COMPLEX"
    EXPR_NOT_AGGREGATED = "EXPR_NOT_AGGREGATED"
    CALC_CYCLE = "CALC_CYCLE"
    # indicators
    INDICATOR_NOT_NUMERIC = "INDICATOR_NOT_NUMERIC"
    BAD_INDICATOR_GROUP = "BAD_INDICATOR_GROUP"
    BAD_INDICATOR_ASPECT = "BAD_INDICATOR_ASPECT"
    BAD_INDICATOR_POLARITY = "BAD_INDICATOR_POLARITY"
    MISSING_TARGET = "MISSING_TARGET"
    INVALID_TARGET = "INVALID_TARGET"
    INVALID_WEIGHT = "INVALID_WEIGHT"
    WEIGHTS_NOT_100 = "WEIGHTS_NOT_100"
    # answers
    REQUIRED = "REQUIRED"
    NOT_A_NUMBER = "NOT_A_NUMBER"
    NOT_AN_INTEGER = "NOT_AN_INTEGER"
    NUMBER_TOO_LARGE = "NUMBER_TOO_LARGE"
    NOT_TEXT = "NOT_TEXT"
    NOT_BOOLEAN = "NOT_BOOLEAN"
    BELOW_MIN = "BELOW_MIN"
    ABOVE_MAX = "ABOVE_MAX"
    TOO_SHORT = "TOO_SHORT"
    TOO_LONG = "TOO_LONG"
    TOO_FEW_SELECTED = "TOO_FEW_SELECTED"
    TOO_MANY_SELECTED = "TOO_MANY_SELECTED"
    PATTERN_MISMATCH = "PATTERN_MISMATCH"
    CONSTRAINT_FAILED = "CONSTRAINT_FAILED"
    INVALID_CHOICE = "INVALID_CHOICE"
    INVALID_DATE = "INVALID_DATE"
    INVALID_EVIDENCE = "INVALID_EVIDENCE"
    INVALID_LINK = "INVALID_LINK"
    INVALID_ROWS = "INVALID_ROWS"
    ROWS_BELOW_MIN = "ROWS_BELOW_MIN"
    ROWS_ABOVE_MAX = "ROWS_ABOVE_MAX"
    # spreadsheet interchange
    BAD_FILE = "BAD_FILE"
    MISSING_SHEET = "MISSING_SHEET"
    BAD_XLSX_HEADER = "BAD_XLSX_HEADER"
    BAD_XLSX_ROW = "BAD_XLSX_ROW"
    TOO_MANY_ROWS = "TOO_MANY_ROWS"
    WORKBOOK_TOO_LARGE = "WORKBOOK_TOO_LARGE"


MESSAGES: dict[ErrorCode, LazyString] = {
    ErrorCode.BAD_DEFINITION: _l("%(path)s: expected %(expected)s."),
    ErrorCode.UNKNOWN_PROPERTY: _l("%(path)s: unknown property %(name)s."),
    ErrorCode.NOT_APPLICABLE: _l("Field %(key)s: property %(name)s is not allowed here."),
    ErrorCode.INVALID_CODE: _l(
        "The form code must be 2-40 capital letters, digits, hyphens or underscores."
    ),
    ErrorCode.MISSING_TITLE: _l("The form needs an Indonesian title."),
    ErrorCode.UNKNOWN_LANGUAGE: _l("%(path)s: unsupported language %(lang)s."),
    ErrorCode.NO_FIELDS: _l("The form has no fields."),
    ErrorCode.TOO_MANY_FIELDS: _l("The form has more than %(max)s fields."),
    ErrorCode.INVALID_KEY: _l(
        "Field key %(key)s must start with a lower-case letter and contain at most 40 "
        "lower-case letters, digits or single underscores."
    ),
    ErrorCode.RESERVED_KEY: _l("Field key %(key)s is a reserved word."),
    ErrorCode.DUPLICATE_KEY: _l("Field key %(key)s is used more than once."),
    ErrorCode.UNKNOWN_TYPE: _l("Field %(key)s: unknown type %(type)s."),
    ErrorCode.MISSING_LABEL: _l("%(path)s: an Indonesian label is required."),
    ErrorCode.MISSING_CHOICES: _l("Field %(key)s: a choice list is required."),
    ErrorCode.TOO_MANY_CHOICES: _l("Field %(key)s: more than %(max)s choices."),
    ErrorCode.INVALID_CHOICE_VALUE: _l(
        "Field %(key)s: choice value %(value)s must be 1-64 letters, digits, dots, "
        "hyphens or underscores."
    ),
    ErrorCode.DUPLICATE_CHOICE: _l("Field %(key)s: choice value %(value)s is used more than once."),
    ErrorCode.MIN_GT_MAX: _l("Field %(key)s: minimum is greater than maximum."),
    ErrorCode.BAD_PATTERN: _l("Field %(key)s: the pattern is not allowed (%(reason)s)."),
    ErrorCode.BAD_DEFAULT: _l("Field %(key)s: the default value is not valid (%(reason)s)."),
    ErrorCode.REPEAT_NO_FIELDS: _l("Field %(key)s: a table needs at least one column."),
    ErrorCode.REPEAT_CHILD_TYPE: _l(
        "Field %(key)s: a table cannot have a column of type %(type)s."
    ),
    ErrorCode.INDICATOR_IN_REPEAT: _l(
        "Field %(key)s: a table column cannot be an indicator; "
        "use a field outside the table, e.g. sum(table.column)."
    ),
    ErrorCode.EXPR_SYNTAX: _l("Syntax error at position %(position)s: %(detail)s."),
    ErrorCode.EXPR_UNKNOWN_NAME: _l("Unknown field %(name)s at position %(position)s."),
    ErrorCode.EXPR_UNKNOWN_FUNCTION: _l("Unknown function %(name)s at position %(position)s."),
    ErrorCode.EXPR_BAD_ARGS: _l("Function %(name)s at position %(position)s: %(detail)s."),
    ErrorCode.EXPR_UNKNOWN_CHOICE: _l(
        "Field %(name)s has no choice %(value)s (position %(position)s)."
    ),
    ErrorCode.EXPR_TOO_LONG: _l("The expression is longer than %(max)s characters."),
    ErrorCode.EXPR_TOO_DEEP: _l("The expression is nested more than %(max)s levels deep."),
    ErrorCode.EXPR_TOO_COMPLEX: _l("The expression has more than %(max)s elements."),
    ErrorCode.EXPR_NOT_AGGREGATED: _l(
        "Table %(name)s at position %(position)s can only be used inside count(), sum(), "
        "min(), max() or avg()."
    ),
    ErrorCode.CALC_CYCLE: _l("Fields depend on each other in a cycle: %(keys)s."),
    ErrorCode.INDICATOR_NOT_NUMERIC: _l("Field %(key)s: only number fields can be indicators."),
    ErrorCode.BAD_INDICATOR_GROUP: _l("Field %(key)s: indicator group must be %(allowed)s."),
    ErrorCode.BAD_INDICATOR_ASPECT: _l("Field %(key)s: indicator aspect must be %(allowed)s."),
    ErrorCode.BAD_INDICATOR_POLARITY: _l("Field %(key)s: indicator polarity must be %(allowed)s."),
    ErrorCode.MISSING_TARGET: _l("Field %(key)s: the indicator needs a target."),
    ErrorCode.INVALID_TARGET: _l("Field %(key)s: the target must be a number of at least 0."),
    ErrorCode.INVALID_WEIGHT: _l("Field %(key)s: the weight must be a number greater than 0."),
    ErrorCode.WEIGHTS_NOT_100: _l("Indicator weights add up to %(total)s instead of 100."),
    ErrorCode.REQUIRED: _l("This field is required."),
    ErrorCode.NOT_A_NUMBER: _l("Enter a number."),
    ErrorCode.NOT_AN_INTEGER: _l("Enter a whole number."),
    ErrorCode.NUMBER_TOO_LARGE: _l("The number is too large."),
    ErrorCode.NOT_TEXT: _l("Enter text."),
    ErrorCode.NOT_BOOLEAN: _l("Choose yes or no."),
    ErrorCode.BELOW_MIN: _l("Must be at least %(min)s."),
    ErrorCode.ABOVE_MAX: _l("Must be at most %(max)s."),
    ErrorCode.TOO_SHORT: _l("Enter at least %(min)s characters."),
    ErrorCode.TOO_LONG: _l("Enter at most %(max)s characters."),
    ErrorCode.TOO_FEW_SELECTED: _l("Select at least %(min)s options."),
    ErrorCode.TOO_MANY_SELECTED: _l("Select at most %(max)s options."),
    ErrorCode.PATTERN_MISMATCH: _l("The value does not have the required format."),
    ErrorCode.CONSTRAINT_FAILED: _l("The value is not valid."),
    ErrorCode.INVALID_CHOICE: _l("Choose one of the listed options."),
    ErrorCode.INVALID_DATE: _l("Enter a valid date (YYYY-MM-DD)."),
    ErrorCode.INVALID_EVIDENCE: _l("Attach a file or enter a link."),
    ErrorCode.INVALID_LINK: _l("Enter a link starting with http:// or https://."),
    ErrorCode.INVALID_ROWS: _l("Enter the table as a list of rows."),
    ErrorCode.ROWS_BELOW_MIN: _l("Add at least %(min)s rows."),
    ErrorCode.ROWS_ABOVE_MAX: _l("Enter at most %(max)s rows."),
    ErrorCode.BAD_FILE: _l("The file is not a readable XLSX workbook."),
    ErrorCode.MISSING_SHEET: _l("The workbook has no sheet named %(sheet)s."),
    ErrorCode.BAD_XLSX_HEADER: _l("Sheet %(sheet)s: %(detail)s."),
    ErrorCode.BAD_XLSX_ROW: _l("Sheet %(sheet)s, row %(row)s, column %(column)s: %(detail)s."),
    ErrorCode.TOO_MANY_ROWS: _l("Sheet %(sheet)s has more than %(max)s rows."),
    ErrorCode.WORKBOOK_TOO_LARGE: _l("The workbook is too large to read (%(detail)s)."),
}


@dataclass(frozen=True)
class EngineError:
    """One problem found in a definition, an expression, an answer or a workbook."""

    code: ErrorCode
    message: Message
    field: str | None = None
    position: int | None = None
    path: str | None = None

    @classmethod
    def of(
        cls,
        code: ErrorCode,
        field: str | None = None,
        *,
        position: int | None = None,
        path: str | None = None,
        where: str | None = None,
        **params: Any,
    ) -> EngineError:
        """Build an error with the standard (lazily translated) message of ``code``.

        ``where`` is the place named in the message (default ``path``, the JSON path the
        builder uses to find the field).
        """
        params = {"key": field, "position": position, "path": where or path, **params}
        message = lazy_format(MESSAGES[code], **params)
        return cls(code, message, field, position, path)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able representation."""
        return {
            "code": self.code.value,
            "field": self.field,
            "message": str(self.message),
            "position": self.position,
            "path": self.path,
        }


class DefinitionError(Exception):
    """A form definition (or its workbook) is invalid; ``errors`` lists every problem."""

    def __init__(self, errors: list[EngineError]) -> None:
        super().__init__(errors)
        self.errors = errors

    def __str__(self) -> str:
        return "; ".join(str(error.message) for error in self.errors)
