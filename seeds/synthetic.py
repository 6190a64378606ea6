"""Synthetic scale data for benchmarks: N fictitious employees and a year of quarterly results.

Every synthetic employee is named "Pegawai Sintetis NNNNN" so nobody mistakes them for
real people. Rows are bulk-inserted (the services would take minutes at 6,000 people);
scores are computed with the same engine and rating rules the services use, once per
answer set of a pool the rows draw from.
Running it again tops up to N and never duplicates.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from decimal import Decimal

from sqlalchemy import JSON, func, insert, select, text
from sqlalchemy.orm import Session

from app.domain.nip import generate_nip
from app.domain.ratings import Rating, hasil_kerja_rating, perilaku_rating, predikat
from app.models import (
    BehaviourValue,
    Employee,
    EvaluationPeriod,
    EvaluationTemplate,
    IndicatorForm,
    Submission,
    SupervisorClosure,
    TemplateVersion,
    Unit,
)
from app.models.hierarchy import SUPERVISION, rebuild
from app.models.types import JabatanType, PeriodKind, PeriodState, SubmissionState
from app.scope import Scope
from app.security import HR
from app.services import forms as form_service
from app.services import templates as template_service
from forms import evaluate, parse_definition, weighted_achievement

PREFIX = "Pegawai Sintetis"
FORM_CODE = "SINTETIS-KINERJA"
TEMPLATE_CODE = "SINTETIS-STANDAR"
YEAR = 2025
QUARTERS = [(1, 3), (4, 6), (7, 9), (10, 12)]
TEAM_SIZE = 15
BATCH = 5000
OUTCOMES = 2000
HR_SCOPE = Scope(user_id=None, roles=frozenset({HR}))
EMPTY: dict = {}
NOW = dt.datetime(YEAR, 12, 31, 12, 0)


def _form_definition() -> dict:
    fields = []
    for number in range(1, 9):
        fields.append({
            "key": f"indikator_{number}",
            "type": "integer",
            "label": {"id": f"Indikator sintetis {number}", "en": f"Synthetic indicator {number}"},
            "required": True,
            "min": 0,
            "indicator": {"group": "utama" if number <= 5 else "tambahan", "aspect": "kuantitas",
                          "target": 100, "unit": "kegiatan",
                          "polarity": "lower" if number == 8 else "higher", "weight": 12.5},
        })  # fmt: skip
    return {"code": FORM_CODE, "title": {"id": "Kinerja sintetis (uji skala)"}, "fields": fields}


def _template_version(session: Session) -> TemplateVersion:
    template = session.scalar(
        select(EvaluationTemplate).where(
            EvaluationTemplate.code == TEMPLATE_CODE, EvaluationTemplate.unit_id.is_(None)
        )
    )
    if template is not None and template.latest_version is not None:
        return template.latest_version
    form = session.scalar(
        select(IndicatorForm).where(
            IndicatorForm.code == FORM_CODE, IndicatorForm.unit_id.is_(None)
        )
    )
    if form is None or form.latest_version is None:
        form = form_service.import_definition(_form_definition(), None, HR_SCOPE)
        form_service.publish(form)
    if template is None:
        template = template_service.create_template(
            None, TEMPLATE_CODE, "Templat sintetis", HR_SCOPE
        )
    draft = template_service.editable_draft(template)
    forms = [{"form_version_id": form.latest_version.id, "weight": 100}]
    template_service.save_draft(template, {**draft, "forms": forms})
    return template_service.publish(template)


def _periods(session: Session) -> list[EvaluationPeriod]:
    periods = []
    for index, (first, last) in enumerate(QUARTERS, start=1):
        name = f"Triwulan {'I' * index if index < 4 else 'IV'} {YEAR}"
        period = session.scalar(select(EvaluationPeriod).where(EvaluationPeriod.name == name))
        if period is None:
            end = (
                dt.date(YEAR, last + 1, 1) - dt.timedelta(days=1)
                if last < 12
                else dt.date(YEAR, 12, 31)
            )
            period = EvaluationPeriod(
                name=name, kind=PeriodKind.QUARTERLY.value, start_date=dt.date(YEAR, first, 1),
                end_date=end,
                state=(PeriodState.OPEN if index == 4 else PeriodState.CLOSED).value,
            )  # fmt: skip
            session.add(period)
        periods.append(period)
    session.flush()
    return periods


def _new_employees(session: Session, count: int, rng: random.Random) -> None:
    """Bulk-insert `count` employees in teams of TEAM_SIZE under a tree of team leaders.

    Each unit's team leaders form a tree under the unit head (TEAM_SIZE leaders under each),
    inserted level by level for all units at once; every other member follows in batches
    of BATCH. (A unit's first employee of a run always leads, so every member has a leader.)
    The supervision closure of the new people is built once at the end.
    """
    units = session.scalars(select(Unit).order_by(Unit.code)).all()
    taken = set(session.scalars(select(Employee.nip)))
    start = session.scalar(select(func.count(Employee.id)).where(Employee.name.like(f"{PREFIX}%")))
    before = session.scalar(select(func.max(Employee.id))) or 0
    leaders: dict[int, list[dict]] = {u.id: [] for u in units}
    members: list[tuple[dict, int]] = []  # (row, index of its leader among its unit's leaders)
    counts: dict[int, int] = {}
    for offset in range(count):
        number = start + offset + 1
        unit = units[(number * 7) % len(units)]
        nip = generate_nip(rng, "PNS")
        while nip in taken:
            nip = generate_nip(rng, "PNS")
        taken.add(nip)
        leads = counts.get(unit.id, 0) % TEAM_SIZE == 0
        row = {
            "nip": nip, "name": f"{PREFIX} {number:05d}", "status": "PNS",
            "golongan": "III/c" if leads else rng.choice(["II/c", "II/d", "III/a", "III/b"]),
            "jabatan": "Kepala Seksi (sintetis)" if leads else "Pelaksana (sintetis)",
            "jabatan_type": (JabatanType.PENGAWAS if leads else JabatanType.PELAKSANA).value,
            "unit_id": unit.id, "supervisor_id": None, "active": True,
        }  # fmt: skip
        if leads:
            leaders[unit.id].append(row)
        else:
            members.append((row, len(leaders[unit.id]) - 1))
        counts[unit.id] = counts.get(unit.id, 0) + 1
    leader_ids = _insert_leaders(session, units, leaders)
    rows = []
    for row, leader in members:
        row["supervisor_id"] = leader_ids[row["unit_id"]][leader]
        rows.append(row)
    bulk_insert(session, Employee, rows)
    rebuild(session.connection(), SUPERVISION, select(Employee.id).where(Employee.id > before))


def _insert_leaders(session: Session, units, leaders: dict[int, list[dict]]) -> dict[int, list]:
    """Insert each unit's tree of team leaders level by level; their ids per unit, in order.

    Leader 0 reports to the unit head, leader i to leader (i - 1) // TEAM_SIZE.
    """
    ids: dict[int, list[int]] = {u.id: [] for u in units}
    heads = {u.id: u.head_id for u in units}
    first, size = 0, 1
    while any(len(rows) > first for rows in leaders.values()):
        batch = []
        for unit_id, rows in leaders.items():
            for index, row in enumerate(rows[first : first + size], start=first):
                boss = heads[unit_id] if index == 0 else ids[unit_id][(index - 1) // TEAM_SIZE]
                batch.append({**row, "supervisor_id": boss})
        inserted = session.scalars(
            insert(Employee).returning(Employee.id, sort_by_parameter_order=True), batch
        ).all()
        for row, employee_id in zip(batch, inserted, strict=True):
            ids[row["unit_id"]].append(employee_id)
        first, size = first + size, size * TEAM_SIZE
    return ids


def _outcomes(session: Session, form_version, version, rng: random.Random) -> list[dict]:
    """OUTCOMES answer sets, each with the results the engine and rating rules give it.

    Rows draw from this pool: scoring every one of 400,000 rows would take minutes.
    """
    schema = parse_definition(form_version.definition)
    rules = template_service.parse_rules(version.definition.get("rules"))
    codes = list(session.scalars(select(BehaviourValue.code).order_by(BehaviourValue.position)))
    pool = []
    for _ in range(OUTCOMES):
        answers = {f"indikator_{n}": int(100 * rng.uniform(0.6, 1.25)) for n in range(1, 9)}
        values = evaluate(schema, answers, partial=True).values
        achievement = weighted_achievement(schema, values, rules.cap) or Decimal(0)
        behaviour = [rng.choice([Rating.AS_EXPECTED] * 6 + [Rating.ABOVE, Rating.BELOW])
                     for _ in range(7)]  # fmt: skip
        hasil = hasil_kerja_rating(achievement, rules.thresholds)
        perilaku = perilaku_rating(behaviour, rules.perilaku_rule)
        approved = {
            "achievement": achievement, "hasil_rating": hasil.value,
            "perilaku_rating": perilaku.value, "proposed_hasil_rating": hasil.value,
            "proposed_perilaku_rating": perilaku.value,
            "predikat": predikat(hasil, perilaku).value,
            "behaviour": {c: {"rating": r.value} for c, r in zip(codes, behaviour, strict=False)},
        }  # fmt: skip
        pool.append({"answers": {str(form_version.id): answers}, "approved": approved})
    return pool


def _submissions(session: Session, version: TemplateVersion, periods, rng: random.Random) -> int:
    outcomes = _outcomes(session, template_service.form_versions(version)[0][0], version, rng)
    employees = session.execute(
        select(Employee.id, Employee.unit_id, Employee.supervisor_id).where(
            Employee.name.like(f"{PREFIX}%"), Employee.supervisor_id.isnot(None)
        )
    ).all()
    created = 0
    for period in periods:
        assigned = set(
            session.scalars(select(Submission.employee_id).where(Submission.period_id == period.id))
        )
        rows = [
            _row(employee, period, version, rng.choice(outcomes), rng)
            for employee in employees
            if employee.id not in assigned
        ]
        bulk_insert(session, Submission, rows)
        created += len(rows)
    return created


def _row(employee, period, version, outcome: dict, rng: random.Random) -> dict:
    closed = period.state == PeriodState.CLOSED.value
    state = SubmissionState.APPROVED if closed else rng.choice(list(SubmissionState))
    row = dict.fromkeys(outcome["approved"]) | {
        "period_id": period.id, "employee_id": employee.id, "unit_id": employee.unit_id,
        "evaluator_id": employee.supervisor_id, "template_version_id": version.id,
        "state": state.value, "answers": outcome["answers"], "comments": EMPTY,
        "behaviour": EMPTY, "lock_version": 1, "updated_at": NOW,
    }  # fmt: skip
    if state == SubmissionState.APPROVED:
        row.update(outcome["approved"])
    return row


def load_synthetic(session: Session, count: int) -> tuple[int, int]:
    """Top up to `count` synthetic employees with a year of submissions.

    Returns (employees added, submissions added).
    """
    rng = random.Random(6000)
    existing = session.scalar(
        select(func.count(Employee.id)).where(Employee.name.like(f"{PREFIX}%"))
    )
    missing = max(0, count - existing)
    _new_employees(session, missing, rng)
    version = _template_version(session)
    created = _submissions(session, version, _periods(session), rng)
    session.commit()
    _analyse(session)
    return missing, created


def bulk_insert(session: Session, model, rows: list[dict]) -> None:
    """Insert `rows` (dicts with the same keys): COPY on PostgreSQL, batches elsewhere.

    JSON values are serialised once per distinct object (rows share the pool's answers).
    """
    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql":
        for first in range(0, len(rows), BATCH):
            session.execute(insert(model), rows[first : first + BATCH])
        return
    table = model.__table__
    columns = list(rows[0])
    as_json = [isinstance(table.c[name].type, JSON) for name in columns]
    dumped: dict[int, tuple[object, str]] = {}

    def serialised(value):
        if id(value) not in dumped:
            dumped[id(value)] = (value, json.dumps(value))  # the object kept: its id stays
        return dumped[id(value)][1]

    cursor = session.connection().connection.driver_connection.cursor()
    with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(
                [serialised(row[c]) if j else row[c] for c, j in zip(columns, as_json, strict=True)]
            )


def _analyse(session: Session) -> None:
    """Fresh planner statistics after a bulk load (PostgreSQL plans by them; autovacuum lags)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    tables = ", ".join(m.__table__.name for m in (Employee, SupervisorClosure, Submission))
    with session.get_bind().connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f"VACUUM ANALYZE {tables}"))
