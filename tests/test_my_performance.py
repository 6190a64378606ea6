"""Kinerja Saya: list, fill, save, submit, conflicts, evidence, review outcome, history."""

from __future__ import annotations

import io
import re
from html import unescape

from app.extensions import db as _db
from app.models import AuditEntry, Evidence
from app.models.types import PeriodState
from app.services.periods import change_period_state
from tests.conftest_cycle import GOOD, TINY_PDF, TINY_PNG


def _form(cycle, action="save", lock=None, **answers):
    """The POST data of the fill page for `answers` (keys without the form prefix)."""
    data = {cycle.ref(k): str(v) for k, v in answers.items()}
    data["action"] = action
    data["lock_version"] = str(lock if lock is not None else cycle.reload().lock_version)
    return data


def _page(client, cycle) -> str:
    response = client.get(f"/my/{cycle.submission.id}/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _value_of(html: str, ref: str) -> str:
    match = re.search(rf'<input[^>]*name="{re.escape(ref)}"[^>]*>', html)
    assert match, f"no input {ref}"
    value = re.search(r'value="([^"]*)"', match.group(0))
    return unescape(value.group(1)) if value else ""


def _errors_of(html: str, ref: str) -> str:
    match = re.search(
        rf'<p class="help-block field-errors text-danger" data-ref="{re.escape(ref)}">(.*?)</p>',
        html,
        re.S,
    )
    assert match, f"no error box for {ref}"
    return unescape(match.group(1)).strip()


# --- list ---------------------------------------------------------------------------------


def test_list_shows_my_submissions_with_state_dates_and_action_badge(login_as, cycle):
    client = login_as("pegawai.dinkes")
    html = client.get("/my/").get_data(as_text=True)
    assert f'data-id="{cycle.submission.id}"' in html
    assert f'data-id="{cycle.other.id}"' not in html  # perawat's, not mine
    assert "Triwulan I 2026" in html
    assert "1 Januari 2026" in html and "31 Maret 2026" in html  # long_date, Indonesian
    assert re.search(r'id="pending-count"[^>]*>1<', html)
    assert "Draft" in html or "Draf" in html


def test_list_shows_predikat_once_approved_and_no_badge(login_as, cycle):
    cycle.submit()
    cycle.approve("above")
    client = login_as("pegawai.dinkes")
    html = client.get("/my/").get_data(as_text=True)
    assert 'id="pending-count"' not in html
    from app.domain.ratings import Predikat

    assert Predikat(cycle.reload().predikat).label in html


def test_menu_offers_my_performance_to_employees_only(login_as, cycle):
    assert "/my/" in login_as("pegawai.dinkes").get("/").get_data(as_text=True)
    assert login_as("hr").get("/my/").status_code == 403


# --- fill, save, submit -------------------------------------------------------------------


def test_fill_page_is_prefilled_with_saved_answers(login_as, cycle):
    cycle.save({"sasaran": 100, "diimunisasi": 90, "catatan": "Ada kendala"})
    html = _page(login_as("pegawai.dinkes"), cycle)
    assert _value_of(html, cycle.ref("sasaran")) == "100"
    assert _value_of(html, cycle.ref("catatan")) == "Ada kendala"
    assert _value_of(html, cycle.ref("cakupan")) == "90"  # calculated, read-only
    # kendala is relevant (cakupan < 95): shown; the CSRF token and lock are in the form
    assert re.search(rf'data-ref="{cycle.ref("kendala")}"(?! hidden)>', html)
    assert 'name="csrf_token"' in html and 'name="lock_version" value="2"' in html


def test_save_draft_keeps_incomplete_answers(login_as, cycle):
    client = login_as("pegawai.dinkes")
    response = client.post(f"/my/{cycle.submission.id}/", data=_form(cycle, sasaran=80))
    assert response.status_code == 302
    item = cycle.reload()
    assert item.state == "draft"
    assert item.answers[cycle.fv]["sasaran"] == 80
    assert item.answers[cycle.fv]["kunjungan"] is None
    entry = _db.session.query(AuditEntry).filter_by(submission_id=item.id).one()
    assert entry.action == "answers" and cycle.ref("sasaran") in entry.changes


def test_a_draft_with_a_type_error_is_saved_and_the_answer_kept_and_marked(login_as, cycle):
    client = login_as("pegawai.dinkes")
    response = client.post(
        f"/my/{cycle.submission.id}/", data=_form(cycle, sasaran="banyak", catatan="tetap")
    )
    assert response.status_code == 302 and "check=1" in response.headers["Location"]
    item = cycle.reload()
    assert item.answers[cycle.fv]["catatan"] == "tetap"
    assert item.answers[cycle.fv]["sasaran"] is None
    assert item.invalid_answers == {cycle.ref("sasaran"): "banyak"}
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert _errors_of(html, cycle.ref("sasaran"))
    assert _errors_of(html, cycle.ref("kunjungan"))  # required: marked before submitting
    assert _errors_of(html, cycle.ref("catatan")) == ""
    assert _value_of(html, cycle.ref("sasaran")) == "banyak"
    assert _value_of(html, cycle.ref("catatan")) == "tetap"
    # a plain visit still flags the kept invalid answer, not the empty required ones
    html = _page(client, cycle)
    assert _errors_of(html, cycle.ref("sasaran")) and _errors_of(html, cycle.ref("kunjungan")) == ""


def test_submit_with_missing_answers_saves_the_draft_and_marks_the_fields(login_as, cycle):
    client = login_as("pegawai.dinkes")
    response = client.post(
        f"/my/{cycle.submission.id}/",
        data=_form(cycle, "submit", sasaran=100, diimunisasi=90, catatan="x"),
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert _errors_of(html, cycle.ref("kunjungan"))  # required
    assert _errors_of(html, cycle.ref("kendala"))  # required once cakupan < 95
    assert _errors_of(html, cycle.ref("sasaran")) == ""
    assert _value_of(html, cycle.ref("diimunisasi")) == "90"
    item = cycle.reload()
    assert item.state == "draft"
    assert item.answers[cycle.fv]["diimunisasi"] == 90  # the draft was saved


def test_a_broken_constraint_is_kept_in_the_draft_and_blocks_the_submit(login_as, cycle):
    client = login_as("pegawai.dinkes")
    response = client.post(
        f"/my/{cycle.submission.id}/", data=_form(cycle, "save", sasaran=100, diimunisasi=120)
    )
    assert response.status_code == 302
    html = _page(client, cycle)
    assert "Tidak boleh melebihi jumlah sasaran" in _errors_of(html, cycle.ref("diimunisasi"))
    assert _value_of(html, cycle.ref("diimunisasi")) == "120"
    assert cycle.reload().answers[cycle.fv]["sasaran"] == 100
    submit = client.post(
        f"/my/{cycle.submission.id}/",
        data=_form(cycle, "submit", sasaran=100, diimunisasi=120, kunjungan=3, kendala="x"),
    )
    assert submit.status_code == 302 and cycle.reload().state == "draft"


def test_submit_complete_answers_sends_it_to_the_evaluator(login_as, cycle):
    client = login_as("pegawai.dinkes")
    response = client.post(f"/my/{cycle.submission.id}/", data=_form(cycle, "submit", **GOOD))
    assert response.status_code == 302
    item = cycle.reload()
    assert item.state == "submitted" and item.submitted_at is not None
    html = _page(client, cycle)
    assert 'id="fill-form"' not in html  # read-only now
    assert "Lancar" in html
    # a further save is refused by the service and changes nothing
    response = client.post(f"/my/{cycle.submission.id}/", data=_form(cycle, sasaran=1))
    assert response.status_code == 302
    assert cycle.reload().answers[cycle.fv]["sasaran"] == 100


def test_stale_save_shows_the_conflict_and_keeps_the_first_save(login_as, cycle):
    client = login_as("pegawai.dinkes")
    lock = cycle.reload().lock_version
    first = client.post(f"/my/{cycle.submission.id}/", data=_form(cycle, lock=lock, sasaran=10))
    assert first.status_code == 302
    second = client.post(
        f"/my/{cycle.submission.id}/", data=_form(cycle, lock=lock, sasaran=20, catatan="kedua")
    )
    assert second.status_code == 409
    html = second.get_data(as_text=True)
    assert 'id="conflict"' in html
    assert "pegawai.dinkes" in html  # who changed it
    assert _value_of(html, cycle.ref("sasaran")) == "20"  # my input is still visible
    assert _value_of(html, cycle.ref("catatan")) == "kedua"
    assert f'name="lock_version" value="{lock}"' in html  # still stale: no blind overwrite
    assert cycle.reload().answers[cycle.fv]["sasaran"] == 10


def test_evaluate_endpoint_gives_relevance_and_calculations(login_as, cycle):
    client = login_as("pegawai.dinkes")
    body = {"answers": cycle.answers(sasaran="200", diimunisasi="150", kunjungan="abc")}
    response = client.post(f"/my/{cycle.submission.id}/evaluate", json=body)
    assert response.status_code == 200
    result = response.json["forms"][cycle.fv]
    assert result["calculated"]["cakupan"] == 75
    assert result["relevant"]["kendala"] is True
    assert "kunjungan" in result["errors"]
    assert result["achievement"] == 47.37  # 75/95*100*0.6, kunjungan empty
    other = login_as("pegawai.disdik").post(f"/my/{cycle.submission.id}/evaluate", json=body)
    assert other.status_code == 404


def test_someone_elses_submission_is_not_found(login_as, cycle):
    client = login_as("pegawai.dinkes")
    assert client.get(f"/my/{cycle.other.id}/").status_code == 404
    assert client.post(f"/my/{cycle.other.id}/", data={"action": "save"}).status_code == 404
    # the evaluator has no "my" page for it either
    assert login_as("penilai.dinkes").get(f"/my/{cycle.submission.id}/").status_code == 404


def test_closed_period_makes_the_page_read_only_and_refuses_saves(login_as, cycle):
    cycle.save()
    change_period_state([cycle.period], PeriodState.CLOSED)
    client = login_as("pegawai.dinkes")
    html = _page(client, cycle)
    assert 'id="fill-form"' not in html
    response = client.post(
        f"/my/{cycle.submission.id}/", data=_form(cycle, **{**GOOD, "sasaran": 5}),
        follow_redirects=True,
    )  # fmt: skip
    assert "tidak sedang dibuka" in response.get_data(as_text=True)
    assert cycle.reload().answers[cycle.fv]["sasaran"] == 100


# --- evidence -------------------------------------------------------------------------


def _upload(client, cycle, content: bytes, name: str, **answers):
    data = _form(cycle, **answers)
    data[cycle.ref("bukti") + "__file"] = (io.BytesIO(content), name)
    return client.post(f"/my/{cycle.submission.id}/", data=data, content_type="multipart/form-data")


def test_evidence_upload_refuses_large_fake_and_mislabelled_files(login_as, cycle):
    client = login_as("pegawai.dinkes")
    big = TINY_PDF + b"0" * (6 * 1024 * 1024)
    for content, name in ((big, "besar.pdf"), (b"hello", "laporan.pdf"), (TINY_PNG, "foto.pdf")):
        response = _upload(client, cycle, content, name, catatan="tetap")
        assert response.status_code == 422, name
        html = response.get_data(as_text=True)
        assert _errors_of(html, cycle.ref("bukti")), name
        assert _value_of(html, cycle.ref("catatan")) == "tetap"
    assert _db.session.query(Evidence).count() == 0
    assert cycle.reload().answers == {}


def test_tiny_pdf_is_accepted_kept_on_resave_and_downloadable(login_as, cycle, app):
    client = login_as("pegawai.dinkes")
    response = _upload(client, cycle, TINY_PDF, "laporan triwulan.pdf", sasaran=100)
    assert response.status_code == 302
    evidence = _db.session.query(Evidence).one()
    assert evidence.content_type == "application/pdf"
    answer = cycle.reload().answers[cycle.fv]["bukti"]
    assert answer == {"kind": "file", "name": "laporan triwulan.pdf", "ref": str(evidence.id)}
    # saving again without a new file keeps it
    client.post(f"/my/{cycle.submission.id}/", data=_form(cycle, sasaran=101))
    assert cycle.reload().answers[cycle.fv]["bukti"]["ref"] == str(evidence.id)
    html = _page(client, cycle)
    assert f'href="/evidence/{evidence.id}"' in html
    download = client.get(f"/evidence/{evidence.id}")
    assert download.status_code == 200
    assert download.data == TINY_PDF
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment") and "laporan" in disposition


def test_evidence_link_is_accepted_and_bad_link_refused(login_as, cycle):
    client = login_as("pegawai.dinkes")
    bad = client.post(f"/my/{cycle.submission.id}/", data=_form(cycle, bukti="javascript:x"))
    assert bad.status_code == 302
    assert _errors_of(_page(client, cycle), cycle.ref("bukti"))
    assert cycle.reload().answers[cycle.fv]["bukti"] is None
    good = client.post(
        f"/my/{cycle.submission.id}/", data=_form(cycle, bukti="https://drive.example/bukti")
    )
    assert good.status_code == 302
    assert cycle.reload().answers[cycle.fv]["bukti"] == {
        "kind": "link",
        "url": "https://drive.example/bukti",
    }


def test_evidence_download_follows_the_submissions_scope(login_as, cycle):
    client = login_as("pegawai.dinkes")
    _upload(client, cycle, TINY_PDF, "bukti.pdf")
    evidence_id = _db.session.query(Evidence).one().id
    for username in ("pegawai.dinkes", "penilai.dinkes", "admin.dinkes", "hr"):
        assert login_as(username).get(f"/evidence/{evidence_id}").status_code == 200, username
    for username in ("admin.disdik", "pegawai.disdik", "penilai.disdik"):
        assert login_as(username).get(f"/evidence/{evidence_id}").status_code == 404, username
    assert login_as("pegawai.dinkes").get("/evidence/999999").status_code == 404


# --- after review ---------------------------------------------------------------------


def test_returned_submission_shows_what_to_fix(login_as, cycle):
    cycle.submit()
    cycle.send_back("Perbaiki data kunjungan", {cycle.ref("kunjungan"): "Lampirkan daftar rumah"})
    html = _page(login_as("pegawai.dinkes"), cycle)
    block = html[html.index('id="what-to-fix"') :]
    block = block[: block.index("</div>")]
    assert "Perbaiki data kunjungan" in block
    assert "Kunjungan rumah" in block and "Lampirkan daftar rumah" in block
    assert 'id="fill-form"' in html  # editable again
    assert "evaluator-comment" in html


def test_approved_submission_shows_scores_feedback_and_history(login_as, cycle):
    cycle.submit()
    cycle.approve("above")
    item = cycle.reload()
    html = _page(login_as("pegawai.dinkes"), cycle)
    from app.domain.ratings import Predikat, Rating

    assert 'id="review-result"' in html
    assert Predikat(item.predikat).label in html
    assert Rating(item.hasil_rating).label in html
    assert "Diklat" in html and "Umpan balik 0" in html
    history = html[html.index('id="history-table"') :]
    assert "pegawai.dinkes" in history and "penilai.dinkes" in history
    assert "Kunjungan rumah" in history  # changed fields of the answer save


def test_print_buttons_lead_to_the_pdfs(login_as, cycle):
    client = login_as("pegawai.dinkes")
    page = client.get(f"/my/{cycle.submission.id}/").get_data(as_text=True)
    form_url = f"/print/submission/{cycle.submission.id}/form"
    evaluation_url = f"/print/submission/{cycle.submission.id}/evaluation"
    assert form_url in page and evaluation_url not in page  # not approved yet
    cycle.submit()
    cycle.approve()
    page = client.get(f"/my/{cycle.submission.id}/").get_data(as_text=True)
    assert evaluation_url in page
    response = client.get(evaluation_url)
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert login_as("pegawai.disdik").get(evaluation_url).status_code == 404
