"""Fictitious demo staff: a head for every unit, structural posts, staff and demo logins.

Everything is generated from ``seeds/demo.yaml`` with a random generator seeded per unit
from `DEMO_SEED`, so the same units give the same people (names, NIPs) on every run.
Employees are matched by NIP: a second run creates nothing and leaves existing rows as they
are. Supervisors follow the usual evaluator rule (Administrator ← JPT Pratama, Pengawas ←
Administrator, staff ← their post holder); the head of a sub-unit reports to the head of
the parent unit. The caller owns the transaction: this module flushes but does not commit.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.nip import generate_nip
from app.domain.ranks import rank_info
from app.models import Employee, Unit
from app.models.types import EmploymentStatus, JabatanType
from seeds import read_yaml

DEMO_SEED = 2026
EMAIL_DOMAIN = "kinerja.mamujukab.example"
LATEST_APPOINTMENT_YEAR = 2024
PPPK_FIRST_YEAR = 2021
DEFAULT_HEAD_TITLE = "Kepala {name}"

FEMALE_CHANCE = 0.45
STRUCTURAL_FEMALE_CHANCE = 0.3
CHRISTIAN_NAME_CHANCE = 0.12
ANDI_CHANCE = 0.1
HAJJ_CHANCE = 0.25
POSTGRAD_CHANCE = {
    JabatanType.JPT_PRATAMA: 0.8,
    JabatanType.ADMINISTRATOR: 0.5,
    JabatanType.PENGAWAS: 0.25,
    JabatanType.FUNGSIONAL_KEAHLIAN: 0.1,
}
_LEVEL_BELOW = {
    JabatanType.JPT_PRATAMA: JabatanType.ADMINISTRATOR,
    JabatanType.ADMINISTRATOR: JabatanType.PENGAWAS,
}
_FUNGSIONAL = (JabatanType.FUNGSIONAL_KEAHLIAN, JabatanType.FUNGSIONAL_KETERAMPILAN)


@dataclass(frozen=True)
class DemoAccount:
    """A demo login: its username, role names and what it is for."""

    username: str
    roles: tuple[str, ...]
    description: str


class CreateAccount(Protocol):
    """Creates or updates a login user and links it to `employee` (given by the CLI)."""

    def __call__(
        self,
        username: str,
        full_name: str,
        email: str,
        roles: list[str],
        password: str,
        employee: Employee | None,
    ) -> None: ...


@dataclass(frozen=True)
class _Job:
    """What to draw for one person: jabatan, type, golongan, name titles and chances."""

    jabatan: str
    type: JabatanType
    golongan: tuple[str, ...]
    degrees: tuple[str, ...]
    postgrad: tuple[str, ...]
    female: float
    pppk: float = 0.0
    with_level: bool = False


@dataclass
class _Person:
    """A planned employee; `employee` is set once it is stored."""

    unit: Unit
    nip: str
    name: str
    status: EmploymentStatus
    golongan: str
    jabatan: str
    type: JabatanType
    supervisor: _Person | None = None
    employee: Employee | None = None


@dataclass
class _Plan:
    """Planned people (supervisors first), unit heads by unit id, demo logins by username."""

    persons: list[_Person] = field(default_factory=list)
    heads: dict[int, _Person] = field(default_factory=dict)
    accounts: dict[str, _Person] = field(default_factory=dict)


def load_demo(
    session: Session, *, password: str, create_account: CreateAccount
) -> list[DemoAccount]:
    """Create the demo staff of every unit and the demo accounts; return the accounts.

    Needs the units (``load_reference``) first. Idempotent by NIP.
    """
    data = read_yaml("demo.yaml")
    units = session.scalars(select(Unit).order_by(Unit.code)).all()
    if not units:
        raise ValueError("no units found: load the reference data first")
    plan = _Planner(data).plan(units)
    _save(session, plan)
    return [
        _account(username, roles, plan.accounts.get(username), password, create_account)
        for username, roles in data["accounts"].items()
    ]


class _Planner:
    """Turns the templates of ``demo.yaml`` into planned people, unit by unit."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.result = _Plan()
        self.used_nips: set[str] = set()

    def plan(self, units: list[Unit]) -> _Plan:
        for unit in units:
            rng = random.Random(f"{DEMO_SEED}:{unit.code}")
            template = self._template(unit)
            head = self._post(rng, unit, template, None, JabatanType.JPT_PRATAMA)
            self.result.heads[unit.id] = head
        for unit in units:
            if unit.parent_id in self.result.heads:
                self.result.heads[unit.id].supervisor = self.result.heads[unit.parent_id]
        return self.result

    def _template(self, unit: Unit) -> dict[str, Any]:
        templates = self.data["templates"]
        return templates.get(unit.code) or templates.get(unit.kind) or templates["default"]

    def _post(
        self,
        rng: random.Random,
        unit: Unit,
        post: dict[str, Any],
        supervisor: _Person | None,
        default_type: JabatanType,
    ) -> _Person:
        """Plan the holder of `post`, their staff and the subordinate posts."""
        jabatan_type = JabatanType(post.get("type") or default_type)
        title = post.get("title", DEFAULT_HEAD_TITLE)
        holder = self._person(rng, unit, self._structural_job(unit, title, jabatan_type))
        holder.supervisor = supervisor
        self._mark(post.get("account"), holder)
        staff = [
            self._staff(rng, unit, job_key, holder)
            for job_key, count in post.get("staff", {}).items()
            for _ in range(count)
        ]
        if staff:
            self._mark(post.get("staff_account"), staff[0])
        below = _LEVEL_BELOW.get(jabatan_type, JabatanType.PENGAWAS)
        for child in post.get("posts", []):
            self._post(rng, unit, child, holder, below)
        return holder

    def _staff(self, rng: random.Random, unit: Unit, job_key: str, boss: _Person) -> _Person:
        person = self._person(rng, unit, self._staff_job(unit, job_key))
        person.supervisor = boss
        return person

    def _mark(self, username: str | None, person: _Person) -> None:
        if username:
            self.result.accounts[username] = person

    def _titles(self, unit: Unit) -> dict[str, Any]:
        titles = self.data["titles"]
        return titles.get(unit.code) or titles.get(unit.kind) or titles["default"]

    def _structural_job(self, unit: Unit, title: str, jabatan_type: JabatanType) -> _Job:
        """A structural post; "{place}" in its title is the unit name without the first word."""
        titles = self._titles(unit)
        return _Job(
            jabatan=title.format(name=unit.name, place=unit.name.partition(" ")[2]),
            type=jabatan_type,
            golongan=tuple(self.data["golongan"][jabatan_type.value]),
            degrees=tuple(titles["degrees"]),
            postgrad=tuple(titles["postgrad"]),
            female=STRUCTURAL_FEMALE_CHANCE,
        )

    def _staff_job(self, unit: Unit, job_key: str) -> _Job:
        spec = self.data["jobs"][job_key]
        titles = self._titles(unit)
        jabatan_type = JabatanType(spec["type"])
        return _Job(
            jabatan=spec["jabatan"],
            type=jabatan_type,
            golongan=tuple(spec.get("golongan") or self.data["golongan"][jabatan_type.value]),
            degrees=tuple(spec.get("degrees") or titles["degrees"]),
            postgrad=tuple(spec.get("postgrad") or titles["postgrad"]),
            female=spec.get("female", FEMALE_CHANCE),
            pppk=spec.get("pppk", 0.0),
            with_level=jabatan_type in _FUNGSIONAL,
        )

    def _person(self, rng: random.Random, unit: Unit, job: _Job) -> _Person:
        """Draw one person for `job`: status, golongan, dates, sex, name and a unique NIP."""
        sex = 2 if rng.random() < job.female else 1
        if rng.random() < job.pppk:
            status, rank = EmploymentStatus.PPPK, self.data["pppk"][job.type.value]
            golongan, level = rank["golongan"], rank.get("level")
            birth, appointment = _pppk_dates(rng)
        else:
            status, golongan = EmploymentStatus.PNS, rng.choice(job.golongan)
            level = self.data["levels"].get(job.type.value, {}).get(golongan)
            birth, appointment = _pns_dates(rng, golongan)
        person = _Person(
            unit=unit,
            nip=self._unique_nip(rng, status, birth, appointment, sex),
            name=self._name(rng, job, sex, birth),
            status=status,
            golongan=golongan,
            jabatan=f"{job.jabatan} {level}" if job.with_level and level else job.jabatan,
            type=job.type,
        )
        self.result.persons.append(person)
        return person

    def _unique_nip(
        self,
        rng: random.Random,
        status: EmploymentStatus,
        birth: dt.date,
        appointment: dt.date,
        sex: int,
    ) -> str:
        while True:
            nip = generate_nip(rng, status.value, birth=birth, appointment=appointment, sex=sex)
            if nip not in self.used_nips:
                self.used_nips.add(nip)
                return nip

    def _name(self, rng: random.Random, job: _Job, sex: int, birth: dt.date) -> str:
        """A fictitious name with the academic titles that suit the job."""
        degree = rng.choice(job.degrees)
        name = degree.format(name=self._given_names(rng, sex, older=birth.year < 1978))
        if degree != "{name}" and rng.random() < POSTGRAD_CHANCE.get(job.type, 0.0):
            name = f"{name}, {rng.choice(job.postgrad)}"
        return name

    def _given_names(self, rng: random.Random, sex: int, *, older: bool) -> str:
        names = self.data["names"]
        male = sex == 1
        if rng.random() < CHRISTIAN_NAME_CHANCE:
            first = rng.choice(names["christian_male" if male else "christian_female"])
            return f"{first} {rng.choice(names['toraja_family'])}"
        parts = [
            rng.choice(names["male" if male else "female"]),
            rng.choice(names["male_second" if male else "female_second"]),
        ]
        if rng.random() < ANDI_CHANCE:
            parts.insert(0, "Andi")
        if older and rng.random() < HAJJ_CHANCE:
            parts.insert(0, "H." if male else "Hj.")
        return " ".join(parts)


