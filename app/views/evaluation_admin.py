"""The evaluation cycle, unit-admin and HR side.

Template designer (forms with weights, rating rules, predikat matrix, special
expectations, preview), assignment of templates to employees for a period, period
reopening with a reason, and organisational ratings per unit and period.
The views translate HTML forms to service calls; the rules live in `app.services`.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask import abort, current_app, flash, g, jsonify, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.decorators import permission_name
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from app.domain.ratings import (
    PERILAKU_RULES,
    OrgRating,
    Predikat,
    Rating,
    hasil_kerja_rating,
    perilaku_rating,
    predikat,
)
from app.extensions import db
from app.i18n import lang
from app.i18n import lazy_gettext as _l
from app.models import (
    AuditEntry,
    Employee,
    EvaluationPeriod,
    EvaluationTemplate,
    FormVersion,
    IndicatorForm,
    Job,
    TemplateVersion,
    Unit,
)
from app.models.types import JabatanType, PeriodState, SubmissionState
from app.scope import (
    assignable_versions,
    current_scope,
    is_allowed,
    managed_employees,
    managed_templates,
    managed_units,
    require,
    unit_subtree,
)
from app.services import ValidationFailed
from app.services import templates as template_service
from app.services import unit_ratings as rating_service
from app.services.assignment import assign, holders
from app.services.job_kinds import start_assignment
from app.services.org import people_names
from app.services.periods import UNFINISHED, change_period_state, unfinished_by_unit
from app.services.recaps import state_label
from app.services.scoring import total_achievement
from app.services.submissions import behaviour_values
from app.services.version_moves import STAYING, move_to_version, plans

PERILAKU_RULE_LABELS = {
    "majority": _l(
        "Majority: below if most values are below; above if most are above and none below"
    ),
    "strict": _l("Strict: below if any value is below; above only if all are above"),
}
EMPTY_FORM_ROWS = 3
MAX_EXPECTATION = 2000


# --- small parsing helpers -------------------------------------------------------------


def _int(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _number(value: Any) -> int | float | str:
    """A number typed in a form, as JSON can store it; the raw text if unreadable.

    Accepts a decimal comma ("92,5"). Unreadable text is kept so that
    `definition_errors` reports it next to its part.
    """
    text = str(value or "").strip().replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        return text
    if not number.is_finite():
        return text
    return int(number) if number == number.to_integral_value() else float(number)


def _decimal(value: Any) -> Decimal | None:
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _perilaku_choices() -> list[tuple[str, str]]:
    return [(key, str(PERILAKU_RULE_LABELS.get(key, key))) for key in PERILAKU_RULES]


# --- template designer ----------------------------------------------------------------


def _ancestor_ids(unit_id: int | None) -> list[int]:
    ids: list[int] = []
    current = db.session.get(Unit, unit_id) if unit_id is not None else None
    while current is not None and current.id not in ids:
        ids.append(current.id)
        current = current.parent
    return ids


def usable_form_versions(template: EvaluationTemplate) -> list[FormVersion]:
    """The latest published version of each form the template's unit may use:
    its own forms, its parent units' forms and regency-wide forms."""
    condition = IndicatorForm.unit_id.is_(None)
    units = _ancestor_ids(template.unit_id)
    if units:
        condition = or_(condition, IndicatorForm.unit_id.in_(units))
    forms = db.session.scalars(
        select(IndicatorForm)
        .where(condition, IndicatorForm.archived.is_(False))
        .options(selectinload(IndicatorForm.versions))
        .order_by(IndicatorForm.code)
    ).all()
    return [form.latest_version for form in forms if form.latest_version is not None]


def _version_label(version: FormVersion) -> str:
    return f"{version.form.code} v{version.number} — {version.form.title}"


def _form_choices(template: EvaluationTemplate, definition: dict) -> list[tuple[int, str]]:
    """Choices for the form rows; versions already in the draft stay selectable."""
    choices = [(v.id, _version_label(v)) for v in usable_form_versions(template)]
    known = {vid for vid, _ in choices}
    for entry in definition.get("forms") or []:
        vid = entry.get("form_version_id") if isinstance(entry, dict) else None
        version = db.session.get(FormVersion, vid) if isinstance(vid, int) else None
        if version is not None and vid not in known:
            choices.append((vid, _version_label(version)))
            known.add(vid)
    return choices


