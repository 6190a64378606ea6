"""A draft never refuses: invalid answers are kept as typed and flagged; submit needs them fixed."""

from __future__ import annotations

import pytest

from app.services import ValidationFailed
from app.services import submissions as service
from tests.conftest_cycle import GOOD


def _save(cycle, keep_invalid=True, **answers):
    item = cycle.reload()
    return service.save_answers(
        item, cycle.answers(**answers), cycle.scope("pegawai.dinkes"),
        cycle.user_id("pegawai.dinkes"), lock_version=item.lock_version,
        keep_invalid=keep_invalid,
    )  # fmt: skip


def test_invalid_answers_are_kept_as_typed_and_returned_as_errors(cycle):
    errors = _save(cycle, sasaran="banyak", diimunisasi=5, catatan="tetap")
    assert list(errors) == [cycle.ref("sasaran")]
    item = cycle.reload()
    assert item.answers[cycle.fv]["sasaran"] is None
    assert item.answers[cycle.fv]["catatan"] == "tetap"
    assert item.invalid_answers == {cycle.ref("sasaran"): "banyak"}
    assert service.typed_answers(item)[cycle.fv]["sasaran"] == "banyak"
    assert set(service.draft_problems(item)) == {cycle.ref("sasaran")}
    complete = service.draft_problems(item, complete=True)
    assert cycle.ref("kunjungan") in complete and cycle.ref("sasaran") in complete


def test_a_constraint_failure_is_kept_out_of_the_answers(cycle):
    errors = _save(cycle, sasaran=10, diimunisasi=20)
    assert list(errors) == [cycle.ref("diimunisasi")]
    item = cycle.reload()
    assert item.answers[cycle.fv]["diimunisasi"] is None
    assert item.invalid_answers == {cycle.ref("diimunisasi"): 20}


def test_submit_refuses_while_an_invalid_answer_remains_then_fixing_it_clears_it(cycle):
    _save(cycle, **{**GOOD, "kunjungan": "lots"})
    item = cycle.reload()
    with pytest.raises(ValidationFailed) as refused:
        service.submit(
            item, cycle.scope("pegawai.dinkes"), cycle.user_id("pegawai.dinkes"),
            lock_version=item.lock_version,
        )  # fmt: skip
    assert cycle.ref("kunjungan") in refused.value.errors
    assert _save(cycle, **GOOD) == {}
    item = cycle.reload()
    assert item.invalid_answers is None
    service.submit(
        item, cycle.scope("pegawai.dinkes"), cycle.user_id("pegawai.dinkes"),
        lock_version=item.lock_version,
    )  # fmt: skip
    assert cycle.reload().state == "submitted"


def test_without_keep_invalid_the_save_still_refuses_and_writes_nothing(cycle):
    with pytest.raises(ValidationFailed):
        _save(cycle, keep_invalid=False, sasaran="banyak")
    item = cycle.reload()
    assert item.answers == {} and item.invalid_answers is None
