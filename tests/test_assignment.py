"""Assigning a template to employees for a period: by unit, type or name; idempotent; scoped."""

from __future__ import annotations

import pytest

from app.extensions import db as _db
from app.models import Submission
from app.models.types import PeriodState
from tests import factories as f
from tests.conftest_admin import data_values, make_form, make_template, select_options


def _assigned(period) -> set[int]:
    _db.session.expire_all()
    return set(
        _db.session.scalars(
            _db.select(Submission.employee_id).where(Submission.period_id == period.id)
        )
    )


def _post(client, period, version, **fields):
    data = {"period_id": period.id, "template_version_id": version.id, "mode": "unit", **fields}
    response = client.post("/assign/", data=data)
    assert response.status_code == 200
    page = response.text
    counts = data_values(page, "created-count") + data_values(page, "existing-count")
    return page, tuple(int(n) for n in counts)


@pytest.fixture
def bidan(world):
    return f.make_employee(
        world.dinkes, "Bidan Dinkes", supervisor=world.people["penilai.dinkes"],
        jabatan_type="fungsional_keterampilan",
    )  # fmt: skip


def test_whole_unit_with_sub_units_reports_employees_without_evaluator(
    login_as, world, dinkes_template, open_period
):
    client = login_as("admin.dinkes")
    page, counts = _post(
        client, open_period, dinkes_template, unit_id=world.dinkes.id, include_subunits="1"
    )
    p = world.people
    expected = {p[k].id for k in ("admin.dinkes", "penilai.dinkes", "pegawai.dinkes",
                                  "perawat.pkm")}  # fmt: skip
    assert counts == (4, 0)
    assert _assigned(open_period) == expected
    head = p["head.dinkes"]
    assert f'data-employee-id="{head.id}"' in page
    assert f'href="/employeeview/edit/{head.id}"' in page
    submission = _db.session.scalar(
        _db.select(Submission).where(Submission.employee_id == p["perawat.pkm"].id)
    )
    assert submission.unit_id == world.puskesmas.id
    assert submission.evaluator_id == p["penilai.dinkes"].id
    assert submission.template_version_id == dinkes_template.id


def test_running_again_creates_no_duplicates(login_as, world, dinkes_template, open_period):
    client = login_as("admin.dinkes")
    _, first = _post(client, open_period, dinkes_template, unit_id=world.dinkes.id)
    assert first == (3, 0)  # without sub-units: the puskesmas nurse is left out
    assert world.people["perawat.pkm"].id not in _assigned(open_period)
    _, second = _post(
        client, open_period, dinkes_template, unit_id=world.dinkes.id, include_subunits="1"
    )
    assert second == (1, 3)
    _, third = _post(
        client, open_period, dinkes_template, unit_id=world.dinkes.id, include_subunits="1"
    )
    assert third == (0, 4)
    assert _db.session.query(Submission).count() == 4


def test_filter_by_position_type(login_as, world, dinkes_template, open_period, bidan):
    client = login_as("admin.dinkes")
    _, counts = _post(
        client, open_period, dinkes_template, unit_id=world.dinkes.id, include_subunits="1",
        jabatan_types=["fungsional_keterampilan", "fungsional_keahlian"],
    )  # fmt: skip
    assert counts == (1, 0)
    assert _assigned(open_period) == {bidan.id}


def test_individual_employees(login_as, world, dinkes_template, open_period, bidan):
    client = login_as("admin.dinkes")
    chosen = [world.people["pegawai.dinkes"].id, bidan.id]
    _, counts = _post(client, open_period, dinkes_template, mode="employees", employee_ids=chosen)
    assert counts == (2, 0)
    assert _assigned(open_period) == set(chosen)


def test_outside_scope_is_refused(login_as, world, dinkes_template, open_period):
    client = login_as("admin.dinkes")
    outsider = world.people["pegawai.disdik"].id
    mine = world.people["pegawai.dinkes"].id
    page, counts = _post(
        client, open_period, dinkes_template, mode="employees", employee_ids=[mine, outsider]
    )
    assert counts == () and 'data-part="employee_ids"' in page
    page, _ = _post(client, open_period, dinkes_template, unit_id=world.disdik.id)
    assert 'data-part="unit_id"' in page
    disdik_form = make_form(world.disdik.id, "DISDIK-CAPAIAN")
    disdik_version = make_template(world.disdik.id, "DISDIK-STAF", [(disdik_form.id, 100)])
    page, _ = _post(client, open_period, disdik_version, unit_id=world.dinkes.id)
    assert 'data-part="template_version_id"' in page
    offered = select_options(client.get("/assign/").text, "template_version_id")
    assert offered == [str(dinkes_template.id)]
    assert _assigned(open_period) == set()


