"""Versioning shared by forms, templates and SKPs: numbers, drafts, publishing, freezing."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import FormVersion, IndicatorForm, SkpVersion, TemplateVersion
from app.models.versioning import FrozenVersionError
from app.services import ValidationFailed, versioning
from app.services import forms as form_service
from tests import factories as f
from tests.conftest_admin import make_form, make_template


@pytest.fixture
def form_version(world, reference):
    return make_form(world.dinkes.id, "DINKES-VER")


def test_publishing_numbers_versions_and_clears_the_draft(form_version):
    form = form_version.form
    assert (form_version.number, form.draft) == (1, None)
    assert versioning.next_number(FormVersion, FormVersion.form_id, form.id) == 2
    revision = form.draft_revision
    draft = versioning.editable_draft(form, dict)
    assert draft == form_version.definition and draft is not form_version.definition
    form_service.save_draft(form, dict(draft, title={"id": "Judul baru"}), revision)
    second = form_service.publish(form)
    assert second.number == 2 and form.draft is None
    assert versioning.find_version(form, None) is second
    assert versioning.find_version(form, 1) is form_version
    with pytest.raises(ValidationFailed):
        versioning.find_version(form, 9)


def test_an_unchanged_draft_is_not_published(form_version):
    form = form_version.form
    form.draft = dict(form_version.definition)
    db.session.commit()
    with pytest.raises(ValidationFailed) as refused:
        versioning.publish_draft(form, form.draft, FormVersion, "form", None, "conflict")
    assert list(refused.value.errors) == ["_form"]
    assert len(form.versions) == 1


def test_a_stale_draft_revision_is_refused(form_version):
    form = form_version.form
    with pytest.raises(versioning.DraftConflict):
        versioning.check_revision(form, form.draft_revision - 1)
    versioning.check_revision(form, form.draft_revision)  # the current one passes


@pytest.mark.parametrize("kind", ["form", "template"])
def test_published_versions_of_forms_and_templates_are_frozen(form_version, world, kind):
    version = (
        form_version
        if kind == "form"
        else make_template(world.dinkes.id, "DINKES-T", [(form_version.id, 100)])
    )
    assert isinstance(version, FormVersion | TemplateVersion)
    version.definition = {"code": "X"}
    with pytest.raises(FrozenVersionError):
        db.session.commit()
    db.session.rollback()
    db.session.delete(version)
    with pytest.raises(FrozenVersionError):
        db.session.flush()
    db.session.rollback()


def test_an_agreed_skp_version_only_becomes_superseded(world):
    skp = f.make_skp(world.people["pegawai.dinkes"], state="agreed", rhk=[{"title": "RHK"}])
    version = skp.versions[0]
    version.annex = {"resources": "diubah"}
    with pytest.raises(FrozenVersionError):
        db.session.commit()
    db.session.rollback()
    version.state = "superseded"
    db.session.commit()  # the one change an agreed version allows
    assert db.session.get(SkpVersion, version.id).state == "superseded"
    version.state = "draft"  # frozen for good
    with pytest.raises(FrozenVersionError):
        db.session.commit()
    db.session.rollback()


def test_a_draft_skp_version_may_change(world):
    skp = f.make_skp(world.people["pegawai.dinkes"], rhk=[{"title": "RHK"}])
    skp.versions[0].items[0].title = "RHK diubah"
    db.session.commit()
    assert skp.versions[0].items[0].title == "RHK diubah"


def test_the_mixin_keeps_the_tables_as_they_were():
    """No migration: the columns moved into the mixins keep their names and types."""
    for model in (IndicatorForm,):
        columns = model.__table__.columns
        assert {"draft", "draft_revision", "updated_at", "updated_by_id"} <= set(columns.keys())
    for model in (FormVersion, TemplateVersion, SkpVersion):
        assert {"number", "published_at", "published_by_id"} <= set(model.__table__.columns.keys())
    assert FormVersion.__table__.c.published_at.nullable is False
    assert SkpVersion.__table__.c.published_at.nullable is True
