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
    evaluations = [a for a in actions if a.endpoint == "MyPerformanceView.fill"]
    assert [(a.level, a.args) for a in evaluations] == [("todo", {"pk": cycle.submission.id})]


def test_the_years_skp_to_plan_finish_or_fix(login_as, cycle):
    import datetime as dt

    from tests import factories as f

    employee = cycle.world.people["pegawai.dinkes"]
    skp_actions = lambda: [  # noqa: E731 - read again after each change
        a for a in todo.employee_actions(cycle.scope("pegawai.dinkes"))
        if a.endpoint.startswith("SkpView")
    ]  # fmt: skip
    assert [(a.level, a.endpoint) for a in skp_actions()] == [("todo", "SkpView.mine")]
    skp = f.make_skp(employee, year=dt.date.today().year, rhk=[{"title": "Penyuluhan"}])
    assert [(a.level, a.args) for a in skp_actions()] == [("todo", {"pk": skp.id})]
    version = skp.versions[0]
    version.state, version.return_reason = "returned", "Target terlalu rendah"
    from app.extensions import db

    db.session.commit()
    html = login_as("pegawai.dinkes").get("/").get_data(as_text=True)
    assert f'href="/skp/{skp.id}/"' in html and "Target terlalu rendah" in html
    assert skp_actions()[0].level == "fix"


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
