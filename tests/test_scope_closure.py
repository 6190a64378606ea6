"""Closure tables of units and supervision: right after every change, and `flask scope check`."""

from __future__ import annotations

from sqlalchemy import delete, insert, select

from app.extensions import db
from app.models import Employee, SupervisorClosure, UnitClosure
from app.models.hierarchy import SUPERVISION, rebuild
from app.scope import Scope
from app.security import HR
from app.services import hierarchy
from app.services.org import supervisor_error, unit_errors
from tests import factories as f

HR_SCOPE = Scope(user_id=1, roles=frozenset({HR}))


def _consistent() -> None:
    findings = hierarchy.check()
    assert all(finding.consistent for finding in findings), findings


def _above(closure, node_id: int) -> dict[int, int]:
    """Ancestor → depth of `node_id`, from the closure table."""
    rows = db.session.execute(
        select(closure.ancestor_id, closure.depth).where(closure.descendant_id == node_id)
    )
    return dict(rows.all())


def test_the_world_s_closure_follows_its_parents(world):
    people = world.people
    _consistent()
    assert _above(UnitClosure, world.puskesmas.id) == {world.puskesmas.id: 0, world.dinkes.id: 1}
    pegawai = people["pegawai.dinkes"]
    assert _above(SupervisorClosure, pegawai.id) == {
        pegawai.id: 0, people["penilai.dinkes"].id: 1, people["head.dinkes"].id: 2,
    }  # fmt: skip


def test_moving_a_unit_moves_its_whole_subtree(world):
    ward = f.make_unit("PKM-TP-1", "Pustu Tampa Padang", parent=world.puskesmas, kind="puskesmas")
    assert world.dinkes.id in _above(UnitClosure, ward.id)

    world.puskesmas.parent = world.disdik
    db.session.commit()

    assert _above(UnitClosure, ward.id) == {
        ward.id: 0, world.puskesmas.id: 1, world.disdik.id: 2,
    }  # fmt: skip
    world.puskesmas.parent = None
    db.session.commit()
    assert _above(UnitClosure, ward.id) == {ward.id: 0, world.puskesmas.id: 1}
    _consistent()


def test_moving_a_supervisor_moves_their_team(world):
    people = world.people
    penilai, pegawai = people["penilai.disdik"], people["pegawai.disdik"]
    penilai.supervisor = people["penilai.dinkes"]
    db.session.commit()

    assert set(_above(SupervisorClosure, pegawai.id)) == {
        pegawai.id, penilai.id, people["penilai.dinkes"].id, people["head.dinkes"].id,
    }  # fmt: skip
    assert people["head.disdik"].id not in _above(SupervisorClosure, pegawai.id)
    # The id column alone (an import or the API), not the relationship.
    penilai.supervisor_id = None
    db.session.commit()
    assert _above(SupervisorClosure, pegawai.id) == {pegawai.id: 0, penilai.id: 1}
    _consistent()


def test_new_people_and_units_enter_the_closure_in_their_own_flush(world):
    unit = f.make_unit("PKM-NEW", "Puskesmas Baru", parent=world.puskesmas, kind="puskesmas")
    person = f.make_employee(unit, "Pegawai Baru", supervisor=world.people["perawat.pkm"])
    assert _above(UnitClosure, unit.id)[world.dinkes.id] == 2
    assert _above(SupervisorClosure, person.id)[world.people["head.dinkes"].id] == 3
    _consistent()


def test_removing_a_supervisor_detaches_their_team_from_the_chain_above(world):
    people = world.people
    boss = f.make_employee(world.dinkes, "Atasan Sementara", supervisor=people["head.dinkes"])
    member = f.make_employee(world.dinkes, "Anggota", supervisor=boss)
    db.session.delete(boss)
    db.session.commit()
    assert _above(SupervisorClosure, member.id) == {member.id: 0}
    _consistent()


