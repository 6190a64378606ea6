"""A demo evaluation cycle: periods, templates, assignments and submissions in every state.

Runs the real services (assign, save, submit, return, approve) so the audit trail and
scores are what users would produce. Idempotent: a second run adds nothing.
"""

from __future__ import annotations

import datetime as dt
import functools
import random

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.ratings import Rating
from app.models import (
    Employee,
    EvaluationPeriod,
    EvaluationTemplate,
    IndicatorForm,
    Submission,
    Unit,
    UnitRating,
)
from app.models.types import PeriodKind, PeriodState, SubmissionState
from app.scope import Scope, unit_subtree
from app.security import EMPLOYEE, HR, SUPERVISOR
from app.services import submissions as flow
from app.services import templates as template_service
from app.services.assignment import assign
from app.services.scoring import head_of_unit, unit_rating_of_head
from seeds import read_yaml

HR_SCOPE = Scope(user_id=None, roles=frozenset({HR}))
TEMPLATES = {
    "DINKES": ("DINKES-STAF", "Penilaian Kinerja Staf Dinas Kesehatan",
               [("DINKES-IMUNISASI", 70), ("PKM-PELAYANAN", 30)]),
    "DISDIKPORA": ("DISDIKPORA-STAF", "Penilaian Kinerja Staf Disdikpora",
                   [("DISDIKPORA-PELATIHAN-GURU", 100)]),
}  # fmt: skip
RECOMMENDATIONS = {
    "DINKES-STAF": "Pelatihan analisis data program kesehatan",
    "DISDIKPORA-STAF": "Pelatihan asesmen pembelajaran dan supervisi akademik",
}
PERIODS = [  # Q1–Q3 closed and approved: an annual evaluation for 2026 can be made at once
    ("Triwulan I 2026", dt.date(2026, 1, 1), dt.date(2026, 3, 31), PeriodState.CLOSED),
    ("Triwulan II 2026", dt.date(2026, 4, 1), dt.date(2026, 6, 30), PeriodState.CLOSED),
    ("Triwulan III 2026", dt.date(2026, 7, 1), dt.date(2026, 9, 30), PeriodState.CLOSED),
    ("Triwulan IV 2026", dt.date(2026, 10, 1), dt.date(2026, 12, 31), PeriodState.OPEN),
]
# The order in which a unit's submissions move through the cycle (draft left as is).
_STATES = [SubmissionState.APPROVED, SubmissionState.SUBMITTED, SubmissionState.RETURNED,
           SubmissionState.DRAFT]  # fmt: skip


def _scope_of(employee: Employee, role: str) -> Scope:
    return Scope(None, frozenset({role}), employee_id=employee.id, unit_id=employee.unit_id)


def _new_period(session: Session, name, start, end, _state) -> EvaluationPeriod | None:
    """The period, opened for the demo, or None when an earlier run made it already."""
    if session.scalar(select(EvaluationPeriod.id).where(EvaluationPeriod.name == name)):
        return None
    period = EvaluationPeriod(name=name, kind=PeriodKind.QUARTERLY.value, start_date=start,
                              end_date=end, state=PeriodState.OPEN.value)  # fmt: skip
    session.add(period)
    session.commit()
    return period


def _template(session: Session, unit: Unit, code, title, forms):
    template = session.scalar(
        select(EvaluationTemplate).where(
            EvaluationTemplate.unit_id == unit.id, EvaluationTemplate.code == code
        )
    )
    if template is None:
        template = template_service.create_template(unit.id, code, title, HR_SCOPE)
    if template.latest_version is not None:
        return template.latest_version
    entries = []
    for form_code, weight in forms:
        form = session.scalar(select(IndicatorForm).where(IndicatorForm.code == form_code))
        entries.append({"form_version_id": form.latest_version.id, "weight": weight})
    definition = template_service.editable_draft(template)
    template_service.save_draft(template, {**definition, "title": title, "forms": entries})
    return template_service.publish(template)


@functools.cache
def _samples() -> dict:
    return read_yaml("demo_answers.yaml")


def _answers(submission: Submission, rng: random.Random) -> dict:
    samples = _samples()
    answers = {}
    for version, _weight in template_service.form_versions(submission.template_version):
        options = samples.get(version.definition["code"], [{}])
        answers[str(version.id)] = dict(rng.choice(options))
    return answers


