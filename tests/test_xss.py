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
from forms.errors import EngineError, ErrorCode
from tests import conftest_cycle
from tests import factories as f
from tests.conftest_cycle import HR_SCOPE
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
    assert f"Rusdi{ESCAPED}" in html


def test_return_message_escapes_the_employee_name(login_as, cycle):
    cycle.world.people["pegawai.dinkes"].name = hostile("Rusdi")
    db.session.commit()
    cycle.submit()
    evaluator = login_as("penilai.dinkes")
    response = evaluator.post(
        f"/reviews/{cycle.submission.id}/return",
        data={"reason": hostile("reason")},
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert cycle.reload().state == "returned"
    assert_escaped(html, "the return message")
    assert f"Rusdi{ESCAPED}" in html


def test_achievement_title_escapes_the_unit_name(login_as, iku):
    unit = db.session.get(Unit, iku.world.dinkes.id)
    unit.name = hostile("Dinkes")
    db.session.commit()
    html = login_as("hr").get(
        f"/dashboard/unit/{unit.id}/achievement?period={iku.period.id}"
    ).get_data(as_text=True)
    assert_escaped(html, "the achievement page")
    assert f"Dinkes{ESCAPED}" in html
