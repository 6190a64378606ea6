"""Kinerja Saya: an employee's own submissions — fill in, save, submit, read the review."""

from __future__ import annotations

from flask import abort, flash, g, jsonify, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.decorators import permission_name
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.i18n import lang
from app.i18n import lazy_gettext as _l
from app.models import EvaluationPeriod, Evidence, Submission
from app.models.types import PeriodState
from app.scope import current_scope, own_submissions, require, visible_submissions
from app.services import ValidationFailed
from app.services import evidence as evidence_service
from app.services.periods import open_periods
from app.services.recaps import predikat_label, rating_label, state_label
from app.services.submission_forms import (
    NEEDS_EMPLOYEE,
    AnswerDisplay,
    bind_forms,
    collect_answers,
    evidence_of,
    field_labels,
    form_parts,
    history_rows,
    indicator_rows,
    set_errors,
)
from app.services.submissions import (
    ActionRefused,
    SubmissionConflict,
    VersionMissing,
    allowed_actions,
    behaviour_values,
    draft_problems,
    save_answers,
    submit,
)
from forms import evaluate
from forms.scoring import weighted_achievement

UI_TEXT = {
    "network_error": _l("The server could not be reached. Your answers are kept in this page."),
    "leave_unsaved": _l("You have unsaved changes."),
}


def _own(pk: int) -> Submission:
    return require(Submission, pk, own_submissions)


def action_count(scope) -> int:
    """How many of my submissions wait for me (draft or returned, in an open period)."""
    return (
        db.session.scalar(
            select(func.count(Submission.id))
            .join(EvaluationPeriod, Submission.period_id == EvaluationPeriod.id)
            .where(
                own_submissions(scope),
                Submission.state.in_(NEEDS_EMPLOYEE),
                EvaluationPeriod.state == PeriodState.OPEN.value,
            )
        )
        or 0
    )


