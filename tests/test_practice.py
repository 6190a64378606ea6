"""Mode Latihan: a sandbox of demo data per user that never reaches the real data, real
people or real documents."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import smtplib
import time

import openpyxl
import pytest
from pypdf import PdfReader
from sqlalchemy import MetaData, create_engine, text
from sqlalchemy.pool import NullPool

from app import practice, storage
from app.extensions import db as _db
from app.models.types import SubmissionState
from app.services.backup import create_backup
from seeds import read_yaml
from tests import factories as f

BANNER = 'id="practice-banner"'


def real_snapshot() -> dict[str, str]:
    """A digest of every row of every table of the real database."""
    metadata = MetaData()
    metadata.reflect(bind=_db.engine)
    digests = {}
    with _db.engine.connect() as connection:
        for name, table in sorted(metadata.tables.items()):
            rows = sorted(repr(tuple(row)) for row in connection.execute(table.select()))
            digests[name] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
    return digests


def real_files() -> list[tuple[str, int]]:
    return [(item.key, item.size) for item in storage.real().list()
            if not item.key.startswith("practice/")]  # fmt: skip


def practice_sql(user_id: int, sql: str, **params) -> list:
    """Rows of the user's practice database (read directly, as a check)."""
    engine = create_engine(f"sqlite:///{practice.database_path(user_id)}", poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return list(connection.execute(text(sql), params))
    finally:
        engine.dispose()


@pytest.fixture
def enter(login_as, world):
    """`enter(role, username)`: log in as the real account and enter practice as `role`."""

    def _enter(role: str, username: str = "pegawai.dinkes"):
        client = login_as(username)
        response = client.post("/latihan/enter", data={"role": role})
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return _enter


def _switch(client, role: str) -> None:
    assert client.post("/latihan/enter", data={"role": role}).status_code == 302


def _submission_of(owner: int, username: str) -> tuple[int, str, int]:
    rows = practice_sql(
        owner,
        "SELECT s.id, s.state, s.lock_version FROM submissions s JOIN employees e "
        "ON s.employee_id = e.id JOIN ab_user u ON u.id = e.user_id "
        "WHERE u.username = :name AND s.state IN ('draft', 'returned', 'submitted')",
        name=username,
    )
    assert len(rows) == 1, rows
    return tuple(rows[0])


def _employee_submits(client, owner: int) -> int:
    """The employee persona fills in the demo draft with sample answers and submits it."""
    pk, _state, lock = _submission_of(owner, "pegawai.dinkes")
    page = client.get(f"/my/{pk}/").get_data(as_text=True)
    assert BANNER in page
    samples = read_yaml("demo_answers.yaml")
    data: dict = {"action": "submit", "lock_version": str(lock)}
    for version in sorted(set(re.findall(r'name="(\d+):', page))):
        definition = practice_sql(
            owner, "SELECT definition FROM form_versions WHERE id = :id", id=int(version)
        )[0][0]
        code = json.loads(definition)["code"] if isinstance(definition, str) else definition["code"]
        for key, value in samples[code][0].items():
            if value is not False:
                data[f"{version}:{key}"] = "y" if value is True else value
    response = client.post(f"/my/{pk}/", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert _submission_of(owner, "pegawai.dinkes")[1] == SubmissionState.SUBMITTED.value
    return pk


def _supervisor_returns_then_approves(client, owner: int, pk: int) -> None:
    lock = _submission_of(owner, "pegawai.dinkes")[2]
    response = client.post(f"/reviews/{pk}/return", data={"reason": "Lengkapi bukti",
                                                          "lock_version": lock})  # fmt: skip
    assert response.status_code == 302
    assert _submission_of(owner, "pegawai.dinkes")[1] == SubmissionState.RETURNED.value
    _switch(client, "employee")
    _employee_submits(client, owner)
    _switch(client, "supervisor")
    codes = [row[0] for row in practice_sql(owner, "SELECT code FROM behaviour_values")]
    data = {f"behaviour:{code}:rating": "as_expected" for code in codes}
    data.update({f"behaviour:{code}:feedback": "Baik" for code in codes})
    data.update(feedback="Pertahankan", recommendation="Diklat", step="confirm",
                lock_version=_submission_of(owner, "pegawai.dinkes")[2])  # fmt: skip
    response = client.post(f"/reviews/{pk}/approve", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    state = practice_sql(owner, "SELECT state FROM submissions WHERE id = :id", id=pk)[0][0]
    assert state == SubmissionState.APPROVED.value


FORM = {
    "code": "LATIHAN-1",
    "title": {"id": "Formulir latihan"},
    "fields": [
        {"key": "jumlah", "type": "integer", "label": {"id": "Jumlah"}, "required": True,
         "indicator": {"group": "utama", "aspect": "kuantitas", "target": 10, "unit": "x",
                       "polarity": "higher", "weight": 100}},
    ],
}  # fmt: skip


def _unit_admin_publishes(client, owner: int) -> None:
    unit = practice_sql(owner, "SELECT id FROM units WHERE code = 'DINKES'")[0][0]
    response = client.post("/builder/new", data={"unit_id": unit, "code": "LATIHAN-1",
                                                 "title": "Formulir latihan"})  # fmt: skip
    assert response.status_code == 302
    pk, revision = practice_sql(
        owner, "SELECT id, draft_revision FROM indicator_forms WHERE code = 'LATIHAN-1'"
    )[0]
    saved = client.post(f"/builder/{pk}/draft", json={"definition": FORM, "revision": revision})
    assert saved.status_code == 200, saved.json
    assert client.post(f"/builder/{pk}/publish").status_code == 302
    assert (
        practice_sql(owner, "SELECT count(*) FROM form_versions WHERE form_id = :id", id=pk)[0][0]
        == 1
    )


def _hr_opens_a_period(client, owner: int) -> None:
    period = {"name": "Triwulan Latihan", "kind": "quarterly", "start_date": "2027-01-01",
              "end_date": "2027-03-31"}  # fmt: skip
    assert client.post("/periodview/add", data=period).status_code == 302
    pk = practice_sql(owner, "SELECT id FROM evaluation_periods WHERE name = 'Triwulan Latihan'")
    assert client.post(f"/periodview/action/open_period/{pk[0][0]}").status_code == 302
    state = practice_sql(owner, "SELECT state FROM evaluation_periods WHERE id = :id", id=pk[0][0])
    assert state[0][0] == "open"
    told = practice_sql(owner, "SELECT count(*) FROM notifications WHERE kind = 'period_opened' "
                        "AND target_id = :id", id=pk[0][0])  # fmt: skip
    assert told[0][0] > 0  # the period-open job ran within the practice requests
    assert practice_sql(owner, "SELECT count(*) FROM jobs WHERE state = 'queued'")[0][0] == 0


def _hr_prints_a_recap(client, owner: int) -> bytes:
    period = practice_sql(
        owner, "SELECT period_id FROM submissions WHERE state = 'approved' LIMIT 1"
    )[0][0]
    unit = practice_sql(owner, "SELECT id FROM units WHERE code = 'DINKES'")[0][0]
    response = client.get(f"/recaps/download?period={period}&unit={unit}&format=pdf")
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/pdf"
    return response.data


def test_a_spreadsheet_made_in_practice_says_latihan_and_a_real_one_does_not(enter, world):
    client = enter("hr", "hr")
    owner = world.users["hr"].id
    period = practice_sql(owner, "SELECT id FROM evaluation_periods ORDER BY id LIMIT 1")[0][0]
    made = client.get(f"/recaps/download?period={period}&format=xlsx")
    assert made.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(made.data))
    assert book.sheetnames[-1] == "LATIHAN" and book.sheetnames[0] != "LATIHAN"
    assert {sheet.oddHeader.center.text for sheet in book.worksheets} == {"LATIHAN"}
    assert "praktik" in book["LATIHAN"]["A2"].value.lower()
    client.post("/latihan/leave")
    real = f.make_period()
    book = openpyxl.load_workbook(
        io.BytesIO(client.get(f"/recaps/download?period={real.id}&format=xlsx").data)
    )
    assert "LATIHAN" not in book.sheetnames
    assert {sheet.oddHeader.center.text for sheet in book.worksheets} == {None}


def _every_page_says_latihan(pdf: bytes) -> None:
    pages = PdfReader(io.BytesIO(pdf)).pages
    assert len(pages) >= 1
    for page in pages:
        assert "LATIHAN" in page.extract_text()


# --- isolation ------------------------------------------------------------------------------


def test_a_practice_session_of_every_role_leaves_the_real_data_unchanged(
    enter, world, app, monkeypatch
):
    sent = []
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setattr(smtplib, "SMTP", lambda *args, **kw: sent.append(args))
    client = enter("employee")
    owner = world.users["pegawai.dinkes"].id
    before, files_before = real_snapshot(), real_files()

    pk = _employee_submits(client, owner)
    _switch(client, "supervisor")
    _supervisor_returns_then_approves(client, owner, pk)
    _switch(client, "unit_admin")
    _unit_admin_publishes(client, owner)
    _switch(client, "hr")
    _hr_opens_a_period(client, owner)
    pdf = _hr_prints_a_recap(client, owner)
    _every_page_says_latihan(pdf)
    assert client.post("/latihan/leave", data={"next": "/my/"}).status_code == 302

    assert real_snapshot() == before
    assert real_files() == files_before
    assert sent == []
    assert practice_sql(owner, "SELECT count(*) FROM email_outbox")[0][0] == 0
    notes = practice_sql(owner, "SELECT kind FROM notifications WHERE target_id = :id "
                         "AND target_type = 'submission'", id=pk)  # fmt: skip
    # The personas were told, in the practice database only.
    assert {"review_waiting", "evaluation_returned", "evaluation_approved"} <= {n[0] for n in notes}
    documents = practice_sql(owner, "SELECT code FROM issued_documents")
    assert documents  # the recap was issued in practice …
    code = documents[0][0]
    outside = app.test_client().get(f"/verify/{code}")
    assert outside.status_code == 404  # … and is unknown to the real verification page
    assert 'data-status="unknown"' in outside.get_data(as_text=True)
    assert any(k.startswith(f"practice/{owner}/") for k, _ in
               [(i.key, i.size) for i in storage.real().list("practice/")])  # fmt: skip


def test_verification_inside_practice_never_confirms_a_document(enter, world):
    client = enter("hr")
    owner = world.users["pegawai.dinkes"].id
    _hr_prints_a_recap(client, owner)
    code = practice_sql(owner, "SELECT code FROM issued_documents")[0][0]
    response = client.get(f"/verify/{code}")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert 'id="verify-practice"' in html and 'data-status="valid"' not in html


@pytest.mark.parametrize(("role", "username"), [("employee", "pegawai.dinkes"),
                                                ("supervisor", "penilai.dinkes")])  # fmt: skip
def test_every_page_of_an_skp_document_says_latihan_draft_or_agreed(enter, world, role, username):
    client = enter(role)
    owner = world.users["pegawai.dinkes"].id
    pk = practice_sql(
        owner,
        "SELECT s.id FROM skps s JOIN employees e ON e.id = s.employee_id "
        "JOIN ab_user u ON u.id = e.user_id WHERE u.username = :name",
        name=username,
    )[0][0]
    response = client.get(f"/skp-tools/{pk}/document")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    _every_page_says_latihan(response.data)


def test_a_job_started_in_practice_runs_in_the_request_against_the_practice_data(
    enter, world, app, monkeypatch
):
    from app.services import jobs

    monkeypatch.setitem(app.config, "JOBS_EAGER", False)  # as in production
    enqueued = []
    monkeypatch.setattr(
        jobs.EmbeddedQueue, "enqueue", lambda self, job, eager: enqueued.append(job)
    )
    client = enter("hr")
    owner = world.users["pegawai.dinkes"].id
    period = practice_sql(owner, "SELECT period_id FROM submissions LIMIT 1")[0][0]
    before = real_snapshot()
    response = client.post("/jobs/recap", data={"period": period, "unit": "", "format": "pdf"})
    assert response.status_code in (200, 202, 302), response.get_data(as_text=True)
    assert enqueued == []  # never handed to the real workers
    state = practice_sql(owner, "SELECT state, result_key FROM jobs ORDER BY id DESC LIMIT 1")
    assert state[0][0] == "done"
    assert storage.real().get(f"practice/{owner}/{state[0][1]}") is not None
    assert real_snapshot() == before


# --- marked, resettable, ended --------------------------------------------------------------

PAGES = {
    "employee": ["/", "/my/", "/skp/", "/notifications/", "/panduan/", "/latihan/", "/verify/"],
    "supervisor": ["/", "/reviews/", "/dashboard/", "/calibration/"],
    "unit_admin": [
        "/",
        "/builder/",
        "/evaluation-templates/",
        "/assign/",
        "/recaps/",
        "/employeeview/list/",
    ],
    "hr": [
        "/",
        "/periods/",
        "/recaps/",
        "/unitview/list/",
        "/announcements/",
        "/jobs/",
        "/regency-goals/",
        "/alignment/",
    ],
}


@pytest.mark.parametrize("role", list(PAGES))
def test_every_page_in_practice_carries_the_banner_and_the_title_mark(enter, role):
    client = enter(role)
    for path in PAGES[role]:
        response = client.get(path, follow_redirects=True)
        html = response.get_data(as_text=True)
        assert response.status_code == 200, path
        assert BANNER in html, path
        assert re.search(r"<title>\s*\[LATIHAN\]", html), path
        assert "MODE LATIHAN — data contoh, tidak tersimpan ke data asli" in html


def test_the_persona_is_the_chosen_demo_account_and_leaving_returns_to_the_real_one(enter):
    client = enter("supervisor", "admin.dinkes")
    html = client.get("/").get_data(as_text=True)
    assert "Fitriani Wulandari" in html  # penilai.dinkes of the demo data
    response = client.post("/latihan/leave", data={"next": "/panduan/"})
    assert response.headers["Location"].endswith("/panduan/")
    page = client.get("/panduan/").get_data(as_text=True)
    assert BANNER not in page and "admin.dinkes Test" in page


@pytest.mark.parametrize(
    ("asked", "address"),
    [("/my/", "/my/"), ("/my/12/", "/"), ("//evil.example/x", "/"), ("https://x.example/", "/"),
     ("/\\evil", "/"), (None, "/")],
)  # fmt: skip
def test_leaving_goes_back_to_the_same_page_only_when_it_is_local_and_not_a_record(asked, address):
    assert practice.return_address(asked) == address


def test_start_over_restores_the_demo_data_and_removes_practice_files(enter, world):
    client = enter("unit_admin")
    owner = world.users["pegawai.dinkes"].id
    _unit_admin_publishes(client, owner)
    storage.real().put(f"practice/{owner}/evidence/x", b"x")
    assert client.post("/latihan/reset").status_code == 302
    assert (
        practice_sql(owner, "SELECT count(*) FROM indicator_forms WHERE code = 'LATIHAN-1'")[0][0]
        == 0
    )
    assert list(storage.real().list(f"practice/{owner}/")) == []
    assert BANNER in client.get("/").get_data(as_text=True)  # still practising


def test_storage_gc_removes_sandboxes_unused_for_a_month_and_backups_skip_them(
    enter, login_as, world, app, tmp_path
):
    enter("employee", "pegawai.dinkes")
    enter("employee", "penilai.dinkes")
    old, recent = world.users["pegawai.dinkes"].id, world.users["penilai.dinkes"].id
    month_ago = time.time() - 31 * 86400
    os.utime(practice.database_path(old), (month_ago, month_ago))
    for owner in (old, recent):
        storage.real().put(f"practice/{owner}/evidence/x", b"x")
    keys = {item.key for item in storage.real().list("practice/")}
    assert "Would remove the practice sandboxes of 1 user(s)." in (
        app.test_cli_runner().invoke(args=["storage", "gc", "--dry-run"]).output
    )
    assert practice.database_path(old).exists()
    backup = create_backup(tmp_path / "backup.tar.gz")
    assert not [name for name in backup.manifest["files"] if "practice/" in name]
    assert "Removed the practice sandboxes of 1 user(s)." in (
        app.test_cli_runner().invoke(args=["storage", "gc"]).output
    )
    assert not practice.database_path(old).exists() and practice.database_path(recent).exists()
    assert {item.key for item in storage.real().list("practice/")} == keys - {
        f"practice/{old}/evidence/x"
    }
    login_as("pegawai.dinkes").post("/latihan/enter", data={"role": "employee"})
    assert practice.database_path(old).exists()  # coming back starts afresh
    storage.real().delete(f"practice/{recent}/evidence/x")


def test_logging_out_elsewhere_ends_practice_and_the_session(enter, world, app):
    client = enter("employee")
    from app.security import rotate_stamp

    user = _db.session.get(type(world.users["pegawai.dinkes"]), world.users["pegawai.dinkes"].id)
    rotate_stamp(user)  # what a logout on another device does
    _db.session.commit()
    response = client.get("/my/")
    assert response.status_code in (302, 401, 403)
    assert BANNER not in response.get_data(as_text=True)
    with client.session_transaction() as cookie:
        assert practice.SESSION_KEY not in cookie


def test_logout_from_practice_ends_practice_and_rotates_the_real_stamp(enter, world):
    client = enter("hr")
    stamp = world.users["pegawai.dinkes"].security_stamp
    client.get("/logout/")
    _db.session.expire_all()
    assert _db.session.get(type(world.users["pegawai.dinkes"]),
                           world.users["pegawai.dinkes"].id).security_stamp != stamp  # fmt: skip
    with client.session_transaction() as cookie:
        assert practice.SESSION_KEY not in cookie


def test_the_api_always_uses_the_real_database(enter, world, api_token):
    client = enter("hr")
    headers = api_token("pegawai.dinkes")
    response = client.get("/api/v1/employee/", headers=headers)
    assert response.status_code == 200
    names = json.dumps(response.json)
    assert "Pegawai dinkes" in names and "Fitriani Wulandari" not in names


def test_practice_can_be_turned_off(login_as, app, monkeypatch):
    monkeypatch.setitem(app.config, "PRACTICE_ENABLED", False)
    client = login_as("pegawai.dinkes")
    html = client.get("/latihan/").get_data(as_text=True)
    assert 'id="practice-off"' in html
    client.post("/latihan/enter", data={"role": "employee"})
    assert BANNER not in client.get("/").get_data(as_text=True)


def test_an_unknown_role_is_refused_with_a_message(login_as):
    client = login_as("pegawai.dinkes")
    response = client.post("/latihan/enter", data={"role": "admin"}, follow_redirects=True)
    assert "Pilih salah satu peran untuk berlatih." in response.get_data(as_text=True)
    assert BANNER not in client.get("/").get_data(as_text=True)


def test_the_user_menu_and_the_guide_link_to_practice(login_as):
    client = login_as("pegawai.dinkes")
    assert 'id="practice-menu"' in client.get("/").get_data(as_text=True)
    assert 'id="guide-practice"' in client.get("/panduan/").get_data(as_text=True)
