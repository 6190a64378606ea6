"""Form engine: definitions, safe expressions, evaluation, WTForms building, scoring,
diffs, XLSX and XLSForm interchange. Pure Python; no Flask-AppBuilder or ``app`` imports."""

from forms.builder import build_form_class
from forms.definition import check_definition, parse_definition
from forms.diff import Change, ChangeKind, diff_definitions
from forms.errors import DefinitionError, EngineError, ErrorCode
from forms.evaluation import Evaluation, evaluate
from forms.expressions import Expression, ExpressionError, compile_expression
from forms.schema import (
    Aspect,
    Choice,
    FieldSchema,
    FieldType,
    FormSchema,
    Indicator,
    IndicatorGroup,
    LocalText,
    Polarity,
    text,
)
from forms.scoring import IndicatorResult, achievement, indicator_breakdown, weighted_achievement
from forms.xlsform import XlsFormImport, definition_to_xlsform, xlsform_to_definition
from forms.xlsx import definition_to_xlsx, literal_text, xlsx_to_definition

__all__ = [
    "Aspect",
    "Change",
    "ChangeKind",
    "Choice",
    "DefinitionError",
    "EngineError",
    "ErrorCode",
    "Evaluation",
    "Expression",
    "ExpressionError",
    "FieldSchema",
    "FieldType",
    "FormSchema",
    "Indicator",
    "IndicatorGroup",
    "IndicatorResult",
    "LocalText",
    "Polarity",
    "achievement",
    "build_form_class",
    "check_definition",
    "compile_expression",
    "definition_to_xlsx",
    "diff_definitions",
    "evaluate",
    "indicator_breakdown",
    "literal_text",
    "parse_definition",
    "text",
    "weighted_achievement",
    "XlsFormImport",
    "definition_to_xlsform",
    "xlsform_to_definition",
    "xlsx_to_definition",
]
