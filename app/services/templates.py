"""Evaluation templates: which forms (with weights) and which rating rules a unit uses.

A template definition (stored as JSON)::

    {"code": "DINKES-STAF", "title": "Penilaian staf Dinas Kesehatan",
     "forms": [{"form_version_id": 12, "weight": 100}],
     "rules": {"cap": 120, "above": 110, "as_expected": 90, "perilaku_rule": "majority",
               "matrix": {"above": {"above": "sangat_baik", ...}, ...}},  # always the default
     "expectations": {"akuntabel": "…"}}

Published versions are frozen, like forms; submissions keep the version they began with.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select

from app.domain.ratings import (
    DEFAULT_PREDIKAT_MATRIX,
    PERILAKU_RULES,
    HasilThresholds,
    Predikat,
    Rating,
)
from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.i18n import number
from app.models import (
    BehaviourValue,
    EvaluationTemplate,
    FormVersion,
    IndicatorForm,
    PolicySetting,
    TemplateVersion,
)
from app.scope import Scope, managed_units
from app.services import ValidationFailed, versioning

MATRIX_KEY = "predikat_matrix"

DEFAULT_RULES: dict[str, Any] = {
    "cap": 120,
    "above": 110,
    "as_expected": 90,
    "perilaku_rule": "majority",
    # Not a choice of the template: kept so published definitions show which matrix applied.
    "matrix": {
        hasil.value: {
            perilaku.value: DEFAULT_PREDIKAT_MATRIX[(hasil, perilaku)].value for perilaku in Rating
        }
        for hasil in Rating
    },
}


@dataclass(frozen=True)
class Rules:
    """Rating rules of a template version, parsed."""

    cap: Decimal
    thresholds: HasilThresholds
    perilaku_rule: str


def _matrix_cells(matrix: Mapping[tuple[Rating, Rating], Predikat]) -> dict[str, dict[str, str]]:
    """A predikat matrix as JSON: hasil → perilaku → predikat."""
    return {h.value: {p.value: matrix[(h, p)].value for p in Rating} for h in Rating}


def _matrix_from_cells(cells: Any) -> dict[tuple[Rating, Rating], Predikat] | None:
    """The matrix of complete JSON `cells`, or None if a cell is missing or unknown."""
    predikats = {p.value for p in Predikat}
    if not isinstance(cells, dict) or not all(
        isinstance(cells.get(h.value), dict)
        and all(cells[h.value].get(p.value) in predikats for p in Rating)
        for h in Rating
    ):
        return None
    return {(h, p): Predikat(cells[h.value][p.value]) for h in Rating for p in Rating}


def predikat_matrix() -> Mapping[tuple[Rating, Rating], Predikat]:
    """The regency's predikat matrix: PermenPANRB 6/2022 unless HR set a variant."""
    row = db.session.scalar(select(PolicySetting).where(PolicySetting.key == MATRIX_KEY))
    variant = _matrix_from_cells(row.value.get("matrix")) if row is not None else None
    return variant or DEFAULT_PREDIKAT_MATRIX


def matrix_is_variant() -> bool:
    """Whether the regency uses a matrix other than PermenPANRB 6/2022's (shown as a warning)."""
    return dict(predikat_matrix()) != dict(DEFAULT_PREDIKAT_MATRIX)


def set_predikat_matrix(cells: Any, reason: str, scope: Scope, user_id=None) -> None:
    """HR: set the regency-wide predikat matrix (a variant of PermenPANRB 6/2022), audited.

    Unit admins cannot: the matrix is the same for every unit. A reason is required for a
    variant; the default matrix needs none.
    """
    if not scope.regency_wide:
        raise ValidationFailed({"matrix": [str(_l("Only HR may change the predikat matrix."))]})
    matrix = _matrix_from_cells(cells)
    reason = str(reason or "").strip()
    if matrix is None:
        raise ValidationFailed(
            {"matrix": [str(_l("Every cell of the predikat matrix needs a predikat."))]}
        )
    variant = matrix != dict(DEFAULT_PREDIKAT_MATRIX)
    if variant and not reason:
        raise ValidationFailed(
            {"reason": [str(_l("Give the reason for departing from PermenPANRB 6/2022."))]}
        )
    from app.services.rollup import set_policy

    set_policy(MATRIX_KEY, {"matrix": _matrix_cells(matrix), "reason": reason[:2000]}, user_id)