def test_a_bulk_insert_is_rebuilt_by_its_writer(world):
    before = max(p.id for p in world.people.values())
    head = world.people["head.disdik"]
    rows = [
        {"nip": f.nip(), "name": f"Massal {n}", "status": "PNS", "golongan": "II/a",
         "jabatan": "Pelaksana", "jabatan_type": "pelaksana", "unit_id": world.disdik.id,
         "supervisor_id": head.id, "active": True}
        for n in range(3)
    ]  # fmt: skip
    db.session.execute(insert(Employee), rows)
    rebuild(db.session.connection(), SUPERVISION, select(Employee.id).where(Employee.id > before))
    db.session.commit()
    team = set(db.session.scalars(
        select(SupervisorClosure.descendant_id).where(SupervisorClosure.ancestor_id == head.id)
    ))  # fmt: skip
    assert len(team) == 3 + 4  # the bulk rows, and the head with admin, penilai, pegawai
    _consistent()


def test_cycles_are_refused_by_the_rules(world):
    people = world.people
    assert unit_errors(world.dinkes.id, world.puskesmas.id, "DINKES", "dinas")["parent"]
    assert unit_errors(world.dinkes.id, world.dinkes.id, "DINKES", "dinas")["parent"]
    assert "parent" not in unit_errors(world.puskesmas.id, world.disdik.id, "PKM-TP", "puskesmas")
    head, pegawai = people["head.dinkes"], people["pegawai.dinkes"]
    assert "lingkaran" in str(supervisor_error(head.id, pegawai.id, HR_SCOPE))  # cycle
    assert supervisor_error(pegawai.id, people["penilai.disdik"].id, HR_SCOPE) is None


def _scope_check(app, *args):
    return app.test_cli_runner().invoke(args=["scope", "check", *args])


def test_scope_check_finds_a_corrupted_row_and_repairs_it(app, world):
    result = _scope_check(app)
    assert result.exit_code == 0, result.output
    assert "supervision: consistent" in result.output

    # Someone edits the table by hand: a row lost, a row that says the wrong thing.
    pegawai, head = world.people["pegawai.disdik"], world.people["head.dinkes"]
    db.session.execute(delete(UnitClosure).where(UnitClosure.descendant_id == world.puskesmas.id,
                                                 UnitClosure.depth == 1))  # fmt: skip
    db.session.execute(
        insert(SupervisorClosure).values(ancestor_id=head.id, descendant_id=pegawai.id, depth=1)
    )
    db.session.commit()

    result = _scope_check(app)
    assert result.exit_code == 1
    assert "units: INCONSISTENT" in result.output
    assert f"missing: ({world.dinkes.id}, {world.puskesmas.id}, 1)" in result.output
    assert f"extra: ({head.id}, {pegawai.id}, 1)" in result.output

    result = _scope_check(app, "--repair")
    assert result.exit_code == 0, result.output
    assert _scope_check(app).exit_code == 0
    _consistent()


def test_the_migration_builds_the_closure_of_existing_rows(tmp_path):
    from flask_migrate import upgrade
    from sqlalchemy import text

    from app import create_app
    from config import TestConfig

    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'old.db'}")
    with app.app_context():
        upgrade(revision="rateb01")
        for statement in (
            "INSERT INTO units (id, code, name, short_name, kind, parent_id, archived, unconfirmed,"
            " example) VALUES (1, 'A', 'A', 'A', 'dinas', NULL, 0, 0, 0),"
            " (2, 'B', 'B', 'B', 'dinas', 1, 0, 0, 0), (3, 'C', 'C', 'C', 'dinas', 2, 0, 0, 0)",
            "INSERT INTO employees (id, nip, name, status, golongan, jabatan, jabatan_type,"
            " unit_id, supervisor_id, active) VALUES"
            " (1, '198008012005031001', 'Kepala', 'PNS', 'IV/a', 'K', 'pelaksana', 1, NULL, 1),"
            " (2, '198008012005031002', 'Staf', 'PNS', 'III/a', 'S', 'pelaksana', 3, 1, 1)",
        ):
            db.session.execute(text(statement))
        db.session.commit()
        upgrade()
        assert _above(UnitClosure, 3) == {3: 0, 2: 1, 1: 2}
        assert _above(SupervisorClosure, 2) == {2: 0, 1: 1}
        _consistent()
