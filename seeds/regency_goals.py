"""Loader of the illustrative regency goals (``regency_goals.yaml``); insert-only.

A goal is added when no goal has its code; its indicators and their yearly targets are
added only together with it, so re-running `flask seed` never brings back an indicator
or target HR removed, and never changes edited text. Every row gets the `example` flag.
The caller owns the transaction: the loader flushes but does not commit.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.planning import RegencyGoal, RegencyIndicator, RegencyIndicatorTarget
from seeds import read_yaml


def load_regency_goals(session: Session, name: str = "regency_goals.yaml") -> dict[str, int]:
    """Add the missing goals of the seed; returns counts such as ``regency_goals_created``."""
    seed = read_yaml(name)
    counts: Counter[str] = Counter()
    existing = set(session.scalars(select(RegencyGoal.code)))
    years = (seed["start_year"], seed["end_year"])
    for position, item in enumerate(seed["goals"]):
        _add(session, item, None, position, years, existing, counts)
    session.flush()
    return dict(counts)


def _add(session, item, parent_id, position, years, existing, counts) -> None:
    goal_id = None
    if item["code"] not in existing:
        goal = RegencyGoal(
            kind=item["kind"], parent_id=parent_id, code=item["code"], title=item["title"],
            start_year=years[0], end_year=years[1], position=position, example=True,
        )  # fmt: skip
        session.add(goal)
        session.flush()
        goal_id = goal.id
        counts["regency_goals_created"] += 1
        _indicators(session, goal, item.get("indicators", []), counts)
    else:
        goal_id = session.scalar(select(RegencyGoal.id).where(RegencyGoal.code == item["code"]))
    for child_position, child in enumerate(item.get("children", [])):
        _add(session, child, goal_id, child_position, years, existing, counts)


def _indicators(session, goal, items, counts) -> None:
    taken = set(session.scalars(select(RegencyIndicator.code)))
    for position, item in enumerate(items):
        if item["code"] in taken:
            continue
        indicator = RegencyIndicator(
            goal_id=goal.id, code=item["code"], title=item["title"],
            unit_label=item.get("unit_label", ""), position=position, example=True,
        )  # fmt: skip
        session.add(indicator)
        session.flush()
        counts["regency_indicators_created"] += 1
        for year, target in item.get("targets", {}).items():
            session.add(RegencyIndicatorTarget(indicator_id=indicator.id, year=int(year),
                                               target=Decimal(str(target))))  # fmt: skip
