"""HR pages of the regency's goals (RPJMD): the tree, goals, key indicators and targets.

Thin pages over `app.services.regency_goals`: a bad entry shows the form again with the
messages by field; nothing is ever deleted that something refers to (goals are archived).
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.decorators import permission_name

from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.models.planning import GoalKind, RegencyGoal, RegencyIndicator
from app.services import ValidationFailed
from app.services import regency_goals as service
from app.views.calibration import _errors as _flash_errors

MAX_ID = 2**31 - 1


def _get(model, pk):
    row = db.session.get(model, pk) if 0 < pk <= MAX_ID else None
    return row or abort(404)


class RegencyGoalView(BaseView):
    """The RPJMD tree of the regency (HR): vision → missions → sasaran → IKU kabupaten."""

    route_base = "/regency-goals"
    default_view = "index"

    @expose("/")
    @has_access
    @permission_name("list")
    def index(self):
        archived = request.args.get("archived") == "1"
        tree = service.goal_tree(include_archived=archived)
        ids = [goal.id for goal in _walk(tree)]
        return self.render_template(
            "goals/index.html", tree=tree, archived=archived, example=service.any_example(),
            indicators=service.indicators_by_goal(ids), kinds=service.KIND_LABELS,
            title=_l("Regency goals (RPJMD)"),
        )  # fmt: skip

    def _goal_form(self, goal, data, errors, kind, parent):
        return self.render_template(
            "goals/goal_form.html", goal=goal, data=data, errors=errors, kind=kind,
            kind_label=service.KIND_LABELS[kind], parent=parent,
            parents=_parents(kind), title=_l("Regency goal"),
        )  # fmt: skip

    @expose("/goal/add", methods=["GET", "POST"])
    @has_access
    @permission_name("add")
    def add_goal(self):
        try:
            kind = GoalKind(request.values.get("kind", ""))
        except ValueError:
            abort(404)
        parent_id = request.values.get("parent_id", "")
        data = {"kind": kind.value, "parent_id": parent_id, "start_year": 2025, "end_year": 2029}
        parent = db.session.get(RegencyGoal, int(parent_id)) if parent_id.isdigit() else None
        if parent is not None:
            data.update(start_year=parent.start_year, end_year=parent.end_year)
        return self._save_goal(None, kind, parent, data)

    @expose("/goal/<int:pk>/edit", methods=["GET", "POST"])
    @has_access
    @permission_name("edit")
    def edit_goal(self, pk):
        goal = _get(RegencyGoal, pk)
        keys = ("code", "title", "start_year", "end_year", "position", "parent_id", "example")
        data = {key: getattr(goal, key) for key in keys}
        return self._save_goal(goal, GoalKind(goal.kind), goal.parent, data)

    def _save_goal(self, goal, kind, parent, data):
        errors = {}
        if request.method == "POST":
            data = request.form.to_dict()
            try:
                goal = service.save_goal(data, goal, g.user.id)
                flash(_l("Saved: %(code)s.", code=goal.code), "success")
                return redirect(url_for("RegencyGoalView.index"))
            except ValidationFailed as exc:
                db.session.rollback()
                errors = exc.errors
        return self._goal_form(goal, data, errors, kind, parent)

    @expose("/goal/<int:pk>/archive", methods=["POST"])
    @has_access
    @permission_name("edit")
    def archive_goal(self, pk):
        goal = _get(RegencyGoal, pk)
        archived = request.form.get("archived", "1") == "1"
        try:
            service.archive_goal(goal, archived, g.user.id)
            flash(_l("Archived: %(code)s.", code=goal.code) if archived
                  else _l("Restored: %(code)s.", code=goal.code), "success")  # fmt: skip
        except ValidationFailed as exc:
            db.session.rollback()
            _flash_errors(exc)
        return redirect(url_for("RegencyGoalView.index", archived="1" if not archived else None))

    @expose("/goal/<int:pk>/indicator", methods=["GET", "POST"])
    @has_access
    @permission_name("add")
    def add_indicator(self, pk):
        goal = _get(RegencyGoal, pk)
        if goal.kind != GoalKind.SASARAN.value:
            abort(404)
        return self._save_indicator(goal, None, {})

    @expose("/indicator/<int:pk>/edit", methods=["GET", "POST"])
    @has_access
    @permission_name("edit")
    def edit_indicator(self, pk):
        indicator = _get(RegencyIndicator, pk)
        data = {key: getattr(indicator, key) for key in ("code", "title", "unit_label",
                                                         "position", "example")}  # fmt: skip
        for row in indicator.targets:
            data[f"target_{row.year}"] = f"{row.target.normalize():f}"
        return self._save_indicator(indicator.goal, indicator, data)

    def _save_indicator(self, goal, indicator, data):
        errors = {}
        years = list(range(goal.start_year, goal.end_year + 1))
        if request.method == "POST":
            data = request.form.to_dict()
            try:
                targets = {year: data.get(f"target_{year}", "") for year in years}
                indicator = service.save_indicator(goal, data, indicator, targets, g.user.id)
                flash(_l("Saved: %(code)s.", code=indicator.code), "success")
                return redirect(url_for("RegencyGoalView.index"))
            except ValidationFailed as exc:
                db.session.rollback()
                errors = exc.errors
        return self.render_template(
            "goals/indicator_form.html", goal=goal, indicator=indicator, data=data,
            errors=errors, years=years, title=_l("Regency key indicator"),
        )  # fmt: skip

    @expose("/indicator/<int:pk>/delete", methods=["POST"])
    @has_access
    @permission_name("delete")
    def delete_indicator(self, pk):
        indicator = _get(RegencyIndicator, pk)
        try:
            service.delete_indicator(indicator, g.user.id)
            flash(_l("Deleted."), "success")
        except ValidationFailed as exc:
            db.session.rollback()
            _flash_errors(exc)
        return redirect(url_for("RegencyGoalView.index"))


def _walk(nodes):
    for node in nodes:
        yield node.goal
        yield from _walk(node.children)


def _parents(kind: GoalKind) -> list[RegencyGoal]:
    expected = service.PARENT_KIND[kind]
    if expected is None:
        return []
    return [goal for goal in _walk(service.goal_tree()) if goal.kind == expected.value]


def register(appbuilder) -> None:
    """Add the regency goals page to the Performance menu."""
    appbuilder.add_view(
        RegencyGoalView, "Regency goals", label=_l("Regency goals (RPJMD)"), icon="fa-flag",
        category="Performance", category_label=_l("Performance"),
    )  # fmt: skip
