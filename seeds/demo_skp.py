"""Demo SKPs for 2026: the Dinkes chain from the head's IKU down to the staff.

* the head of Dinkes: agreed, both RHK intervene the unit's IKU;
* the heads of the Kesmas (``penilai.dinkes``) and P2P divisions: agreed, intervening the
  head's RHK; an epidemiologist under P2P: agreed;
* a Kesmas staff member: submitted, waiting for ``penilai.dinkes``;
* ``pegawai.dinkes``: a draft, with a coaching note from ``penilai.dinkes``.

Made through `app.services.skp`, so the intervention rules and the audit trail apply.
Insert-only: an employee who already has a 2026 SKP is left as they are. Needs the demo
staff, accounts and the Dinkes IKU (`load_demo_cycle`) first.
"""

from __future__ import annotations

from flask_appbuilder.security.sqla.models import User
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Employee, Iku, Unit
from app.scope import Scope
from app.security import EMPLOYEE, HR, SUPERVISOR
from app.services import skp as skp_service
from app.services import skp_feedback

YEAR = 2026
_HR = Scope(user_id=None, roles=frozenset({HR}))

HEAD_PLAN = [
    ("Meningkatnya cakupan imunisasi dasar lengkap di Kabupaten Mamuju", "cakupan_idl",
     [("kuantitas", "Cakupan imunisasi dasar lengkap", 95, "%")]),
    ("Meningkatnya kepuasan masyarakat terhadap layanan puskesmas", "kepuasan_layanan",
     [("kualitas", "Indeks kepuasan masyarakat", 85, "%")]),
]  # fmt: skip
DIVISION_PLAN = [
    ("Terlaksananya imunisasi dasar dan pengendalian penyakit di wilayah kerja", 0,
     [("kuantitas", "Desa dengan posyandu aktif", 40, "desa"),
      ("waktu", "Laporan bulanan tepat waktu", 12, "bulan")]),
]  # fmt: skip
STAFF_PLAN = [
    ("Terlaksananya penyuluhan dan pencatatan imunisasi di wilayah binaan", 0,
     [("kuantitas", "Sesi penyuluhan", 24, "sesi"),
      ("kualitas", "Data imunisasi lengkap dan valid", 95, "%")]),
]  # fmt: skip


def _employee_of(session: Session, username: str) -> Employee | None:
    """The employee linked to a demo account."""
    return session.scalar(
        select(Employee).join(User, Employee.user_id == User.id).where(User.username == username)
    )


def _scope(employee: Employee) -> Scope:
    return Scope(
        user_id=employee.user_id, roles=frozenset({SUPERVISOR, EMPLOYEE}),
        employee_id=employee.id, unit_id=employee.unit_id,
    )  # fmt: skip


def _items(employee: Employee, plan, parents: list, ikus: dict[str, Iku]) -> list[dict]:
    keys = list(skp_service.form_field_keys(employee, YEAR))
    return [
        {
            "kind": "utama", "title": title,
            "iku_id": ikus[link].id if isinstance(link, str) and link in ikus else None,
            "parent_rhk_id": parents[link].id if isinstance(link, int) and parents else None,
            "indicators": [
                {"aspect": aspect, "title": text, "target": target, "unit_label": unit,
                 "field_key": keys[0] if keys and n == 0 else None}
                for n, (aspect, text, target, unit) in enumerate(indicators)
            ],
        }
        for title, link, indicators in plan
    ]  # fmt: skip


def _plan(employee: Employee, plan, ikus, until: str):
    """The employee's 2026 SKP planned and taken to `until` (draft, submitted, agreed);
    None when they already have one (never overwritten)."""
    if employee is None or skp_service.skp_of(employee.id, YEAR) is not None:
        return None
    skp = skp_service.create(employee, YEAR, _HR, None)
    parents = skp_service.parent_choices(employee, YEAR)
    version = skp_service.save(
        skp, _HR, None, skp_service.current_version(skp).lock_version,
        items=_items(employee, plan, parents, ikus),
        expectations={"berorientasi_pelayanan": "Melayani warga di posyandu dengan ramah."},
        annex={"resources": "Vaksin, rantai dingin, dan kendaraan operasional puskesmas.",
               "accountability": "Laporan bulanan kepada atasan langsung.",
               "consequences": "Sesuai ketentuan penilaian kinerja pegawai."},
    )  # fmt: skip
    if until == "draft":
        return skp
    version = skp_service.submit(skp, _HR, None, version.lock_version)
    if until == "agreed":
        boss = employee.supervisor  # none for the head: HR records the Bupati's agreement
        scope = _scope(boss) if boss else _HR
        skp_service.agree(skp, scope, scope.user_id, version.lock_version)
    return skp


def _staff_under(session: Session, boss: Employee | None, skip: set[int]) -> Employee | None:
    if boss is None:
        return None
    return session.scalar(
        select(Employee)
        .where(Employee.supervisor_id == boss.id, Employee.active.is_(True))
        .where(Employee.id.not_in(skip))
        .order_by(Employee.id)
        .limit(1)
    )


def load_demo_skp(session: Session) -> int:
    """Plan the demo SKPs that do not exist yet; returns how many were made."""
    unit = session.scalar(select(Unit).where(Unit.code == "DINKES"))
    if unit is None or unit.head is None:
        return 0
    ikus = {iku.key: iku for iku in session.scalars(select(Iku).where(Iku.unit_id == unit.id))}
    made = [_plan(unit.head, HEAD_PLAN, ikus, "agreed")]
    pegawai = _employee_of(session, "pegawai.dinkes")
    penilai = _employee_of(session, "penilai.dinkes")  # head of the Kesmas division
    p2p = session.scalar(
        select(Employee).where(
            Employee.supervisor_id == unit.head_id,
            Employee.jabatan == "Kepala Bidang Pencegahan dan Pengendalian Penyakit",
        )
    )
    made += [_plan(head, DIVISION_PLAN, ikus, "agreed") for head in (penilai, p2p)]
    skip = {pegawai.id} if pegawai else set()
    made.append(_plan(_staff_under(session, p2p, skip), STAFF_PLAN, ikus, "agreed"))
    made.append(_plan(_staff_under(session, penilai, skip), STAFF_PLAN, ikus, "submitted"))
    draft = _plan(pegawai, STAFF_PLAN, ikus, "draft")
    made.append(draft)
    if draft is not None and penilai is not None:
        rhk = skp_service.current_version(draft).items[0]
        skp_feedback.record(
            draft,
            {"kind": "coaching", "rhk_key": rhk.key,
             "body": "Fokuskan penyuluhan pada desa dengan cakupan imunisasi terendah."},
            _scope(penilai), penilai.user_id,
        )  # fmt: skip
    return sum(1 for skp in made if skp is not None)
