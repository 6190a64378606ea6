"""Row scoping: each role sees and changes exactly its own rows, in the views and the API."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Employee
from tests import factories as f

DINKES_STAFF = {"head.dinkes", "admin.dinkes", "penilai.dinkes", "pegawai.dinkes", "perawat.pkm"}
DISDIK_STAFF = {"head.disdik", "admin.disdik", "penilai.disdik", "pegawai.disdik"}
EVERYONE = DINKES_STAFF | DISDIK_STAFF

# account -> employees visible (by world key)
VISIBLE_EMPLOYEES = {
    "admin.dinkes": DINKES_STAFF,
    "penilai.dinkes": {"penilai.dinkes", "pegawai.dinkes", "perawat.pkm"},
    "pegawai.dinkes": {"pegawai.dinkes"},
    "admin.disdik": DISDIK_STAFF,
    "penilai.disdik": {"penilai.disdik", "pegawai.disdik"},
    "pegawai.disdik": {"pegawai.disdik"},
    "hr": EVERYONE,
    "admin": EVERYONE,
    "nolink": set(),
}
# account -> units visible (by World attribute); None = no access to the unit views at all
VISIBLE_UNITS = {
    "admin.dinkes": {"dinkes", "puskesmas"},
    "penilai.dinkes": {"dinkes"},
    "pegawai.dinkes": None,
    "admin.disdik": {"disdik"},
    "penilai.disdik": {"disdik"},
    "pegawai.disdik": None,
    "hr": {"dinkes", "puskesmas", "disdik"},
    "admin": {"dinkes", "puskesmas", "disdik"},
    "nolink": set(),
}


def _people_ids(world, keys) -> set[int]:
    return {world.people[k].id for k in keys}


def _unit_ids(world, keys) -> set[int]:
    return {getattr(world, k).id for k in keys}


def _snapshot(employee_id: int):
    db.session.expire_all()
    return db.session.execute(
        select(Employee.nip, Employee.name, Employee.unit_id, Employee.supervisor_id).where(
            Employee.id == employee_id
        )
    ).one_or_none()


# --- list pages -------------------------------------------------------------------------


@pytest.mark.parametrize("account", sorted(VISIBLE_EMPLOYEES))
def test_employee_list_shows_exactly_the_rows_in_scope(login_as, world, account):
    client = login_as(account)
    response = client.get("/employeeview/list/")
    assert response.status_code == 200
    expected = _people_ids(world, VISIBLE_EMPLOYEES[account])
    assert f.shown_ids(response.text, "employeeview") == expected
    # Each row's NIP cell is on the page; out-of-scope people never appear as a row.
    nip_cells = set(re.findall(r"<td>(\d{18})</td>", response.text))
    assert nip_cells == {world.people[k].nip for k in VISIBLE_EMPLOYEES[account]}


@pytest.mark.parametrize("account", sorted(VISIBLE_UNITS))
def test_unit_list_shows_exactly_the_units_in_scope(login_as, world, account):
    client = login_as(account)
    response = client.get("/unitview/list/")
    expected = VISIBLE_UNITS[account]
    if expected is None:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    assert f.shown_ids(response.text, "unitview") == _unit_ids(world, expected)


@pytest.mark.parametrize("account", sorted(VISIBLE_EMPLOYEES))
def test_api_employee_list_matches_the_web_scope(client, world, api_token, account):
    response = client.get("/api/v1/employee/?q=(page_size:100)", headers=api_token(account))
    assert response.status_code == 200
    expected = _people_ids(world, VISIBLE_EMPLOYEES[account])
    assert set(response.json["ids"]) == expected
    assert response.json["count"] == len(expected)
    for row in response.json["result"]:
        assert {"unit_id", "supervisor_id"} <= set(row)
    if account == "pegawai.dinkes":
        (row,) = response.json["result"]
        assert row["unit_id"] == world.dinkes.id
        assert row["supervisor_id"] == world.people["penilai.dinkes"].id


@pytest.mark.parametrize("account", sorted(VISIBLE_UNITS))
def test_api_unit_list_matches_the_web_scope(client, world, api_token, account):
    response = client.get("/api/v1/unit/", headers=api_token(account))
    expected = VISIBLE_UNITS[account]
    if expected is None:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    assert set(response.json["ids"]) == _unit_ids(world, expected)
    parents = {row["id"]: row["parent_id"] for row in response.json["result"]}
    if world.puskesmas.id in parents:
        assert parents[world.puskesmas.id] == world.dinkes.id


# --- single rows of another unit ------------------------------------------------------

OUTSIDERS = [
    ("admin.dinkes", "pegawai.disdik"),
    ("admin.disdik", "perawat.pkm"),
    ("penilai.dinkes", "head.dinkes"),
    ("penilai.dinkes", "admin.dinkes"),
    ("pegawai.dinkes", "penilai.dinkes"),
    ("nolink", "pegawai.dinkes"),
]


@pytest.mark.parametrize(("account", "target"), OUTSIDERS)
def test_show_of_a_row_out_of_scope_is_not_found(login_as, world, account, target):
    client = login_as(account)
    employee = world.people[target]
    response = client.get(f"/employeeview/show/{employee.id}")
    assert response.status_code == 404
    assert employee.nip not in response.text
    assert employee.name not in response.text


def test_show_of_a_row_in_scope_works(login_as, world):
    client = login_as("penilai.dinkes")
    nurse = world.people["perawat.pkm"]
    response = client.get(f"/employeeview/show/{nurse.id}")
    assert response.status_code == 200
    assert nurse.nip in response.text


@pytest.mark.parametrize("account", ["admin.dinkes", "nolink"])
def test_edit_and_delete_of_another_units_employee_are_refused(login_as, world, account):
    client = login_as(account)
    target = world.people["pegawai.disdik"]
    before = _snapshot(target.id)
    response = client.get(f"/employeeview/edit/{target.id}")
    assert response.status_code == 404
    assert target.nip not in response.text
    response = client.post(
        f"/employeeview/edit/{target.id}", data=f.employee_form(target, name="Diubah")
    )
    assert response.status_code == 404
    assert client.post(f"/employeeview/delete/{target.id}").status_code == 404
    assert client.get(f"/employeeview/delete/{target.id}").status_code in (302, 404)
    assert _snapshot(target.id) == before


def test_edit_cannot_move_an_employee_into_another_unit(login_as, world):
    client = login_as("admin.dinkes")
    target = world.people["pegawai.dinkes"]
    before = _snapshot(target.id)
    response = client.post(
        f"/employeeview/edit/{target.id}",
        data=f.employee_form(target, unit=world.disdik.id, name="Dipindah"),
    )
    assert response.status_code == 200  # the form again, with an error on the unit
    assert f.field_errors(response.text, "unit")
    assert _snapshot(target.id) == before


def test_edit_cannot_pick_an_evaluator_from_another_unit(login_as, world):
    client = login_as("admin.dinkes")
    target = world.people["pegawai.dinkes"]
    before = _snapshot(target.id)
    response = client.post(
        f"/employeeview/edit/{target.id}",
        data=f.employee_form(target, supervisor=world.people["head.disdik"].id),
    )
    assert response.status_code == 200
    assert f.field_errors(response.text, "supervisor")
    assert _snapshot(target.id) == before


def test_add_form_offers_only_own_units_and_people(login_as, world):
    client = login_as("admin.dinkes")
    response = client.get("/employeeview/add")
    assert response.status_code == 200
    unit_select = re.search(r'<select[^>]*id="unit".*?</select>', response.text, re.S).group(0)
    options = {int(v) for v in re.findall(r'<option[^>]*value="(\d+)"', unit_select)}
    assert options == {world.dinkes.id, world.puskesmas.id}
    boss_select = re.search(r'<select[^>]*id="supervisor".*?</select>', response.text, re.S)
    bosses = {int(v) for v in re.findall(r'<option[^>]*value="(\d+)"', boss_select.group(0))}
    assert bosses == _people_ids(world, DINKES_STAFF)


def test_add_into_another_units_id_is_rejected(login_as, world):
    client = login_as("admin.dinkes")
    count = db.session.scalar(select(db.func.count(Employee.id)))
    data = f.employee_form(unit=world.disdik.id)
    response = client.post("/employeeview/add", data=data)
    assert response.status_code == 200
    assert f.field_errors(response.text, "unit")
    db.session.expire_all()
    assert db.session.scalar(select(db.func.count(Employee.id))) == count
    assert db.session.scalar(select(Employee.id).where(Employee.nip == data["nip"])) is None


def test_bulk_actions_cannot_touch_other_units(login_as, world):
    client = login_as("admin.dinkes")
    target = world.people["pegawai.disdik"]
    before = _snapshot(target.id)
    response = client.post(
        "/employeeview/action_post", data={"action": "muldelete", "rowid": [str(target.id)]}
    )
    assert response.status_code == 404
    response = client.post(f"/employeeview/action/muldelete/{target.id}")
    assert response.status_code == 404
    response = client.post("/employeeview/action_post", data={})
    assert response.status_code in (400, 404)
    assert _snapshot(target.id) == before


@pytest.mark.parametrize("filename", ["x.txt", "..", "kinerja.db"])
def test_download_gives_nothing(login_as, world, filename):
    client = login_as("admin")
    response = client.get(f"/employeeview/download/{filename}")
    assert response.status_code == 404
    assert "attachment" not in response.headers.get("Content-Disposition", "")


# --- API: single rows, changes, _info -----------------------------------------------


def test_api_rows_out_of_scope_are_not_found(client, world, api_token):
    headers = api_token("admin.dinkes")
    target = world.people["pegawai.disdik"]
    before = _snapshot(target.id)
    assert client.get(f"/api/v1/employee/{target.id}", headers=headers).status_code == 404
    response = client.put(f"/api/v1/employee/{target.id}", json={"name": "Diubah"}, headers=headers)
    assert response.status_code == 404
    assert client.delete(f"/api/v1/employee/{target.id}", headers=headers).status_code == 404
    assert client.get(f"/api/v1/unit/{world.disdik.id}", headers=headers).status_code == 404
    assert _snapshot(target.id) == before


def test_api_get_in_scope_carries_foreign_keys(client, world, api_token):
    headers = api_token("admin.dinkes")
    nurse = world.people["perawat.pkm"]
    response = client.get(f"/api/v1/employee/{nurse.id}", headers=headers)
    assert response.status_code == 200
    assert response.json["result"]["unit_id"] == world.puskesmas.id
    assert response.json["result"]["supervisor_id"] == world.people["penilai.dinkes"].id
    response = client.get(f"/api/v1/unit/{world.puskesmas.id}", headers=headers)
    assert response.json["result"]["parent_id"] == world.dinkes.id


def test_api_put_into_another_unit_is_422(client, world, api_token):
    headers = api_token("admin.dinkes")
    target = world.people["pegawai.dinkes"]
    before = _snapshot(target.id)
    response = client.put(
        f"/api/v1/employee/{target.id}", json={"unit_id": world.disdik.id}, headers=headers
    )
    assert response.status_code == 422
    assert "unit_id" in response.json["errors"]
    response = client.put(
        f"/api/v1/employee/{target.id}",
        json={"supervisor_id": world.people["head.disdik"].id},
        headers=headers,
    )
    assert response.status_code == 422
    assert "supervisor_id" in response.json["errors"]
    assert _snapshot(target.id) == before


def test_api_post_outside_scope_is_422(client, world, api_token):
    headers = api_token("admin.dinkes")
    payload = {
        "nip": f.nip(),
        "name": "Baru",
        "status": "PNS",
        "golongan": "III/a",
        "jabatan": "Analis",
        "jabatan_type": "pelaksana",
        "unit_id": world.disdik.id,
        "supervisor_id": world.people["head.disdik"].id,
    }
    response = client.post("/api/v1/employee/", json=payload, headers=headers)
    assert response.status_code == 422
    assert {"unit_id", "supervisor_id"} <= set(response.json["errors"])
    assert db.session.scalar(select(Employee.id).where(Employee.nip == payload["nip"])) is None
    # The same record inside the own unit is accepted.
    payload.update(unit_id=world.puskesmas.id, supervisor_id=world.people["head.dinkes"].id)
    response = client.post("/api/v1/employee/", json=payload, headers=headers)
    assert response.status_code == 201, response.json
    assert response.json["result"]["unit_id"] == world.puskesmas.id


def test_api_supervisor_and_employee_cannot_write(client, world, api_token):
    target = world.people["pegawai.dinkes"]
    for account in ("penilai.dinkes", "pegawai.dinkes"):
        headers = api_token(account)
        response = client.put(f"/api/v1/employee/{target.id}", json={"name": "X"}, headers=headers)
        assert response.status_code == 403
        assert client.delete(f"/api/v1/employee/{target.id}", headers=headers).status_code == 403
    assert _snapshot(target.id).name == target.name


def test_api_info_reveals_no_other_unit(client, world, api_token):
    response = client.get("/api/v1/employee/_info", headers=api_token("admin.dinkes"))
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    for key in DISDIK_STAFF:
        assert world.people[key].nip not in body
        assert world.people[key].name not in body
    assert "DISDIKPORA" not in body
    columns = {c["name"]: c for c in response.json["add_columns"]}
    assert {"unit_id", "supervisor_id"} <= set(columns)
    assert "values" not in columns["unit_id"]  # plain ids: no list of every unit
    # A column without a description has none (FAB would show the catalog's header).
    assert all("Project-Id-Version" not in c["description"] for c in columns.values())


def test_api_without_token_is_unauthorised(client, world):
    assert client.get("/api/v1/employee/").status_code == 401


# --- role permissions ---------------------------------------------------------------


def test_employee_role_cannot_add(login_as, world):
    client = login_as("pegawai.dinkes")
    assert client.get("/employeeview/add").status_code == 403
    count = db.session.scalar(select(db.func.count(Employee.id)))
    response = client.post("/employeeview/add", data=f.employee_form(unit=world.dinkes.id))
    assert response.status_code == 403
    assert db.session.scalar(select(db.func.count(Employee.id))) == count


def test_supervisor_cannot_edit_even_own_subordinate(login_as, world):
    client = login_as("penilai.dinkes")
    target = world.people["pegawai.dinkes"]
    assert client.get(f"/employeeview/edit/{target.id}").status_code == 403
    response = client.post(
        f"/employeeview/edit/{target.id}", data=f.employee_form(target, name="Diubah")
    )
    assert response.status_code == 403
    assert _snapshot(target.id).name == target.name


@pytest.mark.parametrize("url", ["/users/list/", "/roles/list/", "/users/add", "/roles/add"])
def test_unit_admin_cannot_manage_accounts_or_roles(login_as, world, url):
    client = login_as("admin.dinkes")
    assert client.get(url).status_code == 403


def test_unit_tree_shows_only_units_in_scope(login_as, world):
    client = login_as("admin.dinkes")
    response = client.get("/units/tree/")
    assert response.status_code == 200
    assert world.dinkes.name in response.text
    assert world.puskesmas.name in response.text
    assert world.disdik.name not in response.text


def test_anonymous_is_sent_to_login(client, world):
    response = client.get("/employeeview/list/")
    assert response.status_code == 302
    assert "/login/" in response.headers["Location"]
