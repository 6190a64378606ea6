"""Empty states (issue 16): an empty page says what it is for, why it is empty, the next step.

Each role's main pages on a world with no data for that page show the empty state with its
exact title, action link and guide section; the same pages with data do not show it.
"""

from __future__ import annotations

import re
from html import unescape

import pytest

from tests import factories as f

_BLOCK = re.compile(
    r'<div class="empty-state[^"]*" role="status" id="([^"]+)">(.*?)</div>\s*</div>', re.S
)
_ACTION = re.compile(r'class="btn btn-primary empty-state-action" href="([^"]*)">([^<]*)</a>')
_GUIDE = re.compile(r'class="empty-state-guide" href="([^"]*)"')


def empty_states(html: str) -> dict:
    """Every empty state on the page by id: (title, action (href, label) or None, guide href)."""
    found = {}
    for block_id, body in _BLOCK.findall(html):
        action = _ACTION.search(body)
        found[block_id] = (
            unescape(re.search(r"<strong>(.*?)</strong>", body).group(1)),
            (unescape(action.group(1)), unescape(action.group(2))) if action else None,
            unescape(_GUIDE.search(body).group(1)),
        )
    return found


def shown(client, path: str) -> dict:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return empty_states(response.get_data(as_text=True))


NO_PERIOD_HR = ("Belum ada periode penilaian", ("/periodview/add", "Buka periode"),
                "/panduan/#bkpsdm-periode")  # fmt: skip
NO_PERIOD_OTHERS = ("Belum ada periode penilaian", None, "/panduan/#bkpsdm-periode")

EMPTY_WORLD = [
    # (account, page, id, title, action, guide section)
    ("pegawai.dinkes", "/my/", "my-empty", "Tidak ada periode yang dibuka",
     ("/skp/", "Buka SKP Saya"), "/panduan/#pegawai-isi"),
    ("pegawai.dinkes", "/skp/", "skp-mine-empty", "Anda belum punya SKP",
     ("#skp-year", "Buat SKP saya"), "/panduan/#pegawai-skp"),
    ("pegawai.dinkes", "/notifications/", "no-notifications", "Belum ada notifikasi",
     ("/notifications/settings", "Pilih yang juga dikirim lewat e-mail"),
     "/panduan/#pegawai-kembali"),
    ("pegawai.dinkes", "/announcements/", "no-announcements", "Belum ada pengumuman saat ini",
     None, "/panduan/#bkpsdm-rekap"),
    ("pegawai.dinkes", "/dashboard/", "results-empty", "Belum ada hasil",
     ("/my/", "Buka Kinerja Saya"), "/panduan/#pegawai-isi"),
    ("nolink", "/alignment/", "empty-tree", "Belum ada yang ditampilkan untuk tahun ini",
     ("/skp/", "Buka SKP Saya"), "/panduan/#pegawai-skp"),
    ("penilai.dinkes", "/reviews/", "review-empty", "Tidak ada penilaian yang menunggu Anda",
     ("/dashboard/team", "Buka Tim saya"), "/panduan/#penilai-tinjau"),
    ("penilai.dinkes", "/skp/approvals", "skp-empty",
     "Tidak ada SKP yang menunggu persetujuan Anda", ("/dashboard/team", "Buka Tim saya"),
     "/panduan/#pegawai-skp"),
    ("penilai.dinkes", "/dashboard/", "no-period", *NO_PERIOD_OTHERS),
    ("admin.dinkes", "/builder/", "forms-empty", "Belum ada formulir indikator",
     ("#new-code", "Buat formulir pertama"), "/panduan/#admin-formulir"),
    ("admin.dinkes", "/evaluation-templates/", "templates-empty", "Belum ada templat penilaian",
     ("#new-code", "Buat templat pertama"), "/panduan/#admin-tugaskan"),
    ("admin.dinkes", "/dashboard/", "no-period", *NO_PERIOD_OTHERS),
    ("hr", "/periods/", "periods-empty", *NO_PERIOD_HR),
    ("hr", "/dashboard/", "no-period", *NO_PERIOD_HR),
    ("hr", "/recaps/", "no-period", *NO_PERIOD_HR),
    ("hr", "/periodview/list/", "list-empty", "Belum ada periode penilaian",
     ("/periodview/add", "Tambah periode"), "/panduan/#bkpsdm-periode"),
    ("hr", "/training-needs/", "no-period", *NO_PERIOD_HR),
    ("hr", "/dashboard/awards", "no-awards", "Belum ada penghargaan",
     ("/awards/", "Pilih penerima penghargaan"), "/panduan/#bkpsdm-periode"),
    ("pegawai.dinkes", "/dashboard/awards", "no-awards", "Belum ada penghargaan", None,
     "/panduan/#bkpsdm-periode"),
    ("hr", "/announcements/", "no-announcements", "Belum ada pengumuman saat ini",
     ("/announcements/new", "Pengumuman baru"), "/panduan/#bkpsdm-rekap"),
    ("hr", "/jobs/", "jobs-empty", "Belum ada pekerjaan",
     ("/recaps/", "Buka Rekapitulasi & ekspor"), "/panduan/#bkpsdm-rekap"),
    ("hr", "/regency-goals/", "no-goals", "Belum ada tujuan daerah",
     ("/regency-goals/goal/add?kind=vision", "Tambah visi"), "/panduan/"),
]  # fmt: skip


