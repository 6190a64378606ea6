"""The whole evaluation cycle in a real browser, CSRF on, as the two real users.

Pegawai (Employee) fills in, saves a draft and submits; Penilai (Supervisor, in a
separate browser context) returns it with a reason and a comment; the employee
fixes a value and resubmits; the evaluator sees the change highlighted, rates the
seven BerAKHLAK values and approves; the employee sees the predikat, which must be
the one `app.domain.ratings.predikat` gives for the ratings stored in the database.
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest_admin import HR_SCOPE
from tests.conftest_cycle import CYCLE_FORM
from tests.e2e.conftest import _free_port

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is not installed"),
]
sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

EMPLOYEE, EVALUATOR = "pegawai.journey", "penilai.journey"
#: The evaluator's ratings of the seven values, in the order they are shown.
BEHAVIOUR = ["above", "as_expected", "above", "as_expected", "above", "above", "as_expected"]


@dataclass
class Journey:
    app: object
    url: str
    submission_id: int
    form_id: int

    def ref(self, key: str) -> str:
        return f"{self.form_id}:{key}"


@pytest.fixture(scope="module")
def journey(tmp_path_factory):
    """The portal on a free port: one employee with an assigned submission, one evaluator."""
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from app import create_app
    from app.extensions import db
    from app.models import Submission
    from app.security import sync_roles
    from app.services import forms as form_service
    from app.services import templates as template_service
    from app.services.assignment import assign
    from app.services.templates import DEFAULT_RULES
    from config import TestConfig
    from seeds.loader import load_reference
    from tests import factories as f

    database = tmp_path_factory.mktemp("e2e-journey") / "journey.db"
    app = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{database}",
        STORAGE_DIR=str(tmp_path_factory.mktemp("journey-storage")),
        WTF_CSRF_ENABLED=True,
    )
    with app.app_context():
        upgrade()
        sync_roles(db.session)
        load_reference(db.session)
        db.session.commit()
        unit = f.make_unit("E2E-JOURNEY", "Dinas Uji Perjalanan")
        head = f.make_employee(unit, "Kepala Dinas", jabatan_type="jpt_pratama", golongan="IV/b")
        evaluator = f.make_employee(unit, "Penilai Perjalanan", supervisor=head, golongan="III/d")
        employee = f.make_employee(unit, "Pegawai Perjalanan", supervisor=evaluator)
        f.make_user(EMPLOYEE, ["Employee"], employee)
        f.make_user(EVALUATOR, ["Supervisor", "Employee"], evaluator)
        period = f.make_period()
        form = form_service.import_definition(copy.deepcopy(CYCLE_FORM), unit.id, HR_SCOPE)
        version = form_service.publish(form)
        template = template_service.create_template(unit.id, "STAF", "Penilaian staf", HR_SCOPE)
        template_service.save_draft(
            template,
            {
                "title": "Penilaian staf",
                "forms": [{"form_version_id": version.id, "weight": 100}],
                "rules": copy.deepcopy(DEFAULT_RULES),
            },
        )
        assign(period, template_service.publish(template), HR_SCOPE, unit_id=unit.id)
        submission = db.session.query(Submission).filter_by(employee_id=employee.id).one()
        assert submission.evaluator_id == evaluator.id
        result = Journey(app, "", submission.id, version.id)
        db.session.remove()

    server = make_server("127.0.0.1", _free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-journey", daemon=True)
    thread.start()
    result.url = f"http://127.0.0.1:{server.server_port}"
    try:
        yield result
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _user_tab(browser, journey: Journey, username: str, errors: list):
    """A tab in its own browser context, logged in as `username` through the login page."""
    from tests import factories as f

    context = browser.new_context(base_url=journey.url, locale="id-ID")
    context.set_default_timeout(10_000)
    tab = context.new_page()
    tab.on("pageerror", lambda error: errors.append(f"{username}: {error}"))
    tab.goto("/login/")
    tab.fill("#username", username)
    tab.fill("#password", f.PASSWORD)
    with tab.expect_navigation():
        tab.click("form input[type=submit], form button[type=submit]")
    assert "/login" not in tab.url, f"login failed for {username}"
    return context, tab


def _open_from_list(tab, list_url: str, row_selector: str) -> None:
    tab.goto(list_url)
    with tab.expect_navigation():
        tab.click(f"{row_selector} a.btn")


def _stored(journey: Journey) -> dict:
    from app.extensions import db
    from app.models import Submission

    with journey.app.app_context():
        item = db.session.get(Submission, journey.submission_id)
        result = {
            "state": item.state,
            "answers": copy.deepcopy(item.answers),
            "hasil": item.hasil_rating,
            "perilaku": item.perilaku_rating,
            "predikat": item.predikat,
            "behaviour": copy.deepcopy(item.behaviour),
            "feedback": item.feedback,
            "recommendation": item.recommendation,
        }
        db.session.remove()
    return result


def test_employee_and_evaluator_complete_the_cycle(browser, journey):
    from app.domain.ratings import Predikat, Rating, predikat

    ref = journey.ref
    sid = journey.submission_id
    my_row = f'#my-submissions tr[data-id="{sid}"]'
    queue_row = f'.review-queue tr[data-id="{sid}"]'
    errors: list[str] = []
    employee_context, me = _user_tab(browser, journey, EMPLOYEE, errors)
    evaluator_context, boss = _user_tab(browser, journey, EVALUATOR, errors)
    try:
        # --- employee: Kinerja Saya → fill in live, save a draft, submit
        me.goto("/my/")
        expect(me.locator("#pending-count")).to_have_text("1")
        expect(me.locator(f"{my_row} .state-draft")).to_be_visible()
        _open_from_list(me, "/my/", my_row)
        assert me.url.endswith(f"/my/{sid}/"), me.url
        kendala = me.locator(f'.fill-field[data-ref="{ref("kendala")}"]')
        expect(kendala).to_be_hidden()
        me.fill(f'[name="{ref("sasaran")}"]', "100")
        me.fill(f'[name="{ref("diimunisasi")}"]', "80")
        expect(me.locator(f'[name="{ref("cakupan")}"]')).to_have_value("80")  # calculated
        expect(kendala).to_be_visible()  # relevant: cakupan < 95
        me.fill(f'[name="{ref("kendala")}"]', "Stok vaksin terlambat")
        me.fill(f'[name="{ref("kunjungan")}"]', "90")
        me.fill(f'[name="{ref("catatan")}"]', "Triwulan pertama")
        with me.expect_navigation():
            me.click("#fill-save")
        expect(me.locator("#submission-state")).to_have_class("label label-default state-draft")
        expect(me.locator(f'[name="{ref("kunjungan")}"]')).to_have_value("90")
        expect(kendala).to_be_visible()
        assert _stored(journey)["answers"][str(journey.form_id)]["kunjungan"] == 90
        me.click("#fill-submit")  # asks once, in the page
        with me.expect_navigation():
            me.click("#fill-submit-confirm")
        expect(me.locator("#submission-state")).to_have_class("label label-default state-submitted")
        expect(me.locator("#fill-form")).to_have_count(0)  # read-only now

        # --- evaluator: Penilaian Bawahan → comment on an indicator, return with a reason
        _open_from_list(boss, "/reviews/", queue_row)
        assert boss.url.endswith(f"/reviews/{sid}/"), boss.url
        expect(boss.locator("#submission-state")).to_have_class(
            "label label-default state-submitted"
        )
        expect(boss.locator("#changes-since-return")).to_have_count(0)
        boss.fill(f'[name="comment:{ref("kunjungan")}"]', "Target 100 kunjungan belum tercapai")
        boss.fill("#reason", "Periksa kembali jumlah kunjungan rumah")
        with boss.expect_navigation():
            boss.click("#review-return")
        assert boss.url.endswith("/reviews/"), boss.url
        expect(
            boss.locator(f'.review-queue[data-state="returned"] tr[data-id="{sid}"]')
        ).to_have_count(1)

        # --- employee: sees the reason and the comment, fixes the value, resubmits
        _open_from_list(me, "/my/", my_row)
        expect(me.locator("#submission-state")).to_have_class("label label-default state-returned")
        expect(me.locator("#return-reason")).to_have_text("Periksa kembali jumlah kunjungan rumah")
        expect(me.locator("#return-comments")).to_contain_text(
            "Target 100 kunjungan belum tercapai"
        )
        field = me.locator(f'.fill-field[data-ref="{ref("kunjungan")}"]')
        expect(field.locator(".evaluator-comment")).to_contain_text(
            "Target 100 kunjungan belum tercapai"
        )
        me.fill(f'[name="{ref("kunjungan")}"]', "120")
        me.click("#fill-submit")  # asks once, in the page
        with me.expect_navigation():
            me.click("#fill-submit-confirm")
        expect(me.locator("#submission-state")).to_have_class("label label-default state-submitted")

        # --- evaluator: the change is highlighted; rate, feedback, recommendation, approve
        _open_from_list(boss, "/reviews/", queue_row)
        changes = boss.locator("#changes-since-return tbody tr")
        expect(changes).to_have_count(1)
        changed = boss.locator(f'#changes-since-return tr[data-ref="{ref("kunjungan")}"]')
        expect(changed.locator("td").nth(1)).to_have_text("90")
        expect(changed.locator("td").nth(2)).to_have_text("120")
        indicator = boss.locator(f'.indicator-table tr[data-ref="{ref("kunjungan")}"]')
        expect(indicator).to_have_class("warning changed")
        expect(indicator.locator(".label-warning")).to_be_visible()
        unchanged = boss.locator(f'.indicator-table tr[data-ref="{ref("cakupan")}"]')
        expect(unchanged).not_to_have_class("warning changed")
        values = boss.locator("#behaviour-panel fieldset.behaviour-value")
        expect(values).to_have_count(7)
        codes = [values.nth(i).get_attribute("data-code") for i in range(7)]
        for code, rating in zip(codes, BEHAVIOUR, strict=True):
            boss.check(f'input[name="behaviour:{code}:rating"][value="{rating}"]')
            boss.fill(f'[name="behaviour:{code}:feedback"]', f"Umpan balik {code}")
        boss.fill("#feedback", "Kinerja baik, pertahankan")
        boss.fill("#recommendation", "Diklat manajemen imunisasi")
        with boss.expect_navigation():
            boss.click("#review-approve")
        expect(boss.locator("#approve-confirm")).to_be_visible()  # the proposal first
        with boss.expect_navigation():
            boss.click("#review-confirm")
        assert boss.url.endswith(f"/reviews/{sid}/"), boss.url
        expect(boss.locator("#submission-state")).to_have_class(
            "label label-default state-approved"
        )

        # --- the stored result and what the employee sees
        stored = _stored(journey)
        assert stored["state"] == "approved"
        assert {code: stored["behaviour"][code]["rating"] for code in codes} == dict(
            zip(codes, BEHAVIOUR, strict=True)
        )
        assert stored["feedback"] == "Kinerja baik, pertahankan"
        assert stored["recommendation"] == "Diklat manajemen imunisasi"
        expected = predikat(Rating(stored["hasil"]), Rating(stored["perilaku"]))
        assert stored["predikat"] == expected.value
        with journey.app.test_request_context():
            label = Predikat(expected).label
            hasil_label, perilaku_label = (
                Rating(stored["hasil"]).label,
                Rating(stored["perilaku"]).label,
            )

        me.goto("/my/")
        expect(me.locator("#pending-count")).to_have_count(0)
        expect(me.locator(f"{my_row} td").nth(4)).to_contain_text(label)
        _open_from_list(me, "/my/", my_row)
        expect(me.locator("#submission-state")).to_have_class("label label-default state-approved")
        expect(me.locator("#result-predikat")).to_have_text(label)
        expect(me.locator("#result-hasil")).to_have_text(hasil_label)
        expect(me.locator("#result-perilaku")).to_have_text(perilaku_label)
        expect(me.locator("#review-result")).to_contain_text("Diklat manajemen imunisasi")
        assert not errors, errors
    finally:
        employee_context.close()
        evaluator_context.close()