def parse_rules(raw: dict[str, Any] | None) -> Rules:
    """Rules from a (validated) definition, defaults filling gaps."""
    rules = {**DEFAULT_RULES, **(raw or {})}
    return Rules(
        cap=Decimal(str(rules["cap"])),
        thresholds=HasilThresholds(
            Decimal(str(rules["above"])), Decimal(str(rules["as_expected"]))
        ),
        perilaku_rule=rules["perilaku_rule"],
    )


def _number(value) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def definition_errors(definition: Any, unit_id: int | None) -> dict[str, list[str]]:
    """Every problem of a template definition, by part ("forms", "rules", …)."""
    errors: dict[str, list[str]] = {}

    def add(part: str, message) -> None:
        errors.setdefault(part, []).append(str(message))

    if not isinstance(definition, dict):
        return {"_form": [str(_l("The template must be a JSON object."))]}
    title = definition.get("title")
    if not isinstance(title, str) or not title.strip():
        add("title", _l("Give the template a title."))
    elif not title.isprintable():  # control characters (NUL: PostgreSQL refuses it)
        add("title", _l("The title contains characters that are not allowed."))
    _check_forms(definition.get("forms"), unit_id, add)
    _check_rules(definition.get("rules") or {}, add)
    expectations = definition.get("expectations") or {}
    codes = set(db.session.scalars(select(BehaviourValue.code)))
    if not isinstance(expectations, dict) or any(k not in codes for k in expectations):
        add("expectations", _l("Special expectations must name BerAKHLAK values."))
    return errors


