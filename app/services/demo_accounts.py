"""Demo accounts (`flask seed --demo`) that still have the demo password.

The seed records which accounts it gave the demo password; pages for admins and HR
and the login page warn while any of them still verifies against it. Verifying a
hash is slow on purpose, so each result is remembered by hash: a changed password
has a new hash and is checked once.
"""

from __future__ import annotations

from functools import lru_cache

from flask import current_app, has_request_context, request
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import select
from werkzeug.security import check_password_hash

from app import practice
from app.extensions import db
from app.services.rollup import get_policy, set_policy

POLICY_KEY = "demo_accounts"


def record(usernames: list[str]) -> None:
    """Remember the accounts the demo seed gave the demo password."""
    known = set(get_policy(POLICY_KEY, {"usernames": []})["usernames"])
    set_policy(POLICY_KEY, {"usernames": sorted(known | set(usernames))})


@lru_cache(maxsize=512)
def _verifies(password_hash: str, password: str) -> bool:
    return bool(password_hash) and check_password_hash(password_hash, password)


def _find() -> list[str]:
    usernames = get_policy(POLICY_KEY, {"usernames": []})["usernames"]
    if not usernames:
        return []
    password = current_app.config["DEMO_PASSWORD"]
    rows = db.session.execute(
        select(User.username, User.password).where(
            User.username.in_(usernames), User.active.is_(True)
        )
    )
    return sorted(name for name, hashed in rows if _verifies(hashed or "", password))


def with_demo_password() -> list[str]:
    """Active recorded demo accounts whose password is still the demo password (per request);
    none in practice mode, where the demo accounts are the point."""
    if practice.active():
        return []
    if not has_request_context():
        return _find()
    if "kinerja.demo_accounts" not in request.environ:
        request.environ["kinerja.demo_accounts"] = _find()
    return request.environ["kinerja.demo_accounts"]
