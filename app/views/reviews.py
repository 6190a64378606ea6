"""Penilaian Bawahan: the evaluator's queue and review page (return or approve)."""

from __future__ import annotations

from flask import flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.decorators import permission_name
from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from app.domain.ratings import Rating
from app.extensions import db
from app.i18n import lang
from app.i18n import lazy_gettext as _l
from app.models import Employee, EvaluationPeriod, Submission
from app.models.types import SubmissionState
from app.scope import current_scope, require, reviewable_submissions
from app.services import ValidationFailed
from app.services.recaps import predikat_label, rating_label, state_label
from app.services.skp_feedback import feedback_for
from app.services.submission_forms import (
    AnswerDisplay,
    evidence_of,
    field_labels,
    form_parts,
    history_rows,
    indicator_rows,
    table_changes,
)
from app.services.submissions import (
    ActionRefused,
    SubmissionConflict,
    VersionMissing,
    allowed_actions,
    approve,
    behaviour_values,
    changes_since_return,
    preview_approval,
    return_for_revision,
)
from app.services.templates import matrix_is_variant
from app.views.builder import ASPECT_LABELS, GROUP_LABELS, POLARITY_LABELS
from forms.schema import FieldType

#: The evaluator's decision on the proposal (see `app.services.submissions.approve`).
DECISION_FIELDS = ("hasil_rating", "perilaku_rating", "override_reason")

# Queue order: what waits for the evaluator first.
STATE_ORDER = [
    SubmissionState.SUBMITTED.value,
    SubmissionState.RETURNED.value,
    SubmissionState.DRAFT.value,
    SubmissionState.APPROVED.value,
]


def _reviewable(pk: int) -> Submission:
    return require(Submission, pk, reviewable_submissions)


def _posted_lock() -> int | None:
    return request.form.get("lock_version", type=int)


def _status(exc: ValidationFailed) -> int:
    return 409 if isinstance(exc, SubmissionConflict) else 422


def _known_refs(parts) -> set[str]:
    return {part.ref(f.key) for part in parts for f in part.schema.fields}


def _posted_comments(parts) -> dict[str, str]:
    refs = _known_refs(parts)
    return {
        name.removeprefix("comment:"): value
        for name, value in request.form.items()
        if name.startswith("comment:") and name.removeprefix("comment:") in refs
    }


def _posted_behaviour(values) -> dict[str, dict[str, str]]:
    return {
        value.code: {
            part: request.form.get(f"behaviour:{value.code}:{part}", "")
            for part in ("rating", "feedback", "expectation")
        }
        for value in values
    }


def _evidence_by_section(part) -> dict[str | None, list]:
    """Evidence answers of a form grouped by the section they sit in (None: no section)."""
    grouped: dict[str | None, list] = {}
    for f in part.schema.fields:
        value = part.values.get(f.key)
        if f.type is FieldType.EVIDENCE and value:
            grouped.setdefault(part.schema.sections.get(f.key), []).append(value)
    return grouped


