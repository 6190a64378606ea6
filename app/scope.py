"""Who may see what: the one place that turns the current user into row filters.

Every view, API, export and report asks this module for its conditions
(`visible_*`, `managed_*`) or calls `require_*`, so a rule fixed here is
fixed everywhere. A user whose role needs an employee link but has none
sees nothing, never "every row with an empty unit".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import abort, current_app, has_request_context, request
from flask_appbuilder.models.filters import BaseFilter
from sqlalchemy import ColumnElement, false, or_, select, true, union

from app.extensions import db
from app.models import Employee, Unit
from app.models.hierarchy import SUPERVISION, UNITS, below
from app.security import ADMIN, EMPLOYEE, HR, SUPERVISOR, UNIT_ADMIN


@dataclass(frozen=True)
class Scope:
    """The current user's roles and place in the organisation."""

    user_id: int | None
    roles: frozenset[str]
    employee_id: int | None = None
    unit_id: int | None = None

    @property
    def regency_wide(self) -> bool:
        """Admin and HR (BKPSDM) see every unit."""
        return bool(self.roles & {ADMIN, HR})

    def has(self, role: str) -> bool:
        return role in self.roles


def scope_for(user) -> Scope:
    """Build the scope of a FAB user (or an anonymous one)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Scope(user_id=None, roles=frozenset())
    roles = frozenset(role.name for role in user.roles)
    row = db.session.execute(
        select(Employee.id, Employee.unit_id).where(
            Employee.user_id == user.id, Employee.active.is_(True)
        )
    ).first()
    if row is None:
        return Scope(user_id=user.id, roles=roles)
    return Scope(user_id=user.id, roles=roles, employee_id=row.id, unit_id=row.unit_id)


def current_scope() -> Scope:
    """The scope of the request's user, computed once per request."""
    if not has_request_context():
        return Scope(user_id=None, roles=frozenset())
    cached = request.environ.get("kinerja.scope")
    if cached is None:
        cached = scope_for(current_app.appbuilder.sm.current_user)
        request.environ["kinerja.scope"] = cached
    return cached


def unit_subtree(unit_id: int):
    """A selectable of the ids of `unit_id` and every unit below it (closure table)."""
    return below(UNITS, unit_id)


def team(employee_id: int):
    """A selectable of the ids of `employee_id` and every direct and indirect subordinate."""
    return below(SUPERVISION, employee_id)


def _any(conditions: list[ColumnElement]) -> ColumnElement:
    return or_(*conditions) if conditions else false()


def _in_any(column, selectables: list) -> ColumnElement:
    """`column` is in one of `selectables`, as ONE `IN (… UNION …)`.

    A supervisor's team (people, possibly thousands) never goes under an OR: there
    PostgreSQL cannot make a semi-join and scans every row (with a recursive query it
    re-ran it per row: 8 s for a supervisor's list of 100,000 employees). A single IN is
    planned as a semi-join that computes each subquery once, from the closure index.
    """
    if not selectables:
        return false()
    if len(selectables) == 1:
        return column.in_(selectables[0])
    return column.in_(union(*selectables))


def managed_units(scope: Scope) -> ColumnElement:
    """Units whose people and settings the user may change."""
    if scope.regency_wide:
        return true()
    if scope.has(UNIT_ADMIN) and scope.unit_id:
        return Unit.id.in_(unit_subtree(scope.unit_id))
    return false()


def visible_units(scope: Scope) -> ColumnElement:
    """Units the user may see: managed ones plus their own unit."""
    conditions = [managed_units(scope)]
    if scope.unit_id and scope.roles & {SUPERVISOR, EMPLOYEE}:
        conditions.append(Unit.id == scope.unit_id)
    return _any(conditions)


def managed_employees(scope: Scope) -> ColumnElement:
    """Employees whose records the user may change."""
    if scope.regency_wide:
        return true()
    if scope.has(UNIT_ADMIN) and scope.unit_id:
        return Employee.unit_id.in_(unit_subtree(scope.unit_id))
    return false()


def visible_employees(scope: Scope) -> ColumnElement:
    """Employees the user may see: managed ones, subordinates, and themself."""
    if scope.regency_wide:
        return true()
    if scope.employee_id and scope.has(SUPERVISOR):
        ids = [team(scope.employee_id)]
        if scope.has(UNIT_ADMIN) and scope.unit_id:
            ids.append(select(Employee.id).where(managed_employees(scope)))
        return _in_any(Employee.id, ids)
    # A unit subtree is small (units, not people): it may sit under an OR.
    conditions = [managed_employees(scope)]
    if scope.employee_id and scope.roles & {EMPLOYEE, UNIT_ADMIN}:
        conditions.append(Employee.id == scope.employee_id)
    return _any(conditions)


