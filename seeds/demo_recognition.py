"""Demo roll-up and recognition: IKU forms with targets, proposed ratings, award nominees.

The IKU forms (``seeds/iku/*.json``) are ordinary indicator forms of Dinkes and
Disdikpora; their indicators get the codes the demo forms name as `parent`
(``IKU-DINKES-01`` …). For the closed demo period the recorded ratings get the
proposal of the roll-up, and the nominees of the default rule are proposed for HR.
Idempotent: a second run adds nothing.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import (
    EvaluationPeriod,
    Iku,
    IkuTarget,
    IndicatorForm,
    RegencyGoal,
    Unit,
    UnitRating,
)
from app.models.types import PeriodState
from app.scope import Scope
from app.security import HR
from app.services import awards as award_service
from app.services import forms as form_service
from app.services import rollup

IKU_DIR = Path(__file__).parent / "iku"
_SEED_SCOPE = Scope(user_id=None, roles=frozenset({HR}))


def _iku_form(session: Session, unit: Unit, definition: dict) -> IndicatorForm:
    form = session.scalar(
        select(IndicatorForm).where(
            IndicatorForm.unit_id == unit.id, IndicatorForm.code == definition["code"]
        )
    )
    if form is None or not form.versions:
        form = form_service.import_definition(definition, unit.id, _SEED_SCOPE)
        form_service.publish(form)
    return form


def _load_iku(session: Session, spec: dict) -> None:
    unit = session.scalar(select(Unit).where(Unit.code == spec["unit"]))
    if unit is None:
        return
    form = _iku_form(session, unit, spec["definition"])
    if session.scalar(select(Iku.id).where(Iku.unit_id == unit.id)) is None:
        rollup.set_iku_form(unit, form)
        goal_id = session.scalar(
            select(RegencyGoal.id).where(RegencyGoal.code == spec.get("regency_goal", ""))
        )
        for iku in rollup.ikus_of(unit.id):
            iku.aggregation = spec["aggregation"].get(iku.key, "average")
            iku.regency_goal_id = goal_id  # the sasaran it supports (example RPJMD)
        session.commit()
    periods = {p.name: p for p in session.scalars(select(EvaluationPeriod))}
    ikus = {iku.key: iku for iku in rollup.ikus_of(unit.id)}
    for name, targets in spec["targets"].items():
        period = periods.get(name)
        if period is None:
            continue
        for key, target in targets.items():
            iku = ikus.get(key)
            exists = iku is not None and session.scalar(
                select(IkuTarget.id).where(
                    IkuTarget.iku_id == iku.id, IkuTarget.period_id == period.id
                )
            )
            if iku is not None and not exists:
                session.add(IkuTarget(iku_id=iku.id, period_id=period.id, target=Decimal(target)))
    session.commit()


def _proposals(session: Session) -> None:
    """Record the roll-up's proposal on ratings confirmed before the roll-up existed."""
    rows = session.scalars(select(UnitRating).where(UnitRating.proposed_rating.is_(None))).all()
    for row in rows:
        result = rollup.unit_rollup(row.unit, row.period)
        if result.proposed is not None:
            row.proposed_rating = result.proposed.value
            row.proposed_achievement = result.overall
    session.commit()


def load_demo_recognition(session: Session) -> int:
    """IKU, targets, proposals and award nominees; returns the nominees proposed."""
    for path in sorted(IKU_DIR.glob("*.json")):
        _load_iku(session, json.loads(path.read_text(encoding="utf-8")))
    _proposals(session)
    proposed = 0
    closed = session.scalars(
        select(EvaluationPeriod).where(EvaluationPeriod.state == PeriodState.CLOSED.value)
    ).all()
    for period in closed:
        proposed += award_service.propose(period, Unit.id.isnot(None))
    return proposed
