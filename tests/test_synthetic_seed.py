"""Synthetic scale data: a tree of teams, a year of results, closure tables consistent."""

from __future__ import annotations

from sqlalchemy import func, select

from app.models import Employee, Submission
from app.services import hierarchy
from seeds.loader import load_reference
from seeds.synthetic import PREFIX, TEAM_SIZE, load_synthetic


def test_synthetic_seed_tops_up_in_teams_with_a_consistent_closure(db):
    load_reference(db.session)
    db.session.commit()
    assert load_synthetic(db.session, 200)[0] == 200
    assert load_synthetic(db.session, 260)[0] == 60  # a second run only tops up

    synthetic = select(Employee).where(Employee.name.like(f"{PREFIX}%"))
    people = db.session.scalars(synthetic).all()
    assert len(people) == 260
    members = [p for p in people if p.jabatan.startswith("Pelaksana")]
    assert members and all(p.supervisor_id for p in members)
    team_sizes = db.session.execute(
        select(Employee.supervisor_id, func.count())
        .where(Employee.name.like(f"{PREFIX}%"), Employee.jabatan.startswith("Pelaksana"))
        .group_by(Employee.supervisor_id)
    ).all()
    assert max(size for _leader, size in team_sizes) <= TEAM_SIZE - 1
    # A year of quarters for everyone with an evaluator.
    assert db.session.scalar(select(func.count(Submission.id))) == 4 * len(
        [p for p in people if p.supervisor_id]
    )
    assert all(finding.consistent for finding in hierarchy.check())
