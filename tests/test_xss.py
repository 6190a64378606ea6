"""Stored script injection: user text is escaped in every page, message, title and document.

A hostile string (a script tag, an attribute break-out with an ``onerror`` image and a
``javascript:`` URL) is put into every user-editable text; every page each role can reach,
the flash messages of the actions that quote names, and the PDFs are then checked.
"""

from __future__ import annotations

import ast
import copy
import io
import re
from collections import Counter
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from flask import flash, render_template_string, session
from flask.sessions import session_json_serializer
from pypdf import PdfReader
from sqlalchemy import select

from app.extensions import db
from app.i18n import lazy_gettext
from app.models import (
    Award,
    EvaluationTemplate,
    IndicatorForm,
    Submission,
    Unit,
)
from app.services import recaps as recap_service
from app.services import rollup as rollup_service
from app.services import submissions as submission_service
from app.services import unit_ratings as unit_rating_service
from forms.errors import EngineError, ErrorCode
from tests import conftest_cycle
from tests import factories as f
from tests.conftest_dashboard import IKU_FORM, publish

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
JS_URL = "javascript:alert(1)"
HOSTILE = f"{SCRIPT}{IMG}{JS_URL}"
#: How the script tag reads once escaped.
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
RAW_MARKUP = (SCRIPT, "<img src=x onerror=alert(1)>")
JS_IN_ATTRIBUTE = re.compile(r"""(?:href|src|action|formaction)\s*=\s*["']?\s*javascript:""", re.I)


def hostile(label: str) -> str:
    """The hostile string, tagged so a failure says which text leaked."""
    return f"{label}{HOSTILE}"


def assert_escaped(html: str, where: str) -> None:
    for raw in RAW_MARKUP:
        assert raw not in html, f"unescaped {raw!r} in {where}"
    assert not JS_IN_ATTRIBUTE.search(html), f"javascript: URL in an attribute of {where}"


class _ScriptAudit(HTMLParser):
    """Collects what a Content-Security-Policy without 'unsafe-inline' would block."""

    def __init__(self, nonce: str) -> None:
        super().__init__()
        self.nonce, self.blocked = nonce, []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.blocked += [f"<{tag} {name}=…>" for name in attributes if name.startswith("on")]
        inline = tag == "script" and "src" not in attributes
        executable = inline and attributes.get("type") != "application/json"
        if executable and attributes.get("nonce") != self.nonce:
            self.blocked.append("<script> without the nonce")


def assert_runs_under_csp(html: str, headers, where: str) -> None:
    """Every inline script carries the response's nonce; no inline event handlers."""
    policy = headers["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]*)", policy).group(1)
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    nonce = re.search(r"'nonce-([^']+)'", script_src).group(1)
    audit = _ScriptAudit(nonce)
    audit.feed(html)
    assert audit.blocked == [], f"{where}: {audit.blocked}"


# --- the helper ---------------------------------------------------------------------------


def test_lazy_gettext_escapes_values_in_html_but_not_in_plain_text(app):
    message = lazy_gettext("Award confirmed for %(name)s.", name=HOSTILE)
    with app.test_request_context():
        html = render_template_string("<p>{{ m }}</p>", m=message)
        assert_escaped(html, "the template")
        assert ESCAPED in html
        assert str(message) == f"Penghargaan untuk {HOSTILE} ditetapkan."  # JSON, PDF, XLSX


def test_flashed_lazy_message_is_escaped_after_the_session_round_trip(app):
    """Flask stores a flashed LazyString as markup; its values must be escaped by then."""
    with app.test_request_context():
        flash(lazy_gettext("Returned to %(name)s for revision.", name=HOSTILE), "success")
        stored = session_json_serializer.loads(session_json_serializer.dumps(dict(session)))
        session.update(stored)
        html = render_template_string("{{ get_flashed_messages()[0] }}")
    assert_escaped(html, "the flashed message")
    assert ESCAPED in html