def definition_from_form(form, template: EvaluationTemplate) -> dict[str, Any]:
    """The template definition posted by the editor (possibly invalid)."""
    forms = []
    for version_id, weight in zip(
        form.getlist("form_version_id"), form.getlist("weight"), strict=False
    ):
        vid = _int(version_id)
        if vid is not None:  # rows without a form are empty rows
            forms.append({"form_version_id": vid, "weight": _number(weight)})
    rules = {
        "cap": _number(form.get("cap")),
        "above": _number(form.get("above")),
        "as_expected": _number(form.get("as_expected")),
        "perilaku_rule": form.get("perilaku_rule", ""),
    }
    expectations = {}
    for value in behaviour_values():
        text = form.get(f"expectation_{value.code}", "").strip()[:MAX_EXPECTATION]
        if text:
            expectations[value.code] = text
    return {
        "code": template.code,
        "title": form.get("title", "").strip()[:200],
        "forms": forms,
        "rules": rules,
        "expectations": expectations,
    }


def preview_scores(
    definition: dict[str, Any],
    unit_id: int | None,
    achievements: dict[str, Any],
    behaviour: dict[str, Any],
) -> dict[str, Any]:
    """What a sample evaluation would get under the draft's rules.

    `achievements` maps a form version id (as text) to that form's weighted
    achievement in %, `behaviour` a BerAKHLAK code to a rating. Each form's
    achievement is capped as the scoring caps it.
    """
    errors = template_service.definition_errors(definition, unit_id)
    if "rules" in errors:
        return {"errors": errors["rules"]}
    rules = template_service.parse_rules(definition.get("rules"))
    problems: list[str] = []
    parts, rows = [], []
    for entry in definition.get("forms") or []:
        if not isinstance(entry, dict):
            continue
        weight = _decimal(entry.get("weight"))
        vid = entry.get("form_version_id")
        raw = achievements.get(str(vid))
        if raw in (None, ""):
            continue
        value = _decimal(raw)
        if value is None or value < 0 or weight is None or weight <= 0:
            problems.append(str(_l("Enter each achievement as a number of at least 0.")))
            continue
        capped = min(value, rules.cap)
        parts.append((vid, weight, capped))
        rows.append({"form_version_id": vid, "weight": str(weight), "achievement": str(capped)})
    if not parts and not problems:
        problems.append(str(_l("Enter the achievement of at least one form.")))
    ratings = []
    for value in behaviour_values():
        rating = behaviour.get(value.code)
        if rating not in {r.value for r in Rating}:
            problems.append(str(_l("Rate %(value)s.", value=value.name)))
        else:
            ratings.append(Rating(rating))
    if problems:
        return {"errors": list(dict.fromkeys(problems))}
    achievement = total_achievement(parts)
    hasil = hasil_kerja_rating(achievement, rules.thresholds)
    perilaku = perilaku_rating(ratings, rules.perilaku_rule)
    result = predikat(hasil, perilaku, template_service.predikat_matrix())
    return {
        "errors": [],
        "forms": rows,
        "achievement": str(achievement),
        "hasil": hasil.value,
        "hasil_label": hasil.label,
        "perilaku": perilaku.value,
        "perilaku_label": perilaku.label,
        "predikat": result.value,
        "predikat_label": result.label,
    }


def _version_summary(version: TemplateVersion) -> dict[str, Any]:
    """A published template version in words: its forms with weights and its thresholds."""
    definition = version.definition
    forms = []
    for entry in definition.get("forms") or []:
        form_version = db.session.get(FormVersion, entry.get("form_version_id"))
        label = _version_label(form_version) if form_version else "?"
        forms.append((label, entry.get("weight")))
    return {
        "version": version,
        "forms": forms,
        "rules": {**template_service.DEFAULT_RULES, **(definition.get("rules") or {})},
        "expectations": len(definition.get("expectations") or {}),
    }


def _unit_choices(scope) -> list[tuple[str, str]]:
    query = select(Unit).where(managed_units(scope), Unit.archived.is_(False))
    units = db.session.scalars(query.order_by(Unit.code)).all()
    choices = [(str(u.id), f"{u.code} — {u.name}") for u in units]
    if scope.regency_wide:
        choices.insert(0, ("", str(_l("Regency-wide (all units)"))))
    return choices


