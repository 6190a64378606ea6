"""The figures behind the dashboards, aggregated in SQL and scoped by `app.scope`.

`summary(scope, period, unit_id)` gives, per unit in scope: completion (not started /
draft / submitted / returned / approved), the predikat distribution against the
distribution curve of the unit's confirmed organisational rating, and the average
achievement (for the ranking); plus the trend across periods. A fixed number of
GROUP BY statements, whatever the number of units or employees.

Figures per unit count the unit itself (not its sub-units): each employee appears in
exactly one row. "Not started" = active employees of the unit without a submission in
the period.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import and_, exists, func, or_, select

from app.domain.ratings import CurveViolation, OrgRating, Predikat, check_distribution
from app.extensions import db
from app.models import Employee, EvaluationPeriod, Submission, Unit, UnitRating
from app.models.types import PeriodState, SubmissionState
from app.scope import Scope, dashboard_units, unit_subtree

NOT_STARTED = "not_started"
STATES = [NOT_STARTED, *(s.value for s in SubmissionState)]
STATE_ORDER = [NOT_STARTED, "draft", "submitted", "returned", "approved"]
TREND_PERIODS = 8
ONE = Decimal("0.1")
CENT = Decimal("0.01")


def pct(part: int, whole: int) -> Decimal:
    if not whole:
        return Decimal(0)
    return (Decimal(part * 100) / Decimal(whole)).quantize(ONE, ROUND_HALF_UP)


@dataclass
class UnitFigures:
    id: int
    code: str
    name: str
    parent_id: int | None
    states: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATE_ORDER, 0))
    predikat: dict[str, int] = field(default_factory=dict)
    achievement_sum: Decimal = Decimal(0)
    achievement_count: int = 0
    rating: str | None = None
    violations: list[CurveViolation] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.states.values())

    @property
    def rated(self) -> int:
        return sum(self.predikat.values())

    def share(self, state: str) -> Decimal:
        return pct(self.states.get(state, 0), self.total)

    @property
    def average(self) -> Decimal | None:
        if not self.achievement_count:
            return None
        return (self.achievement_sum / self.achievement_count).quantize(CENT, ROUND_HALF_UP)

    @property
    def rating_label(self) -> str:
        return OrgRating(self.rating).label if self.rating else ""

    @property
    def curve_ok(self) -> bool | None:
        """None when unrated or no predikat yet; else whether the curve holds."""
        if not self.rating or not self.rated:
            return None
        return not self.violations

    def to_dict(self) -> dict:
        return {
            "unit": {"id": self.id, "code": self.code, "name": self.name,
                     "parent_id": self.parent_id},
            "completion": {state: {"count": self.states[state], "percent": float(self.share(state))}
                           for state in STATE_ORDER},
            "total": self.total,
            "predikat": {p.value: self.predikat.get(p.value, 0) for p in Predikat},
            "org_rating": self.rating,
            "curve": None if self.curve_ok is None else {
                "ok": self.curve_ok,
                "violations": [{"rule": v.rule, "predikat": [p.value for p in v.predikats],
                                "message": v.message} for v in self.violations],
            },
            "average_achievement": None if self.average is None else float(self.average),
        }  # fmt: skip


@dataclass
class TrendPoint:
    period_id: int
    name: str
    total: int
    approved: int
    average: Decimal | None
    predikat: dict[str, int]

    @property
    def approved_share(self) -> Decimal:
        return pct(self.approved, self.total)

    def to_dict(self) -> dict:
        return {
            "period": {"id": self.period_id, "name": self.name},
            "submissions": self.total,
            "approved": self.approved,
            "approved_percent": float(self.approved_share),
            "average_achievement": None if self.average is None else float(self.average),
            "predikat": {p.value: self.predikat.get(p.value, 0) for p in Predikat},
        }


@dataclass
class Summary:
    period: EvaluationPeriod
    units: list[UnitFigures]
    trend: list[TrendPoint]
    root: Unit | None = None

    @property
    def totals(self) -> UnitFigures:
        total = UnitFigures(0, "", "", None)
        for unit in self.units:
            for state, count in unit.states.items():
                total.states[state] += count
            for value, count in unit.predikat.items():
                total.predikat[value] = total.predikat.get(value, 0) + count
            total.achievement_sum += unit.achievement_sum
            total.achievement_count += unit.achievement_count
        return total

    @property
    def ranking(self) -> list[UnitFigures]:
        rated = [u for u in self.units if u.average is not None]
        return sorted(rated, key=lambda u: (-u.average, u.code))

    @property
    def violating(self) -> list[UnitFigures]:
        return [u for u in self.units if u.curve_ok is False]

    def to_dict(self) -> dict:
        totals = self.totals
        return {
            "period": {"id": self.period.id, "name": self.period.name,
                       "state": self.period.state},
            "unit": None if self.root is None else {"id": self.root.id, "code": self.root.code,
                                                    "name": self.root.name},
            "totals": {"completion": {s: {"count": totals.states[s],
                                          "percent": float(totals.share(s))}
                                      for s in STATE_ORDER},
                       "total": totals.total,
                       "predikat": {p.value: totals.predikat.get(p.value, 0) for p in Predikat},
                       "average_achievement": None if totals.average is None
                       else float(totals.average)},
            "units": [u.to_dict() for u in self.units],
            "ranking": [{"unit_id": u.id, "code": u.code, "name": u.name,
                         "average_achievement": float(u.average)} for u in self.ranking],
            "trend": [t.to_dict() for t in self.trend],
        }  # fmt: skip


# --- periods --------------------------------------------------------------------------------


def periods() -> list[EvaluationPeriod]:
    return list(
        db.session.scalars(select(EvaluationPeriod).order_by(EvaluationPeriod.start_date.desc()))
    )


def default_period(period_id: int | None = None) -> EvaluationPeriod | None:
    """The chosen period, else the newest open one, else the newest."""
    if period_id is not None:
        return db.session.get(EvaluationPeriod, period_id)
    return db.session.scalar(
        select(EvaluationPeriod)
        .order_by(
            (EvaluationPeriod.state == PeriodState.OPEN.value).desc(),
            EvaluationPeriod.start_date.desc(),
        )
        .limit(1)
    )


# --- the summary ---------------------------------------------------------------------------------


def unit_condition(scope: Scope, unit_id: int | None = None):
    """Units of the dashboard: in scope, and in the subtree of `unit_id` if given."""
    condition = dashboard_units(scope)
    if unit_id is not None:
        condition = and_(condition, Unit.id.in_(unit_subtree(unit_id)))
    return condition


def summary(scope: Scope, period: EvaluationPeriod, unit_id: int | None = None) -> Summary:
    """Every dashboard figure for the units in scope (below `unit_id` if given)."""
    condition = unit_condition(scope, unit_id)
    units = db.session.execute(
        select(Unit.id, Unit.code, Unit.short_name, Unit.parent_id)
        .where(condition)
        .order_by(Unit.code)
    ).all()
    figures = {
        row.id: UnitFigures(row.id, row.code, row.short_name, row.parent_id) for row in units
    }
    root = db.session.get(Unit, unit_id) if unit_id is not None else None
    if not figures:
        return Summary(period, [], [], root)
    ids = select(Unit.id).where(condition)
    _not_started(period, ids, figures)
    _submission_figures(period, ids, figures)
    for unit_id_, rating in db.session.execute(
        select(UnitRating.unit_id, UnitRating.rating).where(
            UnitRating.period_id == period.id, UnitRating.unit_id.in_(ids)
        )
    ):
        unit = figures[unit_id_]
        unit.rating = rating
        counts = {Predikat(p): n for p, n in unit.predikat.items()}
        unit.violations = check_distribution(OrgRating(rating), counts)
    return Summary(period, list(figures.values()), trend(ids), root)


def _not_started(period, ids, figures) -> None:
    started = exists().where(
        Submission.employee_id == Employee.id, Submission.period_id == period.id
    )
    rows = db.session.execute(
        select(Employee.unit_id, func.count())
        .where(Employee.active.is_(True), Employee.unit_id.in_(ids), ~started)
        .group_by(Employee.unit_id)
    )
    for unit_id, count in rows:
        figures[unit_id].states[NOT_STARTED] = count


def _submission_figures(period, ids, figures) -> None:
    rows = db.session.execute(
        select(
            Submission.unit_id, Submission.state, Submission.final_predikat, func.count(),
            func.sum(Submission.achievement), func.count(Submission.achievement),
        )
        .where(Submission.period_id == period.id, Submission.unit_id.in_(ids))
        .group_by(Submission.unit_id, Submission.state, Submission.final_predikat)
    )  # fmt: skip
    for unit_id, state, value, count, total, counted in rows:
        unit = figures[unit_id]
        unit.states[state] = unit.states.get(state, 0) + count
        if state == SubmissionState.APPROVED.value:
            if value:
                unit.predikat[value] = unit.predikat.get(value, 0) + count
            if counted:
                unit.achievement_sum += Decimal(str(total))
                unit.achievement_count += counted


def trend(ids) -> list[TrendPoint]:
    """Per period (the latest few, oldest first): submissions, approved, average, predikat."""
    recent = (
        select(EvaluationPeriod.id)
        .order_by(EvaluationPeriod.start_date.desc())
        .limit(TREND_PERIODS)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(
            EvaluationPeriod.id, EvaluationPeriod.name, EvaluationPeriod.start_date,
            Submission.state, Submission.final_predikat, func.count(),
            func.sum(Submission.achievement), func.count(Submission.achievement),
        )
        .join(Submission, Submission.period_id == EvaluationPeriod.id)
        .where(Submission.unit_id.in_(ids), EvaluationPeriod.id.in_(recent))
        .group_by(EvaluationPeriod.id, EvaluationPeriod.name, EvaluationPeriod.start_date,
                  Submission.state, Submission.final_predikat)
    )  # fmt: skip
    points: dict[int, dict] = {}
    for pid, name, start, state, value, count, total, counted in rows:
        point = points.setdefault(
            pid, {"name": name, "start": start, "total": 0, "approved": 0, "sum": Decimal(0),
                  "n": 0, "predikat": defaultdict(int)}
        )  # fmt: skip
        point["total"] += count
        if state == SubmissionState.APPROVED.value:
            point["approved"] += count
            if value:
                point["predikat"][value] += count
            if counted:
                point["sum"] += Decimal(str(total))
                point["n"] += counted
    ordered = sorted(points.items(), key=lambda item: item[1]["start"])
    return [
        TrendPoint(
            pid,
            p["name"],
            p["total"],
            p["approved"],
            (p["sum"] / p["n"]).quantize(CENT, ROUND_HALF_UP) if p["n"] else None,
            dict(p["predikat"]),
        )  # fmt: skip
        for pid, p in ordered
    ]


# --- drill-down: the employees behind a figure ------------------------------------------------


@dataclass(frozen=True)
class EmployeeRow:
    employee_id: int
    nip: str
    name: str
    jabatan: str
    submission_id: int | None
    state: str
    predikat: str | None
    achievement: Decimal | None

    @property
    def predikat_label(self) -> str:
        return Predikat(self.predikat).label if self.predikat else ""


def employees(period: EvaluationPeriod, unit_id: int, state: str | None = None,
              predikat: str | None = None) -> list[EmployeeRow]:  # fmt: skip
    """The unit's employees in `period` (active staff, and anyone with a submission there)."""
    joined = and_(Submission.employee_id == Employee.id, Submission.period_id == period.id)
    query = (
        select(
            Employee.id, Employee.nip, Employee.name, Employee.jabatan, Submission.id,
            func.coalesce(Submission.state, NOT_STARTED), Submission.final_predikat,
            Submission.achievement,
        )
        .outerjoin(Submission, joined)
        .where(
            or_(
                and_(Submission.unit_id == unit_id),
                and_(Submission.id.is_(None), Employee.unit_id == unit_id,
                     Employee.active.is_(True)),
            )
        )
        .order_by(Employee.name, Employee.id)
    )  # fmt: skip
    if state == NOT_STARTED:
        query = query.where(Submission.id.is_(None))
    elif state:
        query = query.where(Submission.state == state)
    if predikat:
        approved = Submission.state == SubmissionState.APPROVED.value
        query = query.where(Submission.final_predikat == predikat, approved)
    return [EmployeeRow(*row) for row in db.session.execute(query)]


