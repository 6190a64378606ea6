"""Dashboards per audience, organisational roll-up, recognition and training needs.

- `DashboardView` (/dashboard/): the role's landing page (HR and unit admins: units
  overview; evaluators: their team; employees: their own results), unit drill-down,
  employee profile, IKU achievement with the rating confirmation, hall of fame, award
  certificates.
- `AwardAdminView` (/awards/): HR proposes nominees, confirms or dismisses awards, and
  sets the nominee rule.
- `TrainingNeedsView` (/training-needs/): recommendations per unit and period, XLSX.
- `IkuView` (/iku/): a unit's IKU form, codes, aggregation rules and targets per period;
  HR's thresholds for the proposed organisational rating.

Rows come from `app.scope`; rules live in `app.services`.
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.decorators import permission_name
from sqlalchemy import select

from app import charts, storage
from app.domain.ratings import DISTRIBUTION_CURVE, OrgRating, Predikat
from app.extensions import db
from app.i18n import lang
from app.i18n import lazy_gettext as _l
from app.models import Award, Employee, EvaluationPeriod, IndicatorForm, Unit
from app.models.types import PeriodState
from app.printing import PrintError
from app.scope import (
    Scope,
    achievement_units,
    current_scope,
    dashboard_units,
    managed_awards,
    managed_units,
    require,
    visible_awards,
    visible_employees,
)
from app.security import SUPERVISOR, UNIT_ADMIN
from app.services import ValidationFailed, regency_goals
from app.services import awards as award_service
from app.services import dashboard as figures
from app.services import rollup as rollup_service
from app.services import training as training_service
from app.services.documents import FORMATS
from app.services.org import SEARCH_LIMIT, find_employees
from app.services.todo import employee_actions

STATE_LABELS = {
    figures.NOT_STARTED: _l("Not started"),
    "draft": _l("Draft"),
    "submitted": _l("Submitted"),
    "returned": _l("Returned"),
    "approved": _l("Approved"),
}
STATE_COLORS = {
    figures.NOT_STARTED: "#bdbdbd",
    "draft": "#90caf9",
    "submitted": "#ffb74d",
    "returned": "#e57373",
    "approved": "#66bb6a",
}
PREDIKAT_COLORS = {
    "sangat_baik": "#1b5e20",
    "baik": "#66bb6a",
    "butuh_perbaikan": "#ffb74d",
    "kurang": "#e57373",
    "sangat_kurang": "#b71c1c",
}
RULE_LABELS = {
    "largest": _l("largest group"),
    "at_most": _l("at most"),
    "at_least": _l("at least"),
    "some": _l("at least one"),
    "none": _l("none allowed"),
}


def _int(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _period(arg: str = "period") -> EvaluationPeriod | None:
    period_id = _int(request.args.get(arg) or request.form.get(arg))
    period = figures.default_period(period_id)
    if period_id is not None and period is None:
        abort(404)
    return period


def curve_rules() -> list[tuple[str, list[str]]]:
    """The distribution curve as text, per organisational rating (shown as the legend)."""
    rows = []
    for org, rules in DISTRIBUTION_CURVE.items():
        texts = []
        for rule in rules:
            names = " / ".join(p.label for p in rule.group)
            percent = f" {rule.percent}%" if rule.kind in ("at_most", "at_least") else ""
            texts.append(f"{RULE_LABELS[rule.kind]}{percent}: {names}")
        rows.append((org.label, texts))
    return rows


def _state_segments() -> list[charts.Segment]:
    return [charts.Segment(s, str(STATE_LABELS[s]), STATE_COLORS[s]) for s in figures.STATE_ORDER]


def _predikat_segments() -> list[charts.Segment]:
    return [charts.Segment(p.value, p.label, PREDIKAT_COLORS[p.value]) for p in Predikat]


def _unit_url(unit_id: int, period: EvaluationPeriod, **filters) -> str:
    return url_for("DashboardView.unit", pk=unit_id, period=period.id, **filters)


def summary_charts(summary: figures.Summary) -> dict:
    period = summary.period
    units = summary.units
    completion = charts.stacked_bar(
        [
            charts.StackedRow(
                u.name, u.states, _unit_url(u.id, period),
                {s: _unit_url(u.id, period, state=s) for s in figures.STATE_ORDER},
            )
            for u in units
        ],
        _state_segments(),
        str(_l("Completion per unit")),
    )  # fmt: skip
    distribution = charts.stacked_bar(
        [
            charts.StackedRow(
                u.name, u.predikat, _unit_url(u.id, period),
                {p.value: _unit_url(u.id, period, predikat=p.value) for p in Predikat},
            )
            for u in units
            if u.rated
        ],
        _predikat_segments(),
        str(_l("Predikat distribution per unit")),
    )  # fmt: skip
    ranking = charts.bar_chart(
        [charts.Bar(u.name, u.average, _unit_url(u.id, period)) for u in summary.ranking],
        str(_l("Units ranked by average achievement")),
        reference=100,
    )
    names = [t.name for t in summary.trend]
    trend = charts.line_chart(
        names,
        [
            charts.Series(str(_l("Average achievement")), [t.average for t in summary.trend],
                          charts.PALETTE[0]),
            charts.Series(str(_l("Approved")), [t.approved_share for t in summary.trend],
                          charts.PALETTE[1]),
        ],
        str(_l("Trend across periods")),
    )  # fmt: skip
    return {"completion": completion, "distribution": distribution, "ranking": ranking,
            "trend": trend}  # fmt: skip


def _common(**context) -> dict:
    return {
        "state_labels": STATE_LABELS,
        "states": figures.STATE_ORDER,
        "predikats": list(Predikat),
        "periods": figures.periods(),
        **context,
    }


# --- the role's dashboard (also the landing page) ------------------------------------------------


def render_role_dashboard(view):
    """The dashboard of the current user's role, or None (no role with a dashboard)."""
    scope = current_scope()
    period = _period()
    if scope.regency_wide or (scope.has(UNIT_ADMIN) and scope.unit_id):
        return render_overview(view, scope, period)
    if scope.has(SUPERVISOR) and scope.employee_id:
        return render_team(view, scope, period)
    if scope.employee_id:
        return render_employee(view, scope, scope.employee_id, own=True)
    return None


