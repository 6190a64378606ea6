"""Fixtures of the dashboards, roll-up and awards: IKU forms and approved submissions."""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest

from app.extensions import db as _db
from app.models import Submission, Unit
from app.scope import Scope
from app.services import forms as form_service
from app.services import rollup as rollup_service
from tests import factories as f
from tests.conftest_admin import make_template

HR_SCOPE = Scope(user_id=None, roles=frozenset({"HR"}))

INDIVIDUAL_FORM = {
    "code": "DINKES-CAKUPAN",
    "title": {"id": "Cakupan individu"},
    "fields": [
        {"key": "cakupan", "type": "percent", "label": {"id": "Cakupan"}, "required": True,
         "indicator": {"group": "utama", "aspect": "kuantitas", "target": 100, "unit": "%",
                       "polarity": "higher", "weight": 60, "parent": "IKU-DINKES-01"}},
        {"key": "kunjungan", "type": "integer", "label": {"id": "Kunjungan"}, "required": True,
         "indicator": {"group": "utama", "aspect": "kuantitas", "target": 10, "unit": "kali",
                       "polarity": "higher", "weight": 40, "parent": "IKU-DINKES-02"}},
    ],
}  # fmt: skip

IKU_FORM = {
    "code": "IKU-DINKES",
    "title": {"id": "Indikator Kinerja Utama Dinas Kesehatan"},
    "fields": [
        {"key": "cakupan_idl", "type": "percent", "label": {"id": "Cakupan imunisasi"},
         "indicator": {"group": "utama", "aspect": "kuantitas", "target": 95, "unit": "%",
                       "polarity": "higher", "weight": 50}},
        {"key": "kunjungan_rumah", "type": "integer", "label": {"id": "Kunjungan rumah"},
         "indicator": {"group": "utama", "aspect": "kuantitas", "target": 30, "unit": "kali",
                       "polarity": "higher", "weight": 50}},
    ],
}  # fmt: skip


def publish(definition: dict, unit_id):
    form = form_service.import_definition(copy.deepcopy(definition), unit_id, HR_SCOPE)
    return form_service.publish(form)


def approved(employee, period, version, *, predikat="baik", achievement=100, answers=None,
             at=None, recommendation=None, state="approved") -> Submission:  # fmt: skip
    """A submission in `state` with the given scores (set directly, as after approval)."""
    submission = Submission(
        period_id=period.id, employee_id=employee.id, unit_id=employee.unit_id,
        evaluator_id=employee.supervisor_id, template_version_id=version.id, state=state,
        predikat=predikat if state == "approved" else None,
        achievement=Decimal(str(achievement)) if state == "approved" and achievement is not None
        else None,
        answers=answers or {}, comments={}, behaviour={}, recommendation=recommendation,
        approved_at=at or dt.datetime(2026, 3, 1, 8, 0) if state == "approved" else None,
    )  # fmt: skip
    _db.session.add(submission)
    _db.session.commit()
    return submission


@dataclass
class Iku:
    world: object
    period: object
    form_version: object  # the individual form
    template_version: object
    iku_form: object

    def answers(self, cakupan=None, kunjungan=None) -> dict:
        values = {}
        if cakupan is not None:
            values["cakupan"] = cakupan
        if kunjungan is not None:
            values["kunjungan"] = kunjungan
        return {str(self.form_version.id): values}


@pytest.fixture
def iku(world, reference):
    """Dinkes: an individual form contributing to IKU-DINKES-01/02, and its IKU form."""
    period = f.make_period()
    version = publish(INDIVIDUAL_FORM, world.dinkes.id)
    template = make_template(world.dinkes.id, "DINKES-STAF", [(version.id, 100)])
    iku_version = publish(IKU_FORM, world.dinkes.id)
    unit = _db.session.get(Unit, world.dinkes.id)
    ikus = rollup_service.set_iku_form(unit, iku_version.form)
    assert [i.code for i in ikus] == ["IKU-DINKES-01", "IKU-DINKES-02"]
    return Iku(world, period, version, template, iku_version.form)
