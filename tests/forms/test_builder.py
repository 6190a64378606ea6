import datetime as dt
import re

import pytest
import wtforms
from werkzeug.datastructures import FileStorage, MultiDict

from forms.builder import build_form_class
from forms.definition import check_definition, parse_definition
from forms.errors import ErrorCode
from forms.evaluation import evaluate
from tests.forms.samples import choices, field, form, immunisation

IMMUNISATION = parse_definition(immunisation())
RICH = parse_definition(
    form(
        field("ada", "boolean", default=True),
        field("umum", "section", label={"id": "Umum"}, relevant="ada"),
        field("jenis", "multiselect", choices=choices("a", "b")),
        field("pilih", "select", label={"id": "Pilih <b>", "en": "Choose"}, choices=choices("x")),
        field("tanggal", "date", default="2024-01-02"),
        field("nilai", "decimal", default=1.5, help={"id": "Bantuan"}),
        field("setuju", "boolean"),
        field("bukti", "evidence", required=True),
    )
)


def submit(form_class, pairs):
    form_instance = form_class(MultiDict(pairs))
    return form_instance, form_instance.validate()


def test_each_call_builds_a_fresh_class():
    first = build_form_class(IMMUNISATION)
    second = build_form_class(IMMUNISATION)
    assert first is not second
    first.extra = wtforms.StringField("Extra")
    assert not hasattr(second, "extra")
    assert "extra" in first()._fields and "extra" not in second()._fields
    assert issubclass(first, wtforms.Form)


def test_fields_follow_the_definition():
    instance = build_form_class(RICH)()
    assert list(instance._fields) == [
        "ada",
        "jenis",
        "pilih",
        "tanggal",
        "nilai",
        "setuju",
        "bukti",
        "bukti__file",
    ]
    kinds = {name: type(bound).__name__ for name, bound in instance._fields.items()}
    assert kinds == {
        "ada": "BooleanField",
        "jenis": "SelectMultipleField",
        "pilih": "SelectField",
        "tanggal": "DateField",
        "nilai": "DecimalField",
        "setuju": "BooleanField",
        "bukti": "StringField",
        "bukti__file": "FileField",
    }
    assert instance.tanggal.data == dt.date(2024, 1, 2)
    assert instance.nilai.description == "Bantuan"
    assert instance.pilih.choices == [("", ""), ("x", "X")]


def test_labels_use_language_with_fallback_and_are_escaped():
    english = build_form_class(IMMUNISATION, lang="en")()
    assert english.sasaran.label.text == "Target infants"
    assert english.diimunisasi.label.text == "Bayi diimunisasi lengkap"
    html = str(build_form_class(RICH)().pilih.label())
    assert "Pilih &lt;b&gt;" in html


def test_render_attributes():
    instance = build_form_class(IMMUNISATION)()
    assert "readonly" in str(instance.cakupan()) and 'data-calculate="1"' in str(instance.cakupan())
    sasaran = instance.sasaran.render_kw
    assert sasaran == {
        "data-key": "sasaran",
        "data-type": "integer",
        "data-required": "1",
        "step": "1",
        "min": "0",
    }
    assert instance.kendala.render_kw["data-relevant"] == "1"
    jenis = build_form_class(RICH)().jenis.render_kw
    assert (jenis["data-section"], jenis["data-relevant"]) == ("umum", "1")


def test_validation_matches_evaluate():
    form_class = build_form_class(IMMUNISATION)
    pairs = [("sasaran", "3"), ("diimunisasi", "4"), ("cakupan", "999")]
    instance, ok = submit(form_class, pairs)
    expected = evaluate(IMMUNISATION, dict(pairs))
    assert not ok
    assert instance.evaluation == expected
    assert instance.errors == {"diimunisasi": ["Tidak boleh melebihi jumlah sasaran"]}
    assert instance.cakupan.data == 133.33
    assert 'value="133.33"' in str(instance.cakupan())


def test_invalid_numbers_get_engine_messages_only():
    instance, ok = submit(
        build_form_class(IMMUNISATION), [("sasaran", "abc"), ("diimunisasi", "1")]
    )
    assert not ok
    assert instance.errors == {"sasaran": ["Enter a number."]}


def test_valid_submission():
    instance, ok = submit(
        build_form_class(IMMUNISATION), [("sasaran", "40"), ("diimunisasi", "39")]
    )
    assert ok and instance.evaluation.values["cakupan"] == 97.5


