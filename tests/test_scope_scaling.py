"""Scoping that scales: one semi-join per scoped list, and scopes that follow every move."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Employee, Submission
from app.scope import Scope, visible_employees, visible_submissions
from app.security import EMPLOYEE, SUPERVISOR, UNIT_ADMIN
from tests import factories as f

# Scopes with a team (a recursive CTE over people); a unit subtree is small and may be OR-ed.
TEAM_ROLES = [{SUPERVISOR, EMPLOYEE}, {UNIT_ADMIN, SUPERVISOR, EMPLOYEE}]


def _scope(world, key: str, roles: set[str]) -> Scope:
    person = world.people[key]
    return Scope(user_id=1, roles=frozenset(roles), employee_id=person.id, unit_id=person.unit_id)


def _visible(condition) -> set[int]:
    return set(db.session.scalars(select(Employee.id).where(condition)))


def _listed(login_as, account: str) -> set[int]:
    response = login_as(account).get("/employeeview/list/")
    assert response.status_code == 200
    return f.shown_ids(response.text, "employeeview")


@pytest.mark.parametrize("roles", TEAM_ROLES, ids=lambda r: "+".join(sorted(r)))
@pytest.mark.parametrize("condition", [visible_employees, visible_submissions])
def test_a_team_scope_is_one_in_never_an_in_under_an_or(world, roles, condition):
    # PostgreSQL runs `id IN (recursive CTE) OR id = me` once per row (8 s at 100,000).
    sql = str(condition(_scope(world, "penilai.dinkes", roles)).compile(db.engine))
    assert " OR " not in sql.upper()


@pytest.mark.parametrize("roles", TEAM_ROLES, ids=lambda r: "+".join(sorted(r)))
@pytest.mark.parametrize("condition", [visible_employees, visible_submissions])
def test_postgresql_plans_a_team_scope_without_a_subplan(world, roles, condition):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the plan is PostgreSQL's")
    model = Employee if condition is visible_employees else Submission
    scope = _scope(world, "admin.dinkes", roles)
    query = select(model.id).where(condition(scope)).order_by(model.id).limit(20)
    compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
    plan = "\n".join(db.session.scalars(db.text(f"EXPLAIN {compiled}")))
    assert "SubPlan" not in plan, plan


def test_unit_admin_and_supervisor_sees_both_their_units_and_their_team(world):
    # admin.dinkes also evaluates someone in Disdikpora: the union of both scopes.
    people = world.people
    people["pegawai.disdik"].supervisor = people["admin.dinkes"]
    db.session.commit()
    scope = _scope(world, "admin.dinkes", {UNIT_ADMIN, SUPERVISOR, EMPLOYEE})
    dinkes = {p.id for p in people.values() if p.unit_id in {world.dinkes.id, world.puskesmas.id}}
    assert _visible(visible_employees(scope)) == dinkes | {people["pegawai.disdik"].id}


def test_moving_a_unit_moves_its_staff_between_unit_admins(login_as, world):
    nurse = world.people["perawat.pkm"].id
    assert nurse in _listed(login_as, "admin.dinkes")
    assert nurse not in _listed(login_as, "admin.disdik")

    world.puskesmas.parent = world.disdik
    db.session.commit()

    assert nurse not in _listed(login_as, "admin.dinkes")
    assert nurse in _listed(login_as, "admin.disdik")


def test_moving_an_employee_to_another_supervisor_moves_their_whole_team(login_as, world):
    people = world.people
    team = {people["penilai.disdik"].id, people["pegawai.disdik"].id}
    assert not team & _listed(login_as, "penilai.dinkes")

    # penilai.disdik (with pegawai.disdik below) now reports to penilai.dinkes.
    people["penilai.disdik"].supervisor = people["penilai.dinkes"]
    db.session.commit()

    assert team <= _listed(login_as, "penilai.dinkes")
    assert _listed(login_as, "penilai.disdik") == team

    people["perawat.pkm"].supervisor = people["pegawai.disdik"]
    db.session.commit()
    assert people["perawat.pkm"].id in _listed(login_as, "penilai.disdik")


def test_a_supervisor_sees_their_team_s_submissions_and_those_they_evaluate(cycle):
    people = cycle.world.people
    # Someone outside the team whom penilai.dinkes evaluates (e.g. after a transfer).
    outsider = Submission(
        period=cycle.period, employee=people["pegawai.disdik"], unit_id=cycle.world.disdik.id,
        evaluator=people["penilai.dinkes"], template_version=cycle.template_version,
    )  # fmt: skip
    db.session.add(outsider)
    db.session.commit()
    scope = _scope(cycle.world, "penilai.dinkes", {SUPERVISOR, EMPLOYEE})
    seen = set(db.session.scalars(select(Submission.id).where(visible_submissions(scope))))
    team = {people[k].id for k in ("penilai.dinkes", "pegawai.dinkes", "perawat.pkm")}
    expected = set(
        db.session.scalars(select(Submission.id).where(Submission.employee_id.in_(team)))
    )
    assert seen == expected | {outsider.id}
    assert cycle.submission.id in seen and cycle.other.id in seen