def _advance(submission: Submission, target: SubmissionState, rng: random.Random) -> None:
    """Move a draft submission to `target` through the real services."""
    employee = _scope_of(submission.employee, EMPLOYEE)
    evaluator = _scope_of(submission.evaluator, SUPERVISOR)
    answers = _answers(submission, rng)
    flow.save_answers(submission, answers, employee, None, lock_version=submission.lock_version)
    if target == SubmissionState.DRAFT:
        return
    flow.submit(submission, employee, None, lock_version=submission.lock_version)
    if target == SubmissionState.RETURNED:
        flow.return_for_revision(
            submission,
            "Lengkapi bukti dukung dan jelaskan kendala capaian di bawah target.",
            evaluator, None, lock_version=submission.lock_version,
        )  # fmt: skip
    elif target == SubmissionState.APPROVED:
        if head_of_unit(submission) and unit_rating_of_head(submission) is None:
            return  # a unit head waits for the unit's organisational rating
        ratings = [Rating.AS_EXPECTED] * 5 + [rng.choice(list(Rating)) for _ in range(2)]
        behaviour = {
            value.code: {"rating": rating.value, "feedback": "Pertahankan, terus tingkatkan."}
            for value, rating in zip(flow.behaviour_values(), ratings, strict=True)
        }
        flow.approve(
            submission, behaviour, evaluator, None,
            feedback="Capaian baik; perkuat dokumentasi bukti dukung.",
            recommendation=RECOMMENDATIONS.get(
                submission.template_version.template.code, "Pelatihan pelayanan publik"
            ),
            lock_version=submission.lock_version,
        )  # fmt: skip


def load_demo_cycle(session: Session, demo_employee_ids: set[int]) -> int:
    """Create the demo cycle once; returns the number of submissions created."""
    rng = random.Random(2026)
    new = [(spec, _new_period(session, *spec)) for spec in PERIODS]
    new = [(spec, period) for spec, period in new if period is not None]
    created = 0
    for unit_code, (code, title, forms) in TEMPLATES.items():
        unit = session.scalar(select(Unit).where(Unit.code == unit_code))
        if unit is None:
            continue
        version = _template(session, unit, code, title, forms)
        for _spec, period in new:
            result = assign(period, version, HR_SCOPE, unit_id=unit.id)
            created += result.created
            if result.created:
                _play(session, period, unit, demo_employee_ids, rng)
    for (_, _, _, state), period in new:
        period.state = state.value
    session.commit()
    from seeds.demo_recognition import load_demo_recognition

    load_demo_recognition(session)  # IKU, targets, proposed ratings, award nominees
    return created


def _play(session, period, unit, demo_employee_ids, rng) -> None:
    """Advance a unit's new submissions: all approved in closed periods, a mix otherwise.

    In closed periods the unit and its sub-units are rated first, so the approved
    evaluations of sub-unit heads take their unit's rating (the head rule).
    """
    closed = period.end_date < dt.date(2026, 10, 1)
    if closed:
        _rate_units(session, period, unit)
    submissions = session.scalars(
        select(Submission)
        .where(Submission.period_id == period.id, Submission.unit_id.in_(unit_subtree(unit.id)))
        .order_by(Submission.id)
    ).all()
    for index, submission in enumerate(submissions):
        if closed:
            target = SubmissionState.APPROVED
        elif submission.employee_id in demo_employee_ids:
            target = SubmissionState.DRAFT  # left for the demo user to fill and submit
        else:
            target = _STATES[index % len(_STATES)]
        _advance(submission, target, rng)


def _rate_units(session, period, unit) -> None:
    """Rate the unit and its sub-units "baik" for `period` where no rating exists yet."""
    rated = set(
        session.scalars(select(UnitRating.unit_id).where(UnitRating.period_id == period.id))
    )
    for unit_id in session.scalars(unit_subtree(unit.id)).all():
        if unit_id not in rated:
            session.add(UnitRating(unit_id=unit_id, period_id=period.id, rating="baik",
                                   reason="Capaian IKU triwulan sesuai target."))  # fmt: skip
    session.commit()