def _arranged(summary) -> dict:
    """The overview's units as the user sorted and filtered them (units behind first)."""
    sort = request.args.get("sort") if request.args.get("sort") in figures.UNIT_SORTS else "behind"
    keep = request.args.get("keep") if request.args.get("keep") in figures.UNIT_FILTERS else "all"
    expected = figures.expected_share(summary.period)
    return {
        "table_units": figures.arrange_units(summary.units, expected, sort, keep),
        "expected": expected, "sort": sort, "keep": keep,
        "behind": {u.id for u in summary.units if figures.is_behind(u, expected)},
    }  # fmt: skip


def render_overview(view, scope: Scope, period, unit: Unit | None = None):
    summary = figures.summary(scope, period, unit.id if unit else None) if period else None
    return view.render_template(
        "dashboard/overview.html",
        **_common(
            period=period, summary=summary, charts=summary_charts(summary) if summary else {},
            **(_arranged(summary) if summary else {}),
            unit=unit, curve=curve_rules(), regency=scope.regency_wide,
            may_manage_awards=scope.regency_wide,
            title=_l("Performance dashboard"),
        ),
    )  # fmt: skip


def render_team(view, scope: Scope, period):
    counts, members, waiting = figures.team(scope, period) if period else ({}, [], [])
    chart = charts.stacked_bar(
        [charts.StackedRow(str(_l("My team")), counts)], _state_segments(), str(_l("Team progress"))
    )
    return view.render_template(
        "dashboard/team.html",
        **_common(period=period, counts=counts, members=members, waiting=waiting, chart=chart,
                  actions=employee_actions(scope), title=_l("My team")),
    )  # fmt: skip


