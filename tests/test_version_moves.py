"""A template changed mid-period: move evaluations not yet submitted to its new version."""

from __future__ import annotations

import copy

import pytest
from sqlalchemy import select

from app.extensions import db as _db
from app.models import AuditEntry, Submission
from app.services import ValidationFailed
from app.services import forms as form_service
from app.services import submissions as service
from app.services import templates as template_service
from app.services.assignment import assign
from app.services.templates import DEFAULT_RULES
from app.services.version_moves import move_to_version, plans
from tests.conftest_admin import HR_SCOPE
from tests.conftest_cycle import GOOD


def _new_versions(cycle):
    """Form v2 (no "catatan", a new "saran") and template v2 using it."""
    form = cycle.form_version.form
    draft = copy.deepcopy(cycle.form_version.definition)
    draft["fields"] = [f for f in draft["fields"] if f["key"] != "catatan"] + [
        {"key": "saran", "type": "text", "label": {"id": "Saran"}}
    ]
    form_service.save_draft(form, draft, form.draft_revision)
    form_v2 = form_service.publish(form)
    template = cycle.template_version.template
    template_service.save_draft(
        template,
        {"title": template.title, "forms": [{"form_version_id": form_v2.id, "weight": 100}],
         "rules": copy.deepcopy(DEFAULT_RULES)},
    )  # fmt: skip
    return form_v2, template_service.publish(template)


def test_assigning_the_new_version_offers_the_old_drafts_with_what_carries_over(cycle):
    cycle.save(GOOD)
    _form_v2, template_v2 = _new_versions(cycle)
    result = assign(cycle.period, template_v2, HR_SCOPE, unit_id=cycle.world.dinkes.id)
    assert result.created == 0 and result.existing >= 2
    assert {s.id for s in result.stale} >= {cycle.submission.id, cycle.other.id}
    [plan] = plans(result.stale, template_v2)
    assert plan.source.id == cycle.template_version.id
    assert {f.label for f in plan.dropped} == {"Catatan"}
    assert "Jumlah bayi sasaran" in {f.label for f in plan.carried}


def test_moving_rekeys_answers_keeps_invalid_ones_drops_the_rest_and_audits(cycle):
    item = cycle.reload()
    service.save_answers(
        item, cycle.answers(**{**GOOD, "kunjungan": "banyak"}), cycle.scope("pegawai.dinkes"),
        cycle.user_id("pegawai.dinkes"), lock_version=item.lock_version, keep_invalid=True,
    )  # fmt: skip
    form_v2, template_v2 = _new_versions(cycle)
    lock = cycle.reload().lock_version
    moved = move_to_version(
        [cycle.submission.id], cycle.period.id, template_v2, HR_SCOPE, cycle.user_id("hr")
    )
    assert moved == 1
    item = cycle.reload()
    new = str(form_v2.id)
    assert item.template_version_id == template_v2.id
    assert item.answers[new]["sasaran"] == GOOD["sasaran"]
    assert "catatan" not in item.answers[new] and cycle.fv not in item.answers
    assert item.invalid_answers == {f"{new}:kunjungan": "banyak"}
    assert item.lock_version > lock
    entry = _db.session.scalars(
        select(AuditEntry).where(
            AuditEntry.submission_id == item.id, AuditEntry.action == "migrate"
        )
    ).one()
    assert entry.changes["template_version"] == [cycle.template_version.id, template_v2.id]
    assert entry.changes["dropped"] == {cycle.ref("catatan"): GOOD["catatan"]}


def test_submitted_evaluations_stay_on_their_version(cycle):
    cycle.submit(GOOD)
    _form_v2, template_v2 = _new_versions(cycle)
    assert (
        move_to_version(
            [cycle.submission.id], cycle.period.id, template_v2, HR_SCOPE, cycle.user_id("hr")
        )
        == 0
    )
    assert cycle.reload().template_version_id == cycle.template_version.id


def test_a_unit_admin_cannot_move_another_units_evaluation(cycle):
    _form_v2, template_v2 = _new_versions(cycle)
    outsider = cycle.scope("admin.disdik")
    with pytest.raises(ValidationFailed):
        move_to_version(
            [cycle.submission.id], cycle.period.id, template_v2, outsider, cycle.user_id("hr")
        )
    assert _db.session.get(Submission, cycle.submission.id).template_version_id == (
        cycle.template_version.id
    )


def test_the_move_offer_and_confirmation_on_the_assign_page(login_as, cycle):
    _form_v2, template_v2 = _new_versions(cycle)
    client = login_as("hr")
    page = client.post(
        "/assign/",
        data={"period_id": cycle.period.id, "template_version_id": template_v2.id,
              "mode": "unit", "unit_id": cycle.world.dinkes.id, "include_subunits": "1"},
    )  # fmt: skip
    assert 'id="move-offer"' in page.text and "Catatan" in page.text
    assert 'id="assign-holders"' in page.text
    moved = client.post(
        "/assign/move",
        data={"period_id": cycle.period.id, "template_version_id": template_v2.id,
              "submission_ids": [cycle.submission.id]},
    )  # fmt: skip
    assert moved.status_code == 302
    assert cycle.reload().template_version_id == template_v2.id
