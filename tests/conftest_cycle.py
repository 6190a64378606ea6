"""Fixture `cycle`: an open period with a published Dinkes template assigned to Dinkes.

pegawai.dinkes (and perawat.pkm) get a submission evaluated by penilai.dinkes.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from app.extensions import db as _db
from app.models import Submission
from app.scope import Scope, scope_for
from app.services import submissions as service
from seeds.loader import load_reference
from tests.conftest_admin import assign_form

#: The smallest PDF `filetype` recognises as one (it looks at the "%PDF" signature).
TINY_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
#: A 1x1 PNG.
TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)

CYCLE_FORM = {
    "code": "DINKES-LAYANAN",
    "title": {"id": "Kinerja Layanan Kesehatan", "en": "Health service performance"},
    "fields": [
        {"key": "sasaran", "type": "integer", "label": {"id": "Jumlah bayi sasaran"},
         "required": True, "min": 0},
        {"key": "diimunisasi", "type": "integer", "label": {"id": "Bayi diimunisasi lengkap"},
         "required": True, "min": 0, "constraint": "diimunisasi <= sasaran",
         "constraint_message": {"id": "Tidak boleh melebihi jumlah sasaran"}},
        {"key": "cakupan", "type": "percent", "label": {"id": "Cakupan imunisasi"},
         "calculate": "diimunisasi / sasaran * 100",
         "indicator": {"group": "utama", "aspect": "kuantitas", "target": 95, "unit": "%",
                       "polarity": "higher", "weight": 60}},
        {"key": "kunjungan", "type": "integer", "label": {"id": "Kunjungan rumah"},
         "required": True, "min": 0,
         "indicator": {"group": "tambahan", "aspect": "kuantitas", "target": 100,
                       "unit": "kunjungan", "polarity": "higher", "weight": 40}},
        {"key": "kendala", "type": "textarea", "label": {"id": "Kendala"},
         "relevant": "cakupan < 95", "required": True},
        {"key": "catatan", "type": "text", "label": {"id": "Catatan"}},
        {"key": "bukti", "type": "evidence", "label": {"id": "Bukti dukung"}},
    ],
}  # fmt: skip

#: Complete, valid answers: cakupan 96 % (≥ 95: no "kendala"), 110 home visits.
GOOD = {"sasaran": 100, "diimunisasi": 96, "kunjungan": 110, "catatan": "Lancar"}


@dataclass
class Cycle:
    world: object
    period: object
    form_version: object
    template_version: object
    submission: Submission
    other: Submission  # perawat.pkm's, same evaluator, no login
    values: list

    @property
    def fv(self) -> str:
        return str(self.form_version.id)

    def ref(self, key: str) -> str:
        return f"{self.form_version.id}:{key}"

    def answers(self, **values) -> dict:
        return {self.fv: values}

    def reload(self) -> Submission:
        _db.session.expire_all()
        return _db.session.get(Submission, self.submission.id)

    # --- the cycle driven through the service (set-up for view and API tests) ---

    def scope(self, username: str) -> Scope:
        return scope_for(self.world.users[username])

    def user_id(self, username: str) -> int:
        return self.world.users[username].id

    def save(self, answers: dict | None = None) -> Submission:
        item = self.reload()
        service.save_answers(
            item, self.answers(**(answers or GOOD)), self.scope("pegawai.dinkes"),
            self.user_id("pegawai.dinkes"), lock_version=item.lock_version,
        )  # fmt: skip
        return item

    def submit(self, answers: dict | None = None) -> Submission:
        item = self.save(answers)
        service.submit(
            item, self.scope("pegawai.dinkes"), self.user_id("pegawai.dinkes"),
            lock_version=item.lock_version,
        )  # fmt: skip
        return item

    def send_back(self, reason: str = "Lengkapi bukti", comments: dict | None = None):
        item = self.reload()
        service.return_for_revision(
            item, reason, self.scope("penilai.dinkes"), self.user_id("penilai.dinkes"),
            comments=comments, lock_version=item.lock_version,
        )  # fmt: skip
        return item

    def ratings(self, *ratings: str) -> dict:
        """Behaviour entries for the seven values (`ratings` cycled; default all as expected)."""
        ratings = ratings or ("as_expected",)
        return {
            value.code: {"rating": ratings[i % len(ratings)], "feedback": f"Umpan balik {i}"}
            for i, value in enumerate(self.values)
        }

    def approve(self, *ratings: str) -> Submission:
        item = self.reload()
        service.approve(
            item, self.ratings(*ratings), self.scope("penilai.dinkes"),
            self.user_id("penilai.dinkes"), feedback="Baik", recommendation="Diklat",
            lock_version=item.lock_version,
        )  # fmt: skip
        return item


@pytest.fixture
def cycle(world):
    load_reference(_db.session)
    _db.session.commit()
    period, form_version, template_version, result = assign_form(
        world.dinkes.id, CYCLE_FORM, "DINKES-STAF"
    )
    assert result.created >= 2, result
    by_employee = {
        s.employee_id: s
        for s in _db.session.scalars(select(Submission).where(Submission.period_id == period.id))
    }
    submission = by_employee[world.people["pegawai.dinkes"].id]
    other = by_employee[world.people["perawat.pkm"].id]
    assert submission.evaluator_id == world.people["penilai.dinkes"].id
    values = service.behaviour_values()
    return Cycle(world, period, form_version, template_version, submission, other, values)
