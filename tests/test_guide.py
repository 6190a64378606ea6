"""Panduan: the guide for every role, the "?" of each page, and screenshots made by the script."""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path

import pytest

from app.services import guide


@pytest.mark.parametrize("account", ["pegawai.dinkes", "penilai.dinkes", "admin.dinkes", "hr"])
def test_every_role_reads_the_whole_guide(login_as, world, account):
    client = login_as(account)
    page = client.get("/panduan/").get_data(as_text=True)
    for chapter in guide.GUIDE:
        assert f'id="{chapter.role}"' in page
        for task in chapter.tasks:
            assert f'id="{task.anchor}"' in page
    assert 'id="page-help"' in page


def test_the_question_mark_opens_the_section_about_the_page(login_as, world):
    client = login_as("penilai.dinkes")
    dashboard = client.get("/reviews/").get_data(as_text=True)
    assert "/panduan/help?page=ReviewView." in dashboard
    response = client.get("/panduan/help?page=ReviewView.review")
    assert response.headers["Location"].endswith("/panduan/#penilai-tinjau")
    unknown = client.get("/panduan/help?page=Nothing.here")
    assert unknown.headers["Location"].endswith("/panduan/")


def test_screens_are_served_only_by_their_known_names(login_as, world, app, tmp_path):
    client = login_as("pegawai.dinkes")
    assert client.get("/panduan/screen/..%2Fsecret_key").status_code == 404
    assert client.get("/panduan/screen/pegawai-isi.png").status_code == 404  # not taken yet
    folder = Path(app.instance_path) / "guide"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pegawai-isi.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    try:
        assert client.get("/panduan/screen/pegawai-isi.png").status_code == 200
        assert 'src="/panduan/screen/pegawai-isi.png"' in client.get("/panduan/").get_data(
            as_text=True
        )
    finally:
        (folder / "pegawai-isi.png").unlink()


def test_the_guide_needs_a_login(client, world):
    assert client.get("/panduan/").status_code in (302, 401)


def test_the_first_login_tour_is_offered_once_per_role(login_as, world):
    client = login_as("pegawai.dinkes")
    page = client.get("/").get_data(as_text=True)
    assert 'id="tour-data"' in page and "js/tour.js" in page
    assert 'id="tour-data"' not in client.get("/my/").get_data(as_text=True)  # landing only
    assert client.post("/panduan/tour/nothing/done").status_code == 404
    assert client.post("/panduan/tour/pegawai/done").status_code == 204
    assert 'id="tour-data"' not in client.get("/").get_data(as_text=True)
    hr = login_as("hr").get("/").get_data(as_text=True)
    assert 'id="tour-data"' in hr and "#top-search-q" in hr  # each role has its own tour


def test_steps_mark_up_the_labels_their_text_names(login_as, world):
    page = login_as("pegawai.dinkes").get("/panduan/").get_data(as_text=True)
    step = re.search(r"<li data-press='(\[[^']*\])'>([^<]*)</li>", page)
    assert json.loads(step.group(1)) == ["Kinerja", "Kinerja Saya", "Isi"]
    assert unescape(step.group(2)) == (
        "Buka “Kinerja → Kinerja Saya” lalu tekan “Isi” pada evaluasi periode berjalan."
    )
    assert '<li data-do="type">' in page and 'data-phone="1"' in page