def allowed_ids(model, ids, condition: Callable[[Scope], ColumnElement]) -> set[int]:
    """Those of `ids` whose rows of `model` satisfy `condition` for the current user."""
    if not ids:
        return set()
    query = select(model.id).where(model.id.in_(set(ids)), condition(current_scope()))
    return set(db.session.scalars(query))


def is_allowed(model, pk, condition: Callable[[Scope], ColumnElement]) -> bool:
    """Whether the row `pk` of `model` satisfies `condition` for the current user."""
    if pk is None:
        return False
    query = select(model.id).where(model.id == pk, condition(current_scope()))
    return db.session.execute(query).first() is not None


def require(model, pk, condition: Callable[[Scope], ColumnElement]):
    """Load the row `pk` of `model` if the current user may reach it, else 404."""
    if not is_allowed(model, pk, condition):
        abort(404)
    return db.session.get(model, pk)


class ScopeFilter(BaseFilter):
    """A FAB base filter that applies one of this module's conditions.

    Use as ``["id", ScopeFilter, visible_employees]`` in `base_filters` and in
    the rel-field filters of forms and APIs.
    """

    name = "Scope"
    arg_name = None  # never selectable from a URL or an API query

    def apply(self, query, condition):
        return query.filter(condition(current_scope()))


def managed_forms(scope: Scope) -> ColumnElement:
    """Indicator forms the user may design: their units' forms (HR: all, incl. regency-wide)."""
    from app.models import IndicatorForm

    if scope.regency_wide:
        return true()
    if scope.has(UNIT_ADMIN) and scope.unit_id:
        return IndicatorForm.unit_id.in_(unit_subtree(scope.unit_id))
    return false()


def visible_forms(scope: Scope) -> ColumnElement:
    """Indicator forms one may list and read: one's own units', regency-wide ones (no unit)
    and those their owner shared regency-wide (dibagikan); other units' forms never."""
    from app.models import IndicatorForm

    if scope.regency_wide:
        return true()
    if scope.has(UNIT_ADMIN):
        return or_(
            managed_forms(scope), IndicatorForm.unit_id.is_(None), IndicatorForm.shared.is_(True)
        )
    return false()


def clonable_versions(scope: Scope) -> ColumnElement:
    """Published versions one may copy: those of the forms one may read (drafts never)."""
    from app.models import FormVersion, IndicatorForm

    if scope.regency_wide:
        return true()
    return FormVersion.form_id.in_(select(IndicatorForm.id).where(visible_forms(scope)))


def managed_templates(scope: Scope) -> ColumnElement:
    """Evaluation templates the user may design: as for indicator forms."""
    from app.models import EvaluationTemplate

    if scope.regency_wide:
        return true()
    if scope.has(UNIT_ADMIN) and scope.unit_id:
        return EvaluationTemplate.unit_id.in_(unit_subtree(scope.unit_id))
    return false()


def assignable_templates(scope: Scope) -> ColumnElement:
    """Templates whose published versions one may assign: one's own and regency-wide ones."""
    from app.models import EvaluationTemplate

    if scope.regency_wide:
        return true()
    if scope.has(UNIT_ADMIN):
        return or_(managed_templates(scope), EvaluationTemplate.unit_id.is_(None))
    return false()


def assignable_versions(scope: Scope) -> ColumnElement:
    """Published template versions one may assign (templates not archived)."""
    from app.models import EvaluationTemplate, TemplateVersion

    templates = select(EvaluationTemplate.id).where(
        assignable_templates(scope), EvaluationTemplate.archived.is_(False)
    )
    return TemplateVersion.template_id.in_(templates)


def visible_submissions(scope: Scope) -> ColumnElement:
    """Submissions one may see: the unit's (unit admin), one's team's (evaluator), one's own."""
    from app.models import Submission

    if scope.regency_wide:
        return true()
    in_units = []
    if scope.has(UNIT_ADMIN) and scope.unit_id:
        in_units.append(Submission.unit_id.in_(unit_subtree(scope.unit_id)))
    if not scope.employee_id:
        return _any(in_units)
    if not scope.has(SUPERVISOR):
        return _any([*in_units, Submission.employee_id == scope.employee_id])
    ids = [select(Submission.id).where(condition) for condition in in_units]
    ids.append(select(Submission.id).where(Submission.evaluator_id == scope.employee_id))
    ids.append(select(Submission.id).where(Submission.employee_id.in_(team(scope.employee_id))))
    return _in_any(Submission.id, ids)


def reviewable_submissions(scope: Scope) -> ColumnElement:
    """Submissions the user evaluates (pejabat penilai)."""
    from app.models import Submission

    if scope.employee_id and scope.has(SUPERVISOR):
        return Submission.evaluator_id == scope.employee_id
    return false()


