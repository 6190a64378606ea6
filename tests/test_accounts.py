"""HR issues login accounts to employees; the password is shown once and works."""

from __future__ import annotations

import re

from app.extensions import db
from app.models import Employee


def _issued_passwords(html: str) -> list[str]:
    return re.findall(r'<code class="issued-password">([^<]+)</code>', html)


def test_hr_creates_an_account_that_logs_in_with_the_right_roles(login_as, world, client):
    head = world.people["head.dinkes"]
    assert head.user_id is None
    hr = login_as("hr")
    response = hr.post(
        "/employeeview/action_post", data={"action": "create_accounts", "rowid": [head.id]}
    )
    html = response.get_data(as_text=True)
    [password] = _issued_passwords(html)
    assert head.nip in html
    db.session.expire_all()
    user = db.session.get(Employee, head.id).user
    assert user.username == head.nip
    assert {r.name for r in user.roles} == {"Employee", "Supervisor"}  # head has subordinates

    hr.get("/logout/")
    login = client.post("/login/", data={"username": head.nip, "password": password})
    assert login.status_code == 302 and "/login" not in login.headers["Location"]


def test_an_employee_with_an_account_gets_none_twice_and_passwords_can_be_reset(login_as, world):
    pegawai = world.people["pegawai.dinkes"]
    hr = login_as("hr")
    html = hr.post(
        "/employeeview/action_post", data={"action": "create_accounts", "rowid": [pegawai.id]}
    ).get_data(as_text=True)
    assert _issued_passwords(html) == []
    html = hr.post(
        "/employeeview/action_post", data={"action": "reset_passwords", "rowid": [pegawai.id]}
    ).get_data(as_text=True)
    [password] = _issued_passwords(html)
    hr.get("/logout/")
    assert (
        hr.post("/login/", data={"username": "pegawai.dinkes", "password": password}).status_code
        == 302
    )


def test_unit_admins_cannot_issue_accounts(login_as, world):
    head = world.people["head.dinkes"]
    client = login_as("admin.dinkes")
    response = client.post(
        "/employeeview/action_post", data={"action": "create_accounts", "rowid": [head.id]}
    )
    assert response.status_code in (302, 403, 404)
    db.session.expire_all()
    assert db.session.get(Employee, head.id).user_id is None