def _is_id(value: Any) -> bool:
    """An integer that can name a row (not a bool; ids are 32-bit INTEGER columns)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**31


def _check_forms(entries, unit_id, add) -> None:
    if not isinstance(entries, list) or not entries:
        add("forms", _l("Choose at least one published form."))
        return
    total, seen = Decimal(0), set()
    for entry in entries:
        version_id = entry.get("form_version_id") if isinstance(entry, dict) else None
        weight = _number(entry.get("weight")) if isinstance(entry, dict) else None
        version = db.session.get(FormVersion, version_id) if _is_id(version_id) else None
        if version is None or not _form_usable(version.form, unit_id):
            add(
                "forms",
                _l("Form version %(id)s does not exist or belongs to another unit.", id=version_id),
            )
            continue
        if version.form_id in seen:
            add("forms", _l("Form %(code)s is chosen twice.", code=version.form.code))
        seen.add(version.form_id)
        if weight is None or weight <= 0:
            add(
                "forms",
                _l("The weight of %(code)s must be a positive number.", code=version.form.code),
            )
        else:
            total += weight
    if total and abs(total - 100) > Decimal("0.01"):
        add(
            "forms",
            _l("The form weights total %(total)s; they must total 100.", total=number(total)),
        )


def _form_usable(form: IndicatorForm, unit_id: int | None) -> bool:
    """A template may use regency-wide forms, its unit's forms and its parent units' forms."""
    if form.unit_id is None or unit_id is None:
        return True
    from app.models import Unit

    current, seen = db.session.get(Unit, unit_id), set()
    while current is not None and current.id not in seen:
        if current.id == form.unit_id:
            return True
        seen.add(current.id)
        current = current.parent
    return False


def _check_rules(rules, add) -> None:
    if not isinstance(rules, dict):
        add("rules", _l("The rating rules are not readable."))
        return
    merged = {**DEFAULT_RULES, **rules}
    cap, above, expected = (_number(merged.get(k)) for k in ("cap", "above", "as_expected"))
    if cap is None or cap < 100 or cap > 200:
        add("rules", _l("The achievement cap must be between 100 and 200."))
    if above is None or expected is None or not 0 < expected < above:
        add(
            "rules",
            _l(
                "The 'above expectation' threshold must be higher than the 'as expected' one, "
                "and both positive."
            ),
        )
    elif cap is not None and cap < above:
        add(
            "rules",
            _l(
                "The achievement cap (%(cap)s%%) is below the 'above expectation' threshold "
                "(%(above)s%%): no one could be rated above expectation.",
                cap=number(cap),
                above=number(above),
            ),
        )
    if merged.get("perilaku_rule") not in PERILAKU_RULES:
        add("rules", _l("Unknown rule for combining behaviour ratings."))
    if _matrix_from_cells(merged.get("matrix")) != dict(DEFAULT_PREDIKAT_MATRIX):
        add(
            "rules",
            _l(
                "The predikat matrix is fixed by PermenPANRB 6/2022; a template cannot change "
                "it. Only HR can set a regency-wide variant."
            ),
        )


def blank_definition(code: str, title: str) -> dict[str, Any]:
    return {
        "code": code,
        "title": title,
        "forms": [],
        "rules": copy.deepcopy(DEFAULT_RULES),
        "expectations": {},
    }


def _check_unit(unit_id, scope: Scope) -> None:
    from app.models import Unit

    if unit_id is None and scope.regency_wide:
        return
    found = db.session.execute(
        select(Unit.id).where(Unit.id == unit_id, managed_units(scope))
    ).first()
    if found is None:
        raise ValidationFailed({"unit_id": [str(_l("Choose one of your own units."))]})


def _checked_code(code: Any) -> str:
    code = str(code or "").strip().upper()
    if not code or len(code) > 40 or not all(c.isalnum() or c in "-_" for c in code):
        raise ValidationFailed(
            {"code": [str(_l("Use capital letters, digits and dashes for the code."))]}
        )
    return code


def create_template(
    unit_id, code: str, title: str, scope: Scope, user_id=None
) -> EvaluationTemplate:
    code, title = _checked_code(code), (title or "").strip()
    _check_unit(unit_id, scope)
    if not title:
        raise ValidationFailed({"title": [str(_l("Give the template a title."))]})
    exists = db.session.execute(
        select(EvaluationTemplate.id).where(
            EvaluationTemplate.code == code, EvaluationTemplate.unit_id == unit_id
        )
    ).first()
    if exists:
        raise ValidationFailed(
            {"code": [str(_l("This unit already has a template with code %(code)s.", code=code))]}
        )
    template = EvaluationTemplate(
        unit_id=unit_id,
        code=code,
        title=title,
        draft=blank_definition(code, title),
        draft_revision=0,
        updated_by_id=user_id,
    )
    db.session.add(template)
    db.session.commit()
    return template


def import_definition(definition: Any, unit_id, scope: Scope, user_id=None) -> EvaluationTemplate:
    """Create a template from a full definition (as exported), or make it the draft of
    the unit's template with the same code. The definition must be valid; nothing
    changes otherwise."""
    _check_unit(unit_id, scope)
    if not isinstance(definition, dict):
        raise ValidationFailed({"definition": [str(_l("The template must be a JSON object."))]})
    code = _checked_code(definition.get("code"))
    errors = definition_errors(definition, unit_id)
    if errors:
        raise ValidationFailed(errors)
    template = db.session.scalar(
        select(EvaluationTemplate).where(
            EvaluationTemplate.code == code, EvaluationTemplate.unit_id == unit_id
        )
    )
    if template is None:
        template = EvaluationTemplate(unit_id=unit_id, code=code, title="", draft_revision=0)
        db.session.add(template)
    elif template.archived:
        raise ValidationFailed(
            {"_form": [str(_l("This template is archived; restore it before editing."))]}
        )
    save_draft(template, copy.deepcopy(definition), user_id)
    return template


def editable_draft(template: EvaluationTemplate) -> dict[str, Any]:
    """The draft to edit; a new one copied from the latest version if none exists."""
    return versioning.editable_draft(
        template, lambda: blank_definition(template.code, template.title)
    )


def save_draft(template: EvaluationTemplate, definition: dict[str, Any], user_id=None) -> None:
    definition = dict(definition, code=template.code)
    template.title = str(definition.get("title") or template.title)[:200]
    versioning.touch(template, user_id, definition)
    db.session.commit()


def publish(template: EvaluationTemplate, user_id=None) -> TemplateVersion:
    """Freeze the draft as the next version; refuses an invalid or unchanged draft."""
    definition = template.draft
    if definition is None:
        raise ValidationFailed({"_form": [str(_l("There is no draft to publish."))]})
    errors = definition_errors(definition, template.unit_id)
    if errors:
        raise ValidationFailed(errors)
    definition = {**definition, "rules": {**DEFAULT_RULES, **(definition.get("rules") or {})}}
    return versioning.publish_draft(
        template,
        definition,
        TemplateVersion,
        "template",
        user_id,
        _l("Someone published this template at the same moment."),
    )


def set_archived(template: EvaluationTemplate, archived: bool) -> None:
    """Archive (arsipkan) or restore: archived templates cannot be assigned, keep their history."""
    template.archived = archived
    db.session.commit()


def form_versions(version: TemplateVersion) -> list[tuple[FormVersion, Decimal]]:
    """The form versions of a template version with their weights, in order."""
    entries = version.definition.get("forms", [])
    ids = [entry["form_version_id"] for entry in entries]
    loaded = {
        fv.id: fv for fv in db.session.scalars(select(FormVersion).where(FormVersion.id.in_(ids)))
    }
    return [(loaded[entry["form_version_id"]], Decimal(str(entry["weight"]))) for entry in entries]
