"""The form builder: create, edit, preview, publish, version, exchange — and its scoping."""

from __future__ import annotations

import copy
import io
import json

import pytest
from openpyxl import load_workbook

from app.extensions import db as _db
from app.models import FormVersion, IndicatorForm
from app.scope import Scope
from app.services import forms as form_service

IMMUNISATION = {
    "code": "DINKES-IMUNISASI",
    "title": {"id": "Capaian Imunisasi Dasar", "en": "Basic immunisation coverage"},
    "fields": [
        {"key": "sasaran", "type": "integer", "label": {"id": "Jumlah bayi sasaran"},
         "required": True, "min": 0},
        {"key": "diimunisasi", "type": "integer", "label": {"id": "Bayi diimunisasi lengkap"},
         "required": True, "min": 0, "constraint": "diimunisasi <= sasaran",
         "constraint_message": {"id": "Tidak boleh melebihi jumlah sasaran"}},
        {"key": "cakupan", "type": "percent", "label": {"id": "Cakupan imunisasi"},
         "calculate": "diimunisasi / sasaran * 100",
         "indicator": {"group": "utama", "aspect": "kuantitas", "target": 95, "unit": "%",
                       "polarity": "higher", "weight": 100}},
        {"key": "kendala", "type": "textarea", "label": {"id": "Kendala"},
         "relevant": "cakupan < 95", "required": True},
    ],
}  # fmt: skip


@pytest.fixture
def dinkes_form(world):
    hr = Scope(user_id=None, roles=frozenset({"HR"}))
    form = form_service.import_definition(copy.deepcopy(IMMUNISATION), world.dinkes.id, hr)
    return form