class TemplateDesignerView(BaseView):
    """Evaluation templates of the units in one's scope (unit admins; HR and Admin: all)."""

    route_base = "/evaluation-templates"
    default_view = "index"

    @expose("/")
    @has_access
    @permission_name("list")
    def index(self):
        scope = current_scope()
        templates = db.session.scalars(
            select(EvaluationTemplate)
            .where(managed_templates(scope))
            .options(
                selectinload(EvaluationTemplate.versions),
                selectinload(EvaluationTemplate.unit),
            )
            .order_by(EvaluationTemplate.archived, EvaluationTemplate.code)
        ).all()
        return self.render_template(
            "evaluation_admin/templates.html",
            templates=templates,
            units=_unit_choices(scope),
            title=_l("Evaluation templates"),
        )

    @expose("/new", methods=["POST"])
    @has_access
    @permission_name("edit")
    def new(self):
        unit_id = _int(request.form.get("unit_id"))
        try:
            template = template_service.create_template(
                unit_id,
                request.form.get("code", ""),
                request.form.get("title", ""),
                current_scope(),
                g.user.id,
            )
        except ValidationFailed as exc:
            flash(str(exc), "danger")
            return redirect(url_for("TemplateDesignerView.index"))
        start_with = _int(request.form.get("form_version_id"))
        if start_with is not None and start_with in dict(_form_choices(template, {})):
            draft = template_service.editable_draft(template)
            draft = {**draft, "forms": [{"form_version_id": start_with, "weight": 100}]}
            template_service.save_draft(template, draft, g.user.id)
        flash(_l("Template %(code)s created. Choose its forms below.", code=template.code), "info")
        return redirect(url_for("TemplateDesignerView.editor", pk=template.id))

    @expose("/matrix", methods=["GET", "POST"])
    @has_access
    @permission_name("edit")
    def matrix(self):
        """HR: the regency-wide predikat matrix (PermenPANRB 6/2022 unless a variant is set)."""
        if not current_scope().regency_wide:
            abort(403)
        errors: dict[str, list[str]] = {}
        current = template_service.predikat_matrix()
        cells = {(h.value, p.value): current[(h, p)].value for h in Rating for p in Rating}
        if request.method == "POST":
            posted = {
                h.value: {
                    p.value: request.form.get(f"matrix_{h.value}_{p.value}", "") for p in Rating
                }
                for h in Rating
            }
            try:
                template_service.set_predikat_matrix(
                    posted, request.form.get("reason", ""), current_scope(), g.user.id
                )
            except ValidationFailed as exc:
                db.session.rollback()
                errors = exc.errors
                cells = {(h, p): value for h, row in posted.items() for p, value in row.items()}
            else:
                flash(_l("Predikat matrix saved."), "success")
                return redirect(url_for("TemplateDesignerView.matrix"))
        return self.render_template(
            "evaluation_admin/matrix.html",
            cells=cells,
            ratings=list(Rating),
            predikats=list(Predikat),
            default=template_service.DEFAULT_RULES["matrix"],
            variant=template_service.matrix_is_variant(),
            reason=request.form.get("reason", ""),
            errors=errors,
            title=_l("Predikat matrix"),
        ), (422 if errors else 200)

    @expose("/<int:pk>/")
    @has_access
    @permission_name("list")
    def editor(self, pk):
        template = require(EvaluationTemplate, pk, managed_templates)
        return self._editor(template, template_service.editable_draft(template))

    def _editor(self, template, definition, preview=None, samples=None, status=200):
        rules = {**template_service.DEFAULT_RULES, **(definition.get("rules") or {})}
        errors = template_service.definition_errors(definition, template.unit_id)
        saved = template_service.editable_draft(template)
        values = behaviour_values()
        labels = dict(_form_choices(template, saved))
        matrix = template_service.predikat_matrix()
        cells = {(h.value, p.value): matrix[(h, p)] for h in Rating for p in Rating}
        page = self.render_template(
            "evaluation_admin/editor.html",
            tmpl=template,
            definition=definition,
            rules=rules,
            errors=errors,
            form_choices=_form_choices(template, definition),
            form_rows=list(definition.get("forms") or []) + [{}] * EMPTY_FORM_ROWS,
            ratings=list(Rating),
            predikats=list(Predikat),
            perilaku_choices=_perilaku_choices(),
            behaviour_values=values,
            expectations=definition.get("expectations") or {},
            saved_forms=[
                (e.get("form_version_id"), labels.get(e.get("form_version_id"), "?"))
                for e in saved.get("forms") or []
                if isinstance(e, dict)
            ],
            cells=cells,
            matrix_variant=template_service.matrix_is_variant(),
            can_set_matrix=current_scope().regency_wide,
            versions=[_version_summary(v) for v in reversed(template.versions)],
            preview=preview,
            samples=samples or {"achievements": {}, "behaviour": {}},
            title=template.title,
        )
        return page, status

    @expose("/<int:pk>/save", methods=["POST"])
    @has_access
    @permission_name("edit")
    def save(self, pk):
        template = require(EvaluationTemplate, pk, managed_templates)
        definition = definition_from_form(request.form, template)
        if _int(request.form.get("revision")) != template.draft_revision:
            flash(
                _l(
                    "Someone else changed this template since you opened it. "
                    "Your changes are shown below, not saved; save again to replace theirs."
                ),
                "warning",
            )
            return self._editor(template, definition, status=409)
        template_service.save_draft(template, definition, g.user.id)
        errors = template_service.definition_errors(definition, template.unit_id)
        if request.form.get("action") == "publish":
            return self._publish(template)
        if errors:
            flash(
                _l(
                    "Draft saved. %(n)d problems remain before it can be published.",
                    n=sum(len(v) for v in errors.values()),
                ),
                "warning",
            )
        else:
            flash(_l("Draft saved."), "success")
        return redirect(url_for("TemplateDesignerView.editor", pk=template.id))

    @expose("/<int:pk>/publish", methods=["POST"])
    @has_access
    @permission_name("edit")
    def publish(self, pk):
        return self._publish(require(EvaluationTemplate, pk, managed_templates))

    def _publish(self, template):
        try:
            version = template_service.publish(template, g.user.id)
        except ValidationFailed as exc:
            flash(_l("Not published:"), "danger")
            for messages in exc.errors.values():
                for message in messages:
                    flash(message, "danger")
        else:
            flash(
                _l("Version %(n)d of %(code)s published.", n=version.number, code=template.code),
                "success",
            )
            return redirect(url_for("TemplateDesignerView.editor", pk=template.id, published=1))
        return redirect(url_for("TemplateDesignerView.editor", pk=template.id))

    @expose("/<int:pk>/archive", methods=["POST"])
    @has_access
    @permission_name("edit")
    def archive(self, pk):
        template = require(EvaluationTemplate, pk, managed_templates)
        template_service.set_archived(template, request.form.get("restore") is None)
        message = _l("Template archived.") if template.archived else _l("Template restored.")
        flash(message, "success")
        return redirect(url_for("TemplateDesignerView.index"))

    @expose("/<int:pk>/preview", methods=["POST"])
    @has_access
    @permission_name("list")
    def preview(self, pk):
        """Scores of a sample under the saved draft's rules (JSON in → JSON out, or a page)."""
        template = require(EvaluationTemplate, pk, managed_templates)
        definition = template_service.editable_draft(template)
        body = request.get_json(silent=True) if request.is_json else None
        if isinstance(body, dict):
            achievements = body.get("achievements")
            behaviour = body.get("behaviour")
            result = preview_scores(
                definition,
                template.unit_id,
                achievements if isinstance(achievements, dict) else {},
                behaviour if isinstance(behaviour, dict) else {},
            )
            return jsonify(result)
        achievements = {
            key.removeprefix("sample_"): value
            for key, value in request.form.items()
            if key.startswith("sample_")
        }
        behaviour = {
            key.removeprefix("behaviour_"): value
            for key, value in request.form.items()
            if key.startswith("behaviour_")
        }
        result = preview_scores(definition, template.unit_id, achievements, behaviour)
        return self._editor(
            template,
            definition,
            preview=result,
            samples={"achievements": achievements, "behaviour": behaviour},
        )