@pytest.mark.parametrize(("account", "path", "block", "title", "action", "guide"), EMPTY_WORLD)
def test_an_empty_page_says_what_to_do_next(login_as, account, path, block, title, action, guide):
    assert shown(login_as(account), path) == {block: (title, action, guide)}


def test_employee_in_an_open_period_without_a_form_is_told_to_ask_the_unit_admin(login_as):
    f.make_period()
    assert shown(login_as("pegawai.dinkes"), "/my/") == {
        "my-empty": ("Belum ada formulir penilaian untuk Anda", None, "/panduan/#pegawai-isi")
    }
    html = login_as("pegawai.dinkes").get("/my/").get_data(as_text=True)
    assert "Hubungi admin unit Anda" in html


def test_a_filtered_list_with_no_match_offers_to_clear_the_filters(login_as):
    f.make_period()
    client = login_as("hr")
    assert shown(client, "/periodview/list/?_flt_0_name=tidak-ada") == {
        "list-empty": ("Tidak ada yang cocok dengan pencarian",
                       ("/periodview/list/", "Hapus saringan"), "/panduan/#bkpsdm-periode")
    }  # fmt: skip


def test_the_empty_state_is_english_in_english(login_as):
    client = login_as("penilai.dinkes")
    client.get("/lang/en")
    html = client.get("/reviews/").get_data(as_text=True)
    assert empty_states(html) == {
        "review-empty": ("No evaluation waits for you", ("/dashboard/team", "Open My team"),
                         "/panduan/#penilai-tinjau")
    }  # fmt: skip


WITH_DATA = [
    ("pegawai.dinkes", "/my/"),
    ("penilai.dinkes", "/reviews/"),
    ("admin.dinkes", "/builder/"),
    ("admin.dinkes", "/evaluation-templates/"),
    ("admin.dinkes", "/dashboard/"),
    ("hr", "/periods/"),
    ("hr", "/dashboard/"),
    ("hr", "/recaps/"),
    ("pegawai.dinkes", "/dashboard/"),
    ("hr", "/periodview/list/"),
    ("hr", "/employeeview/list/"),
    ("hr", "/unitview/list/"),
]


@pytest.mark.parametrize(("account", "path"), WITH_DATA)
def test_a_page_with_data_shows_no_empty_state(login_as, cycle, account, path):
    cycle.submit()
    assert shown(login_as(account), path) == {}