def _post_json(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_unit_admin_creates_a_form_and_lands_in_the_editor(login_as, world):
    client = login_as("admin.dinkes")
    response = client.post(
        "/builder/new",
        data={"unit_id": world.puskesmas.id, "code": "pkm-layanan", "title": "Layanan Puskesmas"},
    )
    form = _db.session.query(IndicatorForm).filter_by(code="PKM-LAYANAN").one()
    assert response.headers["Location"].endswith(f"/builder/{form.id}/")
    assert form.unit_id == world.puskesmas.id
    page = client.get(f"/builder/{form.id}/").get_data(as_text=True)
    assert "Layanan Puskesmas" in page


def test_create_refuses_another_units_id_and_bad_code(login_as, world):
    client = login_as("admin.dinkes")
    client.post("/builder/new", data={"unit_id": world.disdik.id, "code": "X-1", "title": "T"})
    client.post(
        "/builder/new", data={"unit_id": world.dinkes.id, "code": "bad code!", "title": "T"}
    )
    assert _db.session.query(IndicatorForm).count() == 0


def test_other_units_admin_cannot_see_or_touch_the_draft(login_as, dinkes_form):
    client = login_as("admin.disdik")
    assert dinkes_form.code not in client.get("/builder/").get_data(as_text=True)
    for url in (f"/builder/{dinkes_form.id}/", f"/builder/{dinkes_form.id}/versions",
                f"/builder/{dinkes_form.id}/export?format=json"):  # fmt: skip
        assert client.get(url).status_code == 404
    response = _post_json(
        client, f"/builder/{dinkes_form.id}/draft", {"definition": IMMUNISATION, "revision": 1}
    )
    assert response.status_code == 404
    assert client.post(f"/builder/{dinkes_form.id}/publish").status_code == 404
    assert _db.session.query(FormVersion).count() == 0


def test_employee_and_supervisor_have_no_builder(login_as, dinkes_form):
    for username in ("pegawai.dinkes", "penilai.dinkes"):
        client = login_as(username)
        assert client.get("/builder/").status_code in (302, 403)
        assert client.get(f"/builder/{dinkes_form.id}/").status_code in (302, 403)


def test_check_reports_errors_by_field_with_codes(login_as, dinkes_form):
    client = login_as("admin.dinkes")
    broken = copy.deepcopy(IMMUNISATION)
    broken["fields"][2]["calculate"] = "diimunisasi / jumlah * 100"
    broken["fields"][2]["indicator"]["weight"] = 90
    errors = _post_json(client, f"/builder/{dinkes_form.id}/check", {"definition": broken}).json[
        "errors"
    ]
    codes = {(e["code"], e["field"]) for e in errors}
    assert ("EXPR_UNKNOWN_NAME", "cakupan") in codes
    assert any(code == "WEIGHTS_NOT_100" for code, _ in codes)
    unknown = next(e for e in errors if e["code"] == "EXPR_UNKNOWN_NAME")
    assert unknown["position"] == len("diimunisasi / ")


def test_preview_escapes_labels_and_evaluate_runs_the_rules(login_as, dinkes_form):
    client = login_as("admin.dinkes")
    definition = copy.deepcopy(IMMUNISATION)
    definition["fields"][0]["label"]["id"] = "<script>alert(1)</script>"
    html = _post_json(client, f"/builder/{dinkes_form.id}/preview", {"definition": definition})
    html = html.json["html"]
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'data-key="kendala"' in html

    result = _post_json(
        client,
        f"/builder/{dinkes_form.id}/evaluate",
        {"definition": definition, "answers": {"sasaran": "100", "diimunisasi": "120"}},
    ).json
    assert result["errors"]["diimunisasi"] == ["Tidak boleh melebihi jumlah sasaran"]
    assert result["values"]["cakupan"] == 120
    assert result["relevant"]["kendala"] is False

    result = _post_json(
        client,
        f"/builder/{dinkes_form.id}/evaluate",
        {"definition": definition, "answers": {"sasaran": "100", "diimunisasi": "80"}},
    ).json
    assert result["relevant"]["kendala"] is True
    assert "kendala" in result["errors"]
    assert result["achievement"] == pytest.approx(84.21, abs=0.01)


def test_draft_save_conflict_keeps_the_first_save(login_as, dinkes_form):
    client = login_as("admin.dinkes")
    url = f"/builder/{dinkes_form.id}/draft"
    revision = dinkes_form.draft_revision
    first = copy.deepcopy(IMMUNISATION)
    first["title"]["id"] = "Versi pertama"
    assert _post_json(client, url, {"definition": first, "revision": revision}).status_code == 200
    second = copy.deepcopy(IMMUNISATION)
    second["title"]["id"] = "Versi kedua"
    response = _post_json(client, url, {"definition": second, "revision": revision})
    assert response.status_code == 409
    assert "admin.dinkes" in response.json["message"]
    _db.session.expire_all()
    assert _db.session.get(IndicatorForm, dinkes_form.id).draft["title"]["id"] == "Versi pertama"


def test_publish_freezes_versions_and_editing_starts_a_new_draft(login_as, dinkes_form):
    client = login_as("admin.dinkes")
    response = client.post(f"/builder/{dinkes_form.id}/publish")
    assert response.status_code == 302
    version_1 = _db.session.query(FormVersion).filter_by(form_id=dinkes_form.id).one()
    frozen = copy.deepcopy(version_1.definition)

    page = client.get(f"/builder/{dinkes_form.id}/").get_data(as_text=True)
    assert "Capaian Imunisasi Dasar" in page  # the new draft starts from version 1
    changed = copy.deepcopy(frozen)
    changed["fields"][0]["label"]["id"] = "Jumlah sasaran bayi (0-11 bulan)"
    _db.session.expire_all()
    revision = _db.session.get(IndicatorForm, dinkes_form.id).draft_revision
    saved = _post_json(
        client, f"/builder/{dinkes_form.id}/draft", {"definition": changed, "revision": revision}
    )
    assert saved.status_code == 200
    client.post(f"/builder/{dinkes_form.id}/publish")

    _db.session.expire_all()
    versions = _db.session.query(FormVersion).filter_by(form_id=dinkes_form.id).all()
    assert [v.number for v in sorted(versions, key=lambda v: v.number)] == [1, 2]
    assert _db.session.get(FormVersion, version_1.id).definition == frozen

    diff = client.get(f"/builder/{dinkes_form.id}/versions?old=1&new=2").get_data(as_text=True)
    assert "label.id" in diff and "Jumlah sasaran bayi (0-11 bulan)" in diff


def test_publishing_an_invalid_draft_is_refused_and_changes_nothing(login_as, dinkes_form):
    client = login_as("admin.dinkes")
    broken = copy.deepcopy(IMMUNISATION)
    broken["fields"][1]["constraint"] = "__import__('os')"
    _post_json(
        client,
        f"/builder/{dinkes_form.id}/draft",
        {"definition": broken, "revision": dinkes_form.draft_revision},
    )
    response = client.post(f"/builder/{dinkes_form.id}/publish", follow_redirects=True)
    assert _db.session.query(FormVersion).count() == 0
    assert "diimunisasi" in response.get_data(as_text=True)


def test_export_xlsx_change_it_and_import_as_version_2(login_as, dinkes_form):
    client = login_as("admin.dinkes")
    client.post(f"/builder/{dinkes_form.id}/publish")
    exported = client.get(f"/builder/{dinkes_form.id}/export?version=1&format=xlsx")
    assert exported.status_code == 200
    book = load_workbook(io.BytesIO(exported.data))
    sheet = book["fields"]
    header = [cell.value for cell in sheet[1]]
    label_col = header.index("label_id") + 1
    sheet.cell(row=2, column=label_col, value="Sasaran bayi tahun ini")
    buffer = io.BytesIO()
    book.save(buffer)

    response = client.post(
        "/builder/import",
        data={"unit_id": str(dinkes_form.unit_id), "publish": "1",
              "file": (io.BytesIO(buffer.getvalue()), "imunisasi.xlsx")},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert response.status_code == 302
    _db.session.expire_all()
    versions = sorted(
        _db.session.get(IndicatorForm, dinkes_form.id).versions, key=lambda v: v.number
    )
    assert [v.number for v in versions] == [1, 2]
    assert versions[1].definition["fields"][0]["label"]["id"] == "Sasaran bayi tahun ini"
    assert versions[0].definition["fields"][0]["label"]["id"] == "Jumlah bayi sasaran"


def test_broken_import_lists_problems_and_imports_nothing(login_as, world):
    client = login_as("admin.dinkes")
    broken = copy.deepcopy(IMMUNISATION)
    broken["fields"][1]["key"] = "sasaran"
    response = client.post(
        "/builder/import",
        data={"unit_id": str(world.dinkes.id),
              "file": (io.BytesIO(json.dumps(broken).encode()), "form.json")},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert response.status_code == 200
    assert "sasaran" in response.get_data(as_text=True)
    garbage = client.post(
        "/builder/import",
        data={"unit_id": str(world.dinkes.id), "file": (io.BytesIO(b"\x00\x01PK"), "form.xlsx")},
        content_type="multipart/form-data",
    )
    assert garbage.status_code == 200
    assert _db.session.query(IndicatorForm).count() == 0


def test_clone_a_published_form_of_another_unit(login_as, dinkes_form):
    hr = Scope(user_id=None, roles=frozenset({"HR"}))
    version = form_service.publish(dinkes_form)
    assert version.number == 1
    form_service.set_shared(dinkes_form, True)  # other units see shared forms only
    client = login_as("admin.disdik")
    assert "DINKES-IMUNISASI" in client.get("/builder/").get_data(as_text=True)
    unit_id = _db.session.query(IndicatorForm).get(dinkes_form.id).unit_id
    del hr, unit_id
    disdik_unit = _db.session.query(IndicatorForm).count()
    response = client.post(
        "/builder/clone",
        data={"version_id": version.id, "unit_id": "", "code": "DISDIK-IMUNISASI"},
    )
    assert response.status_code == 302
    assert _db.session.query(IndicatorForm).count() == disdik_unit  # unit required for admins


def test_api_import_publish_export_and_scoping(client, api_token, world):
    headers = api_token("admin.dinkes")
    created = client.post("/api/v1/form/import", json={"definition": IMMUNISATION}, headers=headers)
    assert created.status_code == 201
    form_id = created.json["id"]
    assert _db.session.get(IndicatorForm, form_id).unit_id == world.people["admin.dinkes"].unit_id

    published = client.post(f"/api/v1/form/{form_id}/publish", headers=headers)
    assert published.json == {"version": 1}
    again = client.post(f"/api/v1/form/{form_id}/publish", headers=headers)
    assert again.status_code == 422

    exported = client.get(f"/api/v1/form/{form_id}/export?version=1&format=json", headers=headers)
    assert exported.json["definition"]["code"] == "DINKES-IMUNISASI"
    listed = client.get("/api/v1/form/", headers=headers).json
    assert [f["id"] for f in listed["result"]] == [form_id]

    other = api_token("admin.disdik")
    assert client.get(f"/api/v1/form/{form_id}", headers=other).status_code == 404
    assert client.get("/api/v1/form/", headers=other).json["count"] == 0
    assert client.post(f"/api/v1/form/{form_id}/publish", headers=other).status_code == 404

    broken = dict(IMMUNISATION, fields=[{"key": "1bad", "type": "nope"}])
    rejected = client.post("/api/v1/form/import", json={"definition": broken}, headers=headers)
    assert rejected.status_code == 422
    assert "1bad" in rejected.json["errors"]["definition.fields[0].key"][0]


def test_preview_stays_live_while_a_field_is_broken(login_as, dinkes_form):
    client = login_as("admin.dinkes")
    definition = copy.deepcopy(IMMUNISATION)
    definition["fields"][3]["relevant"] = "cakupan < <b>x</b>"
    response = _post_json(client, f"/builder/{dinkes_form.id}/preview", {"definition": definition})
    html = response.json["html"]
    assert 'class="form-group preview-field" data-key="sasaran"' in html
    assert 'class="alert alert-warning preview-broken" data-key="kendala"' in html
    assert "<b>x</b>" not in html
    assert [error["code"] for error in response.json["errors"]] == ["EXPR_SYNTAX"]
    evaluated = _post_json(
        client,
        f"/builder/{dinkes_form.id}/evaluate",
        {"definition": definition, "answers": {"sasaran": "100", "diimunisasi": "90"}},
    ).json
    assert evaluated["values"]["cakupan"] == 90
    assert evaluated["definition_errors"] == []


def test_after_publishing_the_form_the_next_step_is_using_it_in_a_template(login_as, dinkes_form):
    client = login_as("admin.dinkes")
    response = client.post(f"/builder/{dinkes_form.id}/publish")
    assert "published=1" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="next-use-in-template"' in page and "/evaluation-templates/?form_version=" in page
    assert 'id="next-steps"' not in _page_text(client, f"/builder/{dinkes_form.id}/versions")


def _page_text(client, url: str) -> str:
    return client.get(url).get_data(as_text=True)