# --- assignment -----------------------------------------------------------------------


def assignable_periods() -> list[EvaluationPeriod]:
    return list(
        db.session.scalars(
            select(EvaluationPeriod)
            .where(EvaluationPeriod.state.in_([PeriodState.DRAFT.value, PeriodState.OPEN.value]))
            .order_by(EvaluationPeriod.start_date.desc(), EvaluationPeriod.id.desc())
        )
    )


def _assignable_versions(scope) -> list[TemplateVersion]:
    """Published versions one may assign: one's units' templates and regency-wide ones."""
    return list(
        db.session.scalars(
            select(TemplateVersion)
            .join(EvaluationTemplate, TemplateVersion.template_id == EvaluationTemplate.id)
            .where(assignable_versions(scope))
            .options(selectinload(TemplateVersion.template).selectinload(EvaluationTemplate.unit))
            .order_by(EvaluationTemplate.code, TemplateVersion.number.desc())
        )
    )


class AssignmentView(BaseView):
    """Assign a published template to employees for a period (one submission each)."""

    route_base = "/assign"
    default_view = "index"

    @expose("/", methods=["GET", "POST"])
    @has_access
    @permission_name("assign")
    def index(self):
        scope = current_scope()
        form = request.form if request.method == "POST" else request.args
        data = {
            "period_id": _int(form.get("period_id")),
            "template_version_id": _int(form.get("template_version_id")),
            "mode": "employees" if form.get("mode") == "employees" else "unit",
            "unit_id": _int(form.get("unit_id")),
            "include_subunits": form.get("include_subunits") is not None
            if request.method == "POST"
            else True,
            "jabatan_types": [t for t in form.getlist("jabatan_types") if t in set(JabatanType)],
            "employee_ids": [i for i in map(_int, form.getlist("employee_ids")) if i is not None],
        }
        result, errors = None, {}
        if request.method == "POST":
            result, errors = self._run(scope, data)
            if isinstance(result, Job):  # a large unit: assigned in the background
                return redirect(url_for("JobView.show", pk=result.id))
        return self._page(scope, data, result, errors)

    def _page(self, scope, data, result=None, errors=None):
        employees = db.session.scalars(
            select(Employee)
            .where(managed_employees(scope), Employee.active.is_(True))
            .options(selectinload(Employee.unit))
            .order_by(Employee.name)
        ).all()
        return self.render_template(
            "evaluation_admin/assign.html",
            periods=assignable_periods(),
            versions=_assignable_versions(scope),
            units=[(v, label) for v, label in _unit_choices(scope) if v],
            employees=employees,
            jabatan_types=list(JabatanType),
            data=data,
            result=result,
            errors=errors or {},
            outcome=self._outcome(scope, data, result),
            state_label=state_label,
            title=_l("Assign evaluations"),
        )

    @staticmethod
    def _outcome(scope, data, result) -> dict[str, Any]:
        """After an assignment: who has the version now, and what can move to it."""
        if result is None:
            return {}
        period = db.session.get(EvaluationPeriod, data["period_id"])
        version = db.session.get(TemplateVersion, data["template_version_id"])
        return {
            "version": version,
            "holders": holders(period, version, scope),
            "plans": plans(result.stale, version),
            "staying": [s for s in result.stale if s.state in STAYING],
        }

    @expose("/move", methods=["POST"])
    @has_access
    @permission_name("assign")
    def move(self):
        """Move the confirmed evaluations (not yet submitted) to the newer template version."""
        scope = current_scope()
        period_id = _int(request.form.get("period_id"))
        version_id = _int(request.form.get("template_version_id"))
        if not is_allowed(TemplateVersion, version_id, assignable_versions) or period_id is None:
            abort(404)
        ids = [i for i in map(_int, request.form.getlist("submission_ids")) if i is not None]
        version = db.session.get(TemplateVersion, version_id)
        try:
            moved = move_to_version(ids, period_id, version, scope, g.user.id)
        except ValidationFailed as exc:
            db.session.rollback()
            flash(" ".join(m for messages in exc.errors.values() for m in messages), "danger")
        else:
            message = _l("%(n)d evaluations moved to version %(v)d.", n=moved, v=version.number)
            flash(message, "success")
        return redirect(
            url_for("AssignmentView.index", period_id=period_id, template_version_id=version_id)
        )

    def _run(self, scope, data):
        errors: dict[str, list[str]] = {}
        period = db.session.get(EvaluationPeriod, data["period_id"]) if data["period_id"] else None
        if period is None:
            errors["period"] = [str(_l("Choose a period."))]
        version_id = data["template_version_id"]
        version = (
            db.session.get(TemplateVersion, version_id)
            if is_allowed(TemplateVersion, version_id, assignable_versions)
            else None
        )
        if version is None:
            errors["template_version_id"] = [str(_l("Choose a published template."))]
        kwargs: dict[str, Any] = {}
        if data["mode"] == "employees":
            if not data["employee_ids"]:
                errors["employee_ids"] = [str(_l("Choose at least one employee."))]
            kwargs["employee_ids"] = data["employee_ids"]
        else:
            if not is_allowed(Unit, data["unit_id"], managed_units):
                errors["unit_id"] = [str(_l("Choose one of your own units."))]
            kwargs.update(
                unit_id=data["unit_id"],
                include_subunits=data["include_subunits"],
                jabatan_types=data["jabatan_types"] or None,
            )
        if errors:
            return None, errors
        if data["mode"] == "unit" and _large_unit(data):
            return start_assignment(period.id, version.id, kwargs, lang(), g.user.id), {}
        try:
            result = assign(period, version, scope, **kwargs)
        except ValidationFailed as exc:
            return None, exc.errors
        flash(
            _l(
                "%(created)d created, %(existing)d already assigned.",
                created=result.created,
                existing=result.existing,
            ),
            "success" if not result.problems else "warning",
        )
        return result, {}


