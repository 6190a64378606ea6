"""The employee's landing page calls to action (a returned evaluation first), extensible."""

from __future__ import annotations

from app.services import todo
from tests.conftest_cycle import GOOD


def test_a_returned_evaluation_is_the_first_call_to_action_on_the_landing_page(login_as, cycle):
    cycle.submit(GOOD)
    cycle.send_back("Lengkapi bukti kunjungan")
    other = cycle.other
    html = login_as("pegawai.dinkes").get("/").get_data(as_text=True)
    assert 'id="my-actions"' in html
    first = html.index('class="list-group-item list-group-item-warning my-action" data-level="fix"')
    assert f'href="/my/{cycle.submission.id}/"' in html[first:]
    assert "Lengkapi bukti kunjungan" in html and "Perbaiki dan kirim ulang" in html
    assert f'href="/my/{other.id}/"' not in html  # someone else's evaluation


def test_a_draft_is_a_call_to_fill_in(login_as, cycle):
    actions = todo.employee_actions(cycle.scope("pegawai.dinkes"))
    assert [(a.level, a.args) for a in actions] == [("todo", {"pk": cycle.submission.id})]


def test_other_features_add_actions_through_a_provider(cycle):
    def skp(scope):
        return [todo.Action(todo.FIX, "SKP 2026 dikembalikan", "", "MyPerformanceView.index")]

    todo.register(skp)
    try:
        actions = todo.employee_actions(cycle.scope("pegawai.dinkes"))
    finally:
        todo._PROVIDERS.remove(skp)
    assert actions[0].title == "SKP 2026 dikembalikan" and actions[-1].level == "todo"
    assert todo.employee_actions(cycle.scope("hr")) == []
