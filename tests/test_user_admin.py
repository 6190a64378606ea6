"""FAB's user administration: bad bulk actions get a 4xx, accounts with history stay."""

from __future__ import annotations

from flask_appbuilder.security.sqla.models import User


def test_bulk_delete_of_users_is_a_bad_request(login_as, world, db):
    client = login_as("admin")
    user_id = world.users["pegawai.dinkes"].id
    response = client.post("/users/action_post", data={"action": "delete", "rowid": [user_id]})
    assert response.status_code == 400
    assert db.session.get(User, user_id) is not None


def test_bulk_action_without_rows_or_unknown_rows(login_as, world):
    client = login_as("admin")
    assert client.post("/users/action_post", data={"action": "delete"}).status_code == 400
    assert client.post("/users/action_post", data={}).status_code == 400
    response = client.post(f"/users/action/nope/{world.users['hr'].id}")
    assert response.status_code == 400


def test_account_linked_to_an_employee_is_not_deleted(login_as, world, db):
    client = login_as("admin")
    user_id = world.users["pegawai.dinkes"].id
    response = client.post(f"/users/delete/{user_id}", follow_redirects=True)
    assert response.status_code == 200
    assert "tidak dapat dihapus; nonaktifkan" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, user_id) is not None


def test_account_without_history_can_be_deleted(login_as, world, db):
    from tests import factories as f

    spare = f.make_user("spare", ["HR"])
    client = login_as("admin")
    client.post(f"/users/delete/{spare.id}")
    db.session.expire_all()
    assert db.session.get(User, spare.id) is None
