"""Demo accounts: a warning while any keeps the demo password; no demo seed in production."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.services import demo_accounts

WARNING = 'id="demo-password-warning"'


@pytest.fixture
def demo(world, app):
    demo_accounts.record(["hr", "pegawai.dinkes", "gone"])  # world's password is the demo one
    return world


def test_login_and_admin_pages_warn_while_a_demo_password_is_left(demo, client, login_as):
    page = client.get("/login/").get_data(as_text=True)
    assert WARNING in page and "pegawai.dinkes" in page and "gone" not in page
    hr = login_as("hr")
    assert WARNING in hr.get("/").get_data(as_text=True)
    assert WARNING in hr.get("/employeeview/list/").get_data(as_text=True)
    assert WARNING not in login_as("pegawai.dinkes").get("/my/").get_data(as_text=True)


def test_the_warning_goes_when_every_demo_password_is_changed(demo, client, app):
    sm = app.appbuilder.sm
    sm.reset_password(demo.users["hr"].id, "a-new-secret-password")
    assert "pegawai.dinkes" in client.get("/login/").get_data(as_text=True)
    user = demo.users["pegawai.dinkes"]
    user.active = False  # a deactivated account does not count
    db.session.commit()
    assert WARNING not in client.get("/login/").get_data(as_text=True)


def test_no_warning_without_demo_accounts(world, client):
    assert WARNING not in client.get("/login/").get_data(as_text=True)


def test_seed_demo_refuses_in_production(app, db):
    app.config["APP_ENV"] = "production"
    try:
        result = app.test_cli_runner().invoke(args=["seed", "--demo"])
    finally:
        app.config.pop("APP_ENV")
    assert result.exit_code != 0
    assert "Refusing to load demo data" in result.output
    from flask_appbuilder.security.sqla.models import User

    assert db.session.query(User).count() == 0