class MyPerformanceView(BaseView):
    """Kinerja Saya: my submissions per period, the fill page and the review outcome."""

    route_base = "/my"
    default_view = "index"

    @expose("/")
    @has_access
    @permission_name("list")
    def index(self):
        scope = current_scope()
        submissions = db.session.scalars(
            select(Submission)
            .join(EvaluationPeriod, Submission.period_id == EvaluationPeriod.id)
            .where(own_submissions(scope))
            .options(selectinload(Submission.period), selectinload(Submission.evaluator))
            .order_by(EvaluationPeriod.start_date.desc(), Submission.id.desc())
        ).all()
        return self.render_template(
            "my/list.html",
            submissions=submissions,
            period_open=not submissions and bool(open_periods()),
            pending=action_count(scope),
            needs_me=NEEDS_EMPLOYEE,
            open_state=PeriodState.OPEN.value,
            state_label=state_label,
            predikat_label=predikat_label,
            title=_l("My performance"),
        )

    @expose("/<int:pk>/", methods=["GET"])
    @has_access
    @permission_name("show")
    def fill(self, pk):
        submission = _own(pk)
        parts = form_parts(submission)
        bind_forms(parts, invalid=submission.invalid_answers)
        editable = "save" in allowed_actions(submission, current_scope())
        problems = draft_problems(submission, complete=bool(request.args.get("check")))
        return self._page(submission, parts, problems if editable else None)

    @expose("/<int:pk>/", methods=["POST"])
    @has_access
    @permission_name("edit")
    def save(self, pk):
        submission = _own(pk)
        scope = current_scope()
        parts = form_parts(submission)
        bind_forms(parts, formdata=request.form)
        posted_lock = request.form.get("lock_version", type=int)
        try:
            answers, stored = collect_answers(
                submission, parts, scope, request.form, request.files, g.user.id
            )
        except ValidationFailed as exc:
            db.session.rollback()
            return self._page(submission, parts, exc.errors, posted_lock, status=422)
        try:
            kept = save_answers(
                submission, answers, scope, g.user.id, lock_version=posted_lock, keep_invalid=True
            )
        except ActionRefused as exc:
            evidence_service.discard(stored)
            flash(str(exc), "danger")
            return redirect(url_for("MyPerformanceView.fill", pk=pk))
        except VersionMissing as exc:
            evidence_service.discard(stored)
            flash(exc.errors["lock_version"][0], "danger")
            return redirect(url_for("MyPerformanceView.fill", pk=pk))
        except SubmissionConflict as exc:
            evidence_service.discard(stored)
            return self._page(submission, parts, exc.errors, posted_lock, status=409)
        except ValidationFailed as exc:
            evidence_service.discard(stored)
            flash(_l("Nothing was saved: some answers have the wrong form."), "danger")
            return self._page(submission, parts, exc.errors, posted_lock, status=422)
        if request.form.get("action") != "submit":
            return self._saved(submission)
        if kept:
            flash(
                _l("Your answers were saved as a draft, but not submitted: fix the marked fields."),
                "warning",
            )
            return redirect(url_for("MyPerformanceView.fill", pk=pk, check=1))
        try:
            submit(submission, scope, g.user.id, lock_version=submission.lock_version)
        except ActionRefused as exc:
            flash(str(exc), "danger")
            return redirect(url_for("MyPerformanceView.fill", pk=pk))
        except ValidationFailed as exc:
            db.session.rollback()
            flash(
                _l("Your answers were saved as a draft, but not submitted: fix the marked fields."),
                "warning",
            )
            status = 409 if isinstance(exc, SubmissionConflict) else 422
            return self._page(submission, parts, exc.errors, None, status=status)
        flash(_l("Submitted to your evaluator."), "success")
        return redirect(url_for("MyPerformanceView.fill", pk=pk))

    @staticmethod
    def _saved(submission):
        """After a draft save: say so, and how many answers still block a submit (marked)."""
        problems = draft_problems(submission, complete=True)
        if not problems:
            flash(_l("Draft saved."), "success")
            return redirect(url_for("MyPerformanceView.fill", pk=submission.id))
        flash(
            _l(
                "Draft saved. %(n)d answers must still be fixed or filled in before you can "
                "submit; they are marked below.",
                n=len(problems),
            ),
            "warning",
        )
        return redirect(url_for("MyPerformanceView.fill", pk=submission.id, check=1))

    def _page(self, submission, parts, errors=None, lock_version=None, status=200):
        language = lang()
        if errors and status != 200:
            db.session.refresh(submission)
        general = set_errors(parts, errors or {})
        scope = current_scope()
        actions = allowed_actions(submission, scope)
        labels = field_labels(parts, language)
        comments = submission.comments or {}
        data = {
            "urls": {"evaluate": url_for("MyPerformanceView.evaluate_answers", pk=submission.id)},
            "ui_text": {k: str(v) for k, v in UI_TEXT.items()},
        }
        html = self.render_template(
            "my/fill.html",
            submission=submission,
            parts=parts,
            lang=language,
            editable="save" in actions,
            lock_version=lock_version if lock_version is not None else submission.lock_version,
            general_errors=general,
            conflict=status == 409,
            comments=comments,
            labels=labels,
            history=history_rows(submission, labels),
            evidence=evidence_of(submission),
            values=behaviour_values() if submission.behaviour else [],
            indicator_rows=indicator_rows,
            display=AnswerDisplay(parts, language),
            state_label=state_label,
            rating_label=rating_label,
            predikat_label=predikat_label,
            data=data,
            title=_l("My performance"),
        )
        return html, status

    @expose("/<int:pk>/evaluate", methods=["POST"])
    @has_access
    @permission_name("show")
    def evaluate_answers(self, pk):
        """Relevance, calculations and problems of the answers typed so far (JSON)."""
        submission = _own(pk)
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("answers", {}), dict):
            abort(400)
        answers = body.get("answers") or {}
        language = lang()
        result = {}
        for part in form_parts(submission):
            raw = answers.get(str(part.id))
            evaluation = evaluate(
                part.schema, raw if isinstance(raw, dict) else {}, partial=True, lang=language
            )
            achievement = weighted_achievement(part.schema, evaluation.values, part.cap)
            result[str(part.id)] = {
                "relevant": evaluation.relevant,
                "calculated": evaluation.calculated,
                "errors": {k: [str(e.message) for e in v] for k, v in evaluation.errors.items()},
                "achievement": float(achievement) if achievement is not None else None,
            }
        return jsonify(forms=result)


class EvidenceView(BaseView):
    """Download of supporting evidence, for whoever may see its submission."""

    route_base = "/evidence"
    default_view = "download"

    @expose("/<int:pk>")
    @has_access
    @permission_name("download")
    def download(self, pk):
        evidence = db.session.get(Evidence, pk)
        if evidence is None:
            abort(404)
        require(Submission, evidence.submission_id, visible_submissions)
        response = evidence_service.send(evidence)
        if response is None:
            abort(404)
        response.headers["Content-Disposition"] = evidence_service.content_disposition(evidence)
        return response
