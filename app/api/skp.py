"""`/api/v1/skp/`: performance plans (SKP), scoped like submissions, through `app.services.skp`.

List and read; create one for an employee and year; replace the draft's RHK items (with
expectations and annex); submit, agree, return and revise; read and write feedback notes.
Every write names the current version's `lock_version` (422 when missing, 409 when stale).
"""

from __future__ import annotations

from flask import g
from flask_appbuilder.api import BaseApi
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, fields, validate
from sqlalchemy import func, select

from app.api.errors import ApiContract, ApiError, endpoint, load_args, load_body, refusals, scoped
from app.api.schemas import Id, PublishedVersionSchema, Strict, StrictId, UtcDateTime
from app.api.submissions import action_doc as submission_action_doc
from app.extensions import db
from app.models import Employee, Skp
from app.models.planning import Aspect, RhkKind, SkpState
from app.scope import current_scope, is_allowed, visible_employees, visible_skps
from app.services import skp as service
from app.services import skp_feedback

LIMIT = 1e14  # a float: the spec writes it as a number
NUMBER = _l("Give a number.")


def _text(limit: int, **kwargs) -> fields.String:
    return fields.String(validate=validate.Length(max=limit), **kwargs)


# --- request bodies ----------------------------------------------------------------------


class SkpCreateBody(Strict):
    employee_id = StrictId(required=True, metadata={"description": "the employee planning"})
    year = fields.Integer(strict=True, required=True, validate=validate.Range(min=2000, max=2100))
    period_kind = fields.String(
        load_default="annual", validate=validate.OneOf(service.PERIOD_KINDS)
    )


class SkpIndicatorIn(Strict):
    aspect = fields.String(
        load_default=Aspect.KUANTITAS.value, validate=validate.OneOf([a.value for a in Aspect])
    )
    title = _text(service.MAX_TEXT, required=True)
    target = fields.Float(
        allow_none=True, allow_nan=False, validate=validate.Range(min=-LIMIT, max=LIMIT),
        error_messages={"invalid": NUMBER, "special": NUMBER},
        metadata={"description": "the individual target"},
    )  # fmt: skip
    unit_label = _text(40, load_default="")
    field_key = _text(
        80, allow_none=True,
        metadata={"description": "an indicator field of the employee's assigned form"},
    )  # fmt: skip


class SkpRhkIn(Strict):
    key = _text(36, allow_none=True, metadata={"description": "kept across saves and versions"})
    kind = fields.String(
        load_default=RhkKind.UTAMA.value, validate=validate.OneOf([k.value for k in RhkKind])
    )
    title = _text(service.MAX_TEXT, required=True)
    parent_rhk_id = StrictId(
        allow_none=True, metadata={"description": "the supervisor's RHK it intervenes"}
    )
    iku_id = StrictId(allow_none=True, metadata={"description": "for a unit head: a unit IKU"})
    indicators = fields.List(
        fields.Nested(SkpIndicatorIn), load_default=list,
        validate=validate.Length(max=service.MAX_INDICATORS),
    )  # fmt: skip


class SkpAnnexIn(Strict):
    resources = _text(service.MAX_TEXT, allow_none=True)
    accountability = _text(service.MAX_TEXT, allow_none=True)
    consequences = _text(service.MAX_TEXT, allow_none=True)


class SkpItemsBody(Strict):
    lock_version = fields.Integer(strict=True, required=True)
    items = fields.List(
        fields.Nested(SkpRhkIn), required=True, validate=validate.Length(max=service.MAX_ITEMS)
    )
    expectations = fields.Dict(
        keys=fields.String(), values=_text(service.MAX_TEXT),
        metadata={"description": "ekspektasi khusus by BerAKHLAK value code"},
    )  # fmt: skip
    annex = fields.Nested(SkpAnnexIn)


class SkpLockBody(Strict):
    lock_version = fields.Integer(strict=True)


class SkpReasonBody(SkpLockBody):
    reason = _text(service.MAX_TEXT, required=True)


class SkpFeedbackBody(Strict):
    kind = fields.String(load_default="progress", validate=validate.OneOf(list(skp_feedback.KINDS)))
    body = _text(skp_feedback.MAX_BODY, required=True)
    rhk_key = _text(36, allow_none=True)
    reply_to_id = StrictId(allow_none=True)


