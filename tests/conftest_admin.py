"""Fixtures of the evaluation cycle's admin side: reference data, a published form,
a published template, a period, and helpers to build approved submissions."""

from __future__ import annotations

import copy
import re
from typing import NamedTuple

import pytest

from app.extensions import db as _db
from app.models import EvaluationPeriod, FormVersion, Submission, TemplateVersion
from app.scope import Scope
from app.services import forms as form_service
from app.services import templates as template_service
from app.services.assignment import assign
from tests import factories as f

HR_SCOPE = Scope(user_id=None, roles=frozenset({"HR"}))

SIMPLE_FORM = {
    "code": "DINKES-CAPAIAN",
    "title": {"id": "Capaian Program Kesehatan", "en": "Health programme achievement"},
    "fields": [
        {"key": "capaian", "type": "percent", "label": {"id": "Capaian"}, "required": True,
         "indicator": {"group": "utama", "aspect": "kuantitas", "target": 100, "unit": "%",
                       "polarity": "higher", "weight": 100}},
    ],
}  # fmt: skip


def make_form(unit_id, code: str, title: str = "Formulir Uji"):
    """Import and publish a one-indicator form ("capaian", target 100 %) for `unit_id`."""
    definition = copy.deepcopy(SIMPLE_FORM)
    definition["code"] = code
    definition["title"] = {"id": title}
    form = form_service.import_definition(definition, unit_id, HR_SCOPE)
    return form_service.publish(form)


def template_definition(forms: list[tuple[int, int]], **rules) -> dict:
    """A valid template definition over (form version id, weight) pairs."""
    return {
        "title": "Penilaian staf",
        "forms": [{"form_version_id": vid, "weight": weight} for vid, weight in forms],
        "rules": {**copy.deepcopy(template_service.DEFAULT_RULES), **rules},
        "expectations": {},
    }


def make_template(unit_id, code: str, forms: list[tuple[int, int]]):
    """Create and publish a template; returns its first version."""
    template = template_service.create_template(unit_id, code, "Penilaian staf", HR_SCOPE)
    template_service.save_draft(template, template_definition(forms))
    return template_service.publish(template)


class Assigned(NamedTuple):
    period: EvaluationPeriod
    form_version: FormVersion
    template_version: TemplateVersion
    result: object  # the assignment's outcome (created, problems …)


def assign_form(unit_id: int, definition: dict, code: str, period=None) -> Assigned:
    """Publish `definition` as the unit's form, alone (weight 100) in a published template
    `code`, and assign it to the unit in `period` (a new open one by default)."""
    period = period or f.make_period()
    form = form_service.import_definition(copy.deepcopy(definition), unit_id, HR_SCOPE)
    version = form_service.publish(form)
    template = make_template(unit_id, code, [(version.id, 100)])
    return Assigned(period, version, template, assign(period, template, HR_SCOPE, unit_id=unit_id))


@pytest.fixture
def reference(db):
    """The seeded reference data: ranks, the seven BerAKHLAK values, the units."""
    from seeds.loader import load_reference

    load_reference(_db.session)
    _db.session.commit()


@pytest.fixture
def dinkes_form(world, reference):
    """A published Dinkes form (its first version)."""
    return make_form(world.dinkes.id, "DINKES-CAPAIAN", "Capaian Program Kesehatan")


@pytest.fixture
def dinkes_template(world, dinkes_form):
    """The first version of a published Dinkes template using `dinkes_form` at 100 %."""
    return make_template(world.dinkes.id, "DINKES-STAF", [(dinkes_form.id, 100)])


@pytest.fixture
def open_period(db):
    return f.make_period()


@pytest.fixture
def make_submission():
    """A submission of `employee` for `period`, evaluated by the employee's supervisor."""

    def _make(employee, period, version, state="draft", predikat=None, answers=None):
        submission = Submission(
            period_id=period.id,
            employee_id=employee.id,
            unit_id=employee.unit_id,
            evaluator_id=employee.supervisor_id,
            template_version_id=version.id,
            state=state,
            predikat=predikat,
            answers=answers or {},
            comments={},
            behaviour={},
        )
        _db.session.add(submission)
        _db.session.commit()
        return submission

    return _make


def data_values(html: str, name: str) -> list[str]:
    """The `data-value` of every element marked `data-preview="name"` (or id=name)."""
    pattern = rf'(?:data-preview="{name}"|id="{name}")\s+data-value="([^"]*)"'
    return re.findall(pattern, html)


def select_options(html: str, select_id: str) -> list[str]:
    """The option values of the `<select id="select_id">` of a page."""
    start = html.index(f'id="{select_id}"')
    block = html[start : html.index("</select>", start)]
    return re.findall(r'<option value="([^"]*)"', block)