# --- supervisor and employee views -------------------------------------------------------------


def team(scope: Scope, period: EvaluationPeriod):
    """(state counts, rows) of the evaluator's team for `period`, and what awaits review."""
    if not scope.employee_id:
        return dict.fromkeys(STATE_ORDER, 0), [], []
    joined = and_(Submission.employee_id == Employee.id, Submission.period_id == period.id)
    rows = db.session.execute(
        select(
            Employee.id, Employee.nip, Employee.name, Employee.jabatan, Submission.id,
            func.coalesce(Submission.state, NOT_STARTED), Submission.final_predikat,
            Submission.achievement,
        )
        .outerjoin(Submission, joined)
        .where(
            or_(
                Submission.evaluator_id == scope.employee_id,
                and_(Employee.supervisor_id == scope.employee_id, Employee.active.is_(True),
                     Submission.id.is_(None)),
            )
        )
        .order_by(Employee.name)
    ).all()  # fmt: skip
    members = [EmployeeRow(*row) for row in rows]
    counts = dict.fromkeys(STATE_ORDER, 0)
    for member in members:
        counts[member.state] = counts.get(member.state, 0) + 1
    waiting = db.session.execute(
        select(Submission.id, Employee.name, Employee.nip, EvaluationPeriod.name,
               Submission.submitted_at)
        .join(Employee, Submission.employee_id == Employee.id)
        .join(EvaluationPeriod, Submission.period_id == EvaluationPeriod.id)
        .where(Submission.evaluator_id == scope.employee_id,
               Submission.state == SubmissionState.SUBMITTED.value)
        .order_by(Submission.submitted_at)
    ).all()  # fmt: skip
    return counts, members, waiting