def render_employee(view, scope: Scope, employee_id: int, own: bool = False):
    employee = db.session.get(Employee, employee_id)
    rows = figures.history(employee_id)
    names = [r.period for r in rows]
    trend = charts.line_chart(
        names,
        [charts.Series(str(_l("Achievement")), [r.achievement for r in rows])],
        str(_l("Achievement trend")),
    )
    awards = award_service.awards_of(
        (Award.employee_id == employee_id) & visible_awards(scope), state=award_service.CONFIRMED
    )
    return view.render_template(
        "dashboard/employee.html",
        **_common(employee=employee, rows=rows, trend=trend, awards=awards, own=own,
                  needs=training_service.own_needs(employee_id),
                  actions=employee_actions(scope) if own else [],
                  title=_l("My results") if own else employee.name),
    )  # fmt: skip


class DashboardView(BaseView):
    """Dashboards and drill-downs; every row through `app.scope`."""

    route_base = "/dashboard"
    default_view = "index"

    @expose("/")
    @has_access
    @permission_name("show")
    def index(self):
        page = render_role_dashboard(self)
        return page if page is not None else redirect(url_for("HomeView.index"))

    @expose("/units")
    @has_access
    @permission_name("show")
    def units(self):
        scope = current_scope()
        if not (scope.regency_wide or scope.has(UNIT_ADMIN)):
            abort(404)
        return render_overview(self, scope, _period())

    @expose("/team")
    @has_access
    @permission_name("show")
    def team(self):
        return render_team(self, current_scope(), _period())

    @expose("/me")
    @has_access
    @permission_name("show")
    def me(self):
        scope = current_scope()
        if not scope.employee_id:
            abort(404)
        return render_employee(self, scope, scope.employee_id, own=True)

    @expose("/unit/<int:pk>")
    @has_access
    @permission_name("show")
    def unit(self, pk):
        unit = require(Unit, pk, dashboard_units)
        scope, period = current_scope(), _period()
        if period is None:
            abort(404)
        state, predikat = request.args.get("state") or None, request.args.get("predikat") or None
        if state not in (None, *figures.STATE_ORDER):
            abort(400)
        if predikat not in (None, *(p.value for p in Predikat)):
            abort(400)
        summary = figures.summary(scope, period, unit.id)
        own = next((u for u in summary.units if u.id == unit.id), None)
        return self.render_template(
            "dashboard/unit.html",
            **_common(
                period=period, unit=unit, summary=summary, own=own,
                charts=summary_charts(summary), curve=curve_rules(),
                employees=figures.employees(period, unit.id, state, predikat),
                state=state, predikat=predikat,
                rollup=rollup_service.unit_rollup(unit, period),
                title=unit.name,
            ),
        )  # fmt: skip

    @expose("/search")
    @has_access
    @permission_name("show")
    def search(self):
        """Find an employee by name or NIP (the top bar's box); one match opens at once."""
        text = request.args.get("q", "")
        found = find_employees(current_scope(), text)
        if len(found) == 1:
            return redirect(url_for("DashboardView.employee", pk=found[0].id))
        return self.render_template(
            "dashboard/search.html", text=text, found=found, limit=SEARCH_LIMIT,
            title=_l("Find an employee"),
        )  # fmt: skip

    @expose("/employee/<int:pk>")
    @has_access
    @permission_name("show")
    def employee(self, pk):
        require(Employee, pk, visible_employees)
        scope = current_scope()
        return render_employee(self, scope, pk, own=pk == scope.employee_id)

    @expose("/unit/<int:pk>/achievement")
    @has_access
    @permission_name("show")
    def achievement(self, pk):
        unit = require(Unit, pk, achievement_units)
        return self._achievement(unit, _period())

    def _achievement(self, unit, period, errors=None, status=200):
        if period is None:
            abort(404)
        scope = current_scope()
        rollup = rollup_service.unit_rollup(unit, period)
        chart = charts.bar_chart(
            [charts.Bar(f"{r.code} {r.label}", r.achievement) for r in rollup.results],
            str(_l("Achievement per IKU")),
            reference=100,
        )
        page = self.render_template(
            "dashboard/achievement.html",
            **_common(
                period=period, unit=unit, rollup=rollup, chart=chart, errors=errors or {},
                may_confirm=rollup_service.may_confirm(scope, unit)
                and period.state != PeriodState.CLOSED.value,
                org_ratings=list(OrgRating), form=request.form,
                title=_l("IKU achievement of %(unit)s", unit=unit.name),
            ),
        )  # fmt: skip
        return page, status

    @expose("/unit/<int:pk>/achievement", methods=["POST"])
    @has_access
    @permission_name("act")
    def confirm_rating(self, pk):
        unit = require(Unit, pk, achievement_units)
        period = _period()
        if period is None:
            abort(404)
        try:
            rollup_service.confirm_rating(
                unit, period, request.form.get("rating", ""), request.form.get("reason", ""),
                current_scope(), g.user.id,
            )  # fmt: skip
        except ValidationFailed as exc:
            db.session.rollback()
            if "period" in exc.errors:  # closed: the page shows no form to put it in
                flash(exc.errors["period"][0], "danger")
                return redirect(url_for("DashboardView.achievement", pk=unit.id, period=period.id))
            return self._achievement(unit, period, exc.errors, 422)
        flash(_l("The organisational rating of %(unit)s is confirmed.", unit=unit.name), "success")
        return redirect(url_for("DashboardView.achievement", pk=unit.id, period=period.id))

    @expose("/awards")
    @has_access
    @permission_name("show")
    def hall_of_fame(self):
        scope = current_scope()
        period_id = _int(request.args.get("period"))
        rows = award_service.awards_of(visible_awards(scope), period_id)
        return self.render_template(
            "dashboard/hall_of_fame.html",
            **_common(rows=rows, period_id=period_id, title=_l("Hall of fame")),
        )

    @expose("/award/<int:pk>/certificate")
    @has_access
    @permission_name("show")
    def certificate(self, pk):
        award = require(Award, pk, visible_awards)
        try:
            download = award_service.certificate_download(award, lang(), g.user.id)
        except award_service.CertificateUnavailable as exc:
            flash(str(exc), "warning")
            return redirect(url_for("DashboardView.hall_of_fame"))
        except PrintError:
            db.session.rollback()
            flash(_l("The certificate could not be printed."), "danger")
            return redirect(url_for("DashboardView.hall_of_fame"))
        return download.send()


