"""Login accounts for employees: HR issues them with a one-time password to hand over."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import Employee
from app.security import EMPLOYEE, SUPERVISOR


@dataclass
class IssuedAccount:
    """What HR hands over: the login name and, once, the temporary password."""

    employee: Employee
    username: str
    password: str | None
    note: str


def _roles_for(employee: Employee) -> list[str]:
    leads = db.session.scalar(select(Employee.id).where(Employee.supervisor_id == employee.id))
    return [EMPLOYEE, SUPERVISOR] if leads else [EMPLOYEE]


def _temporary_password() -> str:
    return secrets.token_urlsafe(9)


def create_accounts(employees: list[Employee]) -> list[IssuedAccount]:
    """An account per employee without one: login = NIP, roles by position, random password."""
    sm = current_app.appbuilder.sm
    domain = current_app.config.get("ACCOUNT_EMAIL_DOMAIN", "pegawai.kinerja.invalid")
    issued = []
    for employee in employees:
        if employee.user_id is not None:
            issued.append(IssuedAccount(employee, employee.user.username, None,
                                        str(_l("Already has an account."))))  # fmt: skip
            continue
        if sm.find_user(username=employee.nip) is not None:
            taken = str(_l("The login name is taken by another account."))
            issued.append(IssuedAccount(employee, employee.nip, None, taken))
            continue
        password = _temporary_password()
        first, _, last = employee.name.partition(" ")
        user = sm.add_user(
            employee.nip, first[:64], (last or "-")[:64], f"{employee.nip}@{domain}",
            [sm.find_role(name) for name in _roles_for(employee)], password,
        )  # fmt: skip
        if not user:
            issued.append(IssuedAccount(employee, employee.nip, None,
                                        str(_l("The account could not be created."))))  # fmt: skip
            continue
        employee.user_id = user.id
        issued.append(IssuedAccount(employee, employee.nip, password, str(_l("Created."))))
    db.session.commit()
    return issued


def reset_passwords(employees: list[Employee]) -> list[IssuedAccount]:
    """A new temporary password for every employee that has an account."""
    sm = current_app.appbuilder.sm
    issued = []
    for employee in employees:
        if employee.user_id is None:
            issued.append(IssuedAccount(employee, "", None, str(_l("Has no account yet."))))
            continue
        password = _temporary_password()
        sm.reset_password(employee.user_id, password)
        issued.append(IssuedAccount(employee, employee.user.username, password,
                                    str(_l("Password reset."))))  # fmt: skip
    return issued