@dataclass(frozen=True)
class HistoryRow:
    submission_id: int
    period_id: int
    period: str
    state: str
    achievement: Decimal | None
    hasil: str | None
    perilaku: str | None
    predikat: str | None
    feedback: str | None
    recommendation: str | None

    @property
    def predikat_label(self) -> str:
        return Predikat(self.predikat).label if self.predikat else ""


def history(employee_id: int) -> list[HistoryRow]:
    """An employee's submissions across periods, oldest first."""
    rows = db.session.execute(
        select(
            Submission.id, EvaluationPeriod.id, EvaluationPeriod.name, Submission.state,
            Submission.achievement, Submission.hasil_rating, Submission.perilaku_rating,
            Submission.final_predikat, Submission.feedback, Submission.recommendation,
        )
        .join(EvaluationPeriod, Submission.period_id == EvaluationPeriod.id)
        .where(Submission.employee_id == employee_id)
        .order_by(EvaluationPeriod.start_date)
    )  # fmt: skip
    return [HistoryRow(*row) for row in rows]


# --- sorting and filtering the units of the overview ---------------------------------------

#: How the overview may order its units; the first is the default (units behind first).
UNIT_SORTS = ("behind", "completion", "violations", "rating")
#: Which units the overview may keep: all, only those behind, only those off the curve.
UNIT_FILTERS = ("all", "behind", "violations")
_RATING_ORDER = {rating.value: i for i, rating in enumerate(OrgRating)}


