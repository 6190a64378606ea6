"""Shared data and helpers of the printing tests (recaps, documents, verification).

Import the fixtures into a test module: ``from tests.printing_helpers import recap_data``.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal

import pytest

from app.extensions import db as _db
from app.models import Submission, UnitRating
from app.models.types import PeriodState
from tests import factories as f
from tests.conftest_admin import make_form, make_template

PREDIKATS = ["sangat_baik", "baik", "baik", "butuh_perbaikan", "kurang"]


def pdf_pages(content: bytes) -> list[str]:
    """The text of every page of a PDF (pypdf)."""
    from pypdf import PdfReader

    assert content[:5] == b"%PDF-", content[:200]
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages]


def squash(text: str) -> str:
    return " ".join(text.split())


@dataclass
class RecapData:
    world: object
    period: object
    version: object
    staff: list  # Dinkes employees with a submission, in creation order
    submissions: list
    approved: Submission  # pegawai.dinkes's, approved


def _submission(employee, period, version, state, predikat=None, **extra) -> Submission:
    rated = state == "approved"
    row = Submission(
        period_id=period.id, employee_id=employee.id, unit_id=employee.unit_id,
        evaluator_id=employee.supervisor_id, template_version_id=version.id, state=state,
        predikat=predikat if rated else None,
        hasil_rating=("above" if predikat == "sangat_baik" else "as_expected") if rated else None,
        perilaku_rating="as_expected" if rated else None,
        achievement=Decimal("97.50") if rated else None,
        approved_at=dt.datetime(2026, 4, 3, 9, 0) if rated else None,
        answers={str(version.id): {"capaian": 97.5}}, comments={}, behaviour={},
        **extra,
    )  # fmt: skip
    _db.session.add(row)
    return row


@pytest.fixture
def recap_data(world, reference):
    """Dinkes: 4 staff (+ 5 extra) with submissions in a closed period; Disdik: 4; a rating."""
    period = f.make_period(
        "Triwulan I 2026", PeriodState.OPEN, dt.date(2026, 1, 1), dt.date(2026, 3, 31)
    )
    form = make_form(world.dinkes.id, "DINKES-CAPAIAN")
    version = make_template(world.dinkes.id, "DINKES-STAF", [(form.id, 100)])
    people = world.people
    extra = [
        f.make_employee(world.dinkes, f"Staf Tambahan {n}", supervisor=people["penilai.dinkes"])
        for n in range(1, 6)
    ]
    staff = [people["head.dinkes"], people["admin.dinkes"], people["penilai.dinkes"],
             people["pegawai.dinkes"], *extra]  # fmt: skip
    submissions = []
    for index, employee in enumerate(staff):
        state = "approved" if index < 7 else ("submitted" if index == 7 else "draft")
        submissions.append(
            _submission(employee, period, version, state, PREDIKATS[index % len(PREDIKATS)])
        )
    for key in ("head.disdik", "admin.disdik", "penilai.disdik", "pegawai.disdik"):
        submissions.append(_submission(people[key], period, version, "approved", "baik"))
    _db.session.add(UnitRating(unit_id=world.dinkes.id, period_id=period.id, rating="baik"))
    _db.session.commit()
    approved = next(s for s in submissions if s.employee_id == people["pegawai.dinkes"].id)
    approved.feedback = "Pertahankan kinerja."
    approved.recommendation = "Ikut pelatihan."
    _db.session.commit()
    return RecapData(world, period, version, staff, submissions, approved)
