"""Assigning a template to employees for a period: one submission each, never twice."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.models import Employee, EvaluationPeriod, Submission, TemplateVersion
from app.scope import Scope, managed_employees, unit_subtree
from app.services import ValidationFailed, skp_targets
from app.services.periods import ensure_open_for_changes
from app.services.version_moves import stale_evaluations


@dataclass
class AssignmentResult:
    """What an assignment did; `stale`: the chosen people's evaluations in the period on
    another version of the template (to offer moving them, see services.version_moves)."""

    created: int = 0
    existing: int = 0
    problems: list[tuple[Employee, str]] = field(default_factory=list)
    stale: list[Submission] = field(default_factory=list)


def assign(
    period: EvaluationPeriod,
    version: TemplateVersion,
    scope: Scope,
    *,
    unit_id: int | None = None,
    include_subunits: bool = True,
    jabatan_types: list[str] | None = None,
    employee_ids: list[int] | None = None,
) -> AssignmentResult:
    """Create the missing submissions of the chosen employees (a unit, types, or a list).

    Employees without an evaluator are reported, not skipped silently.
    """
    ensure_open_for_changes(period)
    query = select(Employee).where(Employee.active.is_(True), managed_employees(scope))
    if employee_ids:
        query = query.where(Employee.id.in_(employee_ids))
    elif unit_id is not None:
        query = query.where(
            Employee.unit_id.in_(unit_subtree(unit_id))
            if include_subunits
            else Employee.unit_id == unit_id
        )
    else:
        raise ValidationFailed({"unit_id": [str(_l("Choose a unit or employees."))]})
    employees = db.session.scalars(query.order_by(Employee.name)).all()
    if employee_ids and len(employees) != len(set(employee_ids)):
        raise ValidationFailed(
            {"employee_ids": [str(_l("Some employees are outside your scope."))]}
        )
    if jabatan_types:  # after the scope check: filtered-out people are not "outside scope"
        employees = [e for e in employees if e.jabatan_type in jabatan_types]
    assigned = set(
        db.session.scalars(
            select(Submission.employee_id).where(
                Submission.period_id == period.id,
                Submission.employee_id.in_([e.id for e in employees]),
            )
        )
    )
    result, created = AssignmentResult(), []
    for employee in employees:
        if employee.id in assigned:
            result.existing += 1
        elif employee.supervisor_id is None:
            result.problems.append((employee, str(_l("No evaluator (pejabat penilai) is set."))))
        else:
            created.append(
                Submission(
                    period_id=period.id, employee_id=employee.id, unit_id=employee.unit_id,
                    evaluator_id=employee.supervisor_id, template_version_id=version.id,
                    answers={}, comments={}, behaviour={},
                )
            )  # fmt: skip
    skp_targets.apply(created, period)  # individual targets of the agreed SKP
    db.session.add_all(created)
    result.created = len(created)
    try:
        db.session.commit()
    except IntegrityError as exc:  # someone assigned the same people at the same moment
        db.session.rollback()
        raise ValidationFailed(
            {"_form": [str(_l("Assignment clashed with another one; run it again."))]}
        ) from exc
    result.stale = stale_evaluations(period.id, sorted(assigned), version)
    return result


def holders(period: EvaluationPeriod, version: TemplateVersion, scope: Scope) -> list[Submission]:
    """The evaluations of `period` on `version` among the employees `scope` manages."""
    managed = select(Employee.id).where(managed_employees(scope))
    return list(
        db.session.scalars(
            select(Submission)
            .join(Employee, Submission.employee_id == Employee.id)
            .where(
                Submission.period_id == period.id,
                Submission.template_version_id == version.id,
                Submission.employee_id.in_(managed),
            )
            .order_by(Employee.name)
        )
    )
