"""Indicator forms: drafts, publishing frozen versions, cloning, import and export.

The engine in `forms/` decides whether a definition is valid; this module
stores definitions and enforces who may change which form.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.models import FormVersion, IndicatorForm
from app.scope import Scope, managed_units
from app.services import ValidationFailed, versioning
from app.services.versioning import DraftConflict
from forms import DefinitionError, EngineError, ErrorCode, check_definition, parse_definition
from forms.diff import diff_definitions

MAX_JSON_BYTES = 2 * 1024 * 1024


def _fail(message, field: str = "_form") -> ValidationFailed:
    return ValidationFailed({field: [str(message)]})


def _title(definition: dict[str, Any]) -> str:
    title = definition.get("title") if isinstance(definition, dict) else None
    text = title.get("id") if isinstance(title, dict) else None
    return str(text or definition.get("code") or "")[:200]


def blank_definition(code: str, title: str) -> dict[str, Any]:
    """A new form's first draft: one indicator field to start from."""
    return {
        "code": code,
        "title": {"id": title},
        "fields": [
            {
                "key": "realisasi",
                "type": "integer",
                "label": {"id": "Realisasi"},
                "required": True,
                "min": 0,
                "indicator": {
                    "group": "utama",
                    "aspect": "kuantitas",
                    "target": 100,
                    "unit": "kegiatan",
                    "polarity": "higher",
                    "weight": 100,
                },
            }
        ],
    }


def _check_unit(unit_id: int | None, scope: Scope) -> None:
    from app.models import Unit

    if unit_id is None:
        if not scope.regency_wide:
            raise _fail(_l("Choose one of your own units."), "unit_id")
        return
    found = db.session.execute(select(Unit.id).where(Unit.id == unit_id, managed_units(scope)))
    if found.first() is None:
        raise _fail(_l("Choose one of your own units."), "unit_id")


def _check_code_free(unit_id: int | None, code: str, form_id: int | None = None) -> None:
    query = select(IndicatorForm.id).where(
        IndicatorForm.code == code, IndicatorForm.unit_id.is_(unit_id)
        if unit_id is None else IndicatorForm.unit_id == unit_id
    )  # fmt: skip
    if form_id is not None:
        query = query.where(IndicatorForm.id != form_id)
    if db.session.execute(query).first() is not None:
        raise _fail(_l("This unit already has a form with code %(code)s.", code=code), "code")


def _check_code_format(code: str) -> None:
    problems = [e for e in check_definition({"code": code}) if e.code == ErrorCode.INVALID_CODE]
    if problems:
        raise _fail(problems[0].message, "code")


def create_form(unit_id, code: str, title: str, scope: Scope, user_id=None) -> IndicatorForm:
    """A new form with a starter draft in `unit_id` (None: regency-wide, HR only)."""
    code = (code or "").strip().upper()
    title = (title or "").strip()
    _check_unit(unit_id, scope)
    _check_code_format(code)
    if not title:
        raise _fail(_l("Give the form a title."), "title")
    _check_code_free(unit_id, code)
    form = IndicatorForm(
        unit_id=unit_id, code=code, title=title[:200], draft=blank_definition(code, title),
        updated_by_id=user_id,
    )  # fmt: skip
    db.session.add(form)
    db.session.commit()
    return form


def editable_draft(form: IndicatorForm) -> dict[str, Any]:
    """The draft to edit; a new one copied from the latest version if none exists."""
    return versioning.editable_draft(form, lambda: blank_definition(form.code, form.title))


def save_draft(form: IndicatorForm, definition: Any, revision: int, user_id=None) -> int:
    """Store `definition` as the draft unless someone saved since `revision`; new revision."""
    if not isinstance(definition, dict):
        raise _fail(_l("The definition must be a JSON object."))
    if len(json.dumps(definition)) > MAX_JSON_BYTES:
        raise _fail(_l("The definition is too large."))
    if form.archived:
        raise _fail(_l("This form is archived; restore it before editing."))
    versioning.check_revision(form, revision)
    definition = dict(definition, code=form.code)
    form.title = _title(definition) or form.title
    versioning.touch(form, user_id, definition)
    db.session.commit()
    return form.draft_revision


