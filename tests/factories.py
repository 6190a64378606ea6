"""Factories for test data: units, employees with valid NIPs, and login accounts."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from html import unescape

from flask import current_app

from app.extensions import db
from app.models import Employee, EvaluationPeriod, Unit
from app.models.types import JabatanType, PeriodKind, PeriodState

PASSWORD = "test-password"  # noqa: S105 - test only
_serial = itertools.count(1)


def nip(status: str = "PNS", serial: int | None = None) -> str:
    """A valid NIP: born 1 Aug 1980, appointed March 2005 (PNS) or 2021 (PPPK). Made ones
    take the serials 001–499 in turn; a test picks its own from 500–999, so they never meet."""
    number = next(_serial) if serial is None else serial
    order = number % 499 + 1 if serial is None else serial
    sex = 1 + number % 2
    if status == "PPPK":
        return f"19800801202121{sex}{order:03d}"
    return f"19800801200503{sex}{order:03d}"


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


def employee_form(employee: Employee | None = None, **overrides) -> dict:
    """The POST data of the employee add/edit form, from `employee` or defaults."""
    data = {
        "nip": nip(),
        "name": "Pegawai Baru",
        "status": "PNS",
        "golongan": "III/a",
        "jabatan": "Analis",
        "jabatan_type": JabatanType.PELAKSANA.value,
        "unit": "",
        "supervisor": "__None",
        "active": "y",
    }
    if employee is not None:
        data.update(
            nip=employee.nip,
            name=employee.name,
            status=employee.status,
            golongan=employee.golongan,
            jabatan=employee.jabatan,
            jabatan_type=employee.jabatan_type,
            unit=str(employee.unit_id),
            supervisor=str(employee.supervisor_id) if employee.supervisor_id else "__None",
        )
    data.update({k: str(v) for k, v in overrides.items()})
    return data


def shown_ids(html: str, view: str) -> set[int]:
    """Primary keys of the rows of a FAB list page (from their "show" links)."""
    return {int(pk) for pk in re.findall(rf'href="/{view}/show/(\d+)"', html)}


def field_errors(html: str, field: str) -> list[str]:
    """The error messages FAB renders right after the input of `field` in a form."""
    start = html.find(f'id="{field}"')
    assert start >= 0, f"field {field} not in the form"
    end = html.find("</tr>", start)
    block = html[start : end if end >= 0 else None]
    found = re.findall(r'<div class="alert alert-danger">\s*(.*?)\s*</div>', block, re.S)
    return [unescape(" ".join(m.split())) for m in found]


# --- skpeval: SKP plans made directly from the models (app.models.planning) ----------------


def make_plan(employee, year: int = 2026, items=(), *, state: str = "agreed", kind="annual",
             skp=None, **version_fields):  # fmt: skip
    """An SKP version of `employee` with RHK `items`: [(title, [(indicator, target,
    field_key[, unit]), …][, {other SkpRhk fields}]), …]; a new version of `skp` when given
    (the earlier one superseded)."""
    import uuid

    from app.models import Skp, SkpIndicator, SkpRhk, SkpVersion

    if skp is None:
        skp = Skp(employee_id=employee.id, unit_id=employee.unit_id, year=year, period_kind=kind)
        db.session.add(skp)
        db.session.flush()
    for earlier in skp.versions:
        if earlier.state == "agreed" and state == "agreed":
            earlier.state = "superseded"
    version = SkpVersion(
        skp=skp, number=len(skp.versions) + 1, state="draft",
        evaluator_id=employee.supervisor_id,
        **{"expectations": {}, "annex": {}, **version_fields},
    )  # fmt: skip
    db.session.add(version)
    for position, (title, indicators, *extra) in enumerate(items):
        rhk = SkpRhk(version=version, key=str(uuid.uuid4()), position=position, title=title,
                     **(extra[0] if extra else {}))  # fmt: skip
        db.session.add(rhk)
        for index, (label, target, field_key, *unit) in enumerate(indicators):
            db.session.add(
                SkpIndicator(rhk=rhk, position=index, title=label, target=target,
                             field_key=field_key, unit_label=unit[0] if unit else "")
            )  # fmt: skip
    db.session.commit()  # planned as a draft, then taken to `state` (agreed ones are frozen)
    version.state = state
    db.session.commit()
    return version


# --- skp: performance plans (SKP) -------------------------------------------------------------


def scope_of(employee: Employee | None = None, roles=("Employee",), user_id=None):
    """The `Scope` of an account with `roles`, linked to `employee`."""
    from app.scope import Scope

    return Scope(
        user_id=user_id,
        roles=frozenset(roles),
        employee_id=employee.id if employee else None,
        unit_id=employee.unit_id if employee else None,
    )


def make_skp(employee: Employee, year: int = 2026, state: str = "draft", rhk=(), number=1):
    """An SKP with one version in `state` whose RHK are `rhk`: dicts of `SkpRhk` fields
    (`title`, `parent_rhk`, `iku`, `kind`) plus `indicators` (dicts of `SkpIndicator`
    fields; one kuantitas indicator by default). Returns the SKP."""
    import uuid
    from decimal import Decimal

    from app.models import Skp, SkpIndicator, SkpRhk, SkpVersion
    from app.models.forms import _now

    skp = Skp(employee=employee, unit_id=employee.unit_id, year=year, period_kind="annual")
    agreed = state in ("agreed", "superseded")
    version = SkpVersion(
        skp=skp, number=number, state="draft", evaluator_id=employee.supervisor_id,
        expectations={}, annex={}, submitted_at=_now() if state != "draft" else None,
    )  # fmt: skip
    for position, item in enumerate(rhk):
        item = dict(item)
        indicators = item.pop("indicators", None) or [
            {"title": f"Jumlah {item['title']}", "target": Decimal(12), "unit_label": "laporan"}
        ]
        SkpRhk(
            version=version, key=str(uuid.uuid4()), position=position, **item,
            indicators=[SkpIndicator(position=i, **ind) for i, ind in enumerate(indicators)],
        )  # fmt: skip
    db.session.add(skp)
    db.session.commit()  # planned as a draft, then taken to `state` (agreed ones are frozen)
    version.state, version.published_at = state, _now() if agreed else None
    db.session.commit()
    return skp


# --- goals: regency goals and agreed SKPs for the alignment tree -----------------------------


def make_goal(kind: str, code: str, parent=None, **fields):
    from app.models import RegencyGoal

    goal = RegencyGoal(
        kind=kind, code=code, parent=parent, title=fields.pop("title", f"Goal {code}"),
        start_year=fields.pop("start_year", 2025), end_year=fields.pop("end_year", 2029), **fields,
    )  # fmt: skip
    db.session.add(goal)
    db.session.commit()
    return goal


def make_alignment_plan(
    employee: Employee, rhks=(), year: int = 2026, state: str = "agreed", skp=None
):
    """A version of the employee's SKP for `year` in `state` with its RHK (planned as a
    draft, then taken to `state`: agreed versions are frozen). A new SKP unless `skp` is
    given. `rhks`: dicts with `title` and optionally `parent` (an SkpRhk), `iku`, `key`,
    `field_keys`, `target`. Returns (version, [SkpRhk])."""
    from decimal import Decimal

    from app.models import Skp, SkpIndicator, SkpRhk, SkpVersion

    if skp is None:
        skp = Skp(employee_id=employee.id, unit_id=employee.unit_id, year=year)
        db.session.add(skp)
        db.session.flush()
    version = SkpVersion(skp_id=skp.id, number=len(skp.versions) + 1, state="draft",
                         evaluator_id=employee.supervisor_id)  # fmt: skip
    rows = []
    for position, item in enumerate(rhks):
        target = item.get("target")
        indicators = [
            SkpIndicator(position=n, title=f"{item['title']} {key}", field_key=key,
                         target=Decimal(str(target)) if target is not None else None)
            for n, key in enumerate(item.get("field_keys", ()))
        ]  # fmt: skip
        parent, iku = item.get("parent"), item.get("iku")
        rows.append(SkpRhk(
            version=version, key=item.get("key") or f"rhk-{next(_serial)}", title=item["title"],
            parent_rhk_id=parent.id if parent else None, iku_id=iku.id if iku else None,
            position=position, indicators=indicators,
        ))  # fmt: skip
    db.session.add(version)
    db.session.commit()  # planned as a draft, then taken to `state` (agreed ones are frozen)
    version.state = state
    db.session.commit()
    return version, rows
