"""Announcements (sosialisasi): HR writes them, everyone sees them on the dashboards until
they expire, a PDF attachment is downloaded, read counts per unit; bad input saves nothing."""

from __future__ import annotations

import datetime as dt
import io

from sqlalchemy import select

from app.extensions import db as _db
from app.models import Announcement

TODAY = dt.date.today()
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"


def _form(**extra):
    data = {
        "title": "Sosialisasi SKP 2027",
        "body": "Ikuti sosialisasi di aula BKPSDM.\n\nBawa laptop.",
        "starts_on": (TODAY - dt.timedelta(days=1)).isoformat(),
        "expires_on": (TODAY + dt.timedelta(days=7)).isoformat(),
    }
    data.update(extra)
    return data


def _post(client, url="/announcements/new", **extra):
    return client.post(url, data=_form(**extra), content_type="multipart/form-data")


def test_hr_publishes_everyone_sees_it_on_the_dashboard(login_as, world):
    hr = login_as("hr")
    response = _post(hr, attachment=(io.BytesIO(PDF), "Jadwal <sosialisasi>.pdf"))
    assert response.status_code == 302
    announcement = _db.session.scalars(select(Announcement)).one()

    employee = login_as("pegawai.disdik")
    page = employee.get("/dashboard/").get_data(as_text=True)
    assert 'id="announcement-banner"' in page and "Sosialisasi SKP 2027" in page
    shown = employee.get(f"/announcements/{announcement.id}/").get_data(as_text=True)
    assert "Bawa laptop." in shown and 'id="read-counts"' not in shown
    download = employee.get(f"/announcements/{announcement.id}/attachment")
    assert download.status_code == 200 and download.data == PDF
    assert "Jadwal" in download.headers["Content-Disposition"]
    assert employee.post(f"/announcements/{announcement.id}/archive").status_code in (302, 403)
    assert _db.session.get(Announcement, announcement.id).archived is False

    counts = login_as("hr").get(f"/announcements/{announcement.id}/").get_data(as_text=True)
    assert 'id="read-counts"' in counts
    assert "Dinas Pendidikan, Pemuda, dan Olahraga</td><td>1</td>" in counts


def test_expired_and_archived_ones_leave_the_dashboards(login_as, world):
    hr = login_as("hr")
    _post(hr, title="Lama", starts_on="2020-01-01", expires_on="2020-01-31")
    _post(hr, title="Diarsipkan")
    archived = _db.session.scalars(
        select(Announcement).where(Announcement.title == "Diarsipkan")
    ).one()
    assert hr.post(f"/announcements/{archived.id}/archive").status_code == 302
    page = login_as("pegawai.dinkes").get("/dashboard/").get_data(as_text=True)
    assert "Lama" not in page and "Diarsipkan" not in page
    assert login_as("pegawai.dinkes").get(f"/announcements/{archived.id}/").status_code == 404


def test_bad_input_is_refused_with_messages_and_saves_nothing(login_as, world):
    hr = login_as("hr")
    response = _post(
        hr, title=" ", expires_on="2000-01-01", attachment=(io.BytesIO(b"MZ evil"), "x.pdf")
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Write a title." in page or "Tuliskan judul." in page
    assert ("must not be before" in page) or ("tidak boleh sebelum" in page)
    assert ("Attach a PDF file." in page) or ("Lampirkan berkas PDF." in page)
    assert _db.session.scalars(select(Announcement)).all() == []


def test_title_is_escaped_everywhere(login_as, world):
    _post(login_as("hr"), title="<script>alert(1)</script>")
    page = login_as("pegawai.dinkes").get("/dashboard/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_only_hr_writes(login_as, world):
    admin = login_as("admin.dinkes")
    assert admin.get("/announcements/new").status_code in (302, 403)
    _post(admin)
    assert _db.session.scalars(select(Announcement)).all() == []
