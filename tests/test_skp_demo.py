"""Demo SKPs (`flask seed --demo`): the Dinkes chain, insert-only.

Without the `world` fixture: the demo makes its own staff and accounts."""

from __future__ import annotations

import pytest
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import select

from app.extensions import db
from app.models import Employee, Skp
from app.services import skp as skp_service


@pytest.mark.usefixtures("db")
def test_demo_skps_form_the_dinkes_chain_and_are_never_overwritten(app):
    def seed():
        result = app.test_cli_runner().invoke(args=["seed", "--demo"])
        assert result.exit_code == 0, result.output
        return result.output

    assert "Demo SKP 2026: 6 plans created" in seed()

    def skp_of(username):
        employee = db.session.scalar(
            select(Employee).join(User, Employee.user_id == User.id)
            .where(User.username == username)
        )  # fmt: skip
        return employee, skp_service.skp_of(employee.id, 2026)

    penilai, own = skp_of("penilai.dinkes")
    pegawai, draft = skp_of("pegawai.dinkes")
    assert skp_service.current_version(own).state == "agreed"
    assert skp_service.current_version(draft).state == "draft"
    head_rhk = skp_service.current_version(own).items[0].parent_rhk
    assert head_rhk.iku is not None and head_rhk.iku.code.startswith("IKU-DINKES")
    assert skp_service.current_version(draft).items[0].parent_rhk.version.skp is own
    waiting = db.session.scalars(
        select(Skp).where(Skp.id.in_(skp_service.with_state("submitted")))
    ).all()
    assert [s.employee.supervisor_id for s in waiting] == [penilai.id]
    version = skp_service.current_version(draft)
    version.annex = {"resources": "Diubah oleh pegawai"}
    db.session.commit()
    assert "Demo SKP 2026: 0 plans created" in seed()
    db.session.expire_all()
    assert skp_service.current_version(draft).annex == {"resources": "Diubah oleh pegawai"}
