"""Issue 11 §5: official documents — /verify shows what was printed (document type, unit,
period, the predikat, the person's masked name)."""

from __future__ import annotations

from app.extensions import db as _db
from app.services.documents import mask_name


def test_mask_name_keeps_only_initials():
    assert mask_name("Rahmat Baharudin") == "R***** B********"
    assert mask_name("  Ani ") == "A**"
    assert mask_name("") == ""


def test_verify_shows_the_printed_predikat_and_the_masked_name(login_as, cycle):
    cycle.submit()
    item = cycle.approve("above")
    assert item.predikat == "baik"
    client = login_as("pegawai.dinkes")
    response = client.get(f"/print/submission/{item.id}/evaluation")
    code = response.headers["X-Document-Code"]
    client.get("/logout/")
    page = client.get(f"/verify/{code}").text
    assert 'data-status="valid"' in page
    assert 'id="verify-person">P****** d*****<' in page
    assert 'id="verify-predikat">Baik<' in page
    assert "Pegawai dinkes" not in page
    assert "Dinas Kesehatan" in page and cycle.period.name in page

    item = cycle.reload()
    item.predikat = "sangat_baik"  # today's data differs from the paper copy
    _db.session.commit()
    page = client.get(f"/verify/{code}").text
    assert 'data-status="changed"' in page
    assert 'id="verify-predikat">Baik<' in page  # still what the copy must show
