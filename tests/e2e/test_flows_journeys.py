"""The journeys of issue 13 in a real browser, at phone (390 × 844) and desktop size.

1. The unit admin builds and publishes a form, follows "use it in a template", publishes
   the template, follows "assign it" and assigns it to chosen people with the searchable
   multi-select; the result says who has it and who has no evaluator.
2. The employee starts from the landing page's call to action, saves a draft with an
   invalid value (kept and marked), fixes it and submits (asked once, in the page).
3. The evaluator returns it; the employee fixes it from the landing page; the evaluator
   approves after seeing the predikat, which is the one stored.
4. HR closes the period after seeing what is unfinished per unit, then downloads the recap.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.conftest import log_in, serve

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is not installed"),
]
sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


@dataclass
class Cast:
    """The people of one journey (one per screen size, so the journeys do not meet)."""

    size: str
    unit_id: int
    period_id: int
    period_name: str
    employee: str
    evaluator: str
    head: str

    def user(self, role: str) -> str:
        return f"{role}.{self.size}"


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    """The portal on a free port with a migrated database and the reference data."""
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.security import sync_roles
    from config import TestConfig
    from seeds.loader import load_reference
    from tests import factories as f

    database = tmp_path_factory.mktemp("e2e-flows") / "flows.db"
    app = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{database}",
        STORAGE_DIR=str(tmp_path_factory.mktemp("flows-storage")),
        WTF_CSRF_ENABLED=True,
    )
    with app.app_context():
        upgrade()
        sync_roles(db.session)
        load_reference(db.session)
        db.session.commit()
        f.make_user("hr.flows", ["HR"])
        db.session.remove()
    with serve(app, "e2e-flows") as url:
        yield app, url


def _cast(app, size: str) -> Cast:
    import datetime as dt

    from app.extensions import db
    from app.models.types import PeriodState
    from tests import factories as f

    with app.app_context():
        unit = f.make_unit(f"UJI-{size.upper()}", f"Dinas Uji {size}")
        head = f.make_employee(unit, f"Kepala {size}", jabatan_type="jpt_pratama", golongan="IV/b")
        evaluator = f.make_employee(unit, f"Penilai {size}", supervisor=head, golongan="III/d")
        employee = f.make_employee(unit, f"Pegawai {size}", supervisor=evaluator)
        f.make_user(f"admin.{size}", ["UnitAdmin", "Employee"], head)
        f.make_user(f"pegawai.{size}", ["Employee"], employee)
        f.make_user(f"penilai.{size}", ["Supervisor", "Employee"], evaluator)
        year = 2030 if size == "phone" else 2031
        period = f.make_period(
            f"Triwulan I {year}", PeriodState.OPEN, dt.date(year, 1, 1), dt.date(year, 3, 31)
        )
        cast = Cast(size, unit.id, period.id, period.name, employee.name, evaluator.name, head.name)
        db.session.remove()
    return cast


class Tabs:
    """One logged-in tab per user, each in its own browser context at the journey's size."""

    def __init__(self, browser, url: str, size: str):
        self.browser, self.url, self.size = browser, url, size
        self.contexts, self.errors = [], []

    def login(self, username: str):
        from tests import factories as f

        context = self.browser.new_context(
            base_url=self.url, locale="id-ID", viewport=SIZES[self.size],
            accept_downloads=True, is_mobile=self.size == "phone", has_touch=self.size == "phone",
        )  # fmt: skip
        context.set_default_timeout(15_000)
        self.contexts.append(context)
        tab = context.new_page()
        tab.on("pageerror", lambda error: self.errors.append(f"{username}: {error}"))
        log_in(tab, username, f.PASSWORD)
        return tab

    def close(self):
        for context in self.contexts:
            context.close()


def _stored(app, employee_name: str) -> dict:
    from app.extensions import db
    from app.models import Employee, Submission

    with app.app_context():
        employee = db.session.query(Employee).filter_by(name=employee_name).one()
        item = db.session.query(Submission).filter_by(employee_id=employee.id).one()
        result = {"id": item.id, "state": item.state, "predikat": item.predikat,
                  "invalid": item.invalid_answers, "answers": item.answers}  # fmt: skip
        db.session.remove()
    return result


def _choose(tab, select_id: str, text: str) -> None:
    """Pick `text` in a searchable multi-select (Tom Select) by typing part of it."""
    control = tab.locator(f"#{select_id}-ts-control")
    control.click()
    control.fill(text)
    option = tab.locator(f"#{select_id}-ts-dropdown .option", has_text=text).first
    expect(option).to_be_visible()
    option.click()
    expect(tab.locator(f"#{select_id} + .ts-wrapper .item", has_text=text)).to_have_count(1)


