"""Evaluation templates: create, draft with errors, publish and freeze, preview, scoping."""

from __future__ import annotations

import copy

import pytest

from app.extensions import db as _db
from app.models import EvaluationTemplate, TemplateVersion
from app.services import templates as template_service
from tests.conftest_admin import HR_SCOPE, data_values, make_form

RATINGS = ("above", "as_expected", "below")
VALUES = (
    "berorientasi_pelayanan", "akuntabel", "kompeten", "harmonis", "loyal", "adaptif",
    "kolaboratif",
)  # fmt: skip


def editor_data(template, forms=(), *, revision=None, **rules) -> dict:
    """The POST data of the template editor."""
    data = {
        "revision": str(template.draft_revision if revision is None else revision),
        "title": rules.pop("title", "Penilaian staf Dinkes"),
        "form_version_id": [str(vid) for vid, _ in forms] + ["", ""],
        "weight": [str(weight) for _, weight in forms] + ["", ""],
        "cap": str(rules.pop("cap", 120)),
        "above": str(rules.pop("above", 110)),
        "as_expected": str(rules.pop("as_expected", 90)),
        "perilaku_rule": rules.pop("perilaku_rule", "majority"),
    }
    data.update(
        {f"expectation_{code}": text for code, text in rules.pop("expectations", {}).items()}
    )
    data.update(rules)
    return data


@pytest.fixture
def template(world, reference):
    return template_service.create_template(world.dinkes.id, "DINKES-STAF", "Staf", HR_SCOPE)


def _template(pk) -> EvaluationTemplate:
    _db.session.expire_all()
    return _db.session.get(EvaluationTemplate, pk)


def test_unit_admin_creates_a_template_and_lands_in_the_editor(login_as, world, reference):
    client = login_as("admin.dinkes")
    response = client.post(
        "/evaluation-templates/new",
        data={"unit_id": world.dinkes.id, "code": "dinkes-staf", "title": "Penilaian Staf"},
    )
    template = _db.session.query(EvaluationTemplate).filter_by(code="DINKES-STAF").one()
    assert response.headers["Location"].endswith(f"/evaluation-templates/{template.id}/")
    assert template.unit_id == world.dinkes.id
    page = client.get(f"/evaluation-templates/{template.id}/").text
    assert "Penilaian Staf" in page and 'id="predikat-matrix"' in page
    listing = client.get("/evaluation-templates/").text
    assert f'data-template-id="{template.id}"' in listing


def test_create_refuses_another_units_id(login_as, world, reference):
    client = login_as("admin.dinkes")
    client.post(
        "/evaluation-templates/new", data={"unit_id": world.disdik.id, "code": "X", "title": "T"}
    )
    assert _db.session.query(EvaluationTemplate).count() == 0


def test_editor_offers_own_parent_and_regency_forms_only(login_as, world, reference):
    own = make_form(world.dinkes.id, "DINKES-A")
    regency = make_form(None, "KAB-A")
    other = make_form(world.disdik.id, "DISDIK-A")
    pkm = template_service.create_template(world.puskesmas.id, "PKM-STAF", "Staf PKM", HR_SCOPE)
    page = login_as("admin.dinkes").get(f"/evaluation-templates/{pkm.id}/").text
    assert f'<option value="{own.id}"' in page  # the parent unit's form
    assert f'<option value="{regency.id}"' in page
    assert f'<option value="{other.id}"' not in page
    assert "DINKES-A v1 — Formulir Uji" in page
    newer = make_form(world.dinkes.id, "DINKES-A", "Formulir Uji Baru")  # v2: only it is offered
    page = login_as("admin.dinkes").get(f"/evaluation-templates/{pkm.id}/").text
    assert f'<option value="{newer.id}"' in page and f'<option value="{own.id}"' not in page
    assert "DINKES-A v2 — Formulir Uji Baru" in page


def test_invalid_draft_is_saved_with_errors_and_cannot_be_published(login_as, template):
    client = login_as("admin.dinkes")
    data = editor_data(template, [], above=80, as_expected=90, title="")
    response = client.post(f"/evaluation-templates/{template.id}/save", data=data)
    assert response.status_code == 302
    saved = _template(template.id)
    assert saved.draft["forms"] == [] and saved.draft["rules"]["above"] == 80
    page = client.get(f"/evaluation-templates/{template.id}/").text
    for part in ("title", "forms", "rules"):
        assert f'data-part="{part}"' in page, part
    client.post(f"/evaluation-templates/{template.id}/save", data={**data, "action": "publish"})
    client.post(f"/evaluation-templates/{template.id}/publish")
    assert _db.session.query(TemplateVersion).count() == 0