class ReviewView(BaseView):
    """The submissions I evaluate (pejabat penilai), by state, and the review page."""

    route_base = "/reviews"
    default_view = "index"

    @expose("/")
    @has_access
    @permission_name("list")
    def index(self):
        scope = current_scope()
        wanted = request.args.get("state")
        if wanted not in STATE_ORDER:
            wanted = None
        counts = dict(
            db.session.execute(
                select(Submission.state, func.count(Submission.id))
                .where(reviewable_submissions(scope))
                .group_by(Submission.state)
            ).all()
        )
        query = (
            select(Submission)
            .join(Employee, Submission.employee_id == Employee.id)
            .join(EvaluationPeriod, Submission.period_id == EvaluationPeriod.id)
            .where(reviewable_submissions(scope))
            .options(selectinload(Submission.employee), selectinload(Submission.period))
            .order_by(
                case({s: i for i, s in enumerate(STATE_ORDER)}, value=Submission.state, else_=9),
                EvaluationPeriod.start_date.desc(),
                Employee.name,
            )
        )
        if wanted:
            query = query.where(Submission.state == wanted)
        submissions = db.session.scalars(query).all()
        groups = [
            (state, [s for s in submissions if s.state == state])
            for state in STATE_ORDER
            if any(s.state == state for s in submissions)
        ]
        return self.render_template(
            "reviews/list.html",
            groups=groups,
            counts=counts,
            states=STATE_ORDER,
            wanted=wanted,
            state_label=state_label,
            predikat_label=predikat_label,
            title=_l("Review my team"),
        )

    @expose("/<int:pk>/")
    @has_access
    @permission_name("show")
    def review(self, pk):
        return self._page(_reviewable(pk))

    @expose("/<int:pk>/return", methods=["POST"])
    @has_access
    @permission_name("edit")
    def return_submission(self, pk):
        submission = _reviewable(pk)
        parts = form_parts(submission)
        try:
            return_for_revision(
                submission,
                request.form.get("reason", ""),
                current_scope(),
                g.user.id,
                comments=_posted_comments(parts),
                lock_version=_posted_lock(),
            )
        except (ActionRefused, VersionMissing) as exc:
            return self._refused(pk, exc)
        except ValidationFailed as exc:
            db.session.rollback()
            flash(_l("Not returned: fix the marked fields."), "danger")
            return self._page(submission, errors=exc.errors, posted=True, status=_status(exc))
        flash(_l("Returned to %(name)s for revision.", name=submission.employee.name), "success")
        return redirect(url_for("ReviewView.index"))

    @expose("/<int:pk>/approve", methods=["POST"])
    @has_access
    @permission_name("edit")
    def approve_submission(self, pk):
        """Two steps: first show the proposal and the predikat, then approve on "confirm"."""
        submission = _reviewable(pk)
        parts = form_parts(submission)
        behaviour = _posted_behaviour(behaviour_values())
        choice = {name: request.form.get(name, "") for name in DECISION_FIELDS}
        try:
            if request.form.get("step") != "confirm":
                decision = preview_approval(submission, behaviour, current_scope(), **choice)
                return self._page(submission, posted=True, decision=decision)
            approve(
                submission,
                behaviour,
                current_scope(),
                g.user.id,
                feedback=request.form.get("feedback", ""),
                recommendation=request.form.get("recommendation", ""),
                comments=_posted_comments(parts),
                lock_version=_posted_lock(),
                **choice,
            )
        except (ActionRefused, VersionMissing) as exc:
            return self._refused(pk, exc)
        except ValidationFailed as exc:
            db.session.rollback()
            flash(_l("Not approved: fix the marked fields."), "danger")
            decision = None
            if set(exc.errors) == {"override_reason"}:  # keep showing the decision to finish
                decision = preview_approval(submission, behaviour, current_scope(), **choice)
            return self._page(
                submission, errors=exc.errors, posted=True, status=_status(exc), decision=decision
            )
        flash(
            _l(
                "Approved: %(name)s is rated %(predikat)s.",
                name=submission.employee.name,
                predikat=predikat_label(submission.final_predikat),
            ),
            "success",
        )
        return redirect(url_for("ReviewView.review", pk=pk))

    @staticmethod
    def _refused(pk, exc):
        """Nothing was written: say why and show the submission as it is now."""
        db.session.rollback()
        message = exc.errors["lock_version"][0] if isinstance(exc, VersionMissing) else str(exc)
        flash(message, "danger")
        return redirect(url_for("ReviewView.review", pk=pk))

    def _page(self, submission, errors=None, posted=False, status=200, decision=None):
        language = lang()
        parts = form_parts(submission)
        values = behaviour_values()
        labels = field_labels(parts, language)
        expectations = submission.template_version.definition.get("expectations") or {}
        if posted:
            entered = {
                "comments": _posted_comments(parts),
                "behaviour": _posted_behaviour(values),
                "feedback": request.form.get("feedback", ""),
                "recommendation": request.form.get("recommendation", ""),
                "reason": request.form.get("reason", ""),
                **{name: request.form.get(name, "") for name in DECISION_FIELDS},
            }
        else:
            stored = submission.behaviour or {}
            entered = {
                "comments": dict(submission.comments or {}),
                "behaviour": {
                    v.code: {
                        "rating": (stored.get(v.code) or {}).get("rating", ""),
                        "feedback": (stored.get(v.code) or {}).get("feedback", ""),
                        "expectation": (stored.get(v.code) or {}).get("expectation")
                        or expectations.get(v.code, ""),
                    }
                    for v in values
                },
                "feedback": submission.feedback or "",
                "recommendation": submission.recommendation or "",
                "reason": "",
                **dict.fromkeys(DECISION_FIELDS, ""),
            }
        changes = changes_since_return(submission)
        return (
            self.render_template(
                "reviews/review.html",
                submission=submission,
                parts=parts,
                lang=language,
                lock_version=_posted_lock() if posted else submission.lock_version,
                actions=allowed_actions(submission, current_scope()),
                values=values,
                ratings=[(r.value, r.label) for r in Rating],
                entered=entered,
                errors=errors or {},
                decision=decision,
                matrix_variant=matrix_is_variant(),
                changes=changes,
                labels=labels,
                history=history_rows(submission, labels),
                skp_notes=feedback_for(submission.employee_id, submission.period.start_date.year),
                evidence=evidence_of(submission),
                evidence_by_section=_evidence_by_section,
                indicator_rows=indicator_rows,
                polarity_labels={k.value: v for k, v in POLARITY_LABELS.items()},
                group_labels={k.value: v for k, v in GROUP_LABELS.items()},
                aspect_labels={k.value: v for k, v in ASPECT_LABELS.items()},
                display=AnswerDisplay(parts, language),
                table_changes=table_changes,
                state_label=state_label,
                rating_label=rating_label,
                predikat_label=predikat_label,
                title=_l("Review my team"),
            ),
            status,
        )
