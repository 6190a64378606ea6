"""Penilaian Bawahan: queue, review page, return, resubmission, approval, refusals, escaping."""

from __future__ import annotations

import re

from app.domain.ratings import Predikat, Rating, perilaku_rating, predikat
from app.models.types import PeriodState
from app.services.periods import change_period_state
from tests.conftest_cycle import GOOD


def _approve_form(cycle, *ratings, **extra):
    data = {
        f"behaviour:{code}:{part}": value
        for code, entry in cycle.ratings(*ratings).items()
        for part, value in entry.items()
    }
    data.update(feedback="Pertahankan", recommendation="Pelatihan manajemen data", step="confirm")
    data.update(lock_version=cycle.reload().lock_version)
    data.update(extra)
    return data


def test_queue_lists_my_evaluatees_submitted_first_and_filters_by_state(login_as, cycle):
    cycle.submit()
    client = login_as("penilai.dinkes")
    html = client.get("/reviews/").get_data(as_text=True)
    submitted = html.index('class="review-group" data-state="submitted"')
    draft = html.index('class="review-group" data-state="draft"')
    assert submitted < draft
    assert f'data-id="{cycle.submission.id}"' in html and f'data-id="{cycle.other.id}"' in html
    filtered = client.get("/reviews/?state=submitted").get_data(as_text=True)
    assert f'data-id="{cycle.submission.id}"' in filtered
    assert f'data-id="{cycle.other.id}"' not in filtered


def test_queue_and_pages_are_for_the_evaluator_only(login_as, cycle):
    cycle.submit()
    assert login_as("pegawai.dinkes").get("/reviews/").status_code == 403
    other = login_as("penilai.disdik")
    assert f'data-id="{cycle.submission.id}"' not in other.get("/reviews/").get_data(as_text=True)
    assert other.get(f"/reviews/{cycle.submission.id}/").status_code == 404
    response = other.post(f"/reviews/{cycle.submission.id}/approve", data=_approve_form(cycle))
    assert response.status_code == 404
    assert cycle.reload().state == "submitted"


def test_review_page_shows_header_indicators_and_answers(login_as, cycle):
    cycle.submit()
    html = login_as("penilai.dinkes").get(f"/reviews/{cycle.submission.id}/").get_data(True)
    employee = cycle.world.people["pegawai.dinkes"]
    assert employee.name in html and employee.nip in html and "Triwulan I 2026" in html
    row = re.search(rf'<tr data-ref="{cycle.ref("cakupan")}".*?</tr>', html, re.S).group(0)
    assert "Cakupan imunisasi" in row and ">95<" in row and ">96<" in row  # target, realisation
    assert "101,05%" in row  # achievement, Indonesian number format
    assert f'name="comment:{cycle.ref("cakupan")}"' in row
    row = re.search(rf'<tr data-ref="{cycle.ref("kunjungan")}".*?</tr>', html, re.S).group(0)
    assert ">110<" in row and "110%" in row
    assert "Lancar" in html  # non-indicator answer
    assert html.count('type="radio"') == 7 * 3
    assert 'id="review-return"' in html and 'id="review-approve"' in html


