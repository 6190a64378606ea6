"""Adding and editing employees: NIP, golongan and evaluator rules, in the form and the API."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Employee
from tests import factories as f


def _count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(Employee.id)))


def _by_nip(nip: str) -> Employee | None:
    db.session.expire_all()
    return db.session.scalar(select(Employee).where(Employee.nip == nip))


def test_add_employee_through_the_form(login_as, world):
    client = login_as("admin.dinkes")
    nip = f.nip()
    data = f.employee_form(
        nip=nip,
        name="Siti Aminah, A.Md.Kep.",
        unit=world.puskesmas.id,
        supervisor=world.people["penilai.dinkes"].id,
        golongan="ii-c",
    )
    response = client.post("/employeeview/add", data=data)
    assert response.status_code == 302
    employee = _by_nip(nip)
    assert employee is not None
    assert employee.name == "Siti Aminah, A.Md.Kep."
    assert employee.unit_id == world.puskesmas.id
    assert employee.supervisor_id == world.people["penilai.dinkes"].id
    assert employee.active is True


def test_add_pppk_employee_through_the_form(login_as, world):
    client = login_as("admin.dinkes")
    nip = f.nip("PPPK")
    data = f.employee_form(nip=nip, status="PPPK", golongan="IX", unit=world.dinkes.id)
    assert client.post("/employeeview/add", data=data).status_code == 302
    assert _by_nip(nip).status == "PPPK"


BAD_NIPS = [
    pytest.param(
        "PNS", "19800801200503100", "NIP harus terdiri atas 18 digit (tertulis 17).", id="length"
    ),
    pytest.param(
        "PNS",
        "198002302005031001",
        "Tanggal lahir dalam NIP (19800230) bukan tanggal yang valid.",
        id="birth-date",
    ),
    pytest.param(
        "PNS",
        "198008012005131001",
        "Bulan pengangkatan dalam NIP harus 01–12 (tertulis 13).",
        id="month-13",
    ),
    pytest.param(
        "PNS",
        "198008012005033001",
        "Digit jenis kelamin dalam NIP harus 1 (laki-laki) atau 2 (perempuan), bukan 3.",
        id="sex-3",
    ),
    pytest.param(
        "PPPK",
        "198008012021201001",
        "Pada NIP PPPK, digit ke-13–14 harus angka 2 diikuti angka 1–9 (tertulis 20).",
        id="pppk-code-20",
    ),
    pytest.param(
        "PPPK",
        "198008012005031001",
        "Pada NIP PPPK, digit ke-13–14 harus angka 2 diikuti angka 1–9 (tertulis 03).",
        id="pns-nip-as-pppk",
    ),
]


@pytest.mark.parametrize(("status", "nip", "message"), BAD_NIPS)
def test_bad_nip_is_refused_next_to_the_field(login_as, world, status, nip, message):
    client = login_as("admin.dinkes")
    before = _count()
    golongan = "IX" if status == "PPPK" else "III/a"
    data = f.employee_form(nip=nip, status=status, golongan=golongan, unit=world.dinkes.id)
    response = client.post("/employeeview/add", data=data)
    assert response.status_code == 200
    assert f.field_errors(response.text, "nip") == [message]
    assert f.field_errors(response.text, "golongan") == []
    assert _count() == before
    assert _by_nip(nip) is None


@pytest.mark.parametrize(
    ("status", "golongan", "message"),
    [
        ("PPPK", "III/a", "Golongan III/a tidak berlaku untuk PPPK (yang berlaku: I … XVII)."),
        ("PNS", "IX", "Golongan IX tidak berlaku untuk PNS (yang berlaku: I/a … IV/e)."),
        ("PNS", "IV/f", "Golongan IV/f tidak berlaku untuk PNS (yang berlaku: I/a … IV/e)."),
    ],
)
def test_golongan_must_fit_the_status(login_as, world, status, golongan, message):
    client = login_as("admin.dinkes")
    before = _count()
    data = f.employee_form(
        nip=f.nip(status), status=status, golongan=golongan, unit=world.dinkes.id
    )
    response = client.post("/employeeview/add", data=data)
    assert response.status_code == 200
    assert f.field_errors(response.text, "golongan") == [message]
    assert f.field_errors(response.text, "nip") == []
    assert _count() == before


def test_duplicate_nip_is_refused(login_as, world):
    client = login_as("admin.dinkes")
    taken = world.people["pegawai.disdik"].nip  # another unit's person: still unique regency-wide
    before = _count()
    response = client.post(
        "/employeeview/add", data=f.employee_form(nip=taken, unit=world.dinkes.id)
    )
    assert response.status_code == 200
    (errors,) = f.field_errors(response.text, "nip")
    assert errors.startswith(f"NIP {taken} sudah dipakai pegawai lain.")
    # FAB's own unique check may add "Sudah ada." ("Already exists."), but only once.
    assert errors.count("Sudah ada.") <= 1
    assert _count() == before


def test_supervisor_cannot_be_self_on_edit(login_as, world):
    client = login_as("admin.dinkes")
    target = world.people["pegawai.dinkes"]
    response = client.post(
        f"/employeeview/edit/{target.id}", data=f.employee_form(target, supervisor=target.id)
    )
    assert response.status_code == 200
    assert f.field_errors(response.text, "supervisor") == [
        "Pegawai tidak dapat menjadi pejabat penilai bagi dirinya sendiri."
    ]
    assert _by_nip(target.nip).supervisor_id == world.people["penilai.dinkes"].id


def test_supervisor_cycle_is_refused_on_edit(login_as, world):
    client = login_as("admin.dinkes")
    a = f.make_employee(world.dinkes, "Pegawai A")
    b = f.make_employee(world.dinkes, "Pegawai B")
    # A -> B (B evaluates A) is fine ...
    response = client.post(f"/employeeview/edit/{a.id}", data=f.employee_form(a, supervisor=b.id))
    assert response.status_code == 302
    assert _by_nip(a.nip).supervisor_id == b.id
    # ... then B -> A closes a cycle.
    response = client.post(f"/employeeview/edit/{b.id}", data=f.employee_form(b, supervisor=a.id))
    assert response.status_code == 200
    assert f.field_errors(response.text, "supervisor") == [
        "Pejabat penilai ini akan membuat lingkaran: ia berada di bawah pegawai ini."
    ]
    assert _by_nip(b.nip).supervisor_id is None


def test_longer_cycle_through_the_chain_is_refused(login_as, world):
    client = login_as("admin.dinkes")
    head = world.people["head.dinkes"]  # pegawai -> penilai -> head
    response = client.post(
        f"/employeeview/edit/{head.id}",
        data=f.employee_form(head, supervisor=world.people["pegawai.dinkes"].id),
    )
    assert response.status_code == 200
    assert f.field_errors(response.text, "supervisor")
    assert _by_nip(head.nip).supervisor_id is None


def test_valid_edit_is_saved(login_as, world):
    client = login_as("admin.dinkes")
    target = world.people["pegawai.dinkes"]
    response = client.post(
        f"/employeeview/edit/{target.id}",
        data=f.employee_form(target, name="Pegawai Dinkes Baru", unit=world.puskesmas.id),
    )
    assert response.status_code == 302
    saved = _by_nip(target.nip)
    assert (saved.name, saved.unit_id) == ("Pegawai Dinkes Baru", world.puskesmas.id)


# --- the same rules through the API ---------------------------------------------------


def _payload(world, **overrides) -> dict:
    payload = {
        "nip": f.nip(),
        "name": "Pegawai API",
        "status": "PNS",
        "golongan": "III/a",
        "jabatan": "Analis",
        "jabatan_type": "pelaksana",
        "unit_id": world.dinkes.id,
        "supervisor_id": world.people["penilai.dinkes"].id,
        "active": True,
    }
    payload.update(overrides)
    return payload


def test_api_add_employee(client, world, api_token):
    payload = _payload(world)
    response = client.post("/api/v1/employee/", json=payload, headers=api_token("admin.dinkes"))
    assert response.status_code == 201, response.json
    employee = _by_nip(payload["nip"])
    assert employee.id == response.json["id"]
    assert employee.unit_id == world.dinkes.id


@pytest.mark.parametrize(("status", "nip", "message"), BAD_NIPS)
def test_api_bad_nip_is_422(client, world, api_token, status, nip, message):
    before = _count()
    payload = _payload(
        world, nip=nip, status=status, golongan="IX" if status == "PPPK" else "III/a"
    )
    response = client.post("/api/v1/employee/", json=payload, headers=api_token("admin.dinkes"))
    assert response.status_code == 422
    assert response.json["errors"]["nip"] == [message]
    assert _count() == before


def test_api_field_errors_for_golongan_duplicate_and_unit(client, world, api_token):
    before = _count()
    taken = world.people["pegawai.dinkes"].nip
    payload = _payload(world, nip=taken, status="PPPK", golongan="III/a", unit_id=world.disdik.id)
    response = client.post("/api/v1/employee/", json=payload, headers=api_token("admin.dinkes"))
    assert response.status_code == 422
    errors = response.json["errors"]
    assert f"NIP {taken} sudah dipakai pegawai lain." in errors["nip"]
    assert errors["golongan"] == [
        "Golongan III/a tidak berlaku untuk PPPK (yang berlaku: I … XVII)."
    ]
    assert errors["unit_id"] == ["Pilih unit dalam lingkup Anda sendiri."]
    assert _count() == before


def test_api_cycle_and_self_are_422(client, world, api_token):
    headers = api_token("admin.dinkes")
    head = world.people["head.dinkes"]
    response = client.put(
        f"/api/v1/employee/{head.id}", json={"supervisor_id": head.id}, headers=headers
    )
    assert response.status_code == 422
    assert response.json["errors"]["supervisor_id"] == [
        "Pegawai tidak dapat menjadi pejabat penilai bagi dirinya sendiri."
    ]
    response = client.put(
        f"/api/v1/employee/{head.id}",
        json={"supervisor_id": world.people["pegawai.dinkes"].id},
        headers=headers,
    )
    assert response.status_code == 422
    assert response.json["errors"]["supervisor_id"] == [
        "Pejabat penilai ini akan membuat lingkaran: ia berada di bawah pegawai ini."
    ]
    assert _by_nip(head.nip).supervisor_id is None


def test_api_unknown_field_is_rejected(client, world, api_token):
    before = _count()
    payload = _payload(world, user_id=1)
    response = client.post("/api/v1/employee/", json=payload, headers=api_token("admin.dinkes"))
    assert response.status_code == 422
    assert "user_id" in response.json["errors"]
    assert _count() == before


def test_employee_page_lists_visible_evaluations_with_print_buttons(login_as, cycle):
    employee_id = cycle.submission.employee_id
    page = login_as("penilai.dinkes").get(f"/employeeview/show/{employee_id}")
    html = page.get_data(as_text=True)
    assert 'id="employee-submissions"' in html
    assert f"/print/submission/{cycle.submission.id}/form" in html
    other = login_as("pegawai.dinkes").get(f"/employeeview/show/{cycle.other.employee_id}")
    assert other.status_code == 404
