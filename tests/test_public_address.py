"""Printed addresses come from PUBLIC_BASE_URL, never the Host header (issue 9 §3)."""

# ruff: noqa: F811 - the `recap_data` fixture is imported from tests.printing_helpers
from __future__ import annotations

import pytest

from app import create_app
from config import TestConfig, _public_base_url
from tests.printing_helpers import pdf_pages, recap_data, squash  # noqa: F401


def _print(client, submission, host="localhost"):
    response = client.get(f"/print/submission/{submission.id}/evaluation", headers={"Host": host})
    assert response.status_code == 200
    return response.headers["X-Document-Code"], squash(" ".join(pdf_pages(response.data)))


def test_a_poisoned_host_header_is_never_printed_nor_cached(login_as, recap_data):
    employee = login_as("pegawai.dinkes")
    code, text = _print(employee, recap_data.approved, host="evil.example")
    assert f"http://localhost/verify/{code}" in text
    assert "evil.example" not in text

    hr = login_as("hr")
    cached_code, cached = _print(hr, recap_data.approved)
    assert cached_code == code
    assert f"http://localhost/verify/{code}" in cached and "evil.example" not in cached


def test_the_cache_never_serves_a_document_printed_for_another_address(
    app, login_as, recap_data, monkeypatch
):
    client = login_as("pegawai.dinkes")
    code, _ = _print(client, recap_data.approved)
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://kinerja.mamujukab.go.id")
    same_code, text = _print(client, recap_data.approved)
    assert same_code == code  # the same issued document, printed for the new address
    assert f"https://kinerja.mamujukab.go.id/verify/{code}" in text
    assert "http://localhost" not in text


def _production(**settings):
    settings = {"TESTING": False, "APP_ENV": "production", **settings}
    return create_app(TestConfig, **settings)


def test_production_refuses_to_start_without_a_public_address():
    with pytest.raises(RuntimeError, match="PUBLIC_BASE_URL must be set"):
        _production(PUBLIC_BASE_URL=None)
    with pytest.raises(RuntimeError, match="PUBLIC_BASE_URL must be set"):
        _production(PUBLIC_BASE_URL="kinerja.mamujukab.go.id")


def test_production_refuses_requests_naming_an_untrusted_host():
    app = _production(
        PUBLIC_BASE_URL="https://kinerja.mamujukab.go.id/", EXTRA_TRUSTED_HOSTS=["10.0.0.5"]
    )
    assert app.config["PUBLIC_BASE_URL"] == "https://kinerja.mamujukab.go.id"
    assert app.config["TRUSTED_HOSTS"] == ["kinerja.mamujukab.go.id", "10.0.0.5"]
    client = app.test_client()
    logo = "/static/img/logo.svg"
    assert client.get(logo, headers={"Host": "evil.example"}).status_code == 400
    assert client.get(logo, headers={"Host": "kinerja.mamujukab.go.id"}).status_code == 200
    assert client.get(logo, headers={"Host": "10.0.0.5:8000"}).status_code == 200


def test_development_prints_the_address_make_run_serves(monkeypatch):
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    monkeypatch.setenv("PORT", "8000")
    assert _public_base_url("development") == "http://127.0.0.1:8000"
    assert _public_base_url("production") is None
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://kinerja.mamujukab.go.id")
    assert _public_base_url("development") == "https://kinerja.mamujukab.go.id"
