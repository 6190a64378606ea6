"""`/api/v1/submission/`: submissions in the caller's scope; actions go through the service."""

from __future__ import annotations

from flask import g, request
from flask_appbuilder.api import BaseApi, expose, protect, safe
from flask_appbuilder.security.decorators import permission_name
from sqlalchemy import func, select

from app.extensions import db
from app.models import Submission
from app.models.types import SubmissionState
from app.scope import current_scope, is_allowed, visible_submissions
from app.services import ValidationFailed
from app.services import submissions as service

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 25


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
    }


class SubmissionApi(BaseApi):
    """Evaluation submissions: read, save answers, submit, return, approve, reopen."""

    resource_name = "submission"
    allow_browser_login = False  # the session cookie must not bypass CSRF
    openapi_spec_tag = "Submissions"

    def _get(self, pk: int) -> Submission | None:
        if not is_allowed(Submission, pk, visible_submissions):
            return None
        return db.session.get(Submission, pk)

    def _body(self) -> dict | None:
        body = request.get_json(silent=True)
        return body if isinstance(body, dict) else None

    def _act(self, pk: int, call):
        """Run a service action on submission `pk`; map its outcomes to responses."""
        item = self._get(pk)
        if item is None:
            return self.response_404()
        body = self._body()
        if body is None:
            return self.response_400(message="Request is not a JSON object")
        try:
            call(item, body, current_scope())
        except service.ActionRefused as exc:
            db.session.rollback()
            return self.response(403, message=str(exc))
        except service.SubmissionConflict as exc:
            db.session.rollback()
            return self.response(409, message="conflict", errors=exc.errors)
        except ValidationFailed as exc:
            db.session.rollback()
            return self.response(422, message="invalid", errors=exc.errors)
        return self.response(
            200, id=item.id, state=item.state, lock_version=item.lock_version,
            predikat=item.predikat, scores=_scores(item),
        )  # fmt: skip

    @expose("/", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    def get_list(self):
        """Submissions in the caller's scope; `?period=&state=&page=&page_size=`."""
        args = request.args
        try:
            page = int(args.get("page", 0))
            page_size = int(args.get("page_size", DEFAULT_PAGE_SIZE))
            period = int(args["period"]) if args.get("period") else None
        except ValueError:
            return self.response_400(message="page, page_size and period must be numbers")
        state = args.get("state") or None
        if state is not None and state not in {s.value for s in SubmissionState}:
            return self.response_400(message="unknown state")
        if page < 0 or not 0 < page_size <= MAX_PAGE_SIZE:
            return self.response_400(message=f"page >= 0 and 1 <= page_size <= {MAX_PAGE_SIZE}")
        conditions = [visible_submissions(current_scope())]
        if period is not None:
            conditions.append(Submission.period_id == period)
        if state is not None:
            conditions.append(Submission.state == state)
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

    @expose("/<int:pk>", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    def get(self, pk):
        """One submission with answers, comments, behaviour ratings, scores and history."""
        item = self._get(pk)
        if item is None:
            return self.response_404()
        return self.response(200, result=_detail(item, current_scope()))

    @expose("/<int:pk>/answers", methods=["PUT"])
    @protect()
    @safe
    @permission_name("put")
    def put_answers(self, pk):
        """Save draft answers `{"answers": {"<form version>": {key: value}}, "lock_version": n}`."""

        def call(item, body, scope):
            service.save_answers(
                item, body.get("answers"), scope, g.user.id, lock_version=_lock(body)
            )

        return self._act(pk, call)

    @expose("/<int:pk>/submit", methods=["POST"])
    @protect()
    @safe
    @permission_name("post")
    def submit(self, pk):
        """Send the submission to the evaluator (`{"lock_version": n}`)."""

        def call(item, body, scope):
            service.submit(item, scope, g.user.id, lock_version=_lock(body))

        return self._act(pk, call)

    @expose("/<int:pk>/return", methods=["POST"])
    @protect()
    @safe
    @permission_name("post")
    def return_for_revision(self, pk):
        """Return to the employee: `{"reason", "comments": {"<form>:<key>": …}, "lock_version"}`."""

        def call(item, body, scope):
            service.return_for_revision(
                item, body.get("reason"), scope, g.user.id,
                comments=body.get("comments"), lock_version=_lock(body),
            )  # fmt: skip

        return self._act(pk, call)

    @expose("/<int:pk>/approve", methods=["POST"])
    @protect()
    @safe
    @permission_name("post")
    def approve(self, pk):
        """Approve with the seven behaviour ratings, feedback, recommendation and comments.

        Optional `hasil_rating` / `perilaku_rating` override the proposed ratings: the codes
        `above`, `as_expected`, `below` or the Indonesian labels "Di atas ekspektasi",
        "Sesuai ekspektasi", "Di bawah ekspektasi" (any case); absent or empty keeps the
        proposal. A rating that differs from the proposal needs `override_reason` (else 422,
        `errors.override_reason`). The response's `scores` show proposed and final ratings.
        """

        def call(item, body, scope):
            service.approve(
                item,
                body.get("behaviour"),
                scope,
                g.user.id,
                feedback=body.get("feedback") or "",
                recommendation=body.get("recommendation") or "",
                comments=body.get("comments"),
                lock_version=_lock(body),
                hasil_rating=body.get("hasil_rating"),
                perilaku_rating=body.get("perilaku_rating"),
                override_reason=body.get("override_reason") or "",
            )

        return self._act(pk, call)

    @expose("/<int:pk>/reopen", methods=["POST"])
    @protect()
    @safe
    @permission_name("reopen")
    def reopen(self, pk):
        """HR: send an approved submission back to review, `{"reason", "lock_version"}`."""

        def call(item, body, scope):
            service.reopen(item, body.get("reason"), scope, g.user.id, lock_version=_lock(body))

        return self._act(pk, call)