def expected_share(period: EvaluationPeriod, today: dt.date | None = None) -> Decimal:
    """The share (%) of approved evaluations the calendar expects by `today` (target waktu):
    the elapsed part of the period, all of it once the period ended or closed."""
    today = today or dt.date.today()
    if period.state == PeriodState.CLOSED.value or today >= period.end_date:
        return Decimal(100)
    days = (period.end_date - period.start_date).days or 1
    elapsed = max(0, (today - period.start_date).days)
    return pct(elapsed, days)


def is_behind(unit: UnitFigures, expected: Decimal) -> bool:
    """Whether the unit's approved share lags behind the calendar (tertinggal)."""
    return unit.total > 0 and unit.share(SubmissionState.APPROVED.value) < expected


def arrange_units(
    units: list[UnitFigures], expected: Decimal, sort: str = "behind", keep: str = "all"
) -> list[UnitFigures]:
    """The units filtered by `keep` and ordered by `sort` (see UNIT_SORTS, UNIT_FILTERS)."""
    approved = SubmissionState.APPROVED.value
    if keep == "behind":
        units = [u for u in units if is_behind(u, expected)]
    elif keep == "violations":
        units = [u for u in units if u.curve_ok is False]
    keys = {
        "behind": lambda u: (not is_behind(u, expected), u.share(approved), u.code),
        "completion": lambda u: (u.share(approved), u.code),
        "violations": lambda u: (-len(u.violations), u.code),
        "rating": lambda u: (_RATING_ORDER.get(u.rating or "", len(_RATING_ORDER)), u.code),
    }
    return sorted(units, key=keys.get(sort, keys["behind"]))
