"""Re-running set-up (`flask seed`, `--demo`) adds what is missing and never undoes edits."""

from __future__ import annotations

from flask_appbuilder.security.sqla.models import User
from sqlalchemy import func, select

from app.models import Employee, EvaluationPeriod, IndicatorForm, Rank, Submission, Unit

COUNTED = (Unit, Rank, Employee, EvaluationPeriod, IndicatorForm, Submission, User)


def _seed(app, *args):
    result = app.test_cli_runner().invoke(args=["seed", *args])
    assert result.exit_code == 0, result.output
    return result.output


def _counts(db) -> dict[str, int]:
    return {m.__name__: db.session.scalar(select(func.count()).select_from(m)) for m in COUNTED}


def test_reseeding_keeps_hr_edits_and_duplicates_nothing(app, db):
    _seed(app, "--demo")
    unit = db.session.scalars(select(Unit).filter_by(code="BKPSDM")).one()
    unit.name = "Badan Kepegawaian Daerah Kabupaten Mamuju"
    rank = db.session.scalars(select(Rank).filter_by(status="PNS", golongan="III/a")).one()
    rank.pangkat = "Penata Muda (diubah)"
    employee = db.session.scalars(select(Employee).order_by(Employee.id)).first()
    employee.jabatan = "Analis SDM Aparatur (diubah)"
    hr = db.session.scalars(select(User).filter_by(username="hr")).one()
    hr.active = False
    headless = db.session.scalars(select(Unit).filter_by(code="DINKES")).one()
    headless.head_id = None
    db.session.commit()
    before = _counts(db)

    assert "no changes" in _seed(app)
    _seed(app, "--demo")

    db.session.expire_all()
    assert db.session.get(Unit, unit.id).name == "Badan Kepegawaian Daerah Kabupaten Mamuju"
    assert db.session.get(Rank, rank.id).pangkat == "Penata Muda (diubah)"
    assert db.session.get(Employee, employee.id).jabatan == "Analis SDM Aparatur (diubah)"
    assert db.session.get(User, hr.id).active is False
    assert db.session.get(Unit, headless.id).head_id is None
    assert _counts(db) == before
