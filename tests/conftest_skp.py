"""Fixtures of SKP planning: a Dinkes chain of agreed SKPs up to a unit IKU."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Iku, Unit
from tests import factories as f


@pytest.fixture
def chain(world, iku):
    """Dinkes: the head leads the unit and has an agreed SKP on IKU-DINKES-01; the penilai's
    agreed SKP intervenes it; disdik's penilai has an agreed SKP too (another chain)."""
    people = world.people
    db.session.get(Unit, world.dinkes.id).head_id = people["head.dinkes"].id
    db.session.commit()
    iku01 = db.session.scalar(select(Iku).where(Iku.code == "IKU-DINKES-01"))
    head = f.make_skp(people["head.dinkes"], state="agreed",
                      rhk=[{"title": "Meningkatnya cakupan imunisasi", "iku": iku01}])  # fmt: skip
    head_rhk = head.versions[0].items[0]
    penilai = f.make_skp(
        people["penilai.dinkes"], state="agreed",
        rhk=[{"title": "Terlaksananya imunisasi dasar", "parent_rhk": head_rhk}],
    )  # fmt: skip
    other = f.make_skp(people["penilai.disdik"], state="agreed",
                       rhk=[{"title": "Terlaksananya PPDB"}])  # fmt: skip
    return {
        "iku": iku01,
        "head_rhk": head_rhk,
        "penilai_rhk": penilai.versions[0].items[0],
        "other_rhk": other.versions[0].items[0],
    }


def rhk_item(title="Terlaksananya imunisasi di posyandu", **link):
    return {
        "kind": "utama",
        "title": title,
        **link,
        "indicators": [
            {"aspect": "kuantitas", "title": "Jumlah bayi diimunisasi", "target": "80",
             "unit_label": "bayi"},
            {"aspect": "waktu", "title": "Laporan tepat waktu", "target": 12,
             "unit_label": "bulan"},
        ],
    }  # fmt: skip
