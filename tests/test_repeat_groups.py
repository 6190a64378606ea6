"""Repeat groups (tables of rows) through the web app: builder, fill, review, PDFs, export."""

# ruff: noqa: F811 - pytest fixtures
from __future__ import annotations

import copy
import csv
import io
import json
import re
import zipfile
from dataclasses import dataclass
from html import unescape

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.extensions import db as _db
from app.models import FormVersion, IndicatorForm, Submission
from app.scope import scope_for
from app.services import submissions as service
from app.services.submission_forms import table_changes
from seeds.loader import load_reference
from tests import factories as f
from tests.conftest_admin import assign_form
from tests.printing_helpers import pdf_pages, squash

POSYANDU = {
    "code": "PKM-POSYANDU",
    "title": {"id": "Kegiatan Posyandu"},
    "fields": [
        {"key": "posyandu", "type": "repeat", "label": {"id": "Posyandu binaan"},
         "required": True, "min": 1, "max": 3,
         "fields": [
             {"key": "nama", "type": "text", "label": {"id": "Nama posyandu"}, "required": True},
             {"key": "sasaran", "type": "integer", "label": {"id": "Sasaran"}, "min": 0},
             {"key": "realisasi", "type": "integer", "label": {"id": "Realisasi"}, "min": 0},
             {"key": "persen", "type": "percent", "label": {"id": "Persen"},
              "calculate": "realisasi / sasaran * 100"},
         ]},
        {"key": "total", "type": "integer", "label": {"id": "Jumlah balita ditimbang"},
         "calculate": "sum(posyandu.realisasi)",
         "indicator": {"group": "utama", "aspect": "kuantitas", "target": 150,
                       "unit": "balita", "polarity": "higher", "weight": 100}},
    ],
}  # fmt: skip
HOSTILE = '=HYPERLINK("http://x")<script>alert(1)</script>'


