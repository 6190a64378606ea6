"""`/api/v1/template/`: evaluation templates listed, read, imported, published and exported."""

from __future__ import annotations

import pytest
from openapi_spec_validator import OpenAPIV30SpecValidator

from app.extensions import db as _db
from app.models import EvaluationTemplate, TemplateVersion
from tests.conftest_admin import make_form, template_definition

API = "/api/v1/template"


@pytest.fixture
def call(client, api_token):
    """`call(username, method, path, **kwargs)` with that user's JWT."""
    tokens = {}

    def _call(username, method, path, **kwargs):
        if username not in tokens:
            tokens[username] = api_token(username)
        return client.open(f"{API}{path}", method=method, headers=tokens[username], **kwargs)

    return _call


def _definition(form_version, code="DINKES-STAF", **extra) -> dict:
    return {"code": code, **template_definition([(form_version.id, 100)]), **extra}


def _assert_refusal(response, status: int, *fields: str) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    assert isinstance(response.json["message"], str) and response.json["message"]
    errors = response.json["errors"]
    assert isinstance(errors, dict)
    for field in fields:
        assert errors[field] and all(isinstance(m, str) for m in errors[field]), errors


def test_list_and_get_are_scoped(call, world, dinkes_template):
    pk = dinkes_template.template_id
    listing = call("admin.dinkes", "GET", "/")
    assert listing.status_code == 200
    assert [t["id"] for t in listing.json["result"]] == [pk]
    assert listing.json["result"][0] == {
        "id": pk, "code": "DINKES-STAF", "title": "Penilaian staf", "unit_id": world.dinkes.id,
        "archived": False, "latest_version": 1, "has_draft": False,
    }  # fmt: skip
    assert pk in {t["id"] for t in call("hr", "GET", "/").json["result"]}
    assert call("admin.disdik", "GET", "/").json == {"count": 0, "result": []}
    one = call("admin.dinkes", "GET", f"/{pk}")
    assert one.status_code == 200
    assert [v["number"] for v in one.json["result"]["versions"]] == [1]
    hidden = call("admin.disdik", "GET", f"/{pk}")
    _assert_refusal(hidden, 404)
    assert hidden.json["message"] == (
        "Halaman atau data tidak ditemukan, atau berada di luar lingkup Anda."
    )
    _assert_refusal(call("admin.dinkes", "GET", f"/{2**64}"), 404)
    _assert_refusal(call("admin.dinkes", "GET", f"/{2**31}/export"), 404)  # beyond INTEGER
    for username in ("pegawai.dinkes", "penilai.dinkes"):
        assert call(username, "GET", "/").status_code == 403, username


def test_import_creates_a_template_publish_and_export_round_trip(
    call, world, dinkes_form, documented
):
    created = call("admin.dinkes", "POST", "/import", json={"definition": _definition(dinkes_form)})
    assert created.status_code == 201, created.json
    pk = created.json["id"]
    template = _db.session.get(EvaluationTemplate, pk)
    assert (template.unit_id, template.code, template.draft["code"]) == (
        world.dinkes.id, "DINKES-STAF", "DINKES-STAF",
    )  # fmt: skip
    assert created.json["result"]["has_draft"] is True
    published = call("admin.dinkes", "POST", f"/{pk}/publish")
    assert published.status_code == 200 and published.json == {"version": 1}
    exported = call("admin.dinkes", "GET", f"/{pk}/export")
    assert exported.status_code == 200
    documented(exported, "/api/v1/template/{pk}/export", "GET")  # published_at with offset
    assert exported.json["number"] == 1 and exported.json["code"] == "DINKES-STAF"
    assert exported.json["definition"]["forms"] == [
        {"form_version_id": dinkes_form.id, "weight": 100}
    ]
    # the export imports as it is: the same template gets a new draft, no new template
    body = exported.json
    body["definition"]["title"] = "Penilaian staf (revisi)"
    again = call("admin.dinkes", "POST", "/import", json=body)
    assert again.status_code == 201 and again.json["id"] == pk
    assert _db.session.query(EvaluationTemplate).count() == 1
    assert call("admin.dinkes", "POST", f"/{pk}/publish").json == {"version": 2}
    assert call("admin.dinkes", "GET", f"/{pk}/export?version=1").json["number"] == 1
    _assert_refusal(call("admin.dinkes", "GET", f"/{pk}/export?version=9"), 404)
    _assert_refusal(call("admin.dinkes", "GET", f"/{pk}/export?version=abc"), 422, "version")