def test_bad_weight_and_thresholds_are_reported(login_as, template, dinkes_form):
    client = login_as("admin.dinkes")
    data = editor_data(template, [(dinkes_form.id, "seratus")], above=80)
    client.post(f"/evaluation-templates/{template.id}/save", data=data)
    errors = template_service.definition_errors(_template(template.id).draft, template.unit_id)
    assert set(errors) == {"forms", "rules"}
    page = client.get(f"/evaluation-templates/{template.id}/").text
    assert 'data-part="forms"' in page and 'data-part="rules"' in page


def test_valid_draft_publishes_v1_which_stays_frozen_and_edits_make_v2(
    login_as, template, dinkes_form
):
    client = login_as("admin.dinkes")
    data = editor_data(
        template, [(dinkes_form.id, 100)], expectations={"akuntabel": "Laporan tepat waktu"}
    )
    client.post(f"/evaluation-templates/{template.id}/save", data={**data, "action": "publish"})
    saved = _template(template.id)
    assert [v.number for v in saved.versions] == [1] and saved.draft is None
    v1 = saved.versions[0].definition
    assert v1["forms"] == [{"form_version_id": dinkes_form.id, "weight": 100}]
    assert v1["expectations"] == {"akuntabel": "Laporan tepat waktu"}
    assert v1["rules"]["matrix"] == template_service.DEFAULT_RULES["matrix"]

    # Publishing the same again is refused; an edit is a draft until published as v2.
    client.post(f"/evaluation-templates/{template.id}/publish")
    assert _db.session.query(TemplateVersion).count() == 1
    data = editor_data(saved, [(dinkes_form.id, 100)], above="115,5")
    client.post(f"/evaluation-templates/{template.id}/save", data=data)
    saved = _template(template.id)
    assert saved.draft["rules"]["above"] == 115.5
    assert saved.versions[0].definition["rules"]["above"] == 110
    client.post(f"/evaluation-templates/{template.id}/publish")
    saved = _template(template.id)
    assert [v.number for v in saved.versions] == [1, 2]
    assert saved.versions[0].definition == v1
    assert saved.versions[1].definition["rules"]["above"] == 115.5
    page = client.get(f"/evaluation-templates/{template.id}/").text
    assert 'data-version="1"' in page and 'data-version="2"' in page


def test_a_stale_revision_does_not_overwrite(login_as, template, dinkes_form):
    client = login_as("admin.dinkes")
    template_service.save_draft(template, {**template.draft, "title": "Judul orang lain"})
    data = editor_data(template, [(dinkes_form.id, 100)], revision=0, title="Judul saya")
    response = client.post(f"/evaluation-templates/{template.id}/save", data=data)
    assert response.status_code == 409
    assert "Judul saya" in response.text  # the user's input is kept on the page
    assert _template(template.id).draft["title"] == "Judul orang lain"


def _preview(client, template, achievements, behaviour):
    response = client.post(
        f"/evaluation-templates/{template.id}/preview",
        json={"achievements": {str(k): v for k, v in achievements.items()},
              "behaviour": behaviour},
    )  # fmt: skip
    assert response.status_code == 200
    return response.json


def _behaviour(above=0, below=0) -> dict:
    ratings = ["above"] * above + ["below"] * below
    ratings += ["as_expected"] * (len(VALUES) - len(ratings))
    return dict(zip(VALUES, ratings, strict=True))


@pytest.mark.parametrize(
    ("achievement", "behaviour", "expected"),
    [
        (100, _behaviour(), ("100.00", "as_expected", "as_expected", "baik")),
        (115, _behaviour(above=4), ("115.00", "above", "above", "sangat_baik")),
        (150, _behaviour(above=7), ("120.00", "above", "above", "sangat_baik")),  # capped
        (109.99, _behaviour(above=4, below=1), ("109.99", "as_expected", "as_expected", "baik")),
        (80, _behaviour(above=3), ("80.00", "below", "as_expected", "butuh_perbaikan")),
        (80, _behaviour(below=4), ("80.00", "below", "below", "sangat_kurang")),
        (110, _behaviour(below=4), ("110.00", "above", "below", "kurang")),
    ],
)
def test_preview_with_the_default_rules(login_as, template, dinkes_form, achievement, behaviour,
                                        expected):  # fmt: skip
    template_service.save_draft(
        template, {**template.draft, "forms": [{"form_version_id": dinkes_form.id, "weight": 100}]}
    )
    result = _preview(login_as("admin.dinkes"), template, {dinkes_form.id: achievement}, behaviour)
    assert result["errors"] == []
    assert (result["achievement"], result["hasil"], result["perilaku"], result["predikat"]) == (
        expected
    )


