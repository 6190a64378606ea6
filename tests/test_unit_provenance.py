"""Seed provenance: example and unconfirmed units say so until HR confirms them."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select, text

from app.extensions import db as _db
from app.models import AuditEntry, Unit
from seeds import SEEDS_DIR
from seeds.loader import load_reference

# Phrases that make invented example data read as an official document.
OFFICIAL_CLAIMS = ("Renstra", "RPJMD", "Perbup", "Peraturan Bupati", "strategic plan")


@pytest.fixture
def seeded(world):
    load_reference(_db.session)
    _db.session.commit()


def _unit(code: str) -> Unit:
    return _db.session.scalars(select(Unit).filter_by(code=code)).one()


def test_the_seed_flags_are_stored(seeded):
    assert _unit("BKPSDM").unconfirmed and not _unit("BKPSDM").example
    assert _unit("PKM-MAMUJU").example
    setda = _unit("SETDA")
    assert not (setda.unconfirmed or setda.example or setda.archived)


def test_badges_in_the_list_the_detail_and_the_tree(login_as, seeded):
    client = login_as("hr")
    listing = client.get("/unitview/list/").get_data(as_text=True)
    assert "belum dikonfirmasi" in listing
    detail = client.get(f"/unitview/show/{_unit('PKM-MAMUJU').id}").get_data(as_text=True)
    assert "contoh" in detail
    tree = client.get("/units/tree/").get_data(as_text=True)
    assert "belum dikonfirmasi" in tree and "contoh" in tree
    setda = client.get(f"/unitview/show/{_unit('SETDA').id}").get_data(as_text=True)
    assert "belum dikonfirmasi" not in setda and "unit-status" not in setda


def test_hr_confirms_a_unit_and_reseeding_does_not_undo_it(login_as, seeded, world):
    client = login_as("hr")
    bkpsdm = _unit("BKPSDM")
    response = client.post(
        "/unitview/action_post", data={"action": "confirm_units", "rowid": [bkpsdm.id]}
    )
    assert response.status_code == 302
    _db.session.expire_all()
    assert not _unit("BKPSDM").unconfirmed
    entry = _db.session.scalars(select(AuditEntry).filter_by(action="unit_confirmed")).one()
    assert entry.changes == {"unit": "BKPSDM", "unconfirmed": True, "example": False}
    assert entry.user_id == world.users["hr"].id
    detail = client.get(f"/unitview/show/{bkpsdm.id}").get_data(as_text=True)
    assert "belum dikonfirmasi" not in detail
    load_reference(_db.session)
    _db.session.commit()
    assert not _unit("BKPSDM").unconfirmed


def test_a_unit_admin_cannot_confirm(login_as, seeded):
    client = login_as("admin.dinkes")
    pkm = _unit("PKM-MAMUJU")
    client.post("/unitview/action_post", data={"action": "confirm_units", "rowid": [pkm.id]})
    _db.session.expire_all()
    assert _unit("PKM-MAMUJU").example


def test_api_shows_the_flags(client, api_token, seeded):
    bkpsdm = _unit("BKPSDM")
    response = client.get(f"/api/v1/unit/{bkpsdm.id}", headers=api_token("hr"))
    assert response.json["result"]["unconfirmed"] is True
    assert response.json["result"]["example"] is False


def test_example_data_makes_no_official_claims():
    for path in sorted(Path(SEEDS_DIR).rglob("*")):
        if path.suffix in {".json", ".yaml"}:
            text = path.read_text(encoding="utf-8")
            for claim in OFFICIAL_CLAIMS:
                assert claim not in text, f"{path.name}: {claim}"
    for name in ("dinkes.json", "disdikpora.json"):
        assert "Contoh IKU" in (Path(SEEDS_DIR) / "iku" / name).read_text(encoding="utf-8")


def test_the_upgrade_flags_existing_seeded_units(tmp_path):
    from flask_migrate import upgrade

    from app import create_app
    from config import TestConfig

    fresh = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'old.db'}")
    with fresh.app_context():
        upgrade(revision="6e465a2befa4")  # the schema before the flags
        insert = text("INSERT INTO units (code, name, short_name, kind) VALUES (:c, :n, :s, :k)")
        with _db.engine.begin() as conn:
            for code, name in (
                ("BKPSDM", "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia"),
                ("PKM-MAMUJU", "Puskesmas Mamuju"),
                ("PKM-SIMBORO", "UPTD Puskesmas Simboro"),  # renamed by HR: theirs now
            ):
                conn.execute(insert, {"c": code, "n": name, "s": code, "k": "badan"})
        upgrade()
        with _db.engine.connect() as conn:
            rows = conn.execute(text("SELECT code, unconfirmed, example, archived FROM units"))
            flags = {code: (bool(u), bool(e), bool(a)) for code, u, e, a in rows}
    assert flags == {
        "BKPSDM": (True, False, False),
        "PKM-MAMUJU": (False, True, False),
        "PKM-SIMBORO": (False, False, False),
    }
