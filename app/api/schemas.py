"""Marshmallow schemas of the custom endpoints: each validates a request and documents it.

Query-string schemas accept numbers as text (that is how they arrive); body schemas are
strict (`"1"` is not an id). Ids are limited to the database's 64-bit range.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from marshmallow import RAISE, Schema, fields, validate

from app.models.types import SubmissionState

MAX_ID = 2**31 - 1  # ids and counters are INTEGER columns (32-bit in PostgreSQL)
TOO_LARGE = _l("The number is too large.")
NOT_AN_ID = _l("Enter a valid identifier.")
MAX_TEXT = 10_000


def Id(**kwargs) -> fields.Integer:  # noqa: N802 - a field factory reads like a field class
    """A database id: 1 … 2^31-1."""
    return fields.Integer(validate=validate.Range(min=1, max=MAX_ID, error=NOT_AN_ID), **kwargs)


def StrictId(**kwargs) -> fields.Integer:  # noqa: N802
    return Id(strict=True, **kwargs)


def Text(**kwargs) -> fields.String:  # noqa: N802
    return fields.String(validate=validate.Length(max=MAX_TEXT), **kwargs)


class UtcDateTime(fields.DateTime):
    """A timestamp stored as naive UTC, written with its offset (an RFC 3339 date-time)."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return super()._serialize(value, attr, obj, **kwargs)


class Strict(Schema):
    class Meta:
        unknown = RAISE


# --- query strings ----------------------------------------------------------------------


class SubmissionListArgs(Strict):
    period = Id()
    state = fields.String(validate=validate.OneOf([s.value for s in SubmissionState]))
    page = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))
    page_size = fields.Integer(load_default=25, validate=validate.Range(min=1, max=100))


class DocumentArgs(Strict):
    type = fields.String(load_default="evaluation", validate=validate.OneOf(["evaluation", "form"]))


class RecapArgs(Strict):
    period = Id(required=True)
    unit = Id()
    format = fields.String(
        load_default="pdf",
        validate=validate.OneOf(["pdf", "xlsx", "csv", "tables"]),
        metadata={
            "description": "tables: a ZIP with one CSV per table (repeat group) of the forms"
        },
    )


class PeriodArgs(Strict):
    period = Id(required=True)


class SummaryArgs(PeriodArgs):
    unit = Id()


class AwardArgs(Strict):
    period = Id()
    state = fields.String(
        load_default="confirmed", validate=validate.OneOf(["proposed", "confirmed", "dismissed"])
    )


class ExportArgs(Strict):
    version = fields.Integer(validate=validate.Range(min=1, max=MAX_ID, error=TOO_LARGE))
    format = fields.String(
        load_default="json", validate=validate.OneOf(["json", "xlsx", "xlsform"])
    )


class ImportArgs(Strict):
    unit_id = Id()
    skip_unsupported = fields.Boolean(load_default=False)


# --- request bodies -----------------------------------------------------------------------


class AnswersBody(Strict):
    answers = fields.Dict(keys=fields.String(), values=fields.Dict(), required=True)
    lock_version = fields.Integer(strict=True, required=True)


class SubmitBody(Strict):
    lock_version = fields.Integer(strict=True)


class ReturnBody(Strict):
    reason = Text(required=True)
    comments = fields.Dict(keys=fields.String(), values=Text())
    lock_version = fields.Integer(strict=True)


RATING_CHOICE = (
    "The evaluator's rating, overriding the proposal: `above`, `as_expected`, `below` or the "
    'Indonesian labels "Di atas ekspektasi", "Sesuai ekspektasi", "Di bawah ekspektasi" '
    "(any case); absent or empty keeps the proposal."
)


class ApproveBody(Strict):
    behaviour = fields.Dict(keys=fields.String(), values=fields.Raw(), required=True)
    feedback = Text(load_default="")
    recommendation = Text(load_default="")
    comments = fields.Dict(keys=fields.String(), values=Text())
    lock_version = fields.Integer(strict=True)
    hasil_rating = fields.String(allow_none=True, metadata={"description": RATING_CHOICE})
    perilaku_rating = fields.String(allow_none=True, metadata={"description": RATING_CHOICE})
    override_reason = Text(
        allow_none=True,
        metadata={"description": "Required when a rating differs from the proposal (else 422)."},
    )


class ReasonBody(Strict):
    reason = Text(required=True)


class ReopenBody(ReasonBody):
    lock_version = fields.Integer(strict=True)


class AssignBody(Strict):
    template_version_id = StrictId(required=True)
    unit_id = StrictId()
    include_subunits = fields.Boolean(load_default=True)
    jabatan_types = fields.List(fields.String(validate=validate.Length(max=40)))
    employee_ids = fields.List(StrictId())


class UploadFields(Strict):
    draft_revision = fields.Integer(validate=validate.Range(min=0, max=MAX_ID))


