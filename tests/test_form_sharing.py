"""Indicator forms are private to their unit unless the owner (or HR) shares them."""

from __future__ import annotations

import re

from app.extensions import db
from app.models import IndicatorForm
from app.scope import Scope
from app.services import forms as form_service

HR = Scope(user_id=None, roles=frozenset({"HR"}))


def _form(unit_id, code):
    definition = {
        "code": code,
        "title": {"id": f"Formulir {code}"},
        "fields": [{"key": "jumlah", "type": "integer", "label": {"id": "Jumlah"}}],
    }
    form = form_service.import_definition(definition, unit_id, HR)
    form_service.publish(form)
    return form


def _clone(client, version_id, unit_id, code):
    data = {"version_id": version_id, "unit_id": unit_id, "code": code}
    return client.post("/builder/clone", data=data)


def _clone_sources(html: str) -> set[str]:
    select = html[html.index('id="clone-source"') :]
    select = select[: select.index("</select>")]
    return set(re.findall(r"<option[^>]*>(\S+) v\d", select))


def test_another_units_form_is_private_by_default(world, login_as, client, api_token):
    private = _form(world.dinkes.id, "DINKES-RAHASIA")
    regency = _form(None, "KAB-UMUM")
    version = private.latest_version.id
    disdik = login_as("admin.disdik")
    assert _clone_sources(disdik.get("/builder/").get_data(as_text=True)) == {"KAB-UMUM"}
    assert _clone(disdik, version, world.disdik.id, "DISDIK-SALIN").status_code == 404
    assert db.session.query(IndicatorForm).filter_by(code="DISDIK-SALIN").count() == 0
    headers = api_token("admin.disdik")
    listed = client.get("/api/v1/form/", headers=headers).json["result"]
    assert {f["code"] for f in listed} == {"KAB-UMUM"}
    assert client.get(f"/api/v1/form/{private.id}", headers=headers).status_code == 404
    assert client.get(f"/api/v1/form/{private.id}/export", headers=headers).status_code == 404
    assert client.get(f"/api/v1/form/{regency.id}", headers=headers).status_code == 200
    # the owner's unit still sees it
    own = login_as("admin.dinkes").get("/builder/").get_data(as_text=True)
    assert "DINKES-RAHASIA" in _clone_sources(own)


def test_the_owner_shares_a_form_and_other_units_read_and_copy_it(
    world, login_as, client, api_token
):
    form = _form(world.dinkes.id, "DINKES-BERBAGI")
    form.draft = {"code": "DINKES-BERBAGI", "title": {"id": "draf"}, "fields": []}
    db.session.commit()
    owner = login_as("admin.dinkes")
    page = owner.get("/builder/").get_data(as_text=True)
    assert f'action="/builder/{form.id}/share"' in page
    assert owner.post(f"/builder/{form.id}/share", data={"shared": "1"}).status_code == 302
    assert db.session.get(IndicatorForm, form.id).shared
    disdik = login_as("admin.disdik")
    assert "DINKES-BERBAGI" in _clone_sources(disdik.get("/builder/").get_data(as_text=True))
    response = _clone(disdik, form.latest_version.id, world.disdik.id, "DISDIK-BERBAGI")
    assert response.status_code == 302
    copy = db.session.query(IndicatorForm).filter_by(code="DISDIK-BERBAGI").one()
    assert copy.unit_id == world.disdik.id and not copy.shared
    headers = api_token("admin.disdik")
    body = client.get(f"/api/v1/form/{form.id}", headers=headers).json["result"]
    assert body["shared"] is True and "draft" not in body and body["versions"]
    assert client.post(f"/api/v1/form/{form.id}/publish", headers=headers).status_code == 404
    # another unit cannot change the sharing; HR can withdraw it
    assert disdik.post(f"/builder/{form.id}/share", data={"shared": "0"}).status_code == 404
    assert login_as("hr").post(f"/builder/{form.id}/share", data={"shared": "0"}).status_code == 302
    assert not db.session.get(IndicatorForm, form.id).shared
    headers = api_token("admin.disdik")  # logging out (in login_as) ended the earlier token
    assert client.get(f"/api/v1/form/{form.id}", headers=headers).status_code == 404


def test_the_demo_shares_only_the_hr_agency_form(db):
    from seeds.demo_forms import load_demo_forms
    from seeds.loader import load_reference

    load_reference(db.session)
    db.session.commit()
    load_demo_forms(db.session)
    shared = {f.code for f in db.session.query(IndicatorForm).filter_by(shared=True)}
    assert shared == {"BKPSDM-LAYANAN"}
