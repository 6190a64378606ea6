"""Indonesian by default, English on request; locale-aware dates and numbers."""

from __future__ import annotations

import datetime as dt

import pytest
from flask_babel import force_locale, get_locale

from app.i18n import long_date, number
from tests import factories as f


def test_login_page_is_indonesian_by_default(client):
    response = client.get("/login/")
    assert response.status_code == 200
    assert "Nama pengguna" in response.text
    assert "Kata sandi" in response.text
    assert "Username" not in response.text


def test_switching_to_english_and_back(client):
    assert client.get("/lang/en").status_code == 302
    response = client.get("/login/")
    assert "Username" in response.text
    assert "Password" in response.text
    assert "Nama pengguna" not in response.text
    client.get("/lang/id")
    response = client.get("/login/")
    assert "Nama pengguna" in response.text
    assert "Username" not in response.text


# One request per test: the `db` fixture keeps an app context open for the whole test,
# and Flask-Babel caches the locale on it (FAB's /lang/<code> refreshes that cache).
@pytest.mark.parametrize(("query", "expected"), [("en", "Username"), ("id", "Nama pengguna")])
def test_locale_from_the_query_string(client, query, expected):
    assert expected in client.get(f"/login/?_l_={query}").text


def test_app_messages_follow_the_language(login_as, world):
    client = login_as("pegawai.dinkes")
    other = world.people["pegawai.disdik"].id
    response = client.get(f"/employeeview/show/{other}")
    assert response.status_code == 404
    assert "Halaman atau data tidak ditemukan, atau berada di luar lingkup Anda." in response.text
    client.get("/lang/en")
    response = client.get(f"/employeeview/show/{other}")
    assert "The page or record was not found, or it is outside your scope." in response.text


def test_form_validation_message_in_indonesian(login_as, world):
    client = login_as("admin.dinkes")
    response = client.post(
        "/employeeview/add", data=f.employee_form(nip="123", unit=world.dinkes.id)
    )
    assert f.field_errors(response.text, "nip") == ["NIP harus terdiri atas 18 digit (tertulis 3)."]
    client.get("/lang/en")
    response = client.post(
        "/employeeview/add", data=f.employee_form(nip="123", unit=world.dinkes.id)
    )
    assert f.field_errors(response.text, "nip") == ["NIP must have 18 digits (got 3)."]


@pytest.mark.parametrize(
    ("locale", "date_text", "number_text"),
    [("id", "27 November 2026", "1.234,5"), ("en", "27 November 2026", "1,234.5")],
)
def test_long_date_and_number_filters(app, locale, date_text, number_text):
    with app.test_request_context("/"), force_locale(locale):
        assert str(get_locale()) == locale
        assert long_date(dt.date(2026, 11, 27)) == date_text
        assert number(1234.5) == number_text
        assert long_date(None) == ""
        rendered = app.jinja_env.from_string("{{ d|long_date }}").render(d=dt.date(2026, 8, 17))
        assert rendered == ("17 Agustus 2026" if locale == "id" else "17 August 2026")


def test_default_locale_in_a_request_is_indonesian(app):
    with app.test_request_context("/"):
        assert str(get_locale()) == "id"
        assert long_date(dt.date(2026, 1, 5)) == "5 Januari 2026"
