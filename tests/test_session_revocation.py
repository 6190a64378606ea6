"""Logout, password reset, role change and deactivation end sessions and tokens (issue 9 §4)."""

from __future__ import annotations

import pytest
from flask import g

from app.extensions import db
from app.services.accounts import reset_passwords
from tests import factories as f

PROFILE = "/users/userinfo/"  # any page that needs a login
EMPLOYEES = "/api/v1/employee/"  # any API endpoint an employee may call


def _page(client) -> int:
    """The profile page's status, as a fresh worker sees it: the test's shared app context
    would otherwise keep the users Flask-Login, FAB and JWT cached on earlier requests."""
    for name in list(vars(g)):
        g.pop(name)
    return client.get(PROFILE).status_code


def _cookie(client) -> str:
    return client.get_cookie("session").value


def _replay(client, value: str) -> int:
    client.set_cookie("session", value)
    return _page(client)


def _tokens(client, username: str) -> tuple[dict, dict]:
    response = client.post(
        "/api/v1/security/login",
        json={"username": username, "password": f.PASSWORD, "provider": "db", "refresh": True},
    )
    assert response.status_code == 200
    body = response.json
    return (
        {"Authorization": f"Bearer {body['access_token']}"},
        {"Authorization": f"Bearer {body['refresh_token']}"},
    )


def _refreshed(client, refresh: dict) -> int:
    return client.post("/api/v1/security/refresh", headers=refresh).status_code


def test_a_session_cookie_replayed_after_logout_is_refused(login_as):
    client = login_as("pegawai.dinkes")
    assert _page(client) == 200
    stolen = _cookie(client)
    client.get("/logout/")
    assert _replay(client, stolen) == 302  # to the login page


def test_logout_also_ends_the_accounts_tokens(client, login_as):
    access, refresh = _tokens(client, "pegawai.dinkes")
    login_as("pegawai.dinkes").get("/logout/")
    assert client.get(EMPLOYEES, headers=access).status_code == 401
    assert _refreshed(client, refresh) == 401


def test_hr_password_reset_ends_sessions_and_refresh_tokens(client, world, login_as):
    access, refresh = _tokens(client, "pegawai.dinkes")
    assert _refreshed(client, refresh) == 200
    stolen = _cookie(login_as("pegawai.dinkes"))
    reset_passwords([world.people["pegawai.dinkes"]])
    assert _refreshed(client, refresh) == 401
    assert client.get(EMPLOYEES, headers=access).status_code == 401
    assert _replay(client, stolen) == 302


def test_fab_password_reset_by_the_admin_ends_refresh_tokens(client, world, login_as):
    _, refresh = _tokens(client, "pegawai.dinkes")
    admin = login_as("admin")
    user = world.users["pegawai.dinkes"]
    response = admin.post(
        f"/resetpassword/form?pk={user.id}",
        data={"password": "N3w-password!", "conf_password": "N3w-password!"},
    )
    assert response.status_code == 302
    assert _refreshed(client, refresh) == 401
    assert _page(admin) == 200  # the admin's own session is untouched


def test_changing_ones_own_password_keeps_this_session_only(client, app, login_as):
    other = app.test_client()
    other.post("/login/", data={"username": "pegawai.dinkes", "password": f.PASSWORD})
    assert _page(other) == 200
    me = login_as("pegawai.dinkes")
    response = me.post(
        "/resetmypassword/form",
        data={"password": "N3w-password!", "conf_password": "N3w-password!"},
    )
    assert response.status_code == 302
    assert _page(me) == 200
    assert _page(other) == 302


@pytest.mark.parametrize("change", ["role", "deactivation"])
def test_role_change_and_deactivation_end_access_tokens(client, world, login_as, change):
    access, refresh = _tokens(client, "pegawai.dinkes")
    stolen = _cookie(login_as("pegawai.dinkes"))
    assert client.get(EMPLOYEES, headers=access).status_code == 200
    user = world.users["pegawai.dinkes"]
    if change == "role":
        user.roles.append(db.session.scalar(db.select(type(user.roles[0])).filter_by(name="HR")))
    else:
        user.active = False
    db.session.commit()
    assert client.get(EMPLOYEES, headers=access).status_code == 401
    assert _refreshed(client, refresh) == 401
    assert _replay(client, stolen) == 302