class SkpListArgs(Strict):
    year = fields.Integer(validate=validate.Range(min=2000, max=2100))
    employee = Id()
    state = fields.String(validate=validate.OneOf([s.value for s in SkpState]))
    page = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))
    page_size = fields.Integer(load_default=25, validate=validate.Range(min=1, max=100))


# --- answers ---------------------------------------------------------------------------------


class Out(Schema):
    class Meta:
        unknown = EXCLUDE


class SkpIndicatorOut(Out):
    id = fields.Integer()
    aspect = fields.String()
    title = fields.String()
    target = fields.Float(allow_none=True)
    unit_label = fields.String()
    field_key = fields.String(allow_none=True)


class SkpRhkOut(Out):
    id = fields.Integer()
    key = fields.String()
    kind = fields.String()
    title = fields.String()
    parent_rhk_id = fields.Integer(allow_none=True)
    iku_id = fields.Integer(allow_none=True)
    indicators = fields.List(fields.Nested(SkpIndicatorOut))


class SkpVersionOut(PublishedVersionSchema):
    """A version of an SKP; `published_at` is its agreement."""

    id = fields.Integer()
    state = fields.String()
    lock_version = fields.Integer()
    evaluator_id = fields.Integer(allow_none=True)
    expectations = fields.Dict(keys=fields.String(), values=fields.String())
    annex = fields.Dict(keys=fields.String(), values=fields.String())
    revision_reason = fields.String(allow_none=True)
    return_reason = fields.String(allow_none=True)
    submitted_at = UtcDateTime(allow_none=True)
    items = fields.List(fields.Nested(SkpRhkOut))


class SkpSummaryOut(Out):
    id = fields.Integer()
    employee_id = fields.Integer()
    unit_id = fields.Integer()
    year = fields.Integer()
    period_kind = fields.String()
    state = fields.Function(lambda s: service.current_version(s).state)
    version = fields.Function(lambda s: service.current_version(s).number)
    lock_version = fields.Function(lambda s: service.current_version(s).lock_version)


class SkpHistoryOut(Out):
    at = UtcDateTime()
    user = fields.Function(lambda e: e.user.username if e.user else None, allow_none=True)
    action = fields.String()
    comment = fields.String(allow_none=True)
    changes = fields.Dict(allow_none=True)


class SkpDetailOut(SkpSummaryOut):
    versions = fields.List(fields.Nested(SkpVersionOut))
    history = fields.Method(
        "_history",
        metadata={"type": "array", "items": {"$ref": "#/components/schemas/SkpHistoryOut"}},
    )
    allowed_actions = fields.Method(
        "_actions", metadata={"type": "array", "items": {"type": "string"}}
    )

    def _history(self, skp):
        return SkpHistoryOut(many=True).dump(service.history(skp))

    def _actions(self, skp):
        return sorted(service.allowed_actions(skp, current_scope()))


class SkpListOut(Out):
    count = fields.Integer()
    page = fields.Integer()
    page_size = fields.Integer()
    result = fields.List(fields.Nested(SkpSummaryOut))


class SkpResultOut(Out):
    result = fields.Nested(SkpDetailOut)


class SkpActionOut(Out):
    id = fields.Integer()
    state = fields.String()
    version = fields.Integer()
    lock_version = fields.Integer()


class SkpNoteOut(Out):
    id = fields.Integer()
    at = UtcDateTime()
    author = fields.String()
    kind = fields.String()
    rhk_key = fields.String(allow_none=True)
    rhk_title = fields.String(allow_none=True)
    body = fields.String()
    reply_to_id = fields.Integer(allow_none=True)


class SkpNotesOut(Out):
    count = fields.Integer()
    result = fields.List(fields.Nested(SkpNoteOut))


def action_doc(summary: str, body: str, *, required: bool = True):
    """Document an SKP action like a submission's, answering `SkpActionOut`."""
    return submission_action_doc("post", summary, body, required=required, result="SkpActionOut")


def _lock(body: dict):
    return body.get("lock_version")


