"""Records that evaluations, documents or audit entries refer to are never hard-deleted.

The API and the views answer 409 with what refers to the record and what to do instead
(deactivate, archive); admins included. Records nothing refers to can still be deleted.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.extensions import db as _db
from app.models import Employee, EvaluationPeriod, Submission, Unit
from app.models.types import PeriodState
from app.services import integrity
from app.services.periods import change_period_state
from tests import factories as f


@pytest.fixture
def closed_cycle(cycle):
    """The cycle with pegawai.dinkes's evaluation approved and the period closed."""
    cycle.submit()
    cycle.approve()
    change_period_state([cycle.period], PeriodState.CLOSED, cycle.user_id("admin"))
    return cycle


@pytest.fixture
def admin_api(client, api_token):
    headers = api_token("admin")

    def _call(method, path):
        return client.open(path, method=method, headers=headers)

    return _call


def _count(model) -> int:
    return _db.session.scalar(select(func.count()).select_from(model))


def _choices(html: str, field: str) -> set[int]:
    """The ids offered by the form's `field` select."""
    block = re.search(rf'<select[^>]*id="{field}"[^>]*>(.*?)</select>', html, re.S)
    assert block, field
    return {int(v) for v in re.findall(r'<option value="(\d+)"', block.group(1))}


def _conflict(response, *words) -> str:
    assert response.status_code == 409, response.get_data(as_text=True)
    body = response.json
    assert set(body) == {"message", "errors"} and body["errors"] == {}
    for word in words:
        assert word in body["message"], body["message"]
    return body["message"]


def test_api_refuses_to_delete_a_closed_period_with_evaluations(admin_api, closed_cycle):
    period_id, submission_id = closed_cycle.period.id, closed_cycle.submission.id
    message = _conflict(admin_api("DELETE", f"/api/v1/period/{period_id}"), "penilaian")
    assert "selama belum memiliki penilaian" in message
    assert _db.session.get(EvaluationPeriod, period_id) is not None
    assert admin_api("GET", f"/api/v1/submission/{submission_id}").status_code == 200


def test_api_refuses_to_delete_an_evaluated_employee_and_offers_deactivation(
    admin_api, closed_cycle
):
    before = _count(Submission)
    employee = closed_cycle.world.people["pegawai.dinkes"]
    _conflict(admin_api("DELETE", f"/api/v1/employee/{employee.id}"), "penilaian", "Nonaktifkan")
    evaluator = closed_cycle.world.people["penilai.dinkes"]
    _conflict(admin_api("DELETE", f"/api/v1/employee/{evaluator.id}"), "penilaian")
    assert _count(Submission) == before


def test_api_refuses_to_delete_a_unit_in_use_and_offers_archiving(admin_api, closed_cycle):
    dinkes = closed_cycle.world.dinkes
    message = _conflict(admin_api("DELETE", f"/api/v1/unit/{dinkes.id}"), "Arsipkan")
    for what in ("pegawai", "penilaian", "unit", "formulir indikator"):
        assert what in message
    assert _db.session.get(Unit, dinkes.id) is not None


def test_records_nothing_refers_to_can_still_be_deleted(admin_api, world):
    period = f.make_period("Triwulan II 2027", state=PeriodState.DRAFT)
    unit = f.make_unit("DISHUB", "Dinas Perhubungan")
    employee = f.make_employee(unit, "Pegawai Baru")
    assert admin_api("DELETE", f"/api/v1/period/{period.id}").status_code == 200
    assert admin_api("DELETE", f"/api/v1/employee/{employee.id}").status_code == 200
    assert admin_api("DELETE", f"/api/v1/unit/{unit.id}").status_code == 200
    assert _db.session.get(EvaluationPeriod, period.id) is None


def test_a_reference_the_check_misses_is_still_a_409_not_a_500(
    admin_api, closed_cycle, monkeypatch
):
    monkeypatch.setattr("app.api.base.check_deletable", lambda item: None)
    response = admin_api("DELETE", f"/api/v1/period/{closed_cycle.period.id}")
    _conflict(response, "data lain merujuk")
    assert _db.session.get(EvaluationPeriod, closed_cycle.period.id) is not None


def test_view_answers_409_with_the_explanation(login_as, closed_cycle):
    client = login_as("admin")
    client.get("/lang/en")
    before = _count(Employee), _count(Submission)
    world = closed_cycle.world
    for path, words in (
        (f"/periodview/delete/{closed_cycle.period.id}", ("evaluations",)),
        (f"/employeeview/delete/{world.people['pegawai.dinkes'].id}", ("Deactivate",)),
        (f"/unitview/delete/{world.dinkes.id}", ("Archive",)),
    ):
        response = client.post(path)
        assert response.status_code == 409, path
        page = response.get_data(as_text=True)
        assert all(word in page for word in words), page
    assert (_count(Employee), _count(Submission)) == before


