"""`/api/v1/submission/`: submissions in the caller's scope; actions go through the service."""

from __future__ import annotations

import json

from flask import g
from flask_appbuilder.api import BaseApi
from sqlalchemy import func, select

from app.api import schemas
from app.api.errors import ApiContract, endpoint, load_args, load_body, refusals, scoped
from app.extensions import db
from app.models import Submission
from app.scope import current_scope, visible_submissions
from app.services import skp_targets
from app.services import submissions as service


def _number(value):
    return float(value) if value is not None else None


def _lock(body: dict):
    """The `lock_version` of the body (required by every write; the service refuses None)."""
    lock = body.get("lock_version")
    return lock if isinstance(lock, int) and not isinstance(lock, bool) else None


def _summary(item: Submission) -> dict:
    return {
        "id": item.id,
        "employee_id": item.employee_id,
        "period_id": item.period_id,
        "unit_id": item.unit_id,
        "evaluator_id": item.evaluator_id,
        "state": item.state,
        "predikat": item.predikat,
        "final_predikat": item.final_predikat,
        "achievement": _number(item.achievement),
        "template_version_id": item.template_version_id,
        "lock_version": item.lock_version,
    }


def _scores(item: Submission) -> dict:
    """The portal's proposed ratings and the evaluator's final ones (with any override)."""
    return {
        "achievement": _number(item.achievement),
        "proposed_hasil_rating": item.proposed_hasil_rating,
        "proposed_perilaku_rating": item.proposed_perilaku_rating,
        "hasil_rating": item.hasil_rating,
        "perilaku_rating": item.perilaku_rating,
        "override_reason": item.override_reason,
        "predikat": item.predikat,
    }


def _detail(item: Submission, scope) -> dict:
    return {
        **_summary(item),
        "answers": item.answers or {},
        "comments": item.comments or {},
        "behaviour": item.behaviour or {},
        "feedback": item.feedback,
        "recommendation": item.recommendation,
        "return_reason": item.return_reason,
        "scores": _scores(item),
        "submitted_at": item.submitted_at.isoformat() if item.submitted_at else None,
        "approved_at": item.approved_at.isoformat() if item.approved_at else None,
        "evidence": [
            {
                "id": e.id,
                "field": e.field_ref,
                "name": e.original_name,
                "content_type": e.content_type,
                "size": e.size,
            }
            for e in item.evidence
        ],
        "history": [
            {
                "at": entry.at.isoformat(),
                "user": entry.user.username if entry.user else None,
                "action": entry.action,
                "comment": entry.comment,
                "changes": entry.changes,
            }
            for entry in item.history
        ],
        "allowed_actions": sorted(service.allowed_actions(item, scope)),
        "skp_version_id": item.skp_version_id,
        "targets": item.targets,
        "targets_notice": skp_targets.notice(item),
    }


_PK = """
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer, minimum: 1}}"""


def action_doc(
    method: str, summary: str, body: str, *, required: bool = True, result: str = "ActionResult"
):
    """Document a submission (or SKP) action (FAB reads the YAML after `---` in the docstring):
    path id, JSON body, the new state (`result`), and refusals (403), conflicts (409), bad
    input (422)."""
    errors = "".join(
        f"\n            {s}: {{$ref: '#/components/responses/{s}'}}" for s in (403, 404, 409, 422)
    )
    doc = f"""{summary}
        ---
        {method}:
          summary: {json.dumps(summary)}{_PK}
          requestBody:
            required: {str(required).lower()}
            content:
              application/json:
                schema: {{$ref: '#/components/schemas/{body}'}}
          responses:
            200:
              description: The new state
              content:
                application/json:
                  schema: {{$ref: '#/components/schemas/{result}'}}{errors}
        """

    def decorate(f):
        f.__doc__ = doc
        return f

    return decorate


