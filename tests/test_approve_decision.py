"""Issue 11 §2: the evaluator decides, the portal proposes — the approve page shows the
proposed ratings and the predikat before confirming; an override needs a reason, is audited,
shown and printed; the API takes the same decision."""

from __future__ import annotations

import re

import pytest

from app.extensions import db as _db
from tests.printing_helpers import pdf_pages, squash

API = "/api/v1/submission"


@pytest.fixture
def call(client, api_token):
    tokens = {}

    def _call(username, method, path, json=None):
        if username not in tokens:
            tokens[username] = api_token(username)
        return client.open(f"{API}{path}", method=method, json=json, headers=tokens[username])

    return _call


def _form(cycle, *ratings, **extra) -> dict:
    data = {
        f"behaviour:{code}:{part}": value
        for code, entry in cycle.ratings(*ratings).items()
        for part, value in entry.items()
    }
    data.update(feedback="Pertahankan", recommendation="Pelatihan")
    data.update(lock_version=cycle.reload().lock_version)
    data.update(extra)
    return data


def _cell(html: str, cell_id: str) -> str:
    return re.search(rf'id="{cell_id}" data-value="([^"]*)"', html).group(1)


# --- the web: two steps ----------------------------------------------------------------------


def test_approve_shows_the_proposal_and_predikat_before_saving(login_as, cycle):
    cycle.submit()  # cakupan 101.05 %, kunjungan 110 %: as expected
    client = login_as("penilai.dinkes")
    review = client.get(f"/reviews/{cycle.submission.id}/").text
    assert 'id="review-approve"' in review and 'id="approve-confirm"' not in review

    page = client.post(f"/reviews/{cycle.submission.id}/approve", data=_form(cycle, "above"))
    assert page.status_code == 200
    html = page.text
    assert 'id="approve-confirm"' in html and 'id="review-confirm"' in html
    assert _cell(html, "proposed-hasil") == "as_expected"
    assert _cell(html, "proposed-perilaku") == "above"
    assert _cell(html, "proposed-predikat") == _cell(html, "decision-predikat") == "baik"
    assert cycle.reload().state == "submitted"  # nothing saved yet
    # the evaluator's choice is recalculated without saving
    page = client.post(
        f"/reviews/{cycle.submission.id}/approve",
        data=_form(cycle, "above", hasil_rating="above", step="preview"),
    ).text
    assert _cell(page, "decision-predikat") == "sangat_baik"
    assert _cell(page, "proposed-predikat") == "baik"
    assert cycle.reload().state == "submitted"


def test_an_override_without_a_reason_is_refused_and_keeps_the_input(login_as, cycle):
    cycle.submit()
    client = login_as("penilai.dinkes")
    response = client.post(
        f"/reviews/{cycle.submission.id}/approve",
        data=_form(cycle, "above", hasil_rating="above", step="confirm"),
    )
    assert response.status_code == 422
    html = response.text
    assert 'id="approve-confirm"' in html
    assert re.search(r'<option value="above" selected>', html)
    assert cycle.reload().state == "submitted"
    assert [e.action for e in cycle.reload().history] == ["answers", "submit"]


def test_an_override_with_a_reason_is_approved_audited_and_shown(login_as, cycle):
    cycle.submit()
    client = login_as("penilai.dinkes")
    reason = "Menangani KLB campak <b>di luar</b> target"
    response = client.post(
        f"/reviews/{cycle.submission.id}/approve",
        data=_form(cycle, "above", hasil_rating="above", override_reason=reason, step="confirm"),
    )
    assert response.status_code == 302
    item = cycle.reload()
    assert item.state == "approved"
    assert (item.proposed_hasil_rating, item.hasil_rating) == ("as_expected", "above")
    assert (item.proposed_perilaku_rating, item.perilaku_rating) == ("above", "above")
    assert (item.predikat, item.override_reason) == ("sangat_baik", reason)
    override = item.history[-1]
    assert (override.action, override.comment) == ("override", reason)
    assert override.changes["predikat"] == ["baik", "sangat_baik"]
    page = client.get(f"/reviews/{cycle.submission.id}/").text
    assert "Menangani KLB campak &lt;b&gt;di luar&lt;/b&gt; target" in page
    assert 'id="result-proposed"' in page

    pdf = client.get(f"/print/submission/{item.id}/evaluation")
    assert pdf.status_code == 200
    text = squash(" ".join(pdf_pages(pdf.data)))
    assert "Menangani KLB campak <b>di luar</b> target" in text
    assert text.index("Sangat Baik") < text.index("Menangani KLB")


def test_confirming_the_proposal_needs_no_reason(login_as, cycle):
    cycle.submit()
    client = login_as("penilai.dinkes")
    response = client.post(
        f"/reviews/{cycle.submission.id}/approve",
        data=_form(cycle, hasil_rating="as_expected", step="confirm"),
    )
    assert response.status_code == 302
    item = cycle.reload()
    assert (item.state, item.predikat, item.override_reason) == ("approved", "baik", None)
    assert "override" not in [e.action for e in item.history]


# --- the API ---------------------------------------------------------------------------------


def test_api_override_needs_a_reason(call, cycle):
    cycle.submit()
    sub = cycle.submission.id
    body = {"behaviour": cycle.ratings(), "perilaku_rating": "Di bawah ekspektasi",
            "lock_version": cycle.reload().lock_version}  # fmt: skip
    response = call("penilai.dinkes", "POST", f"/{sub}/approve", body)
    assert response.status_code == 422
    assert set(response.json) == {"message", "errors"}
    assert list(response.json["errors"]) == ["override_reason"]
    assert cycle.reload().state == "submitted"

    response = call("penilai.dinkes", "POST", f"/{sub}/approve",
                    {**body, "override_reason": "Tiga kali mangkir rapat"})  # fmt: skip
    assert response.status_code == 200, response.json
    assert response.json["scores"] == {
        "achievement": 104.63, "proposed_hasil_rating": "as_expected",
        "proposed_perilaku_rating": "as_expected", "hasil_rating": "as_expected",
        "perilaku_rating": "below", "override_reason": "Tiga kali mangkir rapat",
        "predikat": "kurang",
    }  # fmt: skip
    detail = call("pegawai.dinkes", "GET", f"/{sub}").json["result"]
    assert detail["scores"] == response.json["scores"]
    assert [h["action"] for h in detail["history"]][-2:] == ["approve", "override"]


@pytest.mark.parametrize("value", ["sangat_baik", "atas", 3])
def test_api_refuses_an_unknown_rating(call, cycle, value):
    cycle.submit()
    response = call("penilai.dinkes", "POST", f"/{cycle.submission.id}/approve",
                    {"behaviour": cycle.ratings(), "hasil_rating": value, "override_reason": "x",
                     "lock_version": cycle.reload().lock_version})  # fmt: skip
    assert response.status_code == 422
    assert "hasil_rating" in response.json["errors"]


def test_api_accepts_the_proposal_in_either_spelling(call, cycle):
    cycle.submit()
    response = call("penilai.dinkes", "POST", f"/{cycle.submission.id}/approve",
                    {"behaviour": cycle.ratings(), "hasil_rating": "Sesuai Ekspektasi",
                     "perilaku_rating": "as_expected",
                     "lock_version": cycle.reload().lock_version})  # fmt: skip
    assert response.status_code == 200, response.json
    _db.session.expire_all()
    assert response.json["scores"]["override_reason"] is None
    assert response.json["predikat"] == "baik"