def test_view_explains_in_indonesian(login_as, closed_cycle):
    client = login_as("hr")
    response = client.post(f"/periodview/delete/{closed_cycle.period.id}")
    assert response.status_code == 409
    assert "tidak dapat dihapus" in response.get_data(as_text=True)


def test_view_still_deletes_an_unused_period(login_as):
    client = login_as("admin")
    period = f.make_period("Triwulan II 2027", state=PeriodState.DRAFT)
    response = client.post(f"/periodview/delete/{period.id}")
    assert response.status_code == 302
    assert _db.session.get(EvaluationPeriod, period.id) is None


def test_deactivating_instead_keeps_the_history(login_as, closed_cycle):
    client = login_as("hr")
    employee = closed_cycle.world.people["pegawai.dinkes"]
    response = client.post(
        "/employeeview/action_post", data={"action": "deactivate_employees", "rowid": [employee.id]}
    )
    assert response.status_code == 302
    _db.session.expire_all()
    assert _db.session.get(Employee, employee.id).active is False
    assert _db.session.get(Submission, closed_cycle.submission.id).employee_id == employee.id
    form = client.get(f"/employeeview/edit/{closed_cycle.world.people['perawat.pkm'].id}")
    assert employee.id not in _choices(form.get_data(as_text=True), "supervisor")


def test_archiving_a_unit_removes_it_from_the_pickers(login_as, closed_cycle):
    client = login_as("hr")
    puskesmas = closed_cycle.world.puskesmas
    response = client.post(
        "/unitview/action_post", data={"action": "archive_units", "rowid": [puskesmas.id]}
    )
    assert response.status_code == 302
    _db.session.expire_all()
    assert _db.session.get(Unit, puskesmas.id).archived is True
    form = client.get("/employeeview/add").get_data(as_text=True)
    assert closed_cycle.world.dinkes.id in _choices(form, "unit")
    assert puskesmas.id not in _choices(form, "unit")
    assert "diarsipkan" in client.get(f"/unitview/show/{puskesmas.id}").get_data(as_text=True)


def test_the_service_names_every_kind_of_reference(closed_cycle):
    found = integrity.references(closed_cycle.world.dinkes)
    assert found["employees"] == 4
    in_dinkes = select(func.count()).where(Submission.unit_id == closed_cycle.world.dinkes.id)
    assert found["submissions"] == _db.session.scalar(in_dinkes)
    children = select(func.count()).where(Unit.parent_id == closed_cycle.world.dinkes.id)
    assert found["units"] == _db.session.scalar(children)
    assert integrity.references(closed_cycle.template_version) == {
        "submissions": _count(Submission)
    }


def test_api_refuses_new_people_in_an_archived_unit_or_under_an_inactive_evaluator(
    client, api_token, world
):
    headers = api_token("hr")
    world.puskesmas.archived = True
    world.people["penilai.dinkes"].active = False
    _db.session.commit()
    payload = {
        "nip": f.nip(), "name": "Pegawai Baru", "status": "PNS", "golongan": "III/a",
        "jabatan": "Perawat", "jabatan_type": "pelaksana", "unit_id": world.puskesmas.id,
        "supervisor_id": world.people["penilai.dinkes"].id, "active": True,
    }  # fmt: skip
    response = client.post("/api/v1/employee/", json=payload, headers=headers)
    assert response.status_code == 422
    assert response.json["errors"]["unit_id"] == [
        "Unit ini sudah diarsipkan; pilih unit yang masih digunakan."
    ]
    assert response.json["errors"]["supervisor_id"] == [
        "Pejabat penilai yang dipilih sudah tidak aktif."
    ]
    # Records that already have them keep working: the nurse of the archived puskesmas.
    nurse = world.people["perawat.pkm"]
    response = client.put(
        f"/api/v1/employee/{nurse.id}", json={"jabatan": "Perawat Ahli"}, headers=headers
    )
    assert response.status_code == 200, response.json


def test_a_unit_admin_archives_a_template_and_it_can_no_longer_be_assigned(login_as, cycle):
    client = login_as("admin.dinkes")
    template_id = cycle.template_version.template_id
    offered = "DINKES-STAF v1"
    assert offered in client.get("/assign/").text
    response = client.post(f"/evaluation-templates/{template_id}/archive")
    assert response.status_code == 302
    assert "Templat diarsipkan." in client.get("/evaluation-templates/").text
    assert offered not in client.get("/assign/").text
    client.post(f"/evaluation-templates/{template_id}/archive", data={"restore": "1"})
    assert offered in client.get("/assign/").text