# --- awards (HR) ---------------------------------------------------------------------------------


class AwardAdminView(BaseView):
    """Nominees, decisions and the nominee rule (HR)."""

    route_base = "/awards"
    default_view = "index"

    @expose("/")
    @has_access
    @permission_name("list")
    def index(self, errors=None, status=200):
        scope = current_scope()
        period = _period()
        rows = award_service.awards_of(managed_awards(scope), period.id, None) if period else []
        nominees = award_service.nominees(period, dashboard_units(scope)) if period else []
        proposed_ids = {row.Award.employee_id for row in rows}
        names = {}
        if nominees:
            names = dict(
                db.session.execute(
                    select(Employee.id, Employee.name).where(
                        Employee.id.in_([n.employee_id for n in nominees])
                    )
                ).all()
            )
        page = self.render_template(
            "dashboard/awards_admin.html",
            **_common(
                period=period, rows=rows, rule=award_service.nominee_rule(),
                new_nominees=[n for n in nominees if n.employee_id not in proposed_ids],
                names=names, errors=errors or {}, state_names=award_service.STATE_LABELS,
                title=_l("Awards"),
            ),
        )  # fmt: skip
        return page, status

    @expose("/propose", methods=["POST"])
    @has_access
    @permission_name("edit")
    def propose(self):
        period = _period() or abort(404)
        added = award_service.propose(period, dashboard_units(current_scope()), g.user.id)
        flash(_l("%(n)d nominees proposed.", n=added), "success")
        return redirect(url_for("AwardAdminView.index", period=period.id))

    @expose("/<int:pk>/confirm", methods=["POST"])
    @has_access
    @permission_name("edit")
    def confirm(self, pk):
        award = require(Award, pk, managed_awards)
        try:
            award_service.confirm(
                award, request.form.get("title", ""), request.form.get("citation", ""),
                current_scope(), g.user.id,
            )  # fmt: skip
        except ValidationFailed as exc:
            db.session.rollback()
            for messages in exc.errors.values():
                for message in messages:
                    flash(message, "danger")
            return redirect(url_for("AwardAdminView.index", period=award.period_id)), 303
        flash(_l("Award confirmed for %(name)s.", name=award.employee.name), "success")
        return redirect(url_for("AwardAdminView.index", period=award.period_id))

    @expose("/<int:pk>/dismiss", methods=["POST"])
    @has_access
    @permission_name("edit")
    def dismiss(self, pk):
        award = require(Award, pk, managed_awards)
        award_service.dismiss(award, current_scope(), g.user.id)
        flash(_l("Nomination dismissed."), "info")
        return redirect(url_for("AwardAdminView.index", period=award.period_id))

    @expose("/rule", methods=["POST"])
    @has_access
    @permission_name("edit")
    def rule(self):
        period = _period()
        try:
            award_service.save_nominee_rule(
                request.form.getlist("predikat"), request.form.get("min_achievement"),
                request.form.get("max_per_unit"), g.user.id,
            )  # fmt: skip
            flash(_l("Nominee rule saved."), "success")
        except ValidationFailed as exc:
            db.session.rollback()
            for messages in exc.errors.values():
                for message in messages:
                    flash(message, "danger")
        return redirect(url_for("AwardAdminView.index", period=period.id if period else None))