def _build_and_assign(admin, cast: Cast) -> None:
    code = f"F-{cast.size.upper()}"
    admin.goto("/builder/")
    admin.fill("#new-code", code)
    admin.fill("#new-title", f"Capaian {cast.size}")
    with admin.expect_navigation():
        admin.click("#new-form-submit")
    expect(admin.locator("#builder-error-count")).to_have_text("0")
    expect(admin.locator("#builder-publish")).to_be_enabled()
    admin.click("#builder-publish")
    with admin.expect_navigation():  # the portal's own confirmation dialog
        admin.click("#portal-confirm-ok")
    expect(admin.locator("#next-steps")).to_be_visible()
    with admin.expect_navigation():
        admin.click("#next-use-in-template")
    expect(admin.locator("#new-template-form")).to_be_visible()
    admin.fill("#new-code", f"T-{cast.size.upper()}")
    admin.fill("#new-title", f"Penilaian staf {cast.size}")
    with admin.expect_navigation():
        admin.click("#new-template button.btn-primary")
    first_row = admin.locator("#part-forms select[name=form_version_id]").first
    expect(first_row.locator("option:checked")).to_contain_text(code)
    with admin.expect_navigation():
        admin.click("#publish")
    with admin.expect_navigation():
        admin.click("#next-assign")
    admin.select_option("#period_id", str(cast.period_id))
    admin.check("#mode-employees")
    for name in (cast.employee, cast.evaluator, cast.head):
        _choose(admin, "employee_ids", name)
    with admin.expect_navigation():
        admin.click("#assign-submit")
    expect(admin.locator("#created-count")).to_have_attribute("data-value", "2")
    expect(admin.locator("#assign-problems")).to_contain_text(cast.head)  # no evaluator
    admin.click("#assign-holders summary")
    expect(admin.locator("#assign-holders")).to_contain_text(cast.employee)


def _fill_invalid_then_submit(me, app, cast: Cast) -> int:
    me.goto("/")
    action = me.locator('#my-actions .my-action[data-level="todo"] a.btn[href^="/my/"]')
    with me.expect_navigation():
        action.click()
    sid = _stored(app, cast.employee)["id"]
    field = me.locator(".fill-field input[data-key=realisasi]")
    field.fill("-5")
    with me.expect_navigation():
        me.click("#fill-save")
    assert "check=1" in me.url, me.url
    box = me.locator(".fill-field[data-ref$=':realisasi']")
    expect(box).to_have_class(re.compile(r"has-error"))
    expect(box.locator(".field-errors")).not_to_have_text("")
    expect(field).to_have_value("-5")  # kept as typed
    assert _stored(app, cast.employee)["invalid"], "the invalid value is kept aside"
    field.fill("80")
    me.click("#fill-submit")
    expect(me.locator("#submit-confirm")).to_be_visible()
    expect(me.locator("#submit-confirm")).to_contain_text(cast.evaluator)
    with me.expect_navigation():
        me.click("#fill-submit-confirm")
    expect(me.locator("#submission-state")).to_have_class(re.compile("state-submitted"))
    return sid


def _return_then_approve(boss, me, app, cast: Cast, sid: int) -> None:
    boss.goto(f"/reviews/{sid}/")
    boss.fill("#reason", "Realisasi belum sesuai laporan")
    with boss.expect_navigation():
        boss.click("#review-return")
    me.goto("/")
    fix = me.locator('#my-actions .my-action[data-level="fix"]')
    expect(fix).to_contain_text("Realisasi belum sesuai laporan")
    with me.expect_navigation():
        fix.locator("a.btn").click()
    me.fill(".fill-field input[data-key=realisasi]", "110")
    me.click("#fill-submit")
    with me.expect_navigation():
        me.click("#fill-submit-confirm")
    expect(me.locator("#submission-state")).to_have_class(re.compile("state-submitted"))

    boss.goto(f"/reviews/{sid}/")
    values = boss.locator("#behaviour-panel fieldset.behaviour-value")
    expect(values).to_have_count(7)
    for i in range(7):
        code = values.nth(i).get_attribute("data-code")
        boss.check(f'input[name="behaviour:{code}:rating"][value="above"]')
    with boss.expect_navigation():
        boss.click("#review-approve")
    shown = boss.locator("#decision-predikat")
    expect(shown).to_be_visible()  # the predikat before confirming
    predikat = shown.get_attribute("data-value")
    assert _stored(app, cast.employee)["state"] == "submitted"  # nothing saved yet
    with boss.expect_navigation():
        boss.click("#review-confirm")
    expect(boss.locator("#submission-state")).to_have_class(re.compile("state-approved"))
    assert _stored(app, cast.employee)["predikat"] == predikat


