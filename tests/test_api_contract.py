"""The API's contract: a valid spec, one error shape, and a 4xx (never a 500) for bad input."""

from __future__ import annotations

import copy
import json
import re

import pytest
from openapi_spec_validator import OpenAPIV30SpecValidator

from app.extensions import db as _db
from app.models import Employee, IndicatorForm
from tests import factories as f
from tests.test_builder import IMMUNISATION

HUGE = 2**64
PATH_PARAM = re.compile(r"{(\w+)}")


@pytest.fixture
def spec(client, api_token):
    return client.get("/api/v1/_openapi", headers=api_token("admin")).json


def _error_shape(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.json
    assert set(body) == {"message", "errors"} and body["message"], body
    assert all(isinstance(m, list) for m in body["errors"].values()), body
    return body["errors"]


# --- the served spec ---------------------------------------------------------------------


def test_served_spec_is_valid_openapi(spec):
    assert list(OpenAPIV30SpecValidator(spec).iter_errors()) == []


def test_every_operation_has_an_id_responses_and_its_path_parameters(spec):
    ids = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            ids.append(operation["operationId"])
            statuses = set(operation["responses"])
            assert any(s.startswith("2") for s in statuses), (method, path)
            assert {"400", "422"} <= statuses, (method, path)
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == set(PATH_PARAM.findall(path)), (method, path)
            for status, response in operation["responses"].items():
                if status[0] == "4":
                    assert response == {"$ref": f"#/components/responses/{status}"}
    assert len(ids) == len(set(ids))
    error = spec["components"]["responses"]["404"]["content"]["application/json"]["schema"]
    assert error == {"$ref": "#/components/schemas/Error"}
    assert spec["components"]["schemas"]["Error"]["required"] == ["errors", "message"]


def test_custom_operations_document_their_bodies_and_answers(spec):
    paths = spec["paths"]
    answers = paths["/api/v1/submission/{pk}/answers"]
    assert set(answers) == {"put", "patch"}
    body = answers["patch"]["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/AnswersBody"}
    assert {"403", "404", "409", "415", "422"} <= set(answers["put"]["responses"])
    assert "409" in paths["/api/v1/form/import"]["post"]["responses"]
    export = paths["/api/v1/form/{pk}/export"]["get"]["parameters"]
    assert {p["name"] for p in export} == {"pk", "version", "format"}


# --- one error shape ---------------------------------------------------------------------


def test_fab_and_flask_errors_use_the_one_shape(client, api_token):
    _error_shape(client.get("/api/v1/submission/"), 401)  # FAB's own, no token
    _error_shape(client.get("/api/v1/nothing-here"), 404)
    _error_shape(client.delete("/api/v1/form/", headers=api_token("admin")), 405)
    errors = _error_shape(
        client.post("/api/v1/security/login", json={"username": "x"}), 400
    )  # marshmallow's messages from FAB's login, by field
    assert "password" in errors


def test_unknown_ids_and_numbers_beyond_64_bits_are_404_or_422(client, api_token, cycle):
    headers = api_token("hr")
    for path in (f"/api/v1/submission/{HUGE}", f"/api/v1/employee/{HUGE}", f"/api/v1/unit/{HUGE}"):
        _error_shape(client.get(path, headers=headers), 404)
    _error_shape(client.put(f"/api/v1/employee/{HUGE}", json={}, headers=headers), 404)
    _error_shape(client.delete(f"/api/v1/period/{HUGE}", headers=headers), 404)
    errors = _error_shape(client.get(f"/api/v1/submission/?period={HUGE}", headers=headers), 422)
    assert "period" in errors
    q = f"(filters:!((col:unit_id,opr:eq,value:{HUGE})))"
    _error_shape(client.get(f"/api/v1/employee/?q={q}", headers=headers), 422)
    _error_shape(client.get(f"/api/v1/unit/?q=(page:{HUGE})", headers=headers), 422)
    payload = {"name": "Besar", "nip": f.nip(), "golongan": "III/a", "jabatan": "Analis"}
    errors = _error_shape(
        client.post("/api/v1/employee/", json={**payload, "unit_id": HUGE}, headers=headers), 422
    )
    assert "unit_id" in errors


def test_a_very_deep_json_body_is_400_even_before_login(client, api_token, cycle):
    deep = "[" * 100_000 + "]" * 100_000
    login = client.post("/api/v1/security/login", data=deep, content_type="application/json")
    _error_shape(login, 400)
    path = f"/api/v1/submission/{cycle.submission.id}/submit"
    response = client.post(
        path, data=deep, content_type="application/json", headers=api_token("pegawai.dinkes")
    )
    _error_shape(response, 400)


def test_wrong_content_type_is_415_with_a_message(client, api_token, cycle):
    headers = api_token("hr")
    body = json.dumps({"name": "X"})
    for path in ("/api/v1/unit/", f"/api/v1/period/{cycle.period.id}/reopen"):
        response = client.post(path, data=body, content_type="text/plain", headers=headers)
        _error_shape(response, 415)
        assert "application/json" in response.json["message"]
    response = client.put(
        f"/api/v1/employee/{cycle.world.people['pegawai.dinkes'].id}",
        data="nip=1",
        content_type="application/x-www-form-urlencoded",
        headers=headers,
    )
    _error_shape(response, 415)


def test_nested_or_mistyped_values_are_422_by_field(client, api_token, cycle):
    headers = api_token("admin.dinkes")
    assign = f"/api/v1/period/{cycle.period.id}/assign"
    body = {"template_version_id": cycle.template_version.id, "unit_id": cycle.world.dinkes.id}
    errors = _error_shape(
        client.post(assign, json={**body, "jabatan_types": [[]]}, headers=headers), 422
    )
    assert list(errors) == ["jabatan_types.0"]
    errors = _error_shape(
        client.post(assign, json={**body, "template_version_id": "1"}, headers=headers), 422
    )
    assert errors == {"template_version_id": ["Bukan bilangan bulat yang sah."]}
    imported = client.post(
        "/api/v1/form/import", json={"definition": IMMUNISATION, "unit_id": [4]}, headers=headers
    )
    assert list(_error_shape(imported, 422)) == ["unit_id"]


def test_form_export_refuses_unknown_format_and_version(client, api_token, cycle):
    headers = api_token("hr")
    form_id = cycle.form_version.form_id
    for query in ("format=pdf", "version=abc"):
        response = client.get(f"/api/v1/form/{form_id}/export?{query}", headers=headers)
        assert list(_error_shape(response, 422)) == [query.split("=")[0]]
    ok = client.get(f"/api/v1/form/{form_id}/export?format=json", headers=headers)
    assert ok.status_code == 200 and ok.json["number"] == 1


def test_put_breaking_a_unique_rule_is_422_with_the_post_message(client, api_token, world):
    headers = api_token("admin.dinkes")
    taken = world.people["pegawai.dinkes"].nip
    target = world.people["penilai.dinkes"]
    post = client.post(
        "/api/v1/employee/",
        json={"name": "Dua", "nip": taken, "status": "PNS", "golongan": "III/a",
              "jabatan": "Analis", "jabatan_type": "pelaksana", "unit_id": world.dinkes.id},
        headers=headers,
    )  # fmt: skip
    put = client.put(f"/api/v1/employee/{target.id}", json={"nip": taken}, headers=headers)
    assert _error_shape(put, 422)["nip"] == _error_shape(post, 422)["nip"]
    _db.session.expire_all()
    assert _db.session.get(Employee, target.id).nip != taken
    hr = api_token("hr")
    unit = f"/api/v1/unit/{world.puskesmas.id}"
    new_unit = {"code": world.dinkes.code, "name": "X", "short_name": "X", "kind": "dinas"}
    post = client.post("/api/v1/unit/", json=new_unit, headers=hr)
    put = client.put(unit, json={"code": world.dinkes.code}, headers=hr)
    assert _error_shape(put, 422)["code"] == _error_shape(post, 422)["code"]


def test_period_kind_must_be_known(client, api_token, cycle):
    response = client.put(
        f"/api/v1/period/{cycle.period.id}", json={"kind": "zzz"}, headers=api_token("hr")
    )
    assert list(_error_shape(response, 422)) == ["kind"]


def test_employee_list_with_chosen_columns(client, api_token, world):
    response = client.get(
        "/api/v1/employee/?q=(columns:!(nip,name,unit_id))", headers=api_token("admin.dinkes")
    )
    assert response.status_code == 200
    assert set(response.json["result"][0]) == {"nip", "name", "unit_id"}


# --- answers: PATCH changes what it sends, PUT replaces ------------------------------------


def _answers(client, api_token, cycle, method, answers):
    return client.open(
        f"/api/v1/submission/{cycle.submission.id}/answers",
        method=method,
        json={"answers": answers, "lock_version": cycle.reload().lock_version},
        headers=api_token("pegawai.dinkes"),
    )


def test_patch_changes_only_the_fields_it_sends(client, api_token, cycle):
    cycle.save({"sasaran": 100, "diimunisasi": 90})
    response = _answers(client, api_token, cycle, "PATCH", cycle.answers(kunjungan=7))
    assert response.status_code == 200, response.json
    saved = cycle.reload().answers[cycle.fv]
    assert (saved["sasaran"], saved["diimunisasi"], saved["kunjungan"]) == (100, 90, 7)


def test_put_replaces_the_whole_set(client, api_token, cycle):
    cycle.save({"sasaran": 100, "diimunisasi": 90})
    response = _answers(client, api_token, cycle, "PUT", cycle.answers(kunjungan=7))
    assert response.status_code == 200, response.json
    saved = cycle.reload().answers[cycle.fv]
    assert saved["kunjungan"] == 7 and saved.get("sasaran") is None


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_unknown_forms_and_fields_are_422_naming_them(client, api_token, cycle, method):
    cycle.save({"sasaran": 100})
    answers = {**cycle.answers(sasaran=5, bogus=1), "999999": {"x": 1}}
    errors = _error_shape(_answers(client, api_token, cycle, method, answers), 422)
    assert set(errors) == {cycle.ref("bogus"), "999999"}
    assert cycle.reload().answers[cycle.fv]["sasaran"] == 100


# --- form import: no stale overwrite of a draft --------------------------------------------


def test_import_over_a_draft_needs_its_current_revision(client, api_token, world):
    headers = api_token("admin.dinkes")
    created = client.post("/api/v1/form/import", json={"definition": IMMUNISATION}, headers=headers)
    assert created.status_code == 201
    form_id, revision = created.json["id"], created.json["draft_revision"]
    changed = copy.deepcopy(IMMUNISATION)
    changed["title"]["id"] = "Versi baru"
    for stale in ({"definition": changed}, {"definition": changed, "draft_revision": revision - 1}):
        _error_shape(client.post("/api/v1/form/import", json=stale, headers=headers), 409)
    _db.session.expire_all()
    assert _db.session.get(IndicatorForm, form_id).title != "Versi baru"
    current = {"definition": changed, "draft_revision": revision}
    assert client.post("/api/v1/form/import", json=current, headers=headers).status_code == 201
    _db.session.expire_all()
    assert _db.session.get(IndicatorForm, form_id).title == "Versi baru"
