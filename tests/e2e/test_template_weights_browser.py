"""The template editor keeps a running total of the form weights while they are typed."""

from __future__ import annotations

from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is not installed"),
]
sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect


def _template_with_a_form(live_app) -> tuple[int, int]:
    from app.extensions import db
    from app.scope import Scope
    from app.services import forms as form_service
    from app.services import templates as template_service
    from tests.forms.samples import immunisation

    hr = Scope(user_id=None, roles=frozenset({"HR"}))
    with live_app.app.app_context():
        form = form_service.import_definition(immunisation(), live_app.unit_id, hr)
        version = form_service.publish(form)
        template = template_service.create_template(live_app.unit_id, "UJI-BOBOT", "Uji bobot", hr)
        ids = template.id, version.id
        db.session.remove()
    return ids


def test_weight_total_follows_the_rows(page, live_app):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    template_id, version_id = _template_with_a_form(live_app)
    page.goto(f"/evaluation-templates/{template_id}/")
    total = page.locator("#weight-total")
    expect(total).to_contain_text("0 %")
    expect(total).to_have_class("text-danger")
    first = page.locator("tr.form-row").first
    first.locator("select[name=form_version_id]").select_option(str(version_id))
    first.locator("input[name=weight]").fill("60,5")
    expect(total).to_contain_text("60,5 %")
    first.locator("input[name=weight]").fill("100")
    expect(total).to_contain_text("100 %")
    expect(total).to_have_class("text-success")
    first.locator("select[name=form_version_id]").select_option("")
    expect(total).to_contain_text("0 %")
    assert not errors, errors