def test_evidence_link_or_file():
    form_class = build_form_class(RICH)
    instance, ok = submit(form_class, [("ada", "y"), ("bukti", "javascript:alert(1)")])
    assert [str(m) for m in instance.errors["bukti"]] == [
        "Enter a link starting with http:// or https://."
    ]
    instance, ok = submit(form_class, [("ada", "y"), ("bukti", "https://x.id/a")])
    assert ok, instance.errors
    upload = FileStorage(filename="laporan.pdf")
    instance = form_class(MultiDict([("ada", "y"), ("bukti__file", upload)]))
    assert instance.validate(), instance.errors
    assert instance.evaluation.values["bukti"] == {"kind": "file", "name": "laporan.pdf", "ref": ""}
    _, ok = submit(form_class, [("ada", "y")])
    assert not ok
    _, ok = submit(form_class, [])
    assert ok, "an unchecked box hides the section with the required evidence"


def test_multiselect_and_boolean_raw_values():
    instance, ok = submit(
        build_form_class(RICH),
        [("ada", "y"), ("jenis", "b"), ("jenis", "a"), ("setuju", "y"), ("bukti", "https://x.id")],
    )
    assert ok, instance.errors
    assert instance.evaluation.values["jenis"] == ["a", "b"]
    assert instance.evaluation.values["setuju"] is True


def test_base_class_validation_is_kept():
    class Base(wtforms.Form):
        token = wtforms.StringField(validators=[wtforms.validators.InputRequired()])

    form_class = build_form_class(IMMUNISATION, base=Base)
    instance, ok = submit(form_class, [("sasaran", "1"), ("diimunisasi", "1")])
    assert not ok and list(instance.errors) == ["token"]
    assert issubclass(form_class, Base) and not hasattr(Base, "sasaran")


def test_reserved_keys_cover_form_attributes():
    from flask_wtf import FlaskForm

    names = {
        name
        for cls in (wtforms.Form, FlaskForm, build_form_class(IMMUNISATION))
        for name in dir(cls)
        if re.fullmatch(r"[a-z][a-z0-9_]*", name) and name not in IMMUNISATION.by_key
    }
    for name in names:
        assert ErrorCode.RESERVED_KEY in {e.code for e in check_definition(form(field(name)))}, name


@pytest.mark.parametrize("lang", ["id", "en"])
def test_class_records_schema_and_language(lang):
    form_class = build_form_class(IMMUNISATION, lang=lang)
    assert form_class.schema is IMMUNISATION and form_class.lang == lang
    assert form_class.__name__ == "Form_DINKES_IMUNISASI"


TABLE = parse_definition(
    form(
        field(
            "posyandu",
            "repeat",
            label={"id": "Posyandu"},
            min=1,
            fields=[
                field("nama", "text", required=True),
                field("sasaran"),
                field("realisasi", constraint="realisasi <= sasaran"),
                field("persen", "percent", calculate="realisasi / sasaran * 100"),
            ],
        ),
        field("total", calculate="sum(posyandu.realisasi)"),
    )
)


def test_repeat_rows_are_sub_forms_validated_by_evaluate():
    pairs = [
        ("posyandu-0-nama", "Mawar"),
        ("posyandu-0-sasaran", "80"),
        ("posyandu-0-realisasi", "76"),
        ("posyandu-1-nama", ""),
        ("posyandu-1-sasaran", "10"),
        ("posyandu-1-realisasi", "abc"),
    ]
    instance, valid = submit(build_form_class(TABLE), pairs)
    assert not valid
    first, second = instance.posyandu.entries
    assert first.form.persen.data == 95 and instance.total.data == 76
    assert [str(m) for m in second.form.nama.errors] == ["This field is required."]
    assert [str(m) for m in second.form.realisasi.errors] == ["Enter a number."]
    assert instance.posyandu.errors == []
    column = second.form.realisasi.render_kw
    assert (column["data-key"], column["data-repeat"]) == ("realisasi", "posyandu")
    assert 'name="posyandu-1-realisasi"' in str(second.form.realisasi())


def test_repeat_row_count_errors_land_on_the_list():
    instance, valid = submit(build_form_class(TABLE), [])
    assert valid and instance.posyandu.entries == []  # no rows is empty, not too few
    pairs = [("posyandu-0-nama", "Mawar"), ("posyandu-0-sasaran", "5")]
    instance, valid = submit(build_form_class(TABLE), pairs)
    assert valid and instance.evaluation.values["posyandu"][0]["nama"] == "Mawar"
    bounded = parse_definition(form(field("t", "repeat", max=1, fields=[field("x")])))
    instance, valid = submit(build_form_class(bounded), [("t-0-x", "1"), ("t-1-x", "2")])
    assert not valid and [str(m) for m in instance.t.errors] == ["Enter at most 1 rows."]
