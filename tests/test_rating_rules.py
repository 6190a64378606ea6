"""Issue 11 §1: the rating rules applied correctly — the unit-head rule in both orders, the
fixed predikat matrix, template sanity, Utama/Tambahan, the strict "most", wording and
Indonesian number formats."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app.domain.ratings import (
    HasilThresholds,
    OrgRating,
    Predikat,
    Rating,
    ResultAchievement,
    check_distribution,
    propose_hasil,
)
from app.extensions import db as _db
from app.models import AuditEntry, BehaviourValue, PolicySetting, Submission
from app.scope import Scope
from app.services import ValidationFailed
from app.services import submissions as service
from app.services import templates as template_service
from app.services.rollup import confirm_rating
from app.services.unit_ratings import set_unit_rating
from tests.conftest_admin import HR_SCOPE
from tests.conftest_cycle import GOOD

A, E, B = Rating.ABOVE, Rating.AS_EXPECTED, Rating.BELOW


def _result(main: bool, achievement, weight=50) -> ResultAchievement:
    return ResultAchievement(main, Decimal(weight), Decimal(achievement))


# --- Hasil kerja from the main results (Utama) -----------------------------------------------


@pytest.mark.parametrize(
    ("results", "expected"),
    [
        # a Tambahan at 200 % never makes up for a Utama below expectation
        ([_result(True, 70, 60), _result(False, 200, 40)], B),
        # Tambahan lifts "as expected" to "above" when all results together rate above
        ([_result(True, 105, 60), _result(False, 120, 40)], A),
        # Tambahan never lowers
        ([_result(True, 112, 60), _result(False, 0, 40)], A),
        # "above" needs no main result below expectation
        ([_result(True, 150), _result(True, 80), _result(False, 120)], E),
        ([_result(True, 120), _result(True, 115)], A),
        # without main results, all results count
        ([_result(False, 95)], E),
    ],
)
def test_hasil_is_proposed_from_the_main_results(results, expected):
    assert propose_hasil(results, HasilThresholds()).rating == expected


def test_proposal_reports_both_achievements():
    proposal = propose_hasil([_result(True, 70, 60), _result(False, 200, 40)])
    assert (proposal.main_achievement, proposal.achievement) == (
        Decimal("70.00"),
        Decimal("122.00"),
    )


def test_approving_a_weak_utama_with_a_strong_tambahan_gives_below(cycle):
    # cakupan 66/95 → 69.47 % (Utama); kunjungan 200 → 120 % capped (Tambahan):
    # all results 89.68 % — the old rule said "as expected"
    cycle.submit({"sasaran": 100, "diimunisasi": 66, "kunjungan": 200, "kendala": "Stok vaksin"})
    item = cycle.approve("as_expected")
    assert item.state == "approved"
    assert (item.proposed_hasil_rating, item.hasil_rating) == ("below", "below")
    assert item.predikat == "butuh_perbaikan"


# --- The distribution curve: "most" is strictly the largest share ----------------------------


def test_a_three_way_tie_is_not_most():
    counts = {Predikat.SANGAT_BAIK: 3, Predikat.BAIK: 3, Predikat.BUTUH_PERBAIKAN: 3,
              Predikat.KURANG: 1}  # fmt: skip
    assert [v.rule for v in check_distribution(OrgRating.ISTIMEWA, counts)] == ["largest"]


def test_curve_messages_use_indonesian_numbers(app):
    counts = {Predikat.BAIK: 2, Predikat.SANGAT_BAIK: 3, Predikat.KURANG: 1}
    with app.test_request_context("/"), force_locale("id"):
        [violation] = check_distribution(OrgRating.BAIK, counts)
    assert "33,3 %" in violation.message and "33.3" not in violation.message


# --- The unit-head rule, in both orders ------------------------------------------------------


@pytest.fixture
def head(cycle):
    """perawat.pkm heads the Puskesmas; their submission is submitted to penilai.dinkes."""
    world = cycle.world
    world.puskesmas.head_id = world.people["perawat.pkm"].id
    item = _db.session.get(Submission, cycle.other.id)
    item.answers = {cycle.fv: dict(GOOD, diimunisasi=100, sasaran=80, kunjungan=120)}
    item.state = "submitted"
    _db.session.commit()
    return item


def _approve_head(cycle, head, rating="above", **choice):
    item = _db.session.get(Submission, head.id)
    service.approve(
        item, cycle.ratings(rating), cycle.scope("penilai.dinkes"),
        cycle.user_id("penilai.dinkes"), lock_version=item.lock_version, **choice,
    )  # fmt: skip
    return item


def _rate(cycle, rating):
    set_unit_rating(cycle.world.puskesmas, cycle.period, rating, "", cycle.user_id("hr"))


def test_a_head_cannot_be_approved_before_the_unit_rating(cycle, head):
    with pytest.raises(ValidationFailed) as raised:
        _approve_head(cycle, head)
    [message] = raised.value.errors["_form"]
    assert "Puskesmas Tampa Padang" in message and cycle.period.name in message
    _db.session.rollback()
    assert _db.session.get(Submission, head.id).state == "submitted"
    _rate(cycle, "sangat_kurang")
    item = _approve_head(cycle, head)  # 125 % achieved, but the unit is Sangat Kurang
    assert (item.hasil_rating, item.predikat) == ("below", "butuh_perbaikan")


def test_a_head_cannot_override_the_unit_rating(cycle, head):
    _rate(cycle, "baik")
    with pytest.raises(ValidationFailed) as raised:
        _approve_head(cycle, head, hasil_rating="above", override_reason="Kinerja luar biasa")
    assert set(raised.value.errors) == {"hasil_rating"}


def test_rating_the_unit_later_rescores_the_head_and_changes_the_document(login_as, cycle, head):
    _rate(cycle, "istimewa")
    item = _approve_head(cycle, head)
    assert (item.hasil_rating, item.predikat) == ("above", "sangat_baik")
    client = login_as("penilai.dinkes")
    response = client.get(f"/print/submission/{head.id}/evaluation")
    assert response.status_code == 200
    code = response.headers["X-Document-Code"]
    assert 'data-status="valid"' in client.get(f"/verify/{code}").text

    _rate(cycle, "sangat_kurang")
    _db.session.expire_all()
    item = _db.session.get(Submission, head.id)
    assert (item.proposed_hasil_rating, item.hasil_rating) == ("below", "below")
    assert (item.perilaku_rating, item.predikat) == ("above", "butuh_perbaikan")
    entry = item.history[-1]
    assert entry.action == "rescore"
    assert entry.changes == {"unit_rating": "sangat_kurang", "hasil": ["above", "below"],
                             "predikat": ["sangat_baik", "butuh_perbaikan"]}  # fmt: skip
    assert 'data-status="changed"' in client.get(f"/verify/{code}").text


def test_confirming_the_iku_rollup_rescores_the_head_too(cycle, head):
    _rate(cycle, "istimewa")
    _approve_head(cycle, head, "as_expected")
    confirm_rating(cycle.world.puskesmas, cycle.period, "kurang", "Capaian IKU rendah",
                   HR_SCOPE, cycle.user_id("hr"))  # fmt: skip
    _db.session.expire_all()
    item = _db.session.get(Submission, head.id)
    assert (item.hasil_rating, item.predikat) == ("below", "butuh_perbaikan")
    assert [e.action for e in item.history][-1] == "rescore"


def test_the_rating_of_an_approved_head_cannot_be_removed(cycle, head):
    _rate(cycle, "baik")
    _approve_head(cycle, head)
    with pytest.raises(ValidationFailed) as raised:
        _rate(cycle, None)
    assert set(raised.value.errors) == {"rating"}
    _db.session.rollback()
    assert _db.session.get(Submission, head.id).hasil_rating == "as_expected"


# --- The predikat matrix ---------------------------------------------------------------------


def _draft(template, **rules):
    version = template.latest_version
    definition = copy.deepcopy(version.definition)
    definition["rules"].update(rules)
    return definition


def test_a_template_cannot_change_the_matrix(cycle):
    template = cycle.template_version.template
    definition = _draft(template)
    for cell in definition["rules"]["matrix"].values():
        for key in cell:
            cell[key] = "sangat_baik"
    errors = template_service.definition_errors(definition, template.unit_id)
    assert "PermenPANRB 6/2022" in " ".join(errors["rules"])
    template_service.save_draft(template, definition)
    with pytest.raises(ValidationFailed):
        template_service.publish(template)


def test_the_template_editor_shows_the_matrix_read_only(login_as, cycle):
    template = cycle.template_version.template
    page = login_as("admin.dinkes").get(f"/evaluation-templates/{template.id}/").text
    matrix = page[
        page.index('id="predikat-matrix"') : page.index(
            "</table>", page.index('id="predikat-matrix"')
        )
    ]
    assert "<select" not in matrix and "Sangat Baik" in matrix
    assert 'id="matrix-variant-warning"' not in page


def test_only_hr_sets_a_regency_variant_with_a_reason_and_an_audit_entry(login_as, cycle):
    cells = copy.deepcopy(template_service.DEFAULT_RULES["matrix"])
    cells["as_expected"]["as_expected"] = "butuh_perbaikan"
    admin = Scope(user_id=None, roles=frozenset({"UnitAdmin"}), unit_id=cycle.world.dinkes.id)
    with pytest.raises(ValidationFailed):
        template_service.set_predikat_matrix(cells, "Kebijakan", admin)
    with pytest.raises(ValidationFailed) as raised:
        template_service.set_predikat_matrix(cells, "", HR_SCOPE)
    assert set(raised.value.errors) == {"reason"}
    assert _db.session.scalar(select(PolicySetting)) is None

    template_service.set_predikat_matrix(cells, "Peraturan Bupati 12/2026", HR_SCOPE,
                                         cycle.user_id("hr"))  # fmt: skip
    entry = _db.session.scalars(select(AuditEntry).where(AuditEntry.action == "policy")).one()
    assert entry.changes["key"] == "predikat_matrix"
    assert entry.changes["value"]["reason"] == "Peraturan Bupati 12/2026"
    cycle.submit()
    item = cycle.approve("as_expected")
    assert (item.hasil_rating, item.perilaku_rating) == ("as_expected", "as_expected")
    assert item.predikat == "butuh_perbaikan"
    template = cycle.template_version.template
    page = login_as("admin.dinkes").get(f"/evaluation-templates/{template.id}/").text
    assert 'id="matrix-variant-warning"' in page


# --- Template sanity -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rules", "fragment"),
    [
        ({"cap": 105, "above": 110}, "no one could be rated above expectation"),
        ({"above": 90, "as_expected": 95}, "must be higher"),
        ({"above": 110, "as_expected": -5}, "both positive"),
    ],
)
def test_template_rules_that_cannot_work_are_refused(app, cycle, rules, fragment):
    template = cycle.template_version.template
    with app.test_request_context("/"), force_locale("en"):
        errors = template_service.definition_errors(_draft(template, **rules), template.unit_id)
    assert any(fragment in message for message in errors["rules"]), errors


def test_cap_message_uses_indonesian_numbers(app, cycle):
    template = cycle.template_version.template
    definition = _draft(template, cap=105.5, above=110)
    with app.test_request_context("/"), force_locale("id"):
        errors = template_service.definition_errors(definition, template.unit_id)
    assert "105,5" in errors["rules"][0]


def test_negative_form_weights_are_refused(cycle):
    template = cycle.template_version.template
    definition = _draft(template)
    definition["forms"][0]["weight"] = -100
    errors = template_service.definition_errors(definition, template.unit_id)
    assert "forms" in errors


# --- BerAKHLAK wording -----------------------------------------------------------------------


def test_loyal_names_the_constitution_in_full(cycle):
    loyal = _db.session.scalar(select(BehaviourValue).where(BehaviourValue.code == "loyal"))
    first = loyal.behaviour_list[0]
    assert "Undang-Undang Dasar Negara Republik Indonesia Tahun 1945" in first
    assert "UUD NRI" not in first


def test_the_hr_matrix_page(login_as, cycle):
    assert login_as("admin.dinkes").get("/evaluation-templates/matrix").status_code == 403
    client = login_as("hr")
    page = client.get("/evaluation-templates/matrix").text
    assert 'id="matrix-variant-warning"' not in page
    data = {f"matrix_{h}_{p}": v for h, row in template_service.DEFAULT_RULES["matrix"].items()
            for p, v in row.items()}  # fmt: skip
    data["matrix_above_above"] = "baik"
    response = client.post("/evaluation-templates/matrix", data=data)
    assert response.status_code == 422
    assert _db.session.scalar(select(PolicySetting)) is None
    response = client.post("/evaluation-templates/matrix", data={**data, "reason": "Perbup 3/2026"})
    assert response.status_code == 302
    page = client.get("/evaluation-templates/matrix").text
    assert 'id="matrix-variant-warning"' in page
    assert template_service.predikat_matrix()[(A, A)] == Predikat.BAIK