def publish(form: IndicatorForm, user_id=None) -> FormVersion:
    """Freeze the draft as the next version; refuses an invalid or unchanged draft."""
    if form.draft is None:
        raise _fail(_l("There is no draft to publish."))
    schema = parse_definition(form.draft)  # raises DefinitionError with every problem
    normalised = schema.to_dict()
    form.title = _title(normalised)
    return versioning.publish_draft(
        form, normalised, FormVersion, "form", user_id,
        _l("Someone published this form at the same moment. Reload and try again."),
    )  # fmt: skip


UNCHECKED = object()  # import without a revision check (the web upload)


def import_definition(
    data: Any, unit_id, scope: Scope, user_id=None, revision: Any = UNCHECKED
) -> IndicatorForm:
    """Create a form from a full definition, or make it the draft of the unit's form
    with the same code. The definition must be valid; nothing changes otherwise.
    Unless UNCHECKED, an existing draft is only replaced when `revision` is its current
    revision (None: the caller has not seen it)."""
    schema = parse_definition(data)
    _check_unit(unit_id, scope)
    definition = schema.to_dict()
    query = select(IndicatorForm).where(IndicatorForm.code == schema.code)
    query = query.where(
        IndicatorForm.unit_id.is_(None) if unit_id is None else IndicatorForm.unit_id == unit_id
    )
    form = db.session.scalar(query)
    if form is None:
        form = IndicatorForm(
            unit_id=unit_id, code=schema.code, title=_title(definition), draft_revision=0
        )
        db.session.add(form)
    elif form.archived:
        raise _fail(_l("This form is archived; restore it before editing."))
    elif form.draft is not None and revision is not UNCHECKED:
        versioning.check_revision(form, revision)
    form.title = _title(definition)
    versioning.touch(form, user_id, definition)
    db.session.commit()
    return form


def clone(version: FormVersion, unit_id, code: str, scope: Scope, user_id=None) -> IndicatorForm:
    """A new form in `unit_id` whose draft copies a published `version`."""
    code = (code or "").strip().upper()
    _check_unit(unit_id, scope)
    _check_code_format(code)
    _check_code_free(unit_id, code)
    definition = dict(copy.deepcopy(version.definition), code=code)
    form = IndicatorForm(
        unit_id=unit_id, code=code, title=_title(definition), draft=definition,
        updated_by_id=user_id,
    )  # fmt: skip
    db.session.add(form)
    db.session.commit()
    return form


def set_archived(form: IndicatorForm, archived: bool) -> None:
    form.archived = archived
    db.session.commit()


def set_shared(form: IndicatorForm, shared: bool) -> None:
    """Share a unit's form regency-wide (every unit may read and copy it) or stop sharing.

    The caller checks that the user manages the form (its unit's admin or HR).
    """
    if form.unit_id is None:
        raise _fail(_l("A regency-wide form is always visible to every unit."), "shared")
    form.shared = shared
    db.session.commit()


def version(form: IndicatorForm, number: int | None) -> FormVersion:
    """Version `number` of `form` (latest when None)."""
    return versioning.find_version(form, number)


def diff(form: IndicatorForm, old: int, new: int | None) -> list[dict[str, Any]]:
    """Changes from version `old` to version `new` (None: the draft)."""
    new_definition = form.draft if new is None else version(form, new).definition
    return [
        change.to_dict()
        for change in diff_definitions(version(form, old).definition, new_definition)
    ]


def engine_errors(errors: list[EngineError]) -> list[dict[str, Any]]:
    return [error.to_dict() for error in errors]


__all__ = [
    "DefinitionError",
    "DraftConflict",
    "blank_definition",
    "clone",
    "create_form",
    "diff",
    "editable_draft",
    "engine_errors",
    "import_definition",
    "publish",
    "save_draft",
    "set_archived",
    "version",
]