# --- training needs ------------------------------------------------------------------------------


class TrainingNeedsView(BaseView):
    """Development recommendations per unit and period (HR: all units; unit admin: theirs)."""

    route_base = "/training-needs"
    default_view = "index"

    def _load(self):
        scope = current_scope()
        period = _period()
        if period is None:
            return None, None, [], []
        unit_id = _int(request.args.get("unit"))
        condition = figures.unit_condition(scope, unit_id)
        if unit_id is not None:
            require(Unit, unit_id, dashboard_units)
        units = db.session.scalars(
            select(Unit).where(dashboard_units(scope)).order_by(Unit.code)
        ).all()
        return period, unit_id, units, training_service.needs(period, condition)

    @expose("/")
    @has_access
    @permission_name("list")
    def index(self):
        period, unit_id, units, rows = self._load()
        return self.render_template(
            "dashboard/training.html",
            **_common(period=period, unit_id=unit_id, units=units, rows=rows,
                      by_unit=training_service.summary_by_unit(rows),
                      title=_l("Training needs")),
        )  # fmt: skip

    @expose("/export")
    @has_access
    @permission_name("list")
    def export(self):
        period, _unit_id, _units, rows = self._load()
        if period is None:
            abort(404)
        content = training_service.to_xlsx(period, rows)
        name = "kebutuhan-pelatihan-" + "".join(
            c if c.isalnum() else "-" for c in period.name.lower()
        )
        return storage.send_private(content, f"{name}.xlsx", FORMATS["xlsx"])


# --- IKU set-up ----------------------------------------------------------------------------------