def _large_unit(data) -> bool:
    """More active employees in the chosen unit (and sub-units) than assigned at once."""
    units = unit_subtree(data["unit_id"]) if data["include_subunits"] else [data["unit_id"]]
    count = db.session.scalar(
        select(func.count(Employee.id)).where(
            Employee.active.is_(True), Employee.unit_id.in_(units)
        )
    )
    return count > current_app.config["ASSIGN_SYNC_EMPLOYEES"]


# --- periods: reopen with a reason ----------------------------------------------------


class PeriodAdminView(BaseView):
    """Period management for HR: reopen a closed period with a reason; the period's history."""

    route_base = "/periods"
    default_view = "index"

    @expose("/")
    @has_access
    @permission_name("list")
    def index(self):
        periods = db.session.scalars(
            select(EvaluationPeriod).order_by(
                EvaluationPeriod.start_date.desc(), EvaluationPeriod.id.desc()
            )
        ).all()
        return self.render_template(
            "evaluation_admin/periods.html", periods=periods, title=_l("Period management")
        )

    @expose("/<int:pk>/close", methods=["GET", "POST"])
    @has_access
    @permission_name("reopen")
    def close(self, pk):
        """Close a period after seeing, per unit, how many evaluations are still unfinished."""
        period = db.session.get(EvaluationPeriod, pk) or abort(404)
        errors: dict[str, list[str]] = {}
        if request.method == "POST":
            try:
                change_period_state([period], PeriodState.CLOSED, g.user.id)
            except ValidationFailed as exc:
                db.session.rollback()
                errors = exc.errors
            else:
                flash(_l("Period %(name)s closed.", name=period.name), "success")
                return redirect(url_for("PeriodAdminView.index"))
        page = self.render_template(
            "evaluation_admin/close.html",
            period=period,
            units=unfinished_by_unit(period),
            states=[(state, SubmissionState(state).label) for state in UNFINISHED],
            errors=errors,
            title=_l("Close %(name)s", name=period.name),
        )
        return page, 422 if errors else 200

    @expose("/<int:pk>/reopen", methods=["GET", "POST"])
    @has_access
    @permission_name("reopen")
    def reopen(self, pk):
        period = db.session.get(EvaluationPeriod, pk) or abort(404)
        errors: dict[str, list[str]] = {}
        reason = ""
        if request.method == "POST":
            reason = request.form.get("reason", "").strip()
            if period.state != PeriodState.CLOSED.value:
                errors["state"] = [str(_l("Only a closed period can be reopened."))]
            else:
                try:
                    change_period_state([period], PeriodState.OPEN, g.user.id, reason)
                except ValidationFailed as exc:
                    errors = exc.errors
                else:
                    flash(_l("Period %(name)s reopened.", name=period.name), "success")
                    return redirect(url_for("PeriodAdminView.reopen", pk=period.id))
        history = db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.period_id == period.id)
            .options(selectinload(AuditEntry.user))
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        ).all()
        page = self.render_template(
            "evaluation_admin/reopen.html",
            period=period,
            history=history,
            names=people_names(entry.user for entry in history if entry.user),
            errors=errors,
            reason=reason,
            org_labels={r.value: r.label for r in OrgRating},
            title=_l("Reopen %(name)s", name=period.name),
        )
        return page, 422 if errors else 200