class ImportBody(Strict):
    definition = fields.Dict(required=True)
    unit_id = StrictId(allow_none=True)
    draft_revision = fields.Integer(strict=True, validate=validate.Range(min=0, max=MAX_ID))


# --- responses ------------------------------------------------------------------------------


class Ratings(Schema):
    """The ratings of an evaluation: hasil kerja, perilaku kerja and the predikat."""

    hasil_rating = fields.String(allow_none=True)
    perilaku_rating = fields.String(allow_none=True)
    predikat = fields.String(allow_none=True)


class Indicator(Schema):
    """An indicator's target, realisation and achievement (IKU or individual)."""

    label = fields.String()
    unit = fields.String(allow_none=True)
    polarity = fields.String(allow_none=True)
    weight = fields.Float(allow_none=True)
    aggregation = fields.String(allow_none=True)
    target = fields.Float(allow_none=True)
    realisation = fields.Float(allow_none=True)
    achievement = fields.Float(allow_none=True)


class UnitRef(Schema):
    """A unit (unit kerja) named in an answer (`parent_id` where the answer gives it)."""

    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    parent_id = fields.Integer(allow_none=True)


class PeriodRef(Schema):
    """An evaluation period named in an answer (`state` where the answer gives it)."""

    id = fields.Integer()
    name = fields.String()
    state = fields.String()


class EmployeeRef(Schema):
    """An employee (pegawai) named in an answer."""

    id = fields.Integer()
    nip = fields.String()
    name = fields.String()


class SubmissionSummary(Schema):
    id = fields.Integer()
    employee_id = fields.Integer()
    period_id = fields.Integer()
    unit_id = fields.Integer(allow_none=True)
    evaluator_id = fields.Integer(allow_none=True)
    state = fields.String()
    predikat = fields.String(allow_none=True, metadata={"description": "As approved."})
    final_predikat = fields.String(
        allow_none=True,
        metadata={
            "description": "The predikat that counts: calibrated if adjusted, else approved."
        },
    )
    achievement = fields.Float(allow_none=True)
    template_version_id = fields.Integer(allow_none=True)
    lock_version = fields.Integer()


class SubmissionList(Schema):
    count = fields.Integer()
    page = fields.Integer()
    page_size = fields.Integer()
    result = fields.List(fields.Nested(SubmissionSummary))


class Scores(Ratings):
    """The portal's proposed ratings and the evaluator's final ones (with any override)."""

    achievement = fields.Float(allow_none=True)
    proposed_hasil_rating = fields.String(allow_none=True)
    proposed_perilaku_rating = fields.String(allow_none=True)
    override_reason = fields.String(allow_none=True)


class EvidenceFile(Schema):
    """An evidence file (bukti dukung) of a submission."""

    id = fields.Integer()
    field = fields.String(metadata={"description": '"<form version id>:<field key>"'})
    name = fields.String()
    content_type = fields.String()
    size = fields.Integer()


class HistoryEntry(Schema):
    """An audit entry of a submission."""

    at = fields.String()
    user = fields.String(allow_none=True)
    action = fields.String()
    comment = fields.String(allow_none=True)
    changes = fields.Dict(allow_none=True)


class SubmissionDetail(SubmissionSummary):
    answers = fields.Dict()
    comments = fields.Dict()
    behaviour = fields.Dict()
    feedback = fields.String(allow_none=True)
    recommendation = fields.String(allow_none=True)
    return_reason = fields.String(allow_none=True)
    scores = fields.Nested(Scores)
    submitted_at = fields.String(allow_none=True)
    approved_at = fields.String(allow_none=True)
    evidence = fields.List(fields.Nested(EvidenceFile))
    history = fields.List(fields.Nested(HistoryEntry))
    allowed_actions = fields.List(fields.String())
    skp_version_id = fields.Integer(
        allow_none=True, metadata={"description": "The agreed SKP version giving the targets."}
    )
    targets = fields.Dict(
        keys=fields.String(), values=fields.Float(), allow_none=True,
        metadata={"description": "Individual targets {form field key: target}; null: the "
                                 "forms' default targets"},
    )  # fmt: skip
    targets_notice = fields.String(
        allow_none=True, metadata={"description": "Said when no agreed SKP gives the targets."}
    )


class SubmissionResult(Schema):
    result = fields.Nested(SubmissionDetail)


class ActionResult(Schema):
    id = fields.Integer()
    state = fields.String()
    lock_version = fields.Integer()
    predikat = fields.String(allow_none=True)
    scores = fields.Nested(Scores)


class AssignResult(Schema):
    created = fields.Integer()
    existing = fields.Integer()
    problems = fields.List(fields.Dict())


class PeriodStateResult(Schema):
    id = fields.Integer()
    state = fields.String()


class FormSummary(Schema):
    id = fields.Integer()
    code = fields.String()
    title = fields.String(allow_none=True)
    unit_id = fields.Integer(allow_none=True)
    archived = fields.Boolean()
    latest_version = fields.Integer(allow_none=True)
    has_draft = fields.Boolean()
    shared = fields.Boolean(metadata={"description": "Readable by every unit (regency-wide)."})


