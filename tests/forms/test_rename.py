"""Renaming a key: every expression that uses it, and nothing else."""

from __future__ import annotations

from forms.definition import parse_definition
from forms.rename import rename_in_expression, rewrites
from tests.forms.samples import field, form, immunisation


def test_bare_and_dollar_references_are_renamed_not_lookalikes_or_texts():
    source = "sasaran > 0 and ${ sasaran } >= sasaran_2 and selected(x, 'sasaran')"
    assert rename_in_expression(source, "sasaran", "target") == (
        "target > 0 and ${target} >= sasaran_2 and selected(x, 'sasaran')"
    )


def test_function_names_and_broken_expressions_are_left_alone():
    assert rename_in_expression("min(a, 1)", "min", "least") == "min(a, 1)"
    assert rename_in_expression("a > 'open", "a", "b") == "a > 'open"


def test_rewrites_list_every_expression_using_the_key():
    definition = immunisation()
    definition["fields"][0]["key"] = "bayi_sasaran"  # renamed in the editor
    found = rewrites(definition, "sasaran", "bayi_sasaran")
    assert [(r.index, r.key, r.property) for r in found] == [
        (1, "diimunisasi", "constraint"),
        (2, "cakupan", "calculate"),
    ]
    assert found[1].after == "diimunisasi / bayi_sasaran * 100"


def test_nothing_to_do():
    assert rewrites(immunisation(), "sasaran", "sasaran") == []
    assert rewrites({"fields": "x"}, "a", "b") == []


def test_table_and_column_keys_are_renamed_in_aggregates_and_rows():
    source = "sum(posyandu.realisasi) + count(${posyandu}) + max(${posyandu.realisasi})"
    assert rename_in_expression(source, "realisasi", "capaian") == (
        "sum(posyandu.capaian) + count(${posyandu}) + max(${posyandu.capaian})"
    )
    assert rename_in_expression(source, "posyandu", "pos") == (
        "sum(pos.realisasi) + count(${pos}) + max(${pos.realisasi})"
    )


def test_rewrites_include_the_columns_of_a_table():
    definition = form(
        field(
            "posyandu",
            "repeat",
            fields=[field("sasaran"), field("capaian", constraint="capaian <= sasaran")],
        ),
        field("total", calculate="sum(posyandu.sasaran)"),
    )
    definition["fields"][0]["fields"][0]["key"] = "target"
    found = rewrites(definition, "sasaran", "target")
    assert [(r.index, r.column, r.key, r.after) for r in found] == [
        (0, 1, "capaian", "capaian <= target"),
        (1, None, "total", "sum(posyandu.target)"),
    ]
    assert found[0].to_dict()["column"] == 1
    for rewrite in found:
        place = definition["fields"][rewrite.index]
        place = place if rewrite.column is None else place["fields"][rewrite.column]
        place[rewrite.property] = rewrite.after
    parse_definition(definition)
