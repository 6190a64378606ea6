"""Hostile input cannot hold a worker: RE2 patterns and bounded workbook reading (issue 9 §2)."""

from __future__ import annotations

import copy
import io
import zipfile

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from app.extensions import db as _db
from app.models import Employee, IndicatorForm
from forms.workbook import workbook_problem
from tests.test_builder import IMMUNISATION

EXPONENTIAL = "(?:a?){40}a{40}"  # backtracks 2^40 times on "a" * 39 in Python's re


def _workbook(sheet: str, rows: int, columns: int, dimension: str | None = None) -> bytes:
    """A valid XLSX whose one sheet has ``rows`` × ``columns`` cells, built without openpyxl
    writing (4.9 million cells would take longer than the refusal being tested)."""
    book = Workbook()
    book.active.title = sheet
    buffer = io.BytesIO()
    book.save(buffer)
    row = b"<row>" + b"<c><v>1</v></c>" * columns + b"</row>"
    ref = dimension or f"A1:XFD{rows}"
    xml = (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + f'<dimension ref="{ref}"/>'.encode()
        + b"<sheetData>"
        + row * rows
        + b"</sheetData></worksheet>"
    )
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            target.writestr(info, xml if info.filename == "xl/worksheets/sheet1.xml" else data)
    return output.getvalue()


def _hostile(sheet: str) -> bytes:
    """The issue's payload: 300 rows × 16,384 columns, about 150 KB zipped."""
    return _workbook(sheet, 300, 16_384)


def _lying(sheet: str) -> bytes:
    """Small once unpacked, wider than allowed, and its <dimension> claims one cell."""
    return _workbook(sheet, 300, 500, dimension="A1")


def _dense(sheet: str) -> bytes:
    """Within the row and column limits, but 300,000 cells: seconds of openpyxl."""
    return _workbook(sheet, 5_000, 60)


def _pattern_form(pattern: str) -> dict:
    form = copy.deepcopy(IMMUNISATION)
    form["fields"].append(
        {"key": "kode", "type": "text", "label": {"id": "Kode"}, "pattern": pattern}
    )
    return form


def test_exponential_pattern_runs_in_linear_time(client, api_token, login_as, world):
    created = client.post(
        "/api/v1/form/import",
        json={"definition": _pattern_form(EXPONENTIAL)},
        headers=api_token("admin.dinkes"),
    )
    assert created.status_code == 201
    client = login_as("admin.dinkes")
    answers = {"sasaran": "10", "diimunisasi": "10"}
    for text, ok in (("a" * 39, False), ("a" * 40, True)):
        result = client.post(
            f"/builder/{created.json['id']}/evaluate",
            json={"definition": _pattern_form(EXPONENTIAL), "answers": {**answers, "kode": text}},
        ).json
        assert ("kode" not in result["errors"]) is ok


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [("(?=a)a", "lookahead atau lookbehind"), ("(a)\\1", "rujukan balik (backreference)")],
)
def test_patterns_re2_cannot_run_are_refused_at_import(client, api_token, world, pattern, reason):
    response = client.post(
        "/api/v1/form/import",
        json={"definition": _pattern_form(pattern)},
        headers=api_token("admin.dinkes"),
    )
    assert response.status_code == 422
    messages = [m for found in response.json["errors"].values() for m in found]
    assert f"Isian kode: pola tidak diperbolehkan ({reason})." in messages
    assert _db.session.scalar(select(func.count(IndicatorForm.id))) == 0


def _employee_upload(client, content: bytes):
    return client.post(
        "/employees/import/",
        data={"file": (io.BytesIO(content), "pegawai.xlsx")},
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize(
    ("build", "detail"),
    [
        (_hostile, "lebih dari 64 MB setelah diekstrak"),
        (_lying, "lebih dari 20002 baris atau 60 kolom dalam satu sheet"),
        (_dense, "lebih dari 250000 sel dalam satu sheet"),
    ],
)
def test_oversized_employee_workbook_is_refused_unread(login_as, world, build, detail):
    client = login_as("hr")
    response = _employee_upload(client, build("pegawai"))
    assert response.status_code == 200
    assert f"Workbook terlalu besar untuk dibaca ({detail})." in response.text
    _db.session.expire_all()
    assert _db.session.scalar(select(func.count(Employee.id))) == len(world.people)


@pytest.mark.parametrize(
    ("build", "detail"),
    [
        (_hostile, "lebih dari 64 MB setelah diekstrak"),
        (_lying, "lebih dari 20000 baris atau 60 kolom dalam satu sheet"),
        (_dense, "lebih dari 100000 sel dalam satu sheet"),
    ],
)
def test_oversized_form_workbook_is_refused_unread(login_as, world, build, detail):
    client = login_as("admin.dinkes")
    response = client.post(
        "/builder/import",
        data={"unit_id": str(world.dinkes.id), "file": (io.BytesIO(build("form")), "form.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert f"Workbook terlalu besar untuk dibaca ({detail})." in response.text
    assert _db.session.scalar(select(func.count(IndicatorForm.id))) == 0


@pytest.mark.parametrize(
    ("name", "content", "detail"),
    [
        ("xl/sharedStrings.xml", b"<sst>" + b"<si><t>a</t></si>" * 1001 + b"</sst>", "1000 cells"),
        ("xl/styles.xml", b"<styleSheet>" + b" " * (5 << 20) + b"</styleSheet>", "64 MB"),
    ],
)
def test_parts_openpyxl_reads_whole_are_bounded_too(name, content, detail):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as target:
        target.writestr(name, content)
    assert detail in str(workbook_problem(archive.getvalue(), 100, 10, 1000))