class PublishedVersionSchema(Schema):
    """A numbered, frozen version of a versioned document (form, template, SKP)."""

    number = fields.Integer()
    published_at = UtcDateTime(allow_none=True)


class FormVersion(PublishedVersionSchema):
    """A published version of an indicator form (also the JSON export)."""

    definition = fields.Dict()


class FormDetail(FormSummary):
    draft = fields.Dict(allow_none=True)
    draft_revision = fields.Integer(allow_none=True)
    versions = fields.List(fields.Nested(FormVersion))


class FormList(Schema):
    count = fields.Integer()
    result = fields.List(fields.Nested(FormSummary))


class FormResult(Schema):
    result = fields.Nested(FormDetail)


class FileRow(Schema):
    """A row of an uploaded XLSForm left out, or imported in part (`path`: sheet!row)."""

    code = fields.String()
    path = fields.String()
    field = fields.String(allow_none=True)
    message = fields.String()


class FormImported(Schema):
    id = fields.Integer()
    draft_revision = fields.Integer()
    result = fields.Nested(FormSummary)
    skipped = fields.List(fields.Nested(FileRow))
    partial = fields.List(fields.Nested(FileRow))


class Published(Schema):
    version = fields.Integer()


class AwardPerson(Schema):
    id = fields.Integer()
    name = fields.String()
    nip = fields.String(metadata={"description": "Only for HR and unit admins within scope."})


class Award(Schema):
    id = fields.Integer()
    state = fields.String()
    title = fields.String(allow_none=True)
    citation = fields.String(allow_none=True)
    predikat = fields.String(allow_none=True)
    achievement = fields.Float(allow_none=True)
    rank = fields.Integer(allow_none=True)
    employee = fields.Nested(AwardPerson)
    unit = fields.Nested(UnitRef)
    period = fields.Nested(PeriodRef)
    decided_at = fields.String(allow_none=True)


class AwardList(Schema):
    count = fields.Integer()
    result = fields.List(fields.Nested(Award))


class CurveViolation(Schema):
    """A broken rule of the distribution curve (kurva distribusi)."""

    rule = fields.String()
    predikat = fields.List(fields.String())
    message = fields.String()


class Share(Schema):
    count = fields.Integer()
    percent = fields.Float()


def _by_key(values) -> fields.Dict:
    return fields.Dict(keys=fields.String(), values=values)


class Curve(Schema):
    ok = fields.Boolean()
    violations = fields.List(fields.Nested(CurveViolation))


class Totals(Schema):
    completion = _by_key(fields.Nested(Share))
    total = fields.Integer()
    predikat = _by_key(fields.Integer())
    average_achievement = fields.Float(allow_none=True)


class UnitFigures(Totals):
    """A unit's figures: completion by state, predikat counts, rating and curve check."""

    unit = fields.Nested(UnitRef)
    org_rating = fields.String(allow_none=True)
    curve = fields.Nested(Curve, allow_none=True)


class RankedUnit(Schema):
    unit_id = fields.Integer()
    code = fields.String()
    name = fields.String()
    average_achievement = fields.Float()


class TrendPoint(Schema):
    period = fields.Nested(PeriodRef)
    submissions = fields.Integer()
    approved = fields.Integer()
    approved_percent = fields.Float()
    average_achievement = fields.Float(allow_none=True)
    predikat = _by_key(fields.Integer())


class DashboardSummary(Schema):
    period = fields.Nested(PeriodRef)
    unit = fields.Nested(UnitRef, allow_none=True)
    totals = fields.Nested(Totals)
    units = fields.List(fields.Nested(UnitFigures))
    ranking = fields.List(fields.Nested(RankedUnit))
    trend = fields.List(fields.Nested(TrendPoint))


class IkuResult(Indicator):
    """An IKU of the unit rolled up from its employees' indicators."""

    code = fields.String()
    contributors = fields.Integer()
    target_source = fields.String(
        metadata={"description": "period (set for the period), skp (individual targets), form"}
    )


class UnitAchievement(Schema):
    unit = fields.Nested(UnitRef)
    period = fields.Nested(PeriodRef)
    ikus = fields.List(fields.Nested(IkuResult))
    overall_achievement = fields.Float(allow_none=True)
    proposed_rating = fields.String(allow_none=True)
    confirmed_rating = fields.String(allow_none=True)
    confirmed_reason = fields.String(allow_none=True)


SCHEMAS = (
    SubmissionList, SubmissionResult, ActionResult, AssignResult,
    PeriodStateResult, FormList, FormResult, FormImported, Published,
    FormVersion, AwardList, DashboardSummary, UnitAchievement, UnitRef, PeriodRef, EmployeeRef,
    AnswersBody, SubmitBody, ReturnBody, ApproveBody, ReasonBody, ReopenBody,
    AssignBody, ImportBody,
)  # fmt: skip
