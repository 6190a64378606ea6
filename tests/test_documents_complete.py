"""Issue 11 §5, official documents complete: the regency emblem on every kop, the unit
recap counting every assigned employee like the dashboard, its signature never alone on
the last page, and no rule drawn over its text."""

# ruff: noqa: F811 - the `recap_data` fixture is imported from tests.printing_helpers
from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from app.extensions import db as _db
from app.scope import Scope
from app.services import dashboard, recaps
from tests import factories as f
from tests.printing_helpers import _submission, pdf_pages, recap_data, squash  # noqa: F401

HR_SCOPE = Scope(user_id=None, roles=frozenset({"HR"}))


@pytest.fixture(autouse=True)
def no_emblem_left(app):
    """The storage directory lives for the whole session: leave no emblem to other tests."""
    yield
    with app.app_context():
        from app.services import emblem

        emblem.remove()


def unit_recap(client, data, unit_id):
    response = client.get(f"/recaps/download?period={data.period.id}&unit={unit_id}&format=pdf")
    assert response.status_code == 200, response.data[:300]
    return response


def png(width=40, height=50, color=(180, 20, 20)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, format="PNG")
    return out.getvalue()


def upload(client, content: bytes, name: str = "lambang.png"):
    return client.post(
        "/document-settings/emblem",
        data={"emblem": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def images_on_first_page(pdf: bytes) -> list[bytes]:
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    return [image.data for image in page.images]


# --- the regency emblem ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"just some text\n", "lambang.png", "Berkas ini bukan gambar PNG."),
        (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>', "lambang.svg",
         "SVG tidak dapat dicetak dengan aman: unggah lambang sebagai gambar PNG."),
        (png(2100, 10), "lambang.png", "Lambang paling besar 2000 × 2000 piksel."),
        (png() + b"\0" * (1024 * 1024), "lambang.png", "Lambang paling besar 1 MB."),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "lambang.png", "Berkas ini bukan gambar PNG."),
    ],
    ids=["text-named-png", "svg", "too-many-pixels", "too-large", "broken-png"],
)  # fmt: skip
def test_emblem_upload_refuses_what_is_not_a_sound_png(login_as, app, content, name, message):
    client = login_as("hr")
    response = upload(client, content, name)
    assert response.status_code == 200
    assert message in response.text
    assert 'id="emblem-none"' in response.text
    with app.app_context():
        from app.services import emblem

        assert emblem.current() is None


def test_emblem_settings_are_for_hr_only(login_as):
    client = login_as("admin.dinkes")
    assert client.get("/document-settings/emblem").status_code == 403
    assert upload(client, png()).status_code == 403


def test_emblem_is_printed_on_the_kop_and_changes_the_cached_pdf(login_as, recap_data):
    client = login_as("hr")
    unit = recap_data.world.dinkes.id
    plain = unit_recap(client, recap_data, unit)
    assert images_on_first_page(plain.data) == []

    response = upload(client, png(color=(180, 20, 20)))
    assert response.status_code == 302
    assert 'id="emblem-preview"' in client.get("/document-settings/emblem").text
    red = unit_recap(client, recap_data, unit)
    assert red.headers["X-Document-Cache"] == "miss"  # a new print …
    assert red.headers["X-Document-Code"] == plain.headers["X-Document-Code"]  # … same data
    assert len(images_on_first_page(red.data)) == 1
    assert unit_recap(client, recap_data, unit).headers["X-Document-Cache"] == "hit"

    upload(client, png(color=(20, 20, 180)))
    blue = unit_recap(client, recap_data, unit)
    assert blue.headers["X-Document-Cache"] == "miss"
    assert images_on_first_page(blue.data) != images_on_first_page(red.data)

    client.post("/document-settings/emblem", data={"remove": "1"})
    assert images_on_first_page(unit_recap(client, recap_data, unit).data) == []


def test_emblem_is_printed_on_submission_documents(login_as, recap_data):
    client = login_as("hr")
    upload(client, png())
    response = client.get(f"/print/submission/{recap_data.approved.id}/evaluation")
    assert response.status_code == 200
    assert len(images_on_first_page(response.data)) == 1


# --- recap totals --------------------------------------------------------------------------


def test_unit_recap_counts_not_started_employees_like_the_dashboard(login_as, recap_data):
    dinkes = recap_data.world.dinkes
    f.make_employee(dinkes, "Pegawai Belum Mulai")
    f.make_employee(dinkes, "Pegawai Pensiun", active=False)
    _db.session.commit()

    figures = next(
        u for u in dashboard.summary(HR_SCOPE, recap_data.period).units if u.id == dinkes.id
    )
    section = recaps.load(recap_data.period, dinkes.id).sections[0]
    assert section.count == figures.total == 10
    assert section.state_counts == {k: v for k, v in figures.states.items() if v}
    assert section.approved == figures.states["approved"]

    text = squash(" ".join(pdf_pages(unit_recap(login_as("hr"), recap_data, dinkes.id).data)))
    assert "Pegawai Belum Mulai" in text and "Belum mulai" in text
    assert "Pegawai Pensiun" not in text
    # Sangat Baik 2, Baik 3, Butuh Perbaikan 1, Kurang 1, Sangat Kurang 0, not rated 3, total 10
    assert "2 3 1 1 0 3 10" in text
    assert "Penyelesaian : 7 / 10 (70" in text, text


# --- layout of the recap --------------------------------------------------------------------


def test_signature_never_stands_alone_on_the_last_page(login_as, recap_data):
    client = login_as("hr")
    unit = recap_data.world.dinkes.id
    added = 0
    for count in (4, 8, 11, 12, 13, 14, 15, 17, 20):  # around the end of the first page
        while added < count:
            employee = f.make_employee(recap_data.world.dinkes, f"Pegawai Tambahan {added:03d}")
            _submission(employee, recap_data.period, recap_data.version, "approved", "baik")
            added += 1
        _db.session.commit()
        last = squash(pdf_pages(unit_recap(client, recap_data, unit).data)[-1])
        assert "NIP ...." in last, count  # the signature block (no signatory configured)
        assert "Pegawai Tambahan" in last or "Staf Tambahan" in last, (count, last)


def _line_under_totals(pdf: bytes) -> tuple[float, float]:
    """Baselines (pt from the foot) of the totals row and of the first line below it."""
    texts: list[tuple[str, float]] = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            texts.append((text.strip(), cm[5] + tm[5]))

    PdfReader(io.BytesIO(pdf)).pages[-1].extract_text(visitor_text=visit)
    below = next(i for i, (text, _) in enumerate(texts) if text == "Predikat kinerja organisasi")
    return texts[below - 1][1], texts[below][1]  # the unit's total, then the line


def test_no_rule_runs_through_the_text_below_the_totals(login_as, recap_data):
    """The totals table's bottom rule lies about 3 pt under its row's baseline; the next
    line's capitals reach about 6 pt above its own. Rows of a table are 13 pt apart: the
    first line below the totals was 11.9 pt under them, its capitals on the rule."""
    response = unit_recap(login_as("hr"), recap_data, recap_data.world.dinkes.id)
    totals_row, below = _line_under_totals(response.data)
    assert totals_row - below >= 16, (totals_row, below)