def test_regency_wide_template_may_be_used_by_a_unit_admin(login_as, world, open_period, reference):
    form = make_form(None, "KAB-CAPAIAN")
    version = make_template(None, "KAB-STAF", [(form.id, 100)])
    _, counts = _post(login_as("admin.disdik"), open_period, version, unit_id=world.disdik.id)
    assert counts == (3, 0)


def test_closed_period_is_refused(login_as, world, dinkes_template):
    closed = f.make_period("Triwulan IV 2025", state=PeriodState.CLOSED)
    client = login_as("admin.dinkes")
    assert str(closed.id) not in select_options(client.get("/assign/").text, "period_id")
    page, counts = _post(client, closed, dinkes_template, unit_id=world.dinkes.id)
    assert counts == () and 'data-part="period"' in page
    assert _assigned(closed) == set()


def test_employee_cannot_open_the_page(login_as, world):
    assert login_as("pegawai.dinkes").get("/assign/").status_code in (302, 403)


# --- the API ----------------------------------------------------------------------------


def _api(client, headers, period_id, **body):
    return client.post(f"/api/v1/period/{period_id}/assign", json=body, headers=headers)


def test_api_assign(client, api_token, world, dinkes_template, open_period):
    headers = api_token("admin.dinkes")
    body = {"template_version_id": dinkes_template.id, "unit_id": world.dinkes.id,
            "include_subunits": True}  # fmt: skip
    response = _api(client, headers, open_period.id, **body)
    assert response.status_code == 200, response.json
    assert (response.json["created"], response.json["existing"]) == (4, 0)
    head = world.people["head.dinkes"]
    assert response.json["problems"] == [
        {"employee_id": head.id, "nip": head.nip, "name": head.name,
         "message": response.json["problems"][0]["message"]}
    ]  # fmt: skip
    again = _api(client, headers, open_period.id, **body).json
    assert (again["created"], again["existing"]) == (0, 4)
    single = _api(
        client, headers, open_period.id, template_version_id=dinkes_template.id,
        employee_ids=[world.people["pegawai.dinkes"].id],
    ).json  # fmt: skip
    assert (single["created"], single["existing"]) == (0, 1)


def test_api_refusals(client, api_token, world, dinkes_template, open_period):
    headers = api_token("admin.disdik")
    body = {"template_version_id": dinkes_template.id, "unit_id": world.disdik.id}
    assert _api(client, headers, open_period.id, **body).status_code == 404  # not their template
    assert _api(client, headers, 99999, **body).status_code == 404
    headers = api_token("admin.dinkes")
    body["template_version_id"] = dinkes_template.id
    response = _api(client, headers, open_period.id, **body)
    assert response.status_code == 422 and "unit_id" in response.json["errors"]
    response = _api(
        client, headers, open_period.id, template_version_id=dinkes_template.id,
        employee_ids=[world.people["pegawai.disdik"].id],
    )  # fmt: skip
    assert response.status_code == 422 and "employee_ids" in response.json["errors"]
    response = _api(
        client, headers, open_period.id, template_version_id=dinkes_template.id,
        unit_id=world.dinkes.id, jabatan_types=["raja"],
    )  # fmt: skip
    assert response.status_code == 422
    closed = f.make_period("Triwulan IV 2025", state=PeriodState.CLOSED)
    response = _api(
        client, headers, closed.id, template_version_id=dinkes_template.id,
        unit_id=world.dinkes.id,
    )  # fmt: skip
    assert response.status_code == 422 and "period" in response.json["errors"]
    assert _db.session.query(Submission).count() == 0
    supervisor = api_token("penilai.dinkes")
    body = {"template_version_id": dinkes_template.id, "unit_id": world.dinkes.id}
    assert _api(client, supervisor, open_period.id, **body).status_code in (401, 403)