def _pns_dates(rng: random.Random, golongan: str) -> tuple[dt.date, dt.date]:
    """Birth and first appointment that fit the golongan: about 4 years per step.

    Entry is at III/a for graduates (appointed aged 22–30), else at II/a (aged 19–25).
    """
    position = _position(golongan)
    entry = _position("III/a") if position >= _position("III/a") else _position("II/a")
    service = (position - entry) * 4 + rng.randint(1, 4)
    appointment = dt.date(LATEST_APPOINTMENT_YEAR + 1 - service, rng.randint(1, 12), 1)
    age = rng.randint(22, 30) if entry == _position("III/a") else rng.randint(19, 25)
    return _day_in_year(rng, appointment.year - age), appointment


def _pppk_dates(rng: random.Random) -> tuple[dt.date, dt.date]:
    """PPPK appointed 2021–2024, aged 24–42."""
    appointment = dt.date(rng.randint(PPPK_FIRST_YEAR, LATEST_APPOINTMENT_YEAR), 1, 1)
    return _day_in_year(rng, appointment.year - rng.randint(24, 42)), appointment


def _position(golongan: str) -> int:
    rank = rank_info(EmploymentStatus.PNS.value, golongan)
    if rank is None:
        raise ValueError(f"demo.yaml: unknown PNS golongan {golongan!r}")
    return rank.position


