"""Immutable, validated form schema (built by :func:`forms.definition.parse_definition`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import StrEnum
from functools import cached_property
from typing import Any

from forms.expressions import Expression, compile_expression

LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"


class FieldType(StrEnum):
    INTEGER = "integer"
    DECIMAL = "decimal"
    PERCENT = "percent"
    TEXT = "text"
    TEXTAREA = "textarea"
    DATE = "date"
    SELECT = "select"
    MULTISELECT = "multiselect"
    BOOLEAN = "boolean"
    EVIDENCE = "evidence"
    SECTION = "section"
    REPEAT = "repeat"

    @property
    def is_numeric(self) -> bool:
        return self in (FieldType.INTEGER, FieldType.DECIMAL, FieldType.PERCENT)

    @property
    def is_text(self) -> bool:
        return self in (FieldType.TEXT, FieldType.TEXTAREA)

    @property
    def has_choices(self) -> bool:
        return self in (FieldType.SELECT, FieldType.MULTISELECT)


class IndicatorGroup(StrEnum):
    UTAMA = "utama"
    TAMBAHAN = "tambahan"


class Aspect(StrEnum):
    KUANTITAS = "kuantitas"
    KUALITAS = "kualitas"
    WAKTU = "waktu"
    BIAYA = "biaya"


class Polarity(StrEnum):
    HIGHER = "higher"
    LOWER = "lower"


def json_number(number: Decimal) -> int | float:
    """JSON representation of a number: ``int`` when integral, else ``float``."""
    return int(number) if number == number.to_integral_value() else float(number)


def plain_number(number: Decimal) -> str:
    """A number as plain text without exponent or trailing zeros (``"95"``, ``"0.5"``)."""
    return f"{number.normalize():f}"


def text(multilingual: Mapping[str, str] | LocalText | None, lang: str) -> str:
    """The text in ``lang``, falling back to Indonesian, then to ``""``."""
    if isinstance(multilingual, LocalText):
        multilingual = multilingual.to_dict()
    if not multilingual:
        return ""
    return multilingual.get(lang) or multilingual.get(DEFAULT_LANGUAGE) or ""


@dataclass(frozen=True)
class LocalText:
    """Multilingual text as ``(language, text)`` pairs, in ``LANGUAGES`` order."""

    pairs: tuple[tuple[str, str], ...]

    def get(self, lang: str) -> str:
        return text(self, lang)

    def to_dict(self) -> dict[str, str]:
        return dict(self.pairs)


def _local_dict(value: LocalText | None) -> dict[str, str] | None:
    return None if value is None else value.to_dict()


def _optional_number(number: Decimal | None) -> int | float | None:
    return None if number is None else json_number(number)


def _compact(data: dict[str, Any]) -> dict[str, Any]:
    """Drop absent properties (``None`` or an empty text or list)."""
    return {key: value for key, value in data.items() if value is not None and value != []}


@dataclass(frozen=True)
class Choice:
    value: str
    label: LocalText

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "label": self.label.to_dict()}


@dataclass(frozen=True)
class Indicator:
    """Performance-indicator metadata of a numeric field."""

    group: IndicatorGroup
    aspect: Aspect
    target: Decimal
    polarity: Polarity
    weight: Decimal
    unit: str = ""
    parent: str | None = None
    rhk: LocalText | None = None

    def to_dict(self) -> dict[str, Any]:
        return _compact(
            {
                "group": self.group.value,
                "aspect": self.aspect.value,
                "target": json_number(self.target),
                "unit": self.unit or None,
                "polarity": self.polarity.value,
                "weight": json_number(self.weight),
                "parent": self.parent,
                "rhk": _local_dict(self.rhk),
            }
        )


EXPRESSION_PROPERTIES = ("relevant", "calculate", "constraint")


@dataclass(frozen=True)
class FieldSchema:
    key: str
    type: FieldType
    label: LocalText
    help: LocalText | None = None
    required: bool = False
    min: Decimal | None = None
    max: Decimal | None = None
    pattern: str | None = None
    constraint: str | None = None
    constraint_message: LocalText | None = None
    relevant: str | None = None
    calculate: str | None = None
    default: Any = None
    choices: tuple[Choice, ...] = ()
    indicator: Indicator | None = None
    fields: tuple[FieldSchema, ...] = ()  # the columns of a repeat

    def expression(self, name: str) -> Expression | None:
        """Compiled ``relevant``, ``calculate`` or ``constraint`` expression, if any."""
        source = getattr(self, name)
        return None if source is None else compile_expression(source)

    @cached_property
    def choice_values(self) -> tuple[str, ...]:
        return tuple(choice.value for choice in self.choices)

    def to_dict(self) -> dict[str, Any]:
        return _compact(
            {
                "key": self.key,
                "type": self.type.value,
                "label": self.label.to_dict(),
                "help": _local_dict(self.help),
                "required": self.required or None,
                "min": _optional_number(self.min),
                "max": _optional_number(self.max),
                "pattern": self.pattern,
                "constraint": self.constraint,
                "constraint_message": _local_dict(self.constraint_message),
                "relevant": self.relevant,
                "calculate": self.calculate,
                "default": self.default,
                "choices": [choice.to_dict() for choice in self.choices],
                "indicator": None if self.indicator is None else self.indicator.to_dict(),
                "fields": [child.to_dict() for child in self.fields],
            }
        )


@dataclass(frozen=True)
class FormSchema:
    """A validated form; ``order`` lists every field key, repeat children included, in
    evaluation (dependency) order: the children of a repeat come before the repeat."""

    code: str
    title: LocalText
    fields: tuple[FieldSchema, ...]
    description: LocalText | None = None
    order: tuple[str, ...] = field(default=(), compare=False, repr=False)

    @cached_property
    def by_key(self) -> Mapping[str, FieldSchema]:
        return {item.key: item for item in self.fields}

    @cached_property
    def row_order(self) -> Mapping[str, tuple[FieldSchema, ...]]:
        """Repeat key -> its columns in evaluation order."""
        position = {key: index for index, key in enumerate(self.order)}
        return {
            item.key: tuple(sorted(item.fields, key=lambda child: position.get(child.key, 0)))
            for item in self.fields
            if item.fields
        }

    @cached_property
    def sections(self) -> Mapping[str, str]:
        """Field key -> key of the section heading it belongs to."""
        owners: dict[str, str] = {}
        current = None
        for item in self.fields:
            if item.type is FieldType.SECTION:
                current = item.key
            elif current is not None:
                owners[item.key] = current
        return owners

    @property
    def indicators(self) -> tuple[FieldSchema, ...]:
        return tuple(item for item in self.fields if item.indicator is not None)

    def with_targets(self, targets: Mapping[str, Any] | None) -> FormSchema:
        """This form with individual indicator targets (``{field key: target}``) in place
        of its default ones; keys that are no indicator of the form are ignored."""
        chosen = {
            key: Decimal(str(value))
            for key, value in (targets or {}).items()
            if key in self.by_key and self.by_key[key].indicator is not None and value is not None
        }
        if not chosen:
            return self
        fields = tuple(
            replace(item, indicator=replace(item.indicator, target=chosen[item.key]))
            if item.key in chosen
            else item
            for item in self.fields
        )
        return replace(self, fields=fields)

    def to_dict(self) -> dict[str, Any]:
        """The normalised JSON definition (parses back to an equal schema)."""
        return _compact(
            {
                "code": self.code,
                "title": self.title.to_dict(),
                "description": _local_dict(self.description),
                "fields": [item.to_dict() for item in self.fields],
            }
        )