def _post_json(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


@dataclass
class Tables:
    world: object
    version: FormVersion
    submission: Submission

    @property
    def fv(self) -> str:
        return str(self.version.id)

    def ref(self, key: str) -> str:
        return f"{self.fv}:{key}"

    def reload(self) -> Submission:
        _db.session.expire_all()
        return _db.session.get(Submission, self.submission.id)

    def form(self, rows, action="save", **extra) -> dict:
        """The POST data of the fill page with `rows` (dicts) in the posyandu table."""
        data = {"action": action, "lock_version": str(self.reload().lock_version)}
        for index, row in enumerate(rows):
            data[self.ref(f"posyandu.{index}.__row")] = "1"
            data |= {self.ref(f"posyandu.{index}.{k}"): str(v) for k, v in row.items()}
        return data | {self.ref(k): v for k, v in extra.items()}


@pytest.fixture
def tables(world):
    """POSYANDU published and assigned to Dinkes; pegawai.dinkes's submission."""
    load_reference(_db.session)
    _db.session.commit()
    period, version, _template, _result = assign_form(world.dinkes.id, POSYANDU, "DINKES-POSYANDU")
    submission = _db.session.scalar(
        select(Submission).where(
            Submission.period_id == period.id,
            Submission.employee_id == world.people["pegawai.dinkes"].id,
        )
    )
    return Tables(world, version, submission)


ROWS = [
    {"nama": "Mawar", "sasaran": 80, "realisasi": 75},
    {"nama": "Melati", "sasaran": 50, "realisasi": 45},
]


def _submit(client, tables, rows=ROWS):
    response = client.post(f"/my/{tables.submission.id}/", data=tables.form(rows, "submit"))
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert tables.reload().state == "submitted"


def _return(tables):
    item = tables.reload()
    evaluator = tables.world.users["penilai.dinkes"]
    service.return_for_revision(
        item, "Periksa posyandu", scope_for(evaluator), evaluator.id,
        lock_version=item.lock_version,
    )  # fmt: skip


def _errors(html: str, ref: str) -> str:
    """The error text shown for `ref` (a field, a table or one of its cells)."""
    match = re.search(rf'class="help-block field-errors text-danger" data-ref="{ref}">(.*?)</p>',
                      html)  # fmt: skip
    return unescape(match.group(1)).strip()


def _wrapper(html: str, ref: str) -> str:
    """The opening tag of the form-group of `ref`."""
    return re.search(rf'<div class="[^"]*" data-ref="{ref}"[^>]*>', html).group(0)


# --- builder ------------------------------------------------------------------------------


def test_builder_creates_previews_and_publishes_a_form_with_a_table(login_as, world):
    client = login_as("admin.dinkes")
    client.post(
        "/builder/new", data={"unit_id": world.dinkes.id, "code": "pkm-posyandu", "title": "P"}
    )
    form = _db.session.query(IndicatorForm).filter_by(code="PKM-POSYANDU").one()
    editor = client.get(f"/builder/{form.id}/").get_data(as_text=True)
    assert '<option value="repeat">Tabel berulang (repeat)</option>' in editor
    assert 'id="prop-edit-columns"' in editor and 'id="builder-group-back"' in editor

    definition = copy.deepcopy(POSYANDU)
    check = _post_json(client, f"/builder/{form.id}/check", {"definition": definition}).json
    assert check["errors"] == []
    preview = _post_json(client, f"/builder/{form.id}/preview", {"definition": definition}).json
    html = preview["html"]
    assert 'class="form-group preview-field preview-repeat" data-key="posyandu"' in html
    assert '<th scope="col">Nama posyandu</th>' in html and 'name="posyandu.0.realisasi"' in html

    broken = copy.deepcopy(definition)
    broken["fields"][0]["fields"].append({"key": "bukti", "type": "evidence", "label": {"id": "B"}})
    errors = _post_json(client, f"/builder/{form.id}/check", {"definition": broken}).json["errors"]
    assert [e["path"] for e in errors if e["path"].startswith("fields[0].fields[4]")]
    shown = _post_json(client, f"/builder/{form.id}/preview", {"definition": broken}).json["html"]
    assert 'class="alert alert-warning preview-broken" data-key="posyandu.bukti"' in shown
    assert 'name="posyandu.0.realisasi"' in shown  # the rest of the table stays

    _db.session.expire_all()
    revision = _db.session.get(IndicatorForm, form.id).draft_revision
    saved = _post_json(
        client, f"/builder/{form.id}/draft", {"definition": definition, "revision": revision}
    )
    assert saved.status_code == 200
    assert client.post(f"/builder/{form.id}/publish").status_code == 302
    version = _db.session.query(FormVersion).filter_by(form_id=form.id).one()
    group = version.definition["fields"][0]
    assert group["type"] == "repeat" and group["min"] == 1 and group["max"] == 3
    assert [c["key"] for c in group["fields"]] == ["nama", "sasaran", "realisasi", "persen"]
    for fmt in ("json", "xlsx", "xlsform"):
        exported = client.get(f"/builder/{form.id}/export?format={fmt}")
        assert exported.status_code == 200 and exported.data, fmt


# --- fill --------------------------------------------------------------------------------


def test_fill_page_starts_with_the_minimum_rows_and_a_row_template(login_as, tables):
    html = login_as("pegawai.dinkes").get(f"/my/{tables.submission.id}/").get_data(as_text=True)
    assert f'name="{tables.ref("posyandu.0.nama")}"' in html
    assert f'name="{tables.ref("posyandu.1.nama")}"' not in html
    assert f'name="{tables.ref("posyandu.__i__.nama")}"' in html  # inside <template>
    assert 'data-min="1" data-max="3"' in html
    assert "Tambah baris" in html and "Hapus baris" in html


def test_draft_keeps_an_invalid_cell_flagged_then_submit_sums_the_rows(login_as, tables):
    client = login_as("pegawai.dinkes")
    rows = [ROWS[0], {"nama": "Melati", "sasaran": 50, "realisasi": "lima"}]
    response = client.post(f"/my/{tables.submission.id}/", data=tables.form(rows))
    assert response.status_code == 302  # a draft never refuses
    item = tables.reload()
    assert item.invalid_answers == {
        tables.ref("posyandu"): [
            {"nama": "Mawar", "sasaran": "80", "realisasi": "75"},
            {"nama": "Melati", "sasaran": "50", "realisasi": "lima"},
        ]
    }
    assert item.answers[tables.fv]["posyandu"][1]["realisasi"] is None
    assert item.answers[tables.fv]["total"] == 75

    html = client.get(f"/my/{tables.submission.id}/?check=1").get_data(as_text=True)
    assert "has-error" in _wrapper(html, tables.ref("posyandu.1.realisasi"))
    assert "has-error" not in _wrapper(html, tables.ref("posyandu.0.realisasi"))
    assert _errors(html, tables.ref("posyandu.1.realisasi"))
    assert (
        f'name="{tables.ref("posyandu.1.realisasi")}" step="1" type="number" value="lima"' in html
    )
    assert f'name="{tables.ref("posyandu.2.nama")}"' not in html

    live = _post_json(
        client,
        f"/my/{tables.submission.id}/evaluate",
        {"answers": {tables.fv: {"posyandu": ROWS + [{"nama": "X", "realisasi": "5"}]}}},
    ).json["forms"][tables.fv]
    assert live["calculated"]["total"] == 125
    assert live["calculated"]["posyandu.0.persen"] == 93.75
    assert live["relevant"]["posyandu.2.realisasi"] is True

    _submit(client, tables)
    item = tables.reload()
    assert item.invalid_answers is None
    assert [r["realisasi"] for r in item.answers[tables.fv]["posyandu"]] == [75, 45]
    assert item.answers[tables.fv]["total"] == 120


def test_submit_refuses_too_many_rows_and_an_empty_required_cell(login_as, tables):
    client = login_as("pegawai.dinkes")
    rows = [*ROWS, {"nama": "", "sasaran": 1, "realisasi": 1}, {"nama": "D"}]
    response = client.post(f"/my/{tables.submission.id}/", data=tables.form(rows, "submit"))
    assert tables.reload().state == "draft"
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "3" in _errors(html, tables.ref("posyandu"))
    assert _errors(html, tables.ref("posyandu.2.nama"))


def test_api_answers_carry_rows_and_refuse_a_bad_cell_or_shape(client, api_token, tables):
    headers = api_token("pegawai.dinkes")
    path = f"/api/v1/submission/{tables.submission.id}/answers"

    def put(rows):
        body = {"answers": {tables.fv: {"posyandu": rows}}}
        return client.put(path, json=body | {"lock_version": tables.reload().lock_version},
                          headers=headers)  # fmt: skip

    bad_cell = put([ROWS[0], {"nama": "Melati", "realisasi": "lima"}])
    assert bad_cell.status_code == 422
    assert list(bad_cell.json["errors"]) == [tables.ref("posyandu.1.realisasi")]
    bad_shape = put("Mawar")
    assert bad_shape.status_code == 422 and list(bad_shape.json["errors"]) == [
        tables.ref("posyandu")
    ]
    assert tables.reload().answers == {}
    assert put(ROWS).status_code == 200
    answers = tables.reload().answers[tables.fv]
    assert answers["total"] == 120 and answers["posyandu"][1]["persen"] == 90


# --- review ------------------------------------------------------------------------------


def test_review_shows_the_rows_and_what_changed_after_a_return(login_as, tables):
    _submit(login_as("pegawai.dinkes"), tables)
    html = (
        login_as("penilai.dinkes").get(f"/reviews/{tables.submission.id}/").get_data(as_text=True)
    )
    table = html[html.index('class="table table-condensed table-bordered repeat-table') :]
    table = table[: table.index("</table>")]
    assert "Nama posyandu" in table and "Mawar" in table and "Melati" in table
    assert 'data-label="Realisasi"' in table  # captions for the phone cards
    assert re.search(r"<td[^>]*>\s*120\s*</td>", html)  # the indicator realisation: 75 + 45

    _return(tables)
    changed = [{"nama": "Mawar", "sasaran": 80, "realisasi": 70}, ROWS[1], {"nama": "Anggrek",
               "sasaran": 10, "realisasi": 10}]  # fmt: skip
    _submit(login_as("pegawai.dinkes"), tables, changed)
    html = (
        login_as("penilai.dinkes").get(f"/reviews/{tables.submission.id}/").get_data(as_text=True)
    )
    panel = html[html.index('id="changes-since-return"') : html.index('id="review-form"')]
    assert "Posyandu binaan" in panel and "Anggrek" in panel
    answers = html[html.index('class="table table-condensed answers-table"') :]
    assert re.search(r'<td data-label="Realisasi" data-column="realisasi" class="warning changed">'
                     r"70</td>", answers)  # fmt: skip
    assert 'data-column="sasaran" class="warning changed"' not in answers
    assert 'class="success repeat-row-added"' in answers and "baris baru" in answers


def test_table_changes_by_cell_added_and_removed_rows():
    old = [{"a": 1, "b": 2}, {"a": 3}, {"a": 4}]
    new = [{"a": 1, "b": 5}, {"a": 3}]
    assert table_changes(old, new) == {"cells": {(0, "b")}, "added": [], "removed": 1}
    assert table_changes(None, new)["added"] == [0, 1]


# --- PDFs and export ------------------------------------------------------------------------


def test_form_pdf_and_evaluation_document_print_the_table(login_as, tables):
    _submit(login_as("pegawai.dinkes"), tables)
    client = login_as("pegawai.dinkes")
    response = client.get(f"/print/submission/{tables.submission.id}/form")
    assert response.status_code == 200
    text = squash(" ".join(pdf_pages(response.data)))
    assert "TABEL ISIAN" in text and "Posyandu binaan" in text
    assert "1 Mawar 80 75 93,75" in text and "2 Melati 50 45 90" in text

    item, evaluator = tables.reload(), tables.world.users["penilai.dinkes"]
    ratings = {
        v.code: {"rating": "as_expected", "feedback": "Baik"} for v in service.behaviour_values()
    }
    service.approve(item, ratings, scope_for(evaluator), evaluator.id, feedback="Baik",
                    recommendation="Diklat", lock_version=item.lock_version)  # fmt: skip
    response = client.get(f"/print/submission/{tables.submission.id}/evaluation")
    assert response.status_code == 200
    text = squash(" ".join(pdf_pages(response.data)))
    assert "LAMPIRAN: TABEL ISIAN" in text and "1 Mawar 80 75 93,75" in text


def test_export_has_a_sheet_per_table_keyed_to_the_submission(login_as, tables):
    _submit(login_as("pegawai.dinkes"), tables)
    period = tables.reload().period_id
    response = login_as("admin.dinkes").get(
        f"/recaps/download?period={period}&unit={tables.world.dinkes.id}&format=xlsx"
    )
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["DINKES", "posyandu"]
    sheet = book["posyandu"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][:6] == ["Pengajuan", "NIP", "Nama", "Formulir", "Tabel", "Baris"]
    assert rows[0][6:] == ["Nama posyandu", "Sasaran", "Realisasi", "Persen"]
    person = tables.world.people["pegawai.dinkes"]
    assert rows[1] == [tables.submission.id, person.nip, person.name, "Kegiatan Posyandu",
                       "Posyandu binaan", 1, "Mawar", 80, 75, 93.75]  # fmt: skip
    assert rows[2][5:7] == [2, "Melati"]
    csv_text = login_as("admin.dinkes").get(
        f"/recaps/download?period={period}&unit={tables.world.dinkes.id}&format=csv"
    )
    assert "Mawar" not in csv_text.get_data(as_text=True)  # the CSV stays the main list


def _tables_zip(client, tables) -> zipfile.ZipFile:
    response = client.get(
        f"/recaps/download?period={tables.reload().period_id}&unit={tables.world.dinkes.id}"
        "&format=tables"
    )
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"].endswith("-tabel.zip")
    return zipfile.ZipFile(io.BytesIO(response.data))


def test_tables_come_as_one_csv_each_in_a_zip_keyed_to_the_submission(login_as, tables):
    _submit(login_as("pegawai.dinkes"), tables, [*ROWS, {"nama": HOSTILE, "sasaran": 1}])
    archive = _tables_zip(login_as("admin.dinkes"), tables)
    assert archive.namelist() == ["PKM-POSYANDU-posyandu.csv"]
    text = archive.read("PKM-POSYANDU-posyandu.csv").decode("utf-8")
    lines = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    assert lines[0] == ["Pengajuan", "NIP", "Nama", "Formulir", "Tabel", "Baris",
                        "Nama posyandu", "Sasaran", "Realisasi", "Persen"]  # fmt: skip
    person = tables.world.people["pegawai.dinkes"]
    assert lines[1] == [str(tables.submission.id), person.nip, person.name,
                        "Kegiatan Posyandu", "Posyandu binaan", "1", "Mawar", "80", "75",
                        "93,75"]  # fmt: skip
    assert lines[3][6] == "'" + HOSTILE  # a spreadsheet does not run it


def test_a_recap_without_tables_says_so_in_the_page_and_the_api(login_as, client, api_token):
    period = f.make_period()
    hr = login_as("hr")
    response = hr.get(f"/recaps/download?period={period.id}&format=tables")
    assert response.status_code == 302
    page = hr.get(response.headers["Location"]).get_data(as_text=True)
    assert "Formulir dalam rekap ini tidak memiliki tabel" in page
    answer = client.get(f"/api/v1/recap/?period={period.id}&format=tables", headers=api_token("hr"))
    assert answer.status_code == 404
    assert "tabel" in answer.get_json()["message"]


# --- hostile text ----------------------------------------------------------------------------


def test_hostile_cell_text_is_escaped_on_pages_pdf_and_xlsx(login_as, tables):
    employee = login_as("pegawai.dinkes")
    rows = [{"nama": HOSTILE, "sasaran": 10, "realisasi": 5}]
    _submit(employee, tables, rows)
    fill = employee.get(f"/my/{tables.submission.id}/").get_data(as_text=True)
    review = login_as("penilai.dinkes").get(f"/reviews/{tables.submission.id}/")
    for html in (fill, review.get_data(as_text=True)):
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    pdf = login_as("pegawai.dinkes").get(f"/print/submission/{tables.submission.id}/form")
    assert "<script>alert(1)</script>" in " ".join(pdf_pages(pdf.data))
    response = login_as("admin.dinkes").get(
        f"/recaps/download?period={tables.reload().period_id}&unit={tables.world.dinkes.id}"
        "&format=xlsx"
    )
    cell = load_workbook(io.BytesIO(response.data))["posyandu"]["G2"]
    assert cell.value == HOSTILE and cell.data_type == "s" and cell.quotePrefix