def test_preview_uses_the_drafts_weights_thresholds_and_rule(
    login_as, world, template, dinkes_form
):
    second = make_form(None, "KAB-DISIPLIN")
    rules = copy.deepcopy(template_service.DEFAULT_RULES)
    rules.update(above=100, as_expected=95, perilaku_rule="strict")
    forms = [{"form_version_id": dinkes_form.id, "weight": 60},
             {"form_version_id": second.id, "weight": 40}]  # fmt: skip
    template_service.save_draft(template, {**template.draft, "forms": forms, "rules": rules})
    client = login_as("admin.dinkes")
    # 0.6 × 100 + 0.4 × 90 = 96 → as expected (≥ 95); strict: one "below" → below
    result = _preview(client, template, {dinkes_form.id: 100, second.id: 90}, _behaviour(below=1))
    assert (result["achievement"], result["hasil"], result["perilaku"]) == (
        "96.00", "as_expected", "below",
    )  # fmt: skip
    assert result["predikat"] == "kurang"
    result = _preview(client, template, {dinkes_form.id: 100, second.id: 90}, _behaviour(above=6))
    assert (result["perilaku"], result["predikat"]) == ("as_expected", "baik")
    # the page version of the preview shows the same numbers
    page = client.post(
        f"/evaluation-templates/{template.id}/preview",
        data={f"sample_{dinkes_form.id}": "100", f"sample_{second.id}": "90",
              **{f"behaviour_{code}": "above" for code in VALUES}},
    ).text  # fmt: skip
    assert data_values(page, "achievement") == ["96.00"]
    assert data_values(page, "hasil") == ["as_expected"]
    assert data_values(page, "perilaku") == ["above"]
    assert data_values(page, "predikat") == ["baik"]


def test_preview_reports_broken_rules_and_missing_input(login_as, template, dinkes_form):
    client = login_as("admin.dinkes")
    forms = [{"form_version_id": dinkes_form.id, "weight": 100}]
    template_service.save_draft(template, {**template.draft, "forms": forms})
    result = _preview(client, template, {}, {})
    assert len(result["errors"]) == 1 + len(VALUES)
    bad = {**template.draft, "rules": {**template.draft["rules"], "above": 50}}
    template_service.save_draft(template, bad)
    result = _preview(client, template, {dinkes_form.id: 100}, _behaviour())
    assert result["errors"] and "achievement" not in result


def test_other_units_admin_gets_404(login_as, template, dinkes_form):
    client = login_as("admin.disdik")
    assert "DINKES-STAF" not in client.get("/evaluation-templates/").text
    pk = template.id
    assert client.get(f"/evaluation-templates/{pk}/").status_code == 404
    data = editor_data(template, [(dinkes_form.id, 100)], title="Dibajak")
    assert client.post(f"/evaluation-templates/{pk}/save", data=data).status_code == 404
    assert client.post(f"/evaluation-templates/{pk}/publish").status_code == 404
    assert client.post(f"/evaluation-templates/{pk}/preview", json={}).status_code == 404
    assert _template(pk).draft["title"] == "Staf"


def test_employee_and_supervisor_cannot_open_the_designer(login_as, template):
    for user in ("pegawai.dinkes", "penilai.dinkes"):
        client = login_as(user)
        assert client.get("/evaluation-templates/").status_code in (302, 403)
        assert client.get(f"/evaluation-templates/{template.id}/").status_code in (302, 403)


def test_after_publishing_the_template_the_next_step_is_assigning_it(
    login_as, template, dinkes_form
):
    client = login_as("admin.dinkes")
    data = editor_data(template, [(dinkes_form.id, 100)])
    response = client.post(
        f"/evaluation-templates/{template.id}/save", data={**data, "action": "publish"}
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    version = _template(template.id).versions[0]
    assert 'id="next-assign"' in page
    assert f"/assign/?template_version_id={version.id}" in page


def test_a_template_made_from_the_forms_next_step_starts_with_that_form(
    login_as, world, dinkes_form
):
    client = login_as("admin.dinkes")
    page = client.get(f"/evaluation-templates/?form_version={dinkes_form.id}").get_data(
        as_text=True
    )
    assert f'name="form_version_id" value="{dinkes_form.id}"' in page
    client.post(
        "/evaluation-templates/new",
        data={"unit_id": world.dinkes.id, "code": "DINKES-BARU", "title": "Baru",
              "form_version_id": dinkes_form.id},
    )  # fmt: skip
    made = _db.session.query(EvaluationTemplate).filter_by(code="DINKES-BARU").one()
    assert made.draft["forms"] == [{"form_version_id": dinkes_form.id, "weight": 100}]