def test_invalid_definition_is_refused_by_field_and_nothing_saved(call, dinkes_form):
    bad = _definition(dinkes_form, title="")
    bad["forms"] = [{"form_version_id": dinkes_form.id, "weight": 60}]
    bad["rules"]["above"] = 10
    response = call("admin.dinkes", "POST", "/import", json={"definition": bad})
    _assert_refusal(response, 422, "title", "forms", "rules")
    assert "100" in " ".join(response.json["errors"]["forms"])
    listed_title = call("admin.dinkes", "POST", "/import",
                        json={"definition": _definition(dinkes_form, title=["x"])})  # fmt: skip
    _assert_refusal(listed_title, 422, "title")
    nul_title = call("admin.dinkes", "POST", "/import",
                     json={"definition": _definition(dinkes_form, title="Staf\x00")})  # fmt: skip
    _assert_refusal(nul_title, 422, "_schema")  # the API refuses NUL in any body
    bad_code = call("admin.dinkes", "POST", "/import",
                    json={"definition": _definition(dinkes_form, code="bad code!")})  # fmt: skip
    _assert_refusal(bad_code, 422, "code")
    huge = _definition(dinkes_form)
    huge["forms"] = [{"form_version_id": 2**70, "weight": 100}]
    _assert_refusal(
        call("admin.dinkes", "POST", "/import", json={"definition": huge}), 422, "forms"
    )
    assert _db.session.query(EvaluationTemplate).count() == 0


def test_import_is_scoped_to_ones_units_and_forms(call, world, reference):
    disdik_form = make_form(world.disdik.id, "DISDIK-A")
    dinkes_form = make_form(world.dinkes.id, "DINKES-A")
    elsewhere = {"definition": _definition(dinkes_form), "unit_id": world.disdik.id}
    other_unit = call("admin.dinkes", "POST", "/import", json=elsewhere)
    _assert_refusal(other_unit, 422, "unit_id")
    foreign_form = call("admin.dinkes", "POST", "/import",
                        json={"definition": _definition(disdik_form)})  # fmt: skip
    _assert_refusal(foreign_form, 422, "forms")
    regency = call("admin.dinkes", "POST", "/import",
                   json={"definition": _definition(dinkes_form), "unit_id": None})  # fmt: skip
    _assert_refusal(regency, 422, "unit_id")
    assert _db.session.query(EvaluationTemplate).count() == 0


def test_malformed_requests_are_4xx(call, dinkes_form):
    _assert_refusal(
        call("admin.dinkes", "POST", "/import", data="x", content_type="text/plain"), 415
    )
    _assert_refusal(
        call("admin.dinkes", "POST", "/import", data="{", content_type="application/json"), 400
    )
    _assert_refusal(call("admin.dinkes", "POST", "/import", json=[1, 2]), 422, "_schema")
    _assert_refusal(call("admin.dinkes", "POST", "/import", json={}), 422, "definition")
    for body in ({"definition": "text"}, {"definition": {}, "unit_id": "7"},
                 {"definition": {}, "unit_id": 2**64},
                 {"definition": {}, "unit_id": 2**31}):  # fmt: skip
        response = call("admin.dinkes", "POST", "/import", json=body)
        assert response.status_code == 422, body


def test_publish_refusals(call, world, dinkes_template):
    pk = dinkes_template.template_id
    # nothing to publish: no draft
    _assert_refusal(call("admin.dinkes", "POST", f"/{pk}/publish"), 422, "_form")
    _assert_refusal(call("admin.disdik", "POST", f"/{pk}/publish"), 404)
    _assert_refusal(call("admin.dinkes", "POST", f"/{2**63}/publish"), 404)
    assert call("pegawai.dinkes", "POST", f"/{pk}/publish").status_code == 403
    assert _db.session.query(TemplateVersion).count() == 1


def test_spec_documents_the_template_operations(client, api_token):
    spec = client.get("/api/v1/_openapi", headers=api_token("admin.dinkes")).json
    paths = spec["paths"]
    operations = {
        ("/api/v1/template/", "get"): "listTemplates",
        ("/api/v1/template/{pk}", "get"): "getTemplate",
        ("/api/v1/template/import", "post"): "importTemplate",
        ("/api/v1/template/{pk}/publish", "post"): "publishTemplate",
        ("/api/v1/template/{pk}/export", "get"): "exportTemplate",
    }
    for (path, method), operation_id in operations.items():
        operation = paths[path][method]
        assert operation["operationId"] == operation_id
        assert "200" in operation["responses"] or "201" in operation["responses"]
        if "{pk}" in path:
            assert operation["parameters"][0]["name"] == "pk"
            assert "404" in operation["responses"]
    assert "422" in paths["/api/v1/template/import"]["post"]["responses"]
    assert "requestBody" in paths["/api/v1/template/import"]["post"]
    assert {"TemplateImport", "Template", "TemplateSummary", "TemplateVersion"} <= set(
        spec["components"]["schemas"]
    )
    mine = {path: item for path, item in paths.items() if path.startswith("/api/v1/template/")}
    assert list(OpenAPIV30SpecValidator(dict(spec, paths=mine)).iter_errors()) == []


def test_import_refuses_an_archived_templates_code(call, dinkes_template, dinkes_form):
    template = _db.session.get(EvaluationTemplate, dinkes_template.template_id)
    template.archived = True
    _db.session.commit()
    response = call(
        "admin.dinkes", "POST", "/import", json={"definition": _definition(dinkes_form)}
    )
    _assert_refusal(response, 422, "_form")
    _db.session.expire_all()
    assert _db.session.get(EvaluationTemplate, template.id).draft is None