def test_engine_error_messages_escape_quoted_input(app):
    error = EngineError.of(ErrorCode.UNKNOWN_PROPERTY, path="fields[0]", name=HOSTILE)
    with app.test_request_context():
        html = render_template_string("{{ m }}", m=error.message)
    assert_escaped(html, "the engine error")
    assert HOSTILE in str(error.message)


def _flask_babel_lazy_calls_with_values(path: Path) -> list[int]:
    tree = ast.parse(path.read_text())
    names = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "flask_babel"
        for alias in node.names
        if alias.name == "lazy_gettext"
    }
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in names
        and node.keywords
    ]


def test_no_module_fills_flask_babels_lazy_gettext_with_values():
    """Interpolating lazy strings go through the escaping helper (app.i18n / forms.i18n)."""
    root = Path(__file__).resolve().parent.parent
    offenders = {
        str(path.relative_to(root)): lines
        for package in ("app", "forms")
        for path in sorted((root / package).rglob("*.py"))
        if (lines := _flask_babel_lazy_calls_with_values(path))
    }
    assert offenders == {}


# --- the reported paths -------------------------------------------------------------------


def test_renamed_employee_does_not_run_script_when_hr_confirms_the_award(
    login_as, world, open_period
):  # fmt: skip
    pegawai = world.people["pegawai.dinkes"]
    admin = login_as("admin.dinkes")
    data = f.employee_form(pegawai, name=hostile("Rusdi"))
    assert admin.post(f"/employeeview/edit/{pegawai.id}", data=data).status_code == 302
    award = Award(period_id=open_period.id, unit_id=pegawai.unit_id, employee_id=pegawai.id)
    db.session.add(award)
    db.session.commit()
    hr = login_as("hr")
    response = hr.post(
        f"/awards/{award.id}/confirm",
        data={"title": "Pegawai Teladan", "citation": "Luar biasa"},
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert db.session.get(Award, award.id).state == "confirmed"
    assert_escaped(html, "the award confirmation")
    assert f"Rusdi{ESCAPED}" in _flashed(html, "success")


def test_return_message_escapes_the_employee_name(login_as, cycle):
    cycle.world.people["pegawai.dinkes"].name = hostile("Rusdi")
    db.session.commit()
    cycle.submit()
    evaluator = login_as("penilai.dinkes")
    response = evaluator.post(
        f"/reviews/{cycle.submission.id}/return",
        data={"reason": hostile("reason"), "lock_version": cycle.reload().lock_version},
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert cycle.reload().state == "returned"
    assert_escaped(html, "the return message")
    assert f"Rusdi{ESCAPED}" in _flashed(html, "success")


def test_achievement_title_escapes_the_unit_name(login_as, iku):
    unit = db.session.get(Unit, iku.world.dinkes.id)
    unit.name = hostile("Dinkes")
    db.session.commit()
    html = (
        login_as("hr")
        .get(f"/dashboard/unit/{unit.id}/achievement?period={iku.period.id}")
        .get_data(as_text=True)
    )
    assert_escaped(html, "the achievement page")
    assert f"Dinkes{ESCAPED}" in html


# --- every page, as every role, with every text hostile -----------------------------------

ROLES = ("hr", "admin", "admin.dinkes", "penilai.dinkes", "pegawai.dinkes")
#: Links the crawl leaves alone: log-out, language switch, assets, the API, and actions.
SKIP = re.compile(
    r"^/(logout|lang|static|appbuilder|api|swagger)\b|/(delete|action|action_post|export)\b"
)
#: Visits per route (ids replaced): the hostile records come first, from the entry pages.
PER_ROUTE = 3
LINK = re.compile(r"""href="([^"#]+)""")


def _hostile_form() -> dict:
    """The cycle's form with hostile title, description, labels, help, messages and choices."""
    form = copy.deepcopy(conftest_cycle.CYCLE_FORM)
    form["title"] = {"id": hostile("form-title"), "en": hostile("form-title-en")}
    form["description"] = {"id": hostile("form-description")}
    for field in form["fields"]:
        field["label"] = {"id": hostile(f"label-{field['key']}")}
        field["help"] = {"id": hostile(f"help-{field['key']}")}
    form["fields"][1]["constraint_message"] = {"id": hostile("constraint")}
    choices = [{"value": v, "label": {"id": hostile(f"choice-{v}")}} for v in ("a", "b")]
    form["fields"].append(
        {"key": "pilihan", "type": "select", "label": {"id": hostile("label-pilihan")},
         "choices": choices}
    )  # fmt: skip
    return form


def _rename_everything(world, period) -> None:
    for unit in (world.dinkes, world.puskesmas, world.disdik):
        unit.name, unit.short_name = hostile(f"unit-{unit.code}"), hostile("short")
    for key, person in world.people.items():
        person.name, person.jabatan = hostile(f"name-{key}"), hostile(f"jabatan-{key}")
    period.name = hostile("period")
    for template in db.session.scalars(select(EvaluationTemplate)):
        template.title = hostile("template")
    for form in db.session.scalars(select(IndicatorForm)):
        form.title = hostile("form")
    db.session.commit()


def _review_with_hostile_texts(cycle) -> Submission:
    """Submitted, returned with a reason and comments, resubmitted, approved with feedback."""
    answers = {**conftest_cycle.GOOD, "catatan": hostile("answer"), "pilihan": "a"}
    cycle.submit(answers)
    cycle.send_back(hostile("reason"), comments={cycle.ref("kunjungan"): hostile("comment")})
    cycle.submit(answers)
    behaviour = {
        code: {**entry, "feedback": hostile("behaviour-feedback")}
        for code, entry in cycle.ratings().items()
    }
    submission_service.approve(
        cycle.reload(), behaviour, cycle.scope("penilai.dinkes"), cycle.user_id("penilai.dinkes"),
        feedback=hostile("feedback"), recommendation=hostile("recommendation"),
        comments={cycle.ref("kunjungan"): hostile("review-comment")},
        lock_version=cycle.reload().lock_version,
    )  # fmt: skip
    return cycle.reload()


@pytest.fixture
def hostile_cycle(monkeypatch, request, world):
    """The evaluation cycle with hostile text in every user-editable place."""
    monkeypatch.setattr(conftest_cycle, "CYCLE_FORM", _hostile_form())
    cycle = request.getfixturevalue("cycle")
    submission = _review_with_hostile_texts(cycle)
    dinkes = db.session.get(Unit, world.dinkes.id)
    iku_form = copy.deepcopy(IKU_FORM)
    for field in iku_form["fields"]:
        field["label"] = {"id": hostile(f"iku-{field['key']}")}
    rollup_service.set_iku_form(dinkes, publish(iku_form, dinkes.id).form)
    award = Award(
        period_id=cycle.period.id, unit_id=dinkes.id, employee_id=submission.employee_id,
        submission_id=submission.id, state="confirmed", predikat=submission.predikat,
        title=hostile("award-title"), citation=hostile("award-citation"),
    )  # fmt: skip
    db.session.add(award)
    recap_service.save_signatory(
        dinkes.id, hostile("signatory"), "", hostile("signatory-jabatan"), hostile("place")
    )
    unit_rating_service.set_unit_rating(dinkes, cycle.period, "baik", hostile("rating-reason"))
    db.session.commit()
    _rename_everything(world, cycle.period)
    cycle.award = award
    return cycle


def _links(html: str, base: str) -> list[str]:
    found = []
    for href in LINK.findall(html):
        url = urljoin(base, unescape(href))
        parts = urlsplit(url)
        if not parts.scheme and url.startswith("/") and not SKIP.search(parts.path):
            found.append(url)
    return found


def _crawl(client, start: list[str]) -> tuple[set[str], list[tuple[str, bytes]]]:
    """Pages reachable by links from `start`, a few per route; the PDFs met on the way."""
    seen: set[str] = set()
    per_route: Counter = Counter()
    queue, pdfs = list(start), []
    while queue:
        url = queue.pop(0)
        path = urlsplit(url).path
        route = re.sub(r"\d+", "N", path)
        if path in seen or per_route[route] >= PER_ROUTE:
            continue
        seen.add(path)
        per_route[route] += 1
        response = client.get(url)
        assert response.status_code < 500, url
        if response.mimetype == "text/html":
            html = response.get_data(as_text=True)
            assert_escaped(html, url)
            assert_runs_under_csp(html, response.headers, url)
            assert "&amp;lt;" not in html, f"escaped twice in {url}"
            queue.extend(_links(html, url))
        elif response.mimetype == "application/pdf":
            pdfs.append((url, response.data))
    return seen, pdfs


def _pdf_text(data: bytes) -> str:
    return "".join(
        "".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages
    )


def _entry_pages(cycle) -> list[str]:
    period, pk = cycle.period.id, cycle.submission.id
    dinkes, employee = cycle.world.dinkes.id, cycle.submission.employee_id
    return [
        "/", f"/reviews/{pk}/", f"/my/{pk}/", f"/dashboard/?period={period}",
        f"/dashboard/unit/{dinkes}?period={period}",
        f"/dashboard/unit/{dinkes}/achievement?period={period}",
        f"/awards/?period={period}", f"/recaps/?period={period}&unit={dinkes}",
        f"/periods/{period}/reopen", f"/print/submission/{pk}/evaluation",
        f"/print/submission/{pk}/form", f"/dashboard/award/{cycle.award.id}/certificate",
        f"/recaps/download?period={period}&unit={dinkes}&format=pdf",
        f"/unitview/show/{dinkes}", f"/unitview/edit/{dinkes}", f"/employeeview/show/{employee}",
        f"/employeeview/edit/{employee}", f"/dashboard/employee/{employee}",
    ]  # fmt: skip


@pytest.mark.parametrize("username", ROLES)
def test_every_page_escapes_hostile_text(hostile_cycle, login_as, username):
    client = login_as(username)
    seen, pdfs = _crawl(client, _entry_pages(hostile_cycle))
    assert len(seen) > 10 and pdfs
    for url, data in pdfs:
        text = _pdf_text(data)
        assert "&lt;" not in text and "&#34;" not in text, f"escaped twice in {url}"
        if "alert(1)" in text:  # shown as text, not taken for a tag
            assert "".join(HOSTILE.split()) in text, url


def test_messages_of_hr_actions_escape_the_unit_name(hostile_cycle, login_as):
    client = login_as("hr")
    dinkes, period = hostile_cycle.world.dinkes.id, hostile_cycle.period.id
    actions = {
        f"/recaps/signatory/{dinkes}": {
            "name": hostile("signatory"), "nip": "", "jabatan": hostile("jabatan"), "place": "",
        },
        f"/dashboard/unit/{dinkes}/achievement?period={period}": {
            "rating": "kurang", "reason": hostile("override"),
        },
    }  # fmt: skip
    for url, data in actions.items():
        html = client.post(url, data=data, follow_redirects=True).get_data(as_text=True)
        assert_escaped(html, url)
        assert f"unit-DINKES{ESCAPED}" in _flashed(html, "success"), url


def _flashed(html: str, category: str) -> str:
    """The flash messages of `category` on a page (FAB's alert boxes)."""
    return " ".join(re.findall(rf'<div class="alert alert-{category}">(.*?)</div>', html, re.S))


# --- response headers ---------------------------------------------------------------------


def test_security_headers_on_pages_and_login(client, world):
    response = client.get("/login/")
    assert response.status_code == 200  # no redirect to https: TLS ends at the proxy
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert "default-src 'self'" in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert_runs_under_csp(response.get_data(as_text=True), response.headers, "/login/")


def test_each_response_gets_its_own_nonce(client, world):
    nonces = {
        re.search(r"'nonce-([^']+)'", client.get("/login/").headers["Content-Security-Policy"])[1]
        for _ in range(2)
    }
    assert len(nonces) == 2


@pytest.mark.parametrize(
    "url", ["/swagger/v1", "/users/list/", "/roles/add", "/builder/", "/users/userinfo/"]
)
def test_admin_pages_run_under_the_policy(login_as, url):
    response = login_as("admin").get(url)
    assert response.status_code == 200, url
    assert_runs_under_csp(response.get_data(as_text=True), response.headers, url)
