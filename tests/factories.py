"""Factories for test data: units, employees with valid NIPs, and login accounts."""

from __future__ import annotations

import datetime as dt
import itertools

from flask import current_app

from app.extensions import db
from app.models import Employee, EvaluationPeriod, Unit
from app.models.types import JabatanType, PeriodKind, PeriodState

PASSWORD = "test-password"  # noqa: S105 - test only
_serial = itertools.count(1)


def nip(status: str = "PNS", serial: int | None = None) -> str:
    """A valid NIP: born 1 Aug 1980, appointed March 2005 (PNS) or 2021 (PPPK)."""
    number = serial if serial is not None else next(_serial)
    sex = 1 + number % 2
    if status == "PPPK":
        return f"19800801202121{sex}{number % 1000:03d}"
    return f"19800801200503{sex}{number % 1000:03d}"


def make_unit(code: str, name: str | None = None, parent: Unit | None = None, kind="dinas"):
    unit = Unit(code=code, name=name or f"Unit {code}", short_name=code, kind=kind, parent=parent)
    db.session.add(unit)
    db.session.commit()
    return unit


def make_employee(unit: Unit, name: str = "Pegawai Uji", supervisor=None, **fields) -> Employee:
    status = fields.pop("status", "PNS")
    employee = Employee(
        nip=fields.pop("nip", None) or nip(status),
        name=name,
        status=status,
        golongan=fields.pop("golongan", "III/a" if status == "PNS" else "IX"),
        jabatan=fields.pop("jabatan", "Analis"),
        jabatan_type=fields.pop("jabatan_type", JabatanType.PELAKSANA.value),
        unit=unit,
        supervisor=supervisor,
        active=fields.pop("active", True),
        **fields,
    )
    db.session.add(employee)
    db.session.commit()
    return employee


def make_user(username: str, roles: list[str], employee: Employee | None = None):
    sm = current_app.appbuilder.sm
    user = sm.add_user(
        username,
        username,
        "Test",
        f"{username}@test.example",
        [sm.find_role(role) for role in roles],
        PASSWORD,
    )
    assert user, f"could not create {username}"
    if employee is not None:
        employee.user_id = user.id
        db.session.commit()
    return user


def make_period(name="Triwulan I 2026", state=PeriodState.OPEN, start=None, end=None):
    period = EvaluationPeriod(
        name=name,
        kind=PeriodKind.QUARTERLY.value,
        start_date=start or dt.date(2026, 1, 1),
        end_date=end or dt.date(2026, 3, 31),
        state=state.value,
    )
    db.session.add(period)
    db.session.commit()
    return period
