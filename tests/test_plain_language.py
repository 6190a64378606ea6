"""Say what people mean (issue 13 §2): labels, not codes; Indonesian formats; no English.

Helpers (percent, date_time, blank, answer display, chart ticks and legends, builder
error places) and the pages that show them, asserted on the exact rendered text.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from decimal import Decimal

import pytest
from flask_babel import force_locale

from app import charts
from app.i18n import blank, date_time, percent
from app.services.submission_forms import display
from forms import parse_definition
from forms.definition import check_definition, describe_path
from tests import conftest_cycle

CHOICES = {
    "key": "layanan",
    "type": "multiselect",
    "label": {"id": "Layanan unggulan"},
    "choices": [
        {"value": "kia", "label": {"id": "Kesehatan ibu dan anak"}},
        {"value": "ptm", "label": {"id": "Penyakit tidak menular"}},
    ],
}
DATE = {"key": "tanggal", "type": "date", "label": {"id": "Tanggal kunjungan"}}


def _field(definition: dict):
    form = {"code": "UJI", "title": {"id": "Uji"}, "fields": [definition]}
    return parse_definition(form).fields[0]


# --- helpers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("id", ["98,7%", "109,6%", "103,61%", "", "—", "—", 0]),
     ("en", ["98.7%", "109.6%", "103.61%", "", "—", "—", 0])],
)  # fmt: skip
def test_percent_and_blank(app, locale, expected):
    with app.test_request_context("/"), force_locale(locale):
        shown = [percent(98.71), percent(Decimal("109.6")), percent(103.61, 2), percent(None)]
        assert shown + [blank(None), blank(""), blank(0)] == expected


def test_date_time_is_written_out_in_the_portal_time_zone(app):
    with app.test_request_context("/"), force_locale("id"):
        assert date_time(dt.datetime(2026, 11, 14, 1, 30)) == "14 November 2026 09.30"
        assert date_time(None) == ""


def test_answers_show_choice_labels_numbers_and_dates(app):
    with app.test_request_context("/"), force_locale("id"):
        choices, date = _field(CHOICES), _field(DATE)
        assert display(["kia", "ptm"], choices) == "Kesehatan ibu dan anak, Penyakit tidak menular"
        assert display("ptm", choices) == "Penyakit tidak menular"
        assert display(["kia", "lain"], choices) == "Kesehatan ibu dan anak, lain"  # unknown code
        assert display("2026-11-14", date) == "14 November 2026"
        assert display(Decimal("98.71")) == "98,71"
        assert display(1500) == "1.500"
        assert display(True) == "Ya"
        assert display(None) == ""


def test_builder_errors_name_the_field_and_its_label(app):
    definition = {
        "code": "UJI",
        "title": {"id": "Uji"},
        "fields": [
            {"key": "cakupan", "type": "integer", "label": {"id": ""}},
            {
                "key": "layanan", "type": "select", "label": {"id": "Layanan"},
                "choices": [{"value": "kia", "label": {"en": "MCH"}}],
            },
        ],
    }  # fmt: skip
    with app.test_request_context("/"), force_locale("id"):
        messages = {error.path: str(error.message) for error in check_definition(definition)}
        assert messages == {
            "fields[0].label": "Isian cakupan, label: label bahasa Indonesia wajib diisi.",
            "fields[1].choices[0].label": (
                "Isian layanan (Layanan), pilihan ke-1 › label: label bahasa Indonesia wajib diisi."
            ),
        }
        assert describe_path("fields[5].label", definition) == "fields[5].label"  # no such field
        assert describe_path("code", definition) == "code"
        unnamed = {"fields": [{"label": {"id": "Tanpa kunci"}}]}
        assert describe_path("fields[0].key", unnamed) == "Isian ke-1 (Tanpa kunci), key"


# --- charts ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("highest", "ticks"),
    [(101, [0, 50, 100, 150]), (87, [0, 25, 50, 75, 100]), (100, [0, 25, 50, 75, 100]),
     (0, [0, 0.25, 0.5, 0.75, 1]), (7, [0, 2, 4, 6, 8])],
)  # fmt: skip
def test_chart_ticks_are_round(highest, ticks):
    assert charts.nice_ticks(highest) == ticks


def test_chart_text_is_at_least_12_px_and_never_cut(app):
    assert charts.FONT_SIZE * charts.MIN_WIDTH / charts.WIDTH >= 12
    segments = [
        charts.Segment(key, label, "#123456")
        for key, label in [("a", "Sangat Baik"), ("b", "Baik"), ("c", "Butuh Perbaikan"),
                           ("d", "Kurang/Misconduct"), ("e", "Sangat Kurang")]
    ]  # fmt: skip
    with app.test_request_context("/"), force_locale("id"):
        stacked = str(charts.stacked_bar([charts.StackedRow("Dinkes", {"a": 1})], segments, "T"))
        line = str(
            charts.line_chart(
                ["Triwulan I 2026", "Triwulan II 2026", "Triwulan III 2026", "Triwulan IV 2026"],
                [charts.Series("Rata-rata capaian", [98.71, 100, None, 109.6])],
                "Tren",
            )
        )
    assert 'role="figure"' in stacked and "Sangat Kurang</text>" in stacked
    for svg in (stacked, line):
        width = charts.WIDTH
        texts = re.findall(r"<text ([^>]*)>(?:<title>[^<]*</title>)?([^<]+)<", svg)
        for attributes, label in texts:
            x = re.search(r'x="([\d.]+)"', attributes)[1]
            anchor = (re.search(r'text-anchor="(\w+)"', attributes) or [None, "start"])[1]
            size = len(label) * charts.CHAR_WIDTH
            start = float(x) - (size / 2 if anchor == "middle" else size if anchor == "end" else 0)
            assert start >= 0 and start + size <= width, (label, x, anchor)
    assert "Triwulan IV 2026</text>" in line
    assert "Rata-rata capaian — Triwulan IV 2026: 109,6%" in line
    assert ">150</text>" in line and ">0</text>" in line


# --- pages -----------------------------------------------------------------------------


@pytest.fixture
def choice_cycle(monkeypatch, request):
    """The evaluation cycle with a multi-choice and a date question added to its form."""
    form = copy.deepcopy(conftest_cycle.CYCLE_FORM)
    form["fields"] += [CHOICES, DATE]
    monkeypatch.setattr(conftest_cycle, "CYCLE_FORM", form)
    return request.getfixturevalue("cycle")


def test_review_and_fill_pages_show_labels_and_indonesian_formats(login_as, choice_cycle):
    cycle = choice_cycle
    answers = dict(conftest_cycle.GOOD, layanan=["kia", "ptm"], tanggal="2026-11-14")
    cycle.submit(answers)
    for username, url in [
        ("penilai.dinkes", f"/reviews/{cycle.submission.id}/"),
        ("pegawai.dinkes", f"/my/{cycle.submission.id}/"),
    ]:
        html = login_as(username).get(url).get_data(as_text=True)
        row = html[html.index(f'data-ref="{cycle.ref("layanan")}"') :]
        row = row[: row.index("</tr>")]
        assert "Kesehatan ibu dan anak, Penyakit tidak menular" in row
        assert "kia" not in row.replace(cycle.ref("layanan"), "")
        date_row = html[html.index(f'data-ref="{cycle.ref("tanggal")}"') :]
        assert "14 November 2026" in date_row[: date_row.index("</tr>")]
        assert "2026-11-14" not in html


def test_page_frame_is_indonesian_and_accessible(login_as, world):
    html = login_as("admin.dinkes").get("/unitview/list/").get_data(as_text=True)
    assert '<html lang="id">' in html
    assert 'aria-label="Menu"' in html and 'alt="Kinerja Mamuju"' in html
    assert 'role="header"' not in html
    dialog = html[html.index('<dialog id="portal-confirm"') :]
    assert ">Batal</button>" in dialog and ">Ya</button>" in dialog
    assert '"removeAllItems": "Hapus semua pilihan"' in html
    assert ">Cancel<" not in html and ">OK<" not in html
    assert "/static/js/portal.js" in html


def test_unit_and_employee_pages_show_a_dash_not_none(login_as, world):
    client = login_as("admin.dinkes")
    listing = client.get("/unitview/list/").get_data(as_text=True)
    shown = client.get(f"/unitview/show/{world.dinkes.id}").get_data(as_text=True)
    for html in (listing, shown):
        assert ">None<" not in html and "None\n" not in html
    assert re.search(r"<td>\s*—\s*</td>", listing)  # Dinkes has no parent unit


def test_period_action_says_buka(login_as, world):
    html = login_as("hr").get("/periodview/list/").get_data(as_text=True)
    assert re.search(r"fa-unlock[^<]*</i>\s*Buka\b", html), "open action label"
    assert "Dibuka</a>" not in html
