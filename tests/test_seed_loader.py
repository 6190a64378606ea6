"""Reference and demo seeds on an in-memory database, without a Flask app."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask_appbuilder import Model
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from app.domain.nip import validate_nip
from app.domain.ranks import is_valid_golongan
from app.models import BehaviourValue, Employee, Rank, Unit  # registers every table
from app.models.types import JabatanType, UnitKind
from seeds.demo import DemoAccount, load_demo
from seeds.loader import load_reference

_LEVEL = r" (Ahli \w+|Pemula|Terampil|Mahir|Penyelia)$"
MODELS = (Rank, BehaviourValue, Unit, Employee)
EXPECTED_ACCOUNTS = [
    ("admin", ["Admin"]),
    ("hr", ["HR"]),
    ("admin.dinkes", ["UnitAdmin", "Employee"]),
    ("penilai.dinkes", ["Supervisor", "Employee"]),
    ("pegawai.dinkes", ["Employee"]),
    ("admin.disdikpora", ["UnitAdmin", "Employee"]),
    ("penilai.disdikpora", ["Supervisor", "Employee"]),
    ("pegawai.disdikpora", ["Employee"]),
]


class FakeAccounts:
    """Records the calls of the `create_account` callback."""

    def __init__(self) -> None:
        self.calls: list[dict] = []

    def __call__(self, username, full_name, email, roles, password, employee) -> None:
        self.calls.append(
            {
                "username": username,
                "full_name": full_name,
                "email": email,
                "roles": roles,
                "password": password,
                "employee": employee,
            }
        )

    def by_username(self) -> dict[str, dict]:
        return {call["username"]: call for call in self.calls}


@dataclass
class Seeded:
    session: Session
    counts: dict[str, int]
    demo: list[DemoAccount]
    accounts: FakeAccounts


@pytest.fixture(scope="module")
def seeded() -> Iterator[Seeded]:
    """One database for the module: reference data and demo staff loaded once."""
    engine = create_engine("sqlite://")
    Model.metadata.create_all(engine)
    with Session(engine) as session:
        counts = load_reference(session)
        accounts = FakeAccounts()
        demo = load_demo(session, password="demo-secret", create_account=accounts)
        session.commit()
        yield Seeded(session, counts, demo, accounts)
    engine.dispose()


@pytest.fixture
def session(seeded: Seeded) -> Session:
    return seeded.session


def row_counts(session: Session) -> dict[str, int]:
    return {m.__name__: session.scalar(select(func.count()).select_from(m)) for m in MODELS}


def units_of_kind(session: Session, kind: UnitKind) -> list[Unit]:
    return list(session.scalars(select(Unit).where(Unit.kind == kind.value)))


def employees(session: Session) -> list[Employee]:
    return list(session.scalars(select(Employee)))


# --- Reference data -----------------------------------------------------------------------


def test_reference_counts(seeded, session):
    counts = seeded.counts
    assert counts["ranks_created"] == 34
    assert counts["behaviour_values_created"] == 7
    assert counts["units_created"] == session.scalar(select(func.count(Unit.id)))
    assert not any(key.endswith("_updated") for key in counts)
    pns = session.scalars(select(Rank).where(Rank.status == "PNS")).all()
    assert len(pns) == 17
    assert {(r.golongan, r.pangkat) for r in pns} >= {
        ("I/a", "Juru Muda"),
        ("IV/e", "Pembina Utama"),
    }


def test_units(session):
    units = session.scalars(select(Unit)).all()
    assert 40 <= len(units) <= 50
    kecamatan = units_of_kind(session, UnitKind.KECAMATAN)
    assert len(kecamatan) == 11
    assert {u.code for u in kecamatan} >= {"KEC-7604010", "KEC-7604041"}
    assert all(u.parent_id is None for u in kecamatan)
    for code in ("SETDA", "BAPPERIDA", "DISDIKPORA", "DINKES", "BKPSDM", "SATPOLPP-DAMKAR"):
        assert session.scalars(select(Unit).filter_by(code=code)).one()


def test_puskesmas_are_sub_units_of_dinkes(session):
    puskesmas = units_of_kind(session, UnitKind.PUSKESMAS)
    assert len(puskesmas) >= 12
    assert {p.parent.code for p in puskesmas} == {"DINKES"}
    assert "Puskesmas Tampa Padang" in {p.name for p in puskesmas}


def test_behaviour_values(session):
    values = session.scalars(select(BehaviourValue).order_by(BehaviourValue.position)).all()
    assert [v.name for v in values][:2] == ["Berorientasi Pelayanan", "Akuntabel"]
    assert len(values) == 7
    assert all(len(v.behaviour_list) == 3 for v in values)
    assert values[1].behaviour_list[2] == "tidak menyalahgunakan kewenangan jabatan"


def test_reference_is_idempotent_and_keeps_edits(session):
    before = row_counts(session)
    assert load_reference(session) == {}
    unit = session.scalars(select(Unit).filter_by(code="BKPSDM")).one()
    unit.name = "Badan Kepegawaian Daerah"
    rank = session.scalars(select(Rank).filter_by(status="PNS", golongan="III/a")).one()
    rank.pangkat = "Penata"
    assert load_reference(session) == {}
    assert unit.name == "Badan Kepegawaian Daerah"
    assert rank.pangkat == "Penata"
    assert row_counts(session) == before


def test_reference_keeps_a_changed_parent(session):
    puskesmas = session.scalars(select(Unit).filter_by(code="PKM-TAMPAPADANG")).one()
    dinkes_id = puskesmas.parent_id
    puskesmas.parent_id = None
    session.flush()
    assert load_reference(session) == {}
    assert puskesmas.parent_id is None
    puskesmas.parent_id = dinkes_id  # the module's later tests need the seeded tree
    session.flush()


def test_reference_adds_a_deleted_row_again(session):
    rank = session.scalars(select(Rank).filter_by(status="PPPK", golongan="XVII")).one()
    session.delete(rank)
    session.flush()
    assert load_reference(session) == {"ranks_created": 1}


# --- Demo staff ---------------------------------------------------------------------------


def test_demo_size_and_largest_group(session):
    staff = employees(session)
    assert 300 <= len(staff) <= 400
    gurus = [e for e in staff if e.jabatan.startswith("Guru ")]
    assert {e.unit.code for e in gurus} == {"DISDIKPORA"}
    jabatan = Counter(re.sub(_LEVEL, "", e.jabatan) for e in staff)
    assert jabatan.most_common(1)[0][0] == "Guru"


def test_demo_nips_are_valid_and_unique(session):
    staff = employees(session)
    assert all(validate_nip(e.nip, e.status) == [] for e in staff)
    assert len({e.nip for e in staff}) == len(staff)
    assert {e.status for e in staff} == {"PNS", "PPPK"}
    assert sum(e.status == "PNS" for e in staff) > len(staff) / 2


def test_demo_golongan_fit_status_and_jabatan(session):
    staff = employees(session)
    assert all(is_valid_golongan(e.status, e.golongan) for e in staff)
    jpt = [e for e in staff if e.jabatan_type == JabatanType.JPT_PRATAMA.value]
    assert jpt and all(e.golongan.startswith("IV/") for e in jpt)


def test_every_unit_has_a_head(session):
    for unit in session.scalars(select(Unit)):
        assert unit.head is not None, unit.code
        assert unit.head.unit_id == unit.id
    heads = {u.code: u.head for u in session.scalars(select(Unit))}
    assert heads["DINKES"].jabatan_type == JabatanType.JPT_PRATAMA.value
    assert heads["KEC-7604030"].jabatan == "Camat Kalukku"
    assert heads["KEC-7604030"].jabatan_type == JabatanType.ADMINISTRATOR.value
    assert heads["PKM-TAMPAPADANG"].jabatan == "Kepala Puskesmas Tampa Padang"


def test_supervisors(session):
    """All but the heads of top-level units have a supervisor in their unit or a parent."""
    for employee in employees(session):
        unit = employee.unit
        if unit.parent_id is None and unit.head_id == employee.id:
            assert employee.supervisor is None
            continue
        assert employee.supervisor is not None, employee
        assert employee.supervisor.unit_id in _unit_and_ancestors(unit)


def test_supervisor_chain_follows_the_usual_evaluator(session):
    """In units led by a JPT: Administrator ← JPT Pratama, Pengawas ← Administrator."""
    above = {
        JabatanType.ADMINISTRATOR.value: {JabatanType.JPT_PRATAMA.value},
        JabatanType.PENGAWAS.value: {JabatanType.ADMINISTRATOR.value},
    }
    for employee in employees(session):
        structural_head = employee.unit.head.jabatan_type == JabatanType.JPT_PRATAMA.value
        if employee.jabatan_type in above and structural_head:
            assert employee.supervisor.jabatan_type in above[employee.jabatan_type], employee


def test_no_supervisor_cycles(session):
    for employee in employees(session):
        seen = set()
        while employee is not None:
            assert employee.id not in seen
            seen.add(employee.id)
            employee = employee.supervisor


def test_demo_is_idempotent(session):
    before = row_counts(session)
    heads = {u.code: u.head_id for u in session.scalars(select(Unit))}
    accounts = FakeAccounts()
    load_demo(session, password="demo-secret", create_account=accounts)
    session.flush()
    assert row_counts(session) == before
    assert {u.code: u.head_id for u in session.scalars(select(Unit))} == heads
    assert [c["username"] for c in accounts.calls] == [u for u, _ in EXPECTED_ACCOUNTS]


# --- Demo accounts ------------------------------------------------------------------------


def test_demo_accounts(seeded):
    accounts = seeded.accounts
    assert [(a.username, list(a.roles)) for a in seeded.demo] == EXPECTED_ACCOUNTS
    assert [(c["username"], c["roles"]) for c in accounts.calls] == EXPECTED_ACCOUNTS
    for call in accounts.calls:
        assert call["email"] == f"{call['username']}@kinerja.mamujukab.example"
        assert call["password"] == "demo-secret"
    calls = accounts.by_username()
    assert calls["admin"]["employee"] is None
    assert calls["hr"]["employee"].unit.code == "BKPSDM"
    for unit in ("dinkes", "disdikpora"):
        admin, penilai, pegawai = (calls[f"{p}.{unit}"]["employee"] for p in _PREFIXES)
        assert {admin.unit.code, penilai.unit.code, pegawai.unit.code} == {unit.upper()}
        assert penilai.subordinates
        assert pegawai.supervisor is penilai
        assert calls[f"penilai.{unit}"]["full_name"] == penilai.name


_PREFIXES = ("admin", "penilai", "pegawai")


def _unit_and_ancestors(unit: Unit) -> set[int]:
    ids = set()
    while unit is not None:
        ids.add(unit.id)
        unit = unit.parent
    return ids
