"""The HR overview: units sorted and filtered (behind schedule first), and the people search."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from app.models.types import PeriodState
from app.services import dashboard as figures
from app.services.dashboard import UnitFigures
from tests import factories as f
from tests.conftest_dashboard import approved


def _unit(code, approved_n, total, rating=None, violations=0):
    unit = UnitFigures(len(code), code, code, None)
    unit.states["approved"], unit.states["draft"] = approved_n, total - approved_n
    unit.rating, unit.violations = rating, [object()] * violations
    unit.predikat = {"baik": approved_n} if approved_n else {}
    return unit


def test_expected_share_follows_the_calendar_and_is_full_once_closed(world):
    period = f.make_period(start=dt.date(2026, 1, 1), end=dt.date(2026, 1, 11))
    assert figures.expected_share(period, dt.date(2025, 12, 1)) == 0
    assert figures.expected_share(period, dt.date(2026, 1, 6)) == Decimal(50)
    assert figures.expected_share(period, dt.date(2026, 2, 1)) == 100
    period.state = PeriodState.CLOSED.value
    assert figures.expected_share(period, dt.date(2026, 1, 2)) == 100


def test_units_behind_come_first_and_each_sort_and_filter_holds():
    ahead, behind, worse = _unit("A", 8, 10, "baik"), _unit("B", 4, 10), _unit("C", 1, 10)
    off = _unit("D", 9, 10, "istimewa", violations=2)
    units = [ahead, behind, worse, off]
    expected = Decimal(50)
    codes = lambda rows: [u.code for u in rows]  # noqa: E731
    assert codes(figures.arrange_units(units, expected)) == ["C", "B", "A", "D"]
    assert codes(figures.arrange_units(units, expected, "completion")) == ["C", "B", "A", "D"]
    assert codes(figures.arrange_units(units, expected, "violations"))[0] == "D"
    assert codes(figures.arrange_units(units, expected, "rating"))[:2] == ["D", "A"]
    assert codes(figures.arrange_units(units, expected, keep="behind")) == ["C", "B"]
    assert codes(figures.arrange_units(units, expected, keep="violations")) == ["D"]


def test_the_overview_page_marks_and_filters_units_behind(
    world, open_period, dinkes_template, login_as
):
    people = world.people
    for key in ("pegawai.dinkes", "admin.dinkes", "penilai.dinkes", "head.dinkes"):
        approved(people[key], open_period, dinkes_template)
    client = login_as("hr")
    page = client.get(f"/dashboard/?period={open_period.id}&keep=behind").get_data(as_text=True)
    table = page[
        page.index('id="completion-table"') : page.index(
            "</table>", page.index('id="completion-table"')
        )
    ]
    shown = set(re.findall(r'data-unit-id="(\d+)"', table))
    assert str(world.dinkes.id) not in shown  # every evaluation approved
    assert str(world.disdik.id) in shown and "unit-behind" in table


# --- the people search of the top bar --------------------------------------------------------


def test_search_finds_by_name_or_nip_within_the_scope_only(world, login_as):
    from app.scope import scope_for
    from app.services.org import find_employees

    pegawai = world.people["pegawai.dinkes"]
    hr = scope_for(world.users["hr"])
    assert pegawai in find_employees(hr, pegawai.name[2:8].upper())
    assert find_employees(hr, pegawai.nip[:14]) and all(
        e.nip.startswith(pegawai.nip[:14]) for e in find_employees(hr, pegawai.nip[:14])
    )
    assert find_employees(hr, "x") == [] and find_employees(hr, "%%") == []
    outsider = scope_for(world.users["admin.disdik"])
    assert pegawai not in find_employees(outsider, pegawai.name)


def test_the_top_bar_search_opens_a_single_match_and_escapes_the_query(world, login_as):
    pegawai = world.people["pegawai.dinkes"]
    client = login_as("hr")
    assert 'id="top-search"' in client.get("/dashboard/").get_data(as_text=True)
    one = client.get(f"/dashboard/search?q={pegawai.nip}")
    assert one.status_code == 302
    assert one.headers["Location"].endswith(f"/dashboard/employee/{pegawai.id}")
    none = client.get("/dashboard/search?q=<b>zz</b>").get_data(as_text=True)
    assert 'id="search-none"' in none and "<b>zz</b>" not in none
    other = login_as("admin.disdik").get(f"/dashboard/search?q={pegawai.nip}")
    assert other.status_code == 200 and f'data-employee-id="{pegawai.id}"' not in other.text