def test_return_needs_a_reason(login_as, cycle):
    cycle.submit()
    client = login_as("penilai.dinkes")
    response = client.post(
        f"/reviews/{cycle.submission.id}/return",
        data={
            "reason": "  ",
            f"comment:{cycle.ref('kunjungan')}": "Kurang jelas",
            "lock_version": cycle.reload().lock_version,
        },  # fmt: skip
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Kurang jelas" in html  # input kept
    assert cycle.reload().state == "submitted"


def test_full_cycle_return_resubmit_changes_approve(login_as, cycle):
    cycle.submit()
    evaluator = login_as("penilai.dinkes")
    response = evaluator.post(
        f"/reviews/{cycle.submission.id}/return",
        data={"reason": "Data kunjungan tidak sesuai",
              f"comment:{cycle.ref('kunjungan')}": "Cek ulang jumlah kunjungan",
              "lock_version": cycle.reload().lock_version},
    )  # fmt: skip
    assert response.status_code == 302
    item = cycle.reload()
    assert item.state == "returned"
    assert item.comments == {cycle.ref("kunjungan"): "Cek ulang jumlah kunjungan"}

    employee = login_as("pegawai.dinkes")
    page = employee.get(f"/my/{cycle.submission.id}/").get_data(as_text=True)
    assert "Data kunjungan tidak sesuai" in page and "Cek ulang jumlah kunjungan" in page
    data = {cycle.ref(k): str(v) for k, v in {**GOOD, "kunjungan": 90}.items()}
    data.update(action="submit", lock_version=str(item.lock_version))
    assert employee.post(f"/my/{cycle.submission.id}/", data=data).status_code == 302
    assert cycle.reload().state == "submitted"

    evaluator = login_as("penilai.dinkes")
    html = evaluator.get(f"/reviews/{cycle.submission.id}/").get_data(as_text=True)
    changes = html[html.index('id="changes-since-return"') :]
    changes = changes[: changes.index("</table>")]
    assert "Kunjungan rumah" in changes and "110" in changes and "90" in changes
    assert "Cakupan" not in changes  # unchanged answers are not listed
    assert f'<tr data-ref="{cycle.ref("kunjungan")}" class="warning changed">' in html

    ratings = ("above", "above", "above", "above", "as_expected", "as_expected", "below")
    response = evaluator.post(
        f"/reviews/{cycle.submission.id}/approve", data=_approve_form(cycle, *ratings)
    )
    assert response.status_code == 302
    item = cycle.reload()
    assert item.state == "approved"
    # cakupan 96/95 → 101.05 %, kunjungan 90 %: (101.05*60 + 90*40)/100 = 96.63 → as expected
    assert str(item.achievement) == "96.63"
    assert item.hasil_rating == Rating.AS_EXPECTED.value
    # 4 above but one below: "majority" gives as expected
    behaviour = perilaku_rating([Rating(r) for r in ratings])
    assert item.perilaku_rating == behaviour.value
    assert item.predikat == predikat(Rating.AS_EXPECTED, behaviour).value == Predikat.BAIK.value
    assert item.behaviour["kolaboratif"]["rating"] == "below"
    assert item.feedback == "Pertahankan"
    assert item.recommendation == "Pelatihan manajemen data"

    html = evaluator.get(f"/reviews/{cycle.submission.id}/").get_data(as_text=True)
    assert 'id="review-result"' in html and Predikat.BAIK.label in html
    assert 'id="review-approve"' not in html


def test_all_above_gives_sangat_baik_when_results_are_above(login_as, cycle):
    cycle.submit({**GOOD, "diimunisasi": 100, "kunjungan": 130})
    response = login_as("penilai.dinkes").post(
        f"/reviews/{cycle.submission.id}/approve", data=_approve_form(cycle, "above")
    )
    assert response.status_code == 302
    item = cycle.reload()
    assert item.hasil_rating == "above"  # (105.26*60 + 120*40)/100 = 111.16
    assert item.predikat == predikat(Rating.ABOVE, Rating.ABOVE).value == "sangat_baik"


def test_approve_needs_seven_ratings_and_keeps_the_input(login_as, cycle):
    cycle.submit()
    data = _approve_form(cycle)
    del data["behaviour:loyal:rating"]
    data["behaviour:adaptif:rating"] = "excellent"
    response = login_as("penilai.dinkes").post(f"/reviews/{cycle.submission.id}/approve", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert html.count("has-error") >= 2
    assert 'data-code="loyal"' in html and "Pertahankan" in html
    assert cycle.reload().state == "submitted"


def test_supervisor_cannot_approve_or_return_a_draft(login_as, cycle):
    client = login_as("penilai.dinkes")
    response = client.post(
        f"/reviews/{cycle.submission.id}/approve", data=_approve_form(cycle),
        follow_redirects=True,
    )  # fmt: skip
    assert "tidak dapat dilakukan" in response.get_data(as_text=True)
    client.post(f"/reviews/{cycle.submission.id}/return", data={"reason": "x"})
    item = cycle.reload()
    assert item.state == "draft" and item.predikat is None


def test_closed_period_refuses_the_review(login_as, cycle):
    cycle.submit()
    change_period_state([cycle.period], PeriodState.CLOSED)
    client = login_as("penilai.dinkes")
    html = client.get(f"/reviews/{cycle.submission.id}/").get_data(as_text=True)
    assert 'id="review-approve"' not in html
    response = client.post(
        f"/reviews/{cycle.submission.id}/approve", data=_approve_form(cycle),
        follow_redirects=True,
    )  # fmt: skip
    assert "tidak sedang dibuka" in response.get_data(as_text=True)
    assert cycle.reload().state == "submitted"


def test_answers_are_escaped_on_the_review_page(login_as, cycle):
    cycle.submit({**GOOD, "catatan": "<script>alert(1)</script>"})
    cycle.send_back("<b>tebal</b>", {cycle.ref("catatan"): "<img src=x onerror=alert(2)>"})
    cycle.submit({**GOOD, "catatan": "<script>alert(1)</script> lagi"})
    html = login_as("penilai.dinkes").get(f"/reviews/{cycle.submission.id}/").get_data(True)
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>tebal</b>" not in html and "<img src=x" not in html
    employee_page = login_as("pegawai.dinkes").get(f"/my/{cycle.submission.id}/").get_data(True)
    assert "<img src=x" not in employee_page and "<script>alert(1)" not in employee_page