class SkpApi(ApiContract, BaseApi):
    """Performance plans (SKP): list, read, create, plan, submit, agree, return, revise."""

    resource_name = "skp"
    allow_browser_login = False  # the session cookie must not bypass CSRF
    openapi_spec_tag = "SKP"
    openapi_spec_component_schemas = (
        *ApiContract.openapi_spec_component_schemas,
        SkpCreateBody, SkpIndicatorIn, SkpRhkIn, SkpAnnexIn, SkpItemsBody, SkpLockBody,
        SkpReasonBody, SkpFeedbackBody, SkpIndicatorOut, SkpRhkOut, SkpVersionOut,
        SkpSummaryOut, SkpHistoryOut, SkpDetailOut, SkpListOut, SkpResultOut, SkpActionOut,
        SkpNoteOut, SkpNotesOut,
    )  # fmt: skip

    def _answer(self, skp: Skp, status: int = 200):
        version = service.current_version(skp)
        return self.response(
            status, id=skp.id, state=version.state, version=version.number,
            lock_version=version.lock_version,
        )  # fmt: skip

    def _act(self, pk: int, body_schema, call, *, optional: bool = False):
        skp = scoped(Skp, pk, visible_skps)
        body = load_body(body_schema, optional=optional)
        with refusals(service.SkpConflict):
            call(skp, body, current_scope())
        db.session.refresh(skp)
        return self._answer(skp)

    @endpoint("/", "GET", "get")
    def get_list(self):
        """SKPs in the caller's scope, a page at a time.
        ---
        get:
          summary: SKPs in the caller's scope
          parameters:
          - {in: query, name: year, schema: {type: integer, minimum: 2000, maximum: 2100}}
          - {in: query, name: employee, schema: {type: integer, minimum: 1}}
          - in: query
            name: state
            schema: {type: string, enum: [draft, submitted, returned, agreed, superseded]}
          - {in: query, name: page, schema: {type: integer, minimum: 0, default: 0}}
          - in: query
            name: page_size
            schema: {type: integer, minimum: 1, maximum: 100, default: 25}
          responses:
            200:
              description: One page of SKPs (state of the latest version)
              content:
                application/json:
                  schema: {$ref: '#/components/schemas/SkpListOut'}
        """
        args = load_args(SkpListArgs())
        page, size = args["page"], args["page_size"]
        conditions = [visible_skps(current_scope())]
        if "year" in args:
            conditions.append(Skp.year == args["year"])
        if "employee" in args:
            conditions.append(Skp.employee_id == args["employee"])
        if "state" in args:
            conditions.append(Skp.id.in_(service.with_state(args["state"])))
        count = db.session.scalar(select(func.count(Skp.id)).where(*conditions))
        items = db.session.scalars(
            select(Skp).where(*conditions).order_by(Skp.year.desc(), Skp.id)
            .offset(page * size).limit(size)
        ).all()  # fmt: skip
        return self.response(
            200, count=count, page=page, page_size=size,
            result=SkpSummaryOut(many=True).dump(items),
        )  # fmt: skip

    @endpoint("/<int:pk>", "GET", "get")
    def get(self, pk):
        """One SKP with every version (items, indicators), its history and what you may do.
        ---
        get:
          summary: One SKP with its versions and history
          parameters: [{in: path, name: pk, required: true, schema: {type: integer, minimum: 1}}]
          responses:
            200:
              description: The SKP
              content:
                application/json:
                  schema: {$ref: '#/components/schemas/SkpResultOut'}
        """
        skp = scoped(Skp, pk, visible_skps)
        return self.response(200, result=SkpDetailOut().dump(skp))

    @endpoint("/", "POST", "post")
    def post(self):
        """Create the SKP of an employee for a year, with an empty draft.
        ---
        post:
          summary: Create an employee's SKP for a year
          requestBody:
            required: true
            content:
              application/json:
                schema: {$ref: '#/components/schemas/SkpCreateBody'}
          responses:
            201:
              description: The new SKP
              content:
                application/json:
                  schema: {$ref: '#/components/schemas/SkpActionOut'}
            403: {$ref: '#/components/responses/403'}
        """
        body = load_body(SkpCreateBody())
        scope = current_scope()
        if not is_allowed(Employee, body["employee_id"], visible_employees):
            raise ApiError(422, errors={"employee_id": [str(_l("No such employee."))]})
        employee = db.session.get(Employee, body["employee_id"])
        with refusals():
            skp = service.create(employee, body["year"], scope, g.user.id, body["period_kind"])
        return self._answer(skp, 201)

    @endpoint("/<int:pk>/items", "PUT", "put")
    def put_items(self, pk):
        """Replace the draft's RHK items (and, when sent, expectations and annex).
        ---
        put:
          summary: Replace the draft's RHK items, expectations and annex
          parameters: [{in: path, name: pk, required: true, schema: {type: integer, minimum: 1}}]
          requestBody:
            required: true
            content:
              application/json:
                schema: {$ref: '#/components/schemas/SkpItemsBody'}
          responses:
            200:
              description: The SKP's state after saving
              content:
                application/json:
                  schema: {$ref: '#/components/schemas/SkpActionOut'}
            403: {$ref: '#/components/responses/403'}
            409: {$ref: '#/components/responses/409'}
        """

        def call(skp, body, scope):
            annex = body.get("annex")
            service.save(
                skp, scope, g.user.id, body["lock_version"], items=body["items"],
                expectations=body.get("expectations"),
                annex={k: v for k, v in annex.items() if v} if annex is not None else None,
            )  # fmt: skip

        return self._act(pk, SkpItemsBody(), call)

    @action_doc("Send the draft to the pejabat penilai.", "SkpLockBody", required=False)
    @endpoint("/<int:pk>/submit", "POST", "post")
    def submit(self, pk):
        def call(skp, body, scope):
            service.submit(skp, scope, g.user.id, _lock(body))

        return self._act(pk, SkpLockBody(), call, optional=True)

    @action_doc("Agree the submitted plan (pejabat penilai); it is frozen.", "SkpLockBody",
                required=False)  # fmt: skip
    @endpoint("/<int:pk>/agree", "POST", "post")
    def agree(self, pk):
        def call(skp, body, scope):
            service.agree(skp, scope, g.user.id, _lock(body))

        return self._act(pk, SkpLockBody(), call, optional=True)

    @action_doc("Return the submitted plan to the employee with a reason.", "SkpReasonBody")
    @endpoint("/<int:pk>/return", "POST", "post")
    def return_(self, pk):
        def call(skp, body, scope):
            service.return_for_revision(skp, body["reason"], scope, g.user.id, _lock(body))

        return self._act(pk, SkpReasonBody(), call)

    @action_doc("Start a revision: a new draft copied from the agreed plan.", "SkpReasonBody")
    @endpoint("/<int:pk>/revise", "POST", "post")
    def revise(self, pk):
        def call(skp, body, scope):
            service.revise(skp, body["reason"], scope, g.user.id, _lock(body))

        return self._act(pk, SkpReasonBody(), call)

    @endpoint("/<int:pk>/feedback", "GET", "get")
    def get_feedback(self, pk):
        """The feedback notes on the SKP, oldest first, replies under their note.
        ---
        get:
          summary: Feedback notes (umpan balik berkelanjutan) on the SKP
          parameters: [{in: path, name: pk, required: true, schema: {type: integer, minimum: 1}}]
          responses:
            200:
              description: The notes
              content:
                application/json:
                  schema: {$ref: '#/components/schemas/SkpNotesOut'}
        """
        skp = scoped(Skp, pk, visible_skps)
        notes = skp_feedback.notes_of(skp)
        return self.response(200, count=len(notes), result=SkpNoteOut(many=True).dump(notes))

    @endpoint("/<int:pk>/feedback", "POST", "post")
    def post_feedback(self, pk):
        """Record a feedback note on an RHK (employee or pejabat penilai).
        ---
        post:
          summary: Record a feedback note
          parameters: [{in: path, name: pk, required: true, schema: {type: integer, minimum: 1}}]
          requestBody:
            required: true
            content:
              application/json:
                schema: {$ref: '#/components/schemas/SkpFeedbackBody'}
          responses:
            201:
              description: The note
              content:
                application/json:
                  schema: {$ref: '#/components/schemas/SkpNoteOut'}
            403: {$ref: '#/components/responses/403'}
        """
        skp = scoped(Skp, pk, visible_skps)
        body = load_body(SkpFeedbackBody())
        with refusals():
            note = skp_feedback.record(skp, body, current_scope(), g.user.id)
        shown = next(n for n in skp_feedback.notes_of(skp) if n.id == note.id)
        return self.response(201, **SkpNoteOut().dump(shown))
