"""Renaming a key: every expression that uses it, and nothing else."""

from __future__ import annotations

from forms.rename import rename_in_expression, rewrites
from tests.forms.samples import immunisation


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