def own_submissions(scope: Scope) -> ColumnElement:
    from app.models import Submission

    return Submission.employee_id == scope.employee_id if scope.employee_id else false()


def recap_units(scope: Scope) -> ColumnElement:
    """Units whose recaps (PDF, XLSX, CSV) and signatories the user handles.

    HR: every unit (and the regency-wide recap, see `Scope.regency_wide`); a unit
    admin: their unit and its sub-units. Evaluators and employees print only their
    submissions' documents (`visible_submissions`).
    """
    return managed_units(scope)


# --- dashboards, organisational roll-up, recognition ------------------------------------


def dashboard_units(scope: Scope) -> ColumnElement:
    """Units whose figures (completion, distribution, ranking, roll-up) the user sees.

    HR: every unit; a unit admin: their unit and its sub-units. Evaluators see their
    team (`team_submissions`), employees their own results.
    """
    return managed_units(scope)


def rating_confirmable_units(scope: Scope) -> ColumnElement:
    """Units whose organisational rating the user confirms: HR, or the head one level up."""
    if scope.regency_wide:
        return true()
    if scope.employee_id:
        led = select(Unit.id).where(Unit.head_id == scope.employee_id)
        return Unit.parent_id.in_(led)
    return false()


def calibration_units(scope: Scope) -> ColumnElement:
    """Units whose predikat the user calibrates (kalibrasi): HR any unit, a head their unit."""
    if scope.regency_wide:
        return true()
    if scope.employee_id:
        return Unit.head_id == scope.employee_id
    return false()


def achievement_units(scope: Scope) -> ColumnElement:
    """Units whose IKU roll-up the user may read: dashboard units, units they confirm,
    and their own unit (its staff contribute to it)."""
    return or_(dashboard_units(scope), rating_confirmable_units(scope), visible_units(scope))


def team_submissions(scope: Scope) -> ColumnElement:
    """Submissions of the evaluator's team: the ones they evaluate."""
    return reviewable_submissions(scope)


def visible_awards(scope: Scope) -> ColumnElement:
    """Awards one may see: those of visible units, and one's own."""
    from app.models import Award

    if scope.regency_wide:
        return true()
    conditions = [Award.unit_id.in_(select(Unit.id).where(visible_units(scope)))]
    if scope.employee_id:
        conditions.append(Award.employee_id == scope.employee_id)
    return _any(conditions)


def managed_awards(scope: Scope) -> ColumnElement:
    """Awards one may propose, confirm or dismiss: HR (BKPSDM) only."""
    return true() if scope.regency_wide else false()


# --- background jobs ---------------------------------------------------------------------


def visible_jobs(scope: Scope) -> ColumnElement:
    """Background jobs (pekerjaan) one may follow and download: one's own; HR all."""
    from app.models import Job

    if scope.regency_wide:
        return true()
    return Job.owner_id == scope.user_id if scope.user_id else false()


# --- performance plans (SKP) --------------------------------------------------------------


def visible_skps(scope: Scope) -> ColumnElement:
    """SKPs one may see, like submissions: the unit's (unit admin), one's team's and the ones
    one agrees (evaluator), one's own; HR every one."""
    from app.models import Skp, SkpVersion

    if scope.regency_wide:
        return true()
    in_units = []
    if scope.has(UNIT_ADMIN) and scope.unit_id:
        in_units.append(Skp.unit_id.in_(unit_subtree(scope.unit_id)))
    if not scope.employee_id:
        return _any(in_units)
    if not scope.has(SUPERVISOR):
        return _any([*in_units, Skp.employee_id == scope.employee_id])
    ids = [select(Skp.id).where(condition) for condition in in_units]
    ids.append(select(SkpVersion.skp_id).where(SkpVersion.evaluator_id == scope.employee_id))
    ids.append(select(Skp.id).where(Skp.employee_id.in_(team(scope.employee_id))))
    return _in_any(Skp.id, ids)


def reviewable_skps(scope: Scope) -> ColumnElement:
    """SKPs waiting for the user's agreement: submitted to them (pejabat penilai) or, for HR,
    those of unit heads whose evaluator is outside the portal (no evaluator)."""
    from app.models import Skp, SkpVersion

    evaluators = []
    if scope.employee_id:
        evaluators.append(SkpVersion.evaluator_id == scope.employee_id)
    if scope.regency_wide:
        evaluators.append(SkpVersion.evaluator_id.is_(None))
    waiting = select(SkpVersion.skp_id).where(SkpVersion.state == "submitted", _any(evaluators))
    return Skp.id.in_(waiting)