class IkuView(BaseView):
    """A unit's IKU: the form, codes, aggregation rules and targets per period."""

    route_base = "/iku"
    default_view = "index"

    def _unit(self) -> Unit | None:
        scope = current_scope()
        unit_id = _int(request.args.get("unit") or request.form.get("unit"))
        if unit_id is not None:
            return require(Unit, unit_id, managed_units)
        if scope.unit_id and not scope.regency_wide:
            return db.session.get(Unit, scope.unit_id)
        return None

    @expose("/")
    @has_access
    @permission_name("list")
    def index(self):
        scope = current_scope()
        unit, period = self._unit(), _period()
        units = db.session.scalars(select(Unit).where(managed_units(scope)).order_by(Unit.code))
        forms, rollup, targets = [], None, {}
        if unit is not None:
            forms = db.session.scalars(
                select(IndicatorForm)
                .where(IndicatorForm.unit_id == unit.id, IndicatorForm.archived.is_(False))
                .order_by(IndicatorForm.code)
            ).all()
            if period is not None:
                rollup = rollup_service.unit_rollup(unit, period)
                targets = rollup_service.period_targets(unit.id, period.id)
        return self.render_template(
            "dashboard/iku.html",
            **_common(
                unit=unit, units=list(units), period=period, forms=forms, rollup=rollup,
                targets=targets, iku_form=rollup_service.iku_form_of(unit.id) if unit else None,
                aggregations=rollup_service.AGGREGATION_LABELS,
                thresholds=rollup_service.thresholds(), regency=scope.regency_wide,
                org_ratings=list(OrgRating), title=_l("Unit key indicators (IKU)"),
                sasaran=regency_goals.sasaran_choices(),
            ),
        )  # fmt: skip

    def _back(self, unit, period):
        return redirect(
            url_for("IkuView.index", unit=unit.id if unit else None,
                    period=period.id if period else None)
        )  # fmt: skip

    @expose("/form", methods=["POST"])
    @has_access
    @permission_name("edit")
    def choose_form(self):
        unit = self._unit() or abort(404)
        form = db.session.get(IndicatorForm, _int(request.form.get("form_id")) or 0)
        if form is None or form.unit_id != unit.id:
            abort(404)
        try:
            rollup_service.set_iku_form(unit, form, g.user.id)
            flash(_l("%(form)s is now the IKU form of %(unit)s.", form=form.code,
                     unit=unit.name), "success")  # fmt: skip
        except ValidationFailed as exc:
            db.session.rollback()
            for messages in exc.errors.values():
                for message in messages:
                    flash(message, "danger")
        return self._back(unit, _period())

    @expose("/save", methods=["POST"])
    @has_access
    @permission_name("edit")
    def save(self):
        unit = self._unit() or abort(404)
        period = _period()
        saved = 0
        for iku in rollup_service.ikus_of(unit.id):
            if str(iku.id) not in request.form.getlist("iku_id"):
                continue
            try:
                rollup_service.save_iku(
                    iku, period, request.form.get(f"code_{iku.id}", iku.code),
                    request.form.get(f"aggregation_{iku.id}", iku.aggregation),
                    request.form.get(f"target_{iku.id}", ""), g.user.id,
                )  # fmt: skip
                if f"goal_{iku.id}" in request.form:
                    regency_goals.link_iku(iku, request.form[f"goal_{iku.id}"], current_scope(),
                                           g.user.id)  # fmt: skip
                saved += 1
            except ValidationFailed as exc:
                db.session.rollback()
                for messages in exc.errors.values():
                    for message in messages:
                        flash(f"{iku.code}: {message}", "danger")
        flash(_l("%(n)d IKU saved.", n=saved), "success")
        return self._back(unit, period)

    @expose("/thresholds", methods=["POST"])
    @has_access
    @permission_name("edit")
    def thresholds(self):
        if not current_scope().regency_wide:
            abort(403)
        try:
            rollup_service.save_thresholds(request.form, g.user.id)
            flash(_l("Thresholds saved."), "success")
        except ValidationFailed as exc:
            db.session.rollback()
            for messages in exc.errors.values():
                for message in messages:
                    flash(message, "danger")
        return self._back(self._unit(), _period())


def register(appbuilder) -> None:
    """Add the dashboard views to FAB's menu."""
    appbuilder.add_view(
        DashboardView, "Dashboard", label=_l("Dashboard"), icon="fa-dashboard",
        category="Dashboard", category_label=_l("Dashboard"), category_icon="fa-dashboard",
    )  # fmt: skip
    appbuilder.add_link(
        "Hall of fame", href="/dashboard/awards", label=_l("Hall of fame"), icon="fa-trophy",
        category="Dashboard", category_label=_l("Dashboard"),
    )  # fmt: skip
    appbuilder.add_view(
        AwardAdminView, "Awards", label=_l("Awards"), icon="fa-certificate",
        category="Dashboard", category_label=_l("Dashboard"),
    )  # fmt: skip
    appbuilder.add_view(
        TrainingNeedsView, "Training needs", label=_l("Training needs"), icon="fa-graduation-cap",
        category="Dashboard", category_label=_l("Dashboard"),
    )  # fmt: skip
    appbuilder.add_view(
        IkuView, "Unit IKU", label=_l("Unit key indicators (IKU)"), icon="fa-bullseye",
        category="Performance", category_label=_l("Performance"),
    )  # fmt: skip


__all__ = ["DashboardView", "register", "render_role_dashboard"]