def _close_and_download(hr, app, cast: Cast) -> None:
    hr.goto("/periods/")
    row = hr.locator(f'#period-list tr[data-period-id="{cast.period_id}"]')
    with hr.expect_navigation():
        row.locator("a.btn-danger").click()
    unfinished = hr.locator(f'#close-unfinished tr[data-unit-id="{cast.unit_id}"]')
    expect(unfinished.locator('td[data-state="draft"]')).to_have_text("1")  # the evaluator's
    with hr.expect_navigation():
        hr.click("#close-submit")
    expect(row.locator("td").nth(3)).to_have_text("Ditutup")
    hr.goto("/recaps/")
    hr.select_option("#period", str(cast.period_id))
    hr.select_option("#unit", str(cast.unit_id))
    with hr.expect_download() as download:
        hr.click('#recap-downloads button[data-format="pdf"]')
    assert download.value.suggested_filename.endswith(".pdf")
    expect(hr.locator('#recap-downloads button[data-format="pdf"]')).to_be_enabled()


@pytest.mark.parametrize("size", list(SIZES))
def test_the_journeys_of_each_role(browser, portal, size):
    app, url = portal
    cast = _cast(app, size)
    tabs = Tabs(browser, url, size)
    try:
        _build_and_assign(tabs.login(cast.user("admin")), cast)
        me = tabs.login(cast.user("pegawai"))
        sid = _fill_invalid_then_submit(me, app, cast)
        _return_then_approve(tabs.login(cast.user("penilai")), me, app, cast, sid)
        _close_and_download(tabs.login("hr.flows"), app, cast)
    finally:
        tabs.close()
    assert tabs.errors == []


SERVICES = ["kia", "ptm", "gizi", "imunisasi", "kesling", "promkes", "lansia", "remaja", "jiwa"]


def _multichoice_submission(app, size: str) -> tuple[int, int]:
    """A draft whose form asks for several of nine services; (submission id, form version id)."""
    import copy

    from app.extensions import db
    from app.models import Submission
    from app.services import forms as form_service
    from app.services import templates as template_service
    from app.services.assignment import assign
    from app.services.templates import DEFAULT_RULES
    from tests import factories as f
    from tests.conftest_admin import HR_SCOPE

    with app.app_context():
        unit = f.make_unit(f"PILIH-{size.upper()}", f"Puskesmas Pilihan {size}")
        boss = f.make_employee(unit, f"Kepala Pilihan {size}", jabatan_type="jpt_pratama")
        nurse = f.make_employee(unit, f"Perawat Pilihan {size}", supervisor=boss)
        f.make_user(f"perawat.{size}", ["Employee"], nurse)
        choices = [{"value": v, "label": {"id": f"Layanan {v}"}} for v in SERVICES]
        definition = {
            "code": "LAYANAN", "title": {"id": "Layanan unggulan"},
            "fields": [{"key": "layanan", "type": "multiselect", "label": {"id": "Layanan"},
                        "choices": choices}],
        }  # fmt: skip
        version = form_service.publish(
            form_service.import_definition(copy.deepcopy(definition), unit.id, HR_SCOPE)
        )
        template = template_service.create_template(unit.id, "PILIH", "Pilihan", HR_SCOPE)
        template_service.save_draft(
            template,
            {"title": "Pilihan", "forms": [{"form_version_id": version.id, "weight": 100}],
             "rules": copy.deepcopy(DEFAULT_RULES)},
        )  # fmt: skip
        period = f.make_period(f"Pilihan {size}", start=_start(size), end=_start(size, 89))
        assign(period, template_service.publish(template), HR_SCOPE, unit_id=unit.id)
        submission = db.session.query(Submission).filter_by(employee_id=nurse.id).one()
        ids = submission.id, version.id
        db.session.remove()
    return ids


def _start(size: str, days: int = 0):
    import datetime as dt

    return dt.date(2040 if size == "phone" else 2041, 1, 1) + dt.timedelta(days=days)


@pytest.mark.parametrize("size", list(SIZES))
def test_a_multi_choice_answer_with_many_options_is_searched_not_ctrl_clicked(
    browser, portal, size
):
    from app.extensions import db
    from app.models import Submission

    app, url = portal
    sid, form_id = _multichoice_submission(app, size)
    tabs = Tabs(browser, url, size)
    try:
        me = tabs.login(f"perawat.{size}")
        me.goto(f"/my/{sid}/")
        wrapper = me.locator(".fill-field .ts-wrapper")
        expect(wrapper).to_have_count(1)
        search = wrapper.locator("input")
        for word in ("gizi", "jiwa"):
            search.focus()
            search.fill(word)
            me.locator(".ts-dropdown .option", has_text=f"Layanan {word}").first.click()
        expect(wrapper.locator(".item")).to_have_count(2)
        with me.expect_navigation():
            me.click("#fill-save")
        expect(me.locator(".fill-field .ts-wrapper .item")).to_have_count(2)
    finally:
        tabs.close()
    assert tabs.errors == []
    with app.app_context():
        saved = db.session.get(Submission, sid).answers[str(form_id)]
        db.session.remove()
    assert sorted(saved["layanan"]) == ["gizi", "jiwa"]