def _day_in_year(rng: random.Random, year: int) -> dt.date:
    return dt.date(year, 1, 1) + dt.timedelta(days=rng.randint(0, 364))


def _save(session: Session, plan: _Plan) -> None:
    """Store the planned people missing by NIP, then the new people's supervisors and heads."""
    nips = [person.nip for person in plan.persons]
    existing = {
        employee.nip: employee
        for employee in session.scalars(select(Employee).where(Employee.nip.in_(nips)))
    }
    created = [person for person in plan.persons if person.nip not in existing]
    for person in plan.persons:
        person.employee = existing.get(person.nip) or _new_employee(session, person)
    for person in created:
        person.employee.supervisor = person.supervisor.employee if person.supervisor else None
    session.flush()
    new = {id(person) for person in created}
    for head in plan.heads.values():  # only heads created now: existing units are HR's
        if id(head) in new and head.unit.head_id is None:
            head.unit.head_id = head.employee.id
    session.flush()


def _new_employee(session: Session, person: _Person) -> Employee:
    employee = Employee(
        nip=person.nip,
        name=person.name,
        status=person.status.value,
        golongan=person.golongan,
        jabatan=person.jabatan,
        jabatan_type=person.type.value,
        unit_id=person.unit.id,
        active=True,
    )
    session.add(employee)
    return employee


def _account(
    username: str,
    roles: list[str],
    person: _Person | None,
    password: str,
    create_account: CreateAccount,
) -> DemoAccount:
    """Create or update one demo login through the CLI's callback."""
    employee = person.employee if person else None
    create_account(
        username=username,
        full_name=employee.name if employee else "Administrator",
        email=f"{username}@{EMAIL_DOMAIN}",
        roles=list(roles),
        password=password,
        employee=employee,
    )
    description = (
        f"{employee.name}: {employee.jabatan}, {person.unit.short_name}"
        if employee and person
        else "No employee record"
    )
    return DemoAccount(username, tuple(roles), description)