# --- organisational ratings -----------------------------------------------------------


class UnitRatingView(BaseView):
    """Organisational rating of each unit in scope for a period, with the distribution check."""

    route_base = "/unit-ratings"
    default_view = "index"

    def _period(self, period_id) -> EvaluationPeriod | None:
        if period_id is not None:
            return db.session.get(EvaluationPeriod, period_id) or abort(404)
        return db.session.scalar(
            select(EvaluationPeriod).order_by(
                (EvaluationPeriod.state == PeriodState.OPEN.value).desc(),
                EvaluationPeriod.start_date.desc(),
            )
        )

    @expose("/")
    @has_access
    @permission_name("list")
    def index(self):
        scope = current_scope()
        period = self._period(_int(request.args.get("period_id")))
        units = db.session.scalars(
            select(Unit).where(managed_units(scope)).order_by(Unit.code)
        ).all()
        rows = []
        if period is not None:
            ids = [u.id for u in units]
            ratings = rating_service.ratings_of(period, ids)
            counts = rating_service.predikat_counts(period, ids)
            for unit in units:
                rating = ratings.get(unit.id)
                unit_counts = counts.get(unit.id, {})
                rows.append(
                    {
                        "unit": unit,
                        "rating": rating,
                        "counts": unit_counts,
                        "total": sum(unit_counts.values()),
                        "violations": rating_service.violations(rating, unit_counts),
                    }
                )
        periods = db.session.scalars(
            select(EvaluationPeriod).order_by(EvaluationPeriod.start_date.desc())
        ).all()
        return self.render_template(
            "evaluation_admin/unit_ratings.html",
            period=period,
            periods=periods,
            rows=rows,
            org_ratings=list(OrgRating),
            predikats=list(Predikat),
            locked=period is not None and period.state == PeriodState.CLOSED.value,
            title=_l("Unit ratings"),
        )

    @expose("/", methods=["POST"])
    @has_access
    @permission_name("edit")
    def save(self):
        scope = current_scope()
        period = self._period(_int(request.form.get("period_id")))
        if period is None:
            abort(404)
        wanted = [i for i in map(_int, request.form.getlist("unit_id")) if i is not None]
        units = db.session.scalars(
            select(Unit).where(Unit.id.in_(wanted), managed_units(scope))
        ).all()
        if len(units) != len(set(wanted)):
            abort(404)
        changed = 0
        for unit in units:
            try:
                changed += rating_service.set_unit_rating(
                    unit,
                    period,
                    request.form.get(f"rating_{unit.id}", ""),
                    request.form.get(f"reason_{unit.id}", ""),
                    g.user.id,
                )
            except ValidationFailed as exc:
                flash(f"{unit.code}: {exc}", "danger")
        flash(_l("%(n)d unit ratings saved.", n=changed), "success")
        return redirect(url_for("UnitRatingView.index", period_id=period.id))


def register(appbuilder) -> None:
    """Add this module's views to FAB's menu."""
    performance = {
        "category": "Performance",
        "category_label": _l("Performance"),
        "category_icon": "fa-line-chart",
    }
    appbuilder.add_view(
        TemplateDesignerView,
        "Evaluation templates",
        label=_l("Evaluation templates"),
        icon="fa-clipboard",
        **performance,
    )
    appbuilder.add_view(
        AssignmentView,
        "Assign evaluations",
        label=_l("Assign evaluations"),
        icon="fa-user-plus",
        **performance,
    )
    appbuilder.add_view(
        UnitRatingView, "Unit ratings", label=_l("Unit ratings"), icon="fa-star", **performance
    )
    appbuilder.add_view(
        PeriodAdminView,
        "Period management",
        label=_l("Period management"),
        icon="fa-calendar-check-o",
        category="Organisation",
        category_label=_l("Organisation"),
    )