class SubmissionApi(ApiContract, BaseApi):
    """Evaluation submissions: read, save answers, submit, return, approve, reopen."""

    resource_name = "submission"
    allow_browser_login = False  # the session cookie must not bypass CSRF
    openapi_spec_tag = "Submissions"

    def _act(self, pk: int, body_schema, call, *, optional: bool = False):
        """Run a service action on submission `pk`; map its outcomes to responses."""
        item = scoped(Submission, pk, visible_submissions)
        body = load_body(body_schema, optional=optional)
        with refusals(service.SubmissionConflict):
            call(item, body, current_scope())
        return self.response(
            200, id=item.id, state=item.state, lock_version=item.lock_version,
            predikat=item.predikat, scores=_scores(item),
        )  # fmt: skip

    @endpoint("/", "GET", "get")
    def get_list(self):
        """Submissions in the caller's scope, a page at a time.
        ---
        get:
          summary: Submissions in the caller's scope
          parameters:
          - {in: query, name: period, schema: {type: integer, minimum: 1}}
          - in: query
            name: state
            schema: {type: string, enum: [draft, submitted, returned, approved]}
          - {in: query, name: page, schema: {type: integer, minimum: 0, default: 0}}
          - in: query
            name: page_size
            schema: {type: integer, minimum: 1, maximum: 100, default: 25}
          responses:
            200:
              description: One page of submissions
              content:
                application/json:
                  schema: {$ref: '#/components/schemas/SubmissionList'}
        """
        args = load_args(schemas.SubmissionListArgs())
        page, page_size = args["page"], args["page_size"]
        conditions = [visible_submissions(current_scope())]
        if "period" in args:
            conditions.append(Submission.period_id == args["period"])
        if "state" in args:
            conditions.append(Submission.state == args["state"])
        count = db.session.scalar(select(func.count(Submission.id)).where(*conditions))
        items = db.session.scalars(
            select(Submission)
            .where(*conditions)
            .order_by(Submission.id)
            .offset(page * page_size)
            .limit(page_size)
        ).all()
        return self.response(
            200, count=count, page=page, page_size=page_size, result=[_summary(i) for i in items]
        )

    @endpoint("/<int:pk>", "GET", "get")
    def get(self, pk):
        """One submission with answers, comments, behaviour ratings, scores and history.
        ---
        get:
          summary: One submission with its answers, scores and history
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer, minimum: 1}}
          responses:
            200:
              description: The submission
              content:
                application/json:
                  schema: {$ref: '#/components/schemas/SubmissionResult'}
        """
        item = scoped(Submission, pk, visible_submissions)
        return self.response(200, result=_detail(item, current_scope()))

    def _save(self, pk, merge: str):
        def call(item, body, scope):
            service.save_answers(
                item, body["answers"], scope, g.user.id,
                lock_version=body["lock_version"], merge=merge,
            )  # fmt: skip

        return self._act(pk, schemas.AnswersBody(), call)

    @action_doc(
        "put",
        "Replace the whole set of draft answers (forms and fields not sent are emptied).",
        "AnswersBody",
    )
    @endpoint("/<int:pk>/answers", "PUT", "put")
    def put_answers(self, pk):
        return self._save(pk, service.REPLACE)

    @action_doc(
        "patch", "Change only the draft answers sent; the others stay as saved.", "AnswersBody"
    )
    @endpoint("/<int:pk>/answers", "PATCH", "put")
    def patch_answers(self, pk):
        return self._save(pk, service.MERGE_FIELDS)

    @action_doc("post", "Send the submission to the evaluator.", "SubmitBody", required=False)
    @endpoint("/<int:pk>/submit", "POST", "post")
    def submit(self, pk):
        def call(item, body, scope):
            service.submit(item, scope, g.user.id, lock_version=_lock(body))

        return self._act(pk, schemas.SubmitBody(), call, optional=True)

    @action_doc(
        "post",
        "Return the submission to the employee with a reason and comments by field.",
        "ReturnBody",
    )
    @endpoint("/<int:pk>/return", "POST", "post")
    def return_for_revision(self, pk):
        def call(item, body, scope):
            service.return_for_revision(
                item, body["reason"], scope, g.user.id,
                comments=body.get("comments"), lock_version=_lock(body),
            )  # fmt: skip

        return self._act(pk, schemas.ReturnBody(), call)

    @action_doc(
        "post",
        "Approve with the seven behaviour ratings, feedback, recommendation and comments.",
        "ApproveBody",
    )
    @endpoint("/<int:pk>/approve", "POST", "post")
    def approve(self, pk):
        def call(item, body, scope):
            service.approve(
                item,
                body["behaviour"],
                scope,
                g.user.id,
                feedback=body["feedback"],
                recommendation=body["recommendation"],
                comments=body.get("comments"),
                lock_version=_lock(body),
                hasil_rating=body.get("hasil_rating"),
                perilaku_rating=body.get("perilaku_rating"),
                override_reason=body.get("override_reason") or "",
            )

        return self._act(pk, schemas.ApproveBody(), call)

    @action_doc(
        "post", "HR: send an approved submission back to review, with a reason.", "ReopenBody"
    )
    @endpoint("/<int:pk>/reopen", "POST", "reopen")
    def reopen(self, pk):
        def call(item, body, scope):
            service.reopen(item, body["reason"], scope, g.user.id, lock_version=_lock(body))

        return self._act(pk, schemas.ReopenBody(), call)
