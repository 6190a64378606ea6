"""Standard XLSForm workbooks through the builder and the API: import, unsupported rows, export."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from app.extensions import db as _db
from app.models import IndicatorForm
from app.scope import Scope
from app.services import forms as form_service
from tests.forms.samples import immunisation

SAMPLES = Path(__file__).parent / "forms" / "xlsform_samples"
HR = Scope(user_id=None, roles=frozenset({"HR"}))


def published_immunisation(unit_id: int) -> IndicatorForm:
    form = form_service.import_definition(immunisation(), unit_id, HR)
    form_service.publish(form)
    return form


def upload(name: str) -> tuple[io.BytesIO, str]:
    return io.BytesIO((SAMPLES / name).read_bytes()), name


def import_page(client, unit_id, name, **extra):
    data = {"unit_id": str(unit_id), "file": upload(name), **extra}
    return client.post("/builder/import", data=data, content_type="multipart/form-data")


def test_builder_imports_a_real_xlsform(login_as, world):
    client = login_as("admin.dinkes")
    response = import_page(client, world.dinkes.id, "text_and_integer.xlsx")
    assert response.status_code == 302
    form = _db.session.query(IndicatorForm).one()
    assert (form.code, form.title, form.unit_id) == (
        "TEXT_AND_INTEGER",
        "text_and_integer",
        world.dinkes.id,
    )
    assert [f["key"] for f in form.draft["fields"]] == ["your_name", "your_age"]


def test_builder_lists_unsupported_rows_then_imports_the_rest(login_as, world):
    client = login_as("admin.dinkes")
    refused = import_page(client, world.dinkes.id, "loop.xlsx")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 200
    assert "survey!3" in page and "survey!4" in page
    assert "begin loop over toilet_type" in page  # loops stay unsupported (repeats import)
    assert 'id="import-rest-form"' in page
    assert _db.session.query(IndicatorForm).count() == 0

    accepted = import_page(client, world.dinkes.id, "loop.xlsx", skip_unsupported="1")
    assert accepted.status_code == 302
    form = _db.session.query(IndicatorForm).one()
    assert [f["key"] for f in form.draft["fields"]] == ["available_toilet_types"]
    follow = client.get(accepted.headers["Location"]).get_data(as_text=True)
    assert "survey sheet, row 3" in follow or "lembar survey, baris 3" in follow


def test_builder_exports_a_standard_xlsform_that_pyxform_converts(login_as, world, tmp_path):
    xls2xform = pytest.importorskip("pyxform.xls2xform")
    form = published_immunisation(world.dinkes.id)
    client = login_as("admin.dinkes")
    response = client.get(f"/builder/{form.id}/export?format=xlsform")
    assert response.status_code == 200
    assert "xlsform.xlsx" in response.headers["Content-Disposition"]
    path = tmp_path / "form.xlsx"
    path.write_bytes(response.data)
    xls2xform.xls2xform_convert(str(path), str(tmp_path / "form.xml"))
    assert "Jumlah bayi sasaran" in (tmp_path / "form.xml").read_text()


def test_api_multipart_import_refuses_unsupported_rows_by_sheet_and_row(
    client, api_token, world, documented
):
    headers = api_token("admin.dinkes")
    refused = client.post(
        "/api/v1/form/import", data={"file": upload("loop.xlsx")}, headers=headers,
        content_type="multipart/form-data",
    )  # fmt: skip
    assert refused.status_code == 422
    assert sorted(refused.json["errors"]) == ["file.survey!3", "file.survey!4"]
    documented(refused, "/api/v1/form/import", "POST")
    assert _db.session.query(IndicatorForm).count() == 0

    accepted = client.post(
        "/api/v1/form/import?skip_unsupported=true", data={"file": upload("loop.xlsx")},
        headers=headers, content_type="multipart/form-data",
    )  # fmt: skip
    assert accepted.status_code == 201
    documented(accepted, "/api/v1/form/import", "POST")
    assert [row["path"] for row in accepted.json["skipped"]] == ["survey!3", "survey!4"]
    assert [row["path"] for row in accepted.json["partial"]] == ["survey!2"]
    form = _db.session.get(IndicatorForm, accepted.json["id"])
    assert form.unit_id == world.people["admin.dinkes"].unit_id


def test_api_multipart_bad_files_are_clear_422s(client, api_token, world):
    headers = api_token("admin.dinkes")
    missing = client.post(
        "/api/v1/form/import", data={}, headers=headers, content_type="multipart/form-data"
    )
    assert missing.status_code == 422
    assert list(missing.json["errors"]) == ["file"]
    garbage = client.post(
        "/api/v1/form/import", data={"file": (io.BytesIO(b"PK\x03\x04junk"), "x.xlsx")},
        headers=headers, content_type="multipart/form-data",
    )  # fmt: skip
    assert garbage.status_code == 422
    bad_revision = client.post(
        "/api/v1/form/import",
        data={"file": upload("text_and_integer.xlsx"), "draft_revision": "x"},
        headers=headers, content_type="multipart/form-data",
    )  # fmt: skip
    assert bad_revision.status_code == 422
    assert "draft_revision" in bad_revision.json["errors"]
    assert _db.session.query(IndicatorForm).count() == 0


def test_api_exports_xlsform(client, api_token, world):
    form = published_immunisation(world.dinkes.id)
    response = client.get(
        f"/api/v1/form/{form.id}/export?format=xlsform", headers=api_token("admin.dinkes")
    )
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith("-xlsform.xlsx")
