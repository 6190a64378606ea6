"""The SKP (Sasaran Kinerja Pegawai): planning, agreement and revision of an employee's plan.

One SKP per employee, year and period kind. Its content lives in numbered versions:

    draft → submitted → returned ↔ submitted → agreed (frozen) → superseded (kept)

The employee (or their supervisor, or a unit admin or HR for them) plans a draft and
submits it; the pejabat penilai (`Employee.supervisor`) agrees or returns it with a
reason. A revision during the year is a new draft copied from the agreed version, with
a reason; when it is agreed the old version becomes superseded and both stay.

Intervention (cascading): each RHK names the supervisor's RHK it contributes to — an
RHK of the supervisor's submitted or agreed SKP of the same year — or, for a unit head,
an IKU of the unit they lead. Every write names the version's `lock_version`; every
transition and item change is written to the audit trail (`AuditEntry.skp_id`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.models import (
    AuditEntry,
    BehaviourValue,
    Employee,
    EvaluationPeriod,
    Iku,
    Skp,
    SkpIndicator,
    SkpRhk,
    SkpVersion,
    Submission,
    Unit,
)
from app.models.forms import _now
from app.models.planning import Aspect, RhkKind, SkpState
from app.scope import Scope, managed_employees
from app.services import ValidationFailed, skp_targets, versioning
from app.services.submissions import ActionRefused

PERIOD_KINDS = ("annual", "quarterly")
ANNEX_PARTS = ("resources", "accountability", "consequences")
EDITABLE = {SkpState.DRAFT.value, SkpState.RETURNED.value}
LINKABLE = (SkpState.SUBMITTED.value, SkpState.AGREED.value)
MAX_TEXT = 2000
MAX_ITEMS = 50
MAX_INDICATORS = 10
MAX_TARGET = Decimal("1e14")

STATE_LABELS = {
    SkpState.DRAFT.value: _l("Draft"),
    SkpState.SUBMITTED.value: _l("Submitted"),
    SkpState.RETURNED.value: _l("Returned"),
    SkpState.AGREED.value: _l("Agreed"),
    SkpState.SUPERSEDED.value: _l("Superseded"),
}
ASPECT_LABELS = {
    Aspect.KUANTITAS.value: _l("Quantity"),
    Aspect.KUALITAS.value: _l("Quality"),
    Aspect.WAKTU.value: _l("Time"),
    Aspect.BIAYA.value: _l("Cost"),
}
KIND_LABELS = {RhkKind.UTAMA.value: _l("Main"), RhkKind.TAMBAHAN.value: _l("Additional")}
ANNEX_LABELS = {
    "resources": _l("Resource support"),
    "accountability": _l("Accountability scheme"),
    "consequences": _l("Consequences"),
}


class SkpConflict(ValidationFailed):
    """The SKP changed since the user loaded it."""


def _fail(message, field: str = "_form") -> ValidationFailed:
    return ValidationFailed({field: [str(message)]})


# --- reading ----------------------------------------------------------------------------


def current_version(skp: Skp) -> SkpVersion:
    """The version being worked on: the latest one."""
    return skp.versions[-1]


def agreed_version(skp: Skp) -> SkpVersion | None:
    """The agreed version in force (None before the first agreement)."""
    return next((v for v in skp.versions if v.state == SkpState.AGREED.value), None)


def skp_of(employee_id: int, year: int, period_kind: str = "annual") -> Skp | None:
    return db.session.scalar(
        select(Skp).where(
            Skp.employee_id == employee_id, Skp.year == year, Skp.period_kind == period_kind
        )
    )


def with_state(state: str):
    """A selectable of the ids of SKPs whose latest version is in `state`."""
    latest = (
        select(SkpVersion.skp_id, func.max(SkpVersion.number).label("number"))
        .group_by(SkpVersion.skp_id)
        .subquery()
    )
    return (
        select(SkpVersion.skp_id)
        .join(
            latest, (latest.c.skp_id == SkpVersion.skp_id) & (latest.c.number == SkpVersion.number)
        )
        .where(SkpVersion.state == state)
    )


def is_unit_head(employee: Employee) -> bool:
    return (
        db.session.scalar(select(Unit.id).where(Unit.head_id == employee.id).limit(1)) is not None
    )


def parent_choices(employee: Employee, year: int) -> list[SkpRhk]:
    """The RHK `employee` may intervene: those of the supervisor's submitted or agreed SKP."""
    if employee.supervisor_id is None:
        return []
    return list(
        db.session.scalars(
            select(SkpRhk)
            .join(SkpVersion, SkpRhk.version_id == SkpVersion.id)
            .join(Skp, SkpVersion.skp_id == Skp.id)
            .where(
                Skp.employee_id == employee.supervisor_id,
                Skp.year == year,
                SkpVersion.state.in_(LINKABLE),
            )
            .order_by(SkpVersion.number.desc(), SkpRhk.position)
        )
    )


def iku_choices(employee: Employee) -> list[Iku]:
    """The IKU a unit head may intervene: those of the units they lead (none otherwise)."""
    led = select(Unit.id).where(Unit.head_id == employee.id)
    return list(
        db.session.scalars(select(Iku).where(Iku.unit_id.in_(led)).order_by(Iku.position, Iku.id))
    )


def form_field_keys(employee: Employee, year: int) -> dict[str, str]:
    """Indicator fields of the evaluation form assigned to `employee` in `year`, key → label."""
    from app.services.templates import form_versions
    from forms import parse_definition

    submission = db.session.scalar(
        select(Submission)
        .join(EvaluationPeriod, Submission.period_id == EvaluationPeriod.id)
        .where(Submission.employee_id == employee.id)
        .where(EvaluationPeriod.start_date.between(dt.date(year, 1, 1), dt.date(year, 12, 31)))
        .order_by(EvaluationPeriod.start_date.desc())
        .limit(1)
    )
    if submission is None:
        return {}
    keys: dict[str, str] = {}
    for form_version, _weight in form_versions(submission.template_version):
        for field in parse_definition(form_version.definition).indicators:
            keys.setdefault(field.key, field.label.get("id") or field.key)
    return keys


# --- who may do what ---------------------------------------------------------------------


def may_plan(employee: Employee, scope: Scope) -> bool:
    """The employee, their supervisor, and whoever manages them (unit admin, HR) may plan."""
    if scope.employee_id and scope.employee_id in (employee.id, employee.supervisor_id):
        return True
    managed = select(Employee.id).where(Employee.id == employee.id, managed_employees(scope))
    return db.session.execute(managed).first() is not None


def allowed_actions(skp: Skp, scope: Scope) -> set[str]:
    """The actions `scope` may take on `skp` now: save, submit, agree, return, revise."""
    version = current_version(skp)
    actions: set[str] = set()
    planner = may_plan(skp.employee, scope)
    if planner and version.state in EDITABLE:
        actions |= {"save", "submit"}
    if planner and version.state == SkpState.AGREED.value:
        actions.add("revise")
    if version.state == SkpState.SUBMITTED.value and _is_evaluator(version, scope):
        actions |= {"agree", "return"}
    return actions


def _is_evaluator(version: SkpVersion, scope: Scope) -> bool:
    """The pejabat penilai agrees; for a unit head with none in the portal (the Bupati or
    Sekda evaluates them), HR records the agreement."""
    if version.evaluator_id is None:
        return scope.regency_wide
    return bool(scope.employee_id) and scope.employee_id == version.evaluator_id


def _require(skp: Skp, scope: Scope, action: str) -> SkpVersion:
    version = current_version(skp)
    if action in allowed_actions(skp, scope):
        return version
    raise ActionRefused(
        _l("This action is not possible: the SKP is %(state)s.", state=STATE_LABELS[version.state])
    )


def _check_lock(version: SkpVersion, lock_version: Any) -> None:
    versioning.check_lock(
        version, lock_version, conflict=SkpConflict,
        missing=_l(
            "This change does not say which version of the SKP it is based on "
            "(lock_version). Reload the page; nothing was saved."
        ),
        changed=lambda **who: _l(
            "This SKP was changed by %(who)s at %(when)s. Reload it; nothing was overwritten.",
            **who,
        ),
    )  # fmt: skip


def _audit(skp: Skp, user_id, action: str, comment=None, changes=None) -> None:
    db.session.add(
        AuditEntry(skp_id=skp.id, user_id=user_id, action=action, comment=comment, changes=changes)
    )


def _touch(version: SkpVersion, user_id) -> None:
    version.updated_at = _now()
    version.updated_by_id = user_id


def _commit() -> None:
    try:
        db.session.commit()
    except StaleDataError as exc:
        db.session.rollback()
        raise SkpConflict(
            {"_form": [str(_l("This SKP was changed by someone else just now. Reload it."))]}
        ) from exc


def history(skp: Skp) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            select(AuditEntry).where(AuditEntry.skp_id == skp.id).order_by(AuditEntry.id)
        )
    )


# --- creating ------------------------------------------------------------------------------


def create(
    employee: Employee, year: Any, scope: Scope, user_id, period_kind: str = "annual"
) -> Skp:
    """A new SKP of `employee` for `year` with an empty first draft; one per year and kind."""
    if not may_plan(employee, scope):
        raise ActionRefused(_l("You may not plan the SKP of %(name)s.", name=employee.name))
    if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2100:
        raise _fail(_l("Give a year between 2000 and 2100."), "year")
    if period_kind not in PERIOD_KINDS:
        raise _fail(_l("Choose annual or quarterly planning."), "period_kind")
    if skp_of(employee.id, year, period_kind) is not None:
        raise _fail(
            _l("%(name)s already has an SKP for %(year)s.", name=employee.name, year=year), "year"
        )
    skp = Skp(
        employee=employee, unit_id=employee.unit_id, year=year, period_kind=period_kind,
        created_by_id=user_id,
    )  # fmt: skip
    version = SkpVersion(
        skp=skp, number=1, evaluator_id=employee.supervisor_id, expectations={}, annex={},
        updated_by_id=user_id,
    )  # fmt: skip
    db.session.add_all([skp, version])
    db.session.flush()
    _audit(skp, user_id, "skp_create", changes={"year": year, "period_kind": period_kind})
    _commit()
    return skp


# --- the plan's content ---------------------------------------------------------------------


def _text(value: Any, field: str, errors: dict, required=None, limit: int = MAX_TEXT) -> str:
    text = str(value).strip() if isinstance(value, str | int | float) else ""
    if value is not None and not isinstance(value, str | int | float):
        errors.setdefault(field, []).append(str(_l("Give a text.")))
    elif required and not text:
        errors.setdefault(field, []).append(str(required))
    elif len(text) > limit:
        errors.setdefault(field, []).append(str(_l("At most %(n)d characters.", n=limit)))
    elif "\x00" in text:
        errors.setdefault(field, []).append(
            str(_l("The text contains characters that are not allowed."))
        )
    return text[:limit]


def _target(value: Any, field: str, errors: dict) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value).replace(",", ".")) if not isinstance(value, bool) else None
    except (InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite() or abs(number) >= MAX_TARGET:
        errors.setdefault(field, []).append(str(_l("Give a number.")))
        return None
    return number.quantize(Decimal("0.0001"))


def _link_errors(item: dict, employee: Employee, year: int, allowed: dict) -> str | None:
    """Why the RHK's intervention link is refused (None: accepted)."""
    parent_id, iku_id = item.get("parent_rhk_id"), item.get("iku_id")
    title = item["title"] or "?"
    if parent_id is not None and iku_id is not None:
        return _l("RHK \"%(title)s\" may intervene either a supervisor's RHK or an IKU, not both.",
                  title=title)  # fmt: skip
    if parent_id is not None and parent_id not in allowed["parents"]:
        return _l(
            "RHK \"%(title)s\" can only intervene an RHK of the submitted or agreed %(year)s SKP "
            "of your own supervisor (%(supervisor)s).",
            title=title, year=year,
            supervisor=employee.supervisor.name if employee.supervisor else "—",
        )  # fmt: skip
    if iku_id is not None and iku_id not in allowed["ikus"]:
        return _l(
            "RHK \"%(title)s\" can only intervene an IKU of a unit that %(name)s leads.",
            title=title, name=employee.name,
        )  # fmt: skip
    return None


def _allowed_links(employee: Employee, year: int) -> dict[str, set[int]]:
    return {
        "parents": {rhk.id for rhk in parent_choices(employee, year)},
        "ikus": {iku.id for iku in iku_choices(employee)},
    }


def _clean_indicator(raw: Any, where: str, errors: dict, field_keys) -> dict:
    if not isinstance(raw, dict):
        errors.setdefault(where, []).append(str(_l("Give the indicator as an object.")))
        return {}
    aspect = raw.get("aspect") or Aspect.KUANTITAS.value
    if aspect not in ASPECT_LABELS:
        errors.setdefault(f"{where}.aspect", []).append(
            str(_l("Choose quantity, quality, time or cost."))
        )
    field_key = raw.get("field_key") or None
    if field_key is not None and field_key not in field_keys():
        errors.setdefault(f"{where}.field_key", []).append(
            str(_l("%(key)s is not an indicator of the evaluation form assigned for this year.",
                   key=str(field_key)[:80]))
        )  # fmt: skip
    return {
        "aspect": aspect,
        "title": _text(raw.get("title"), f"{where}.title", errors, _l("Name the indicator.")),
        "target": _target(raw.get("target"), f"{where}.target", errors),
        "unit_label": _text(raw.get("unit_label"), f"{where}.unit_label", errors, limit=40),
        "field_key": field_key if isinstance(field_key, str) else None,
    }


def _id_or_none(value: Any, field: str, errors: dict) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 2**31:
        errors.setdefault(field, []).append(str(_l("Give a whole number.")))
        return None
    return value


def clean_items(skp: Skp, items: Any) -> list[dict]:
    """The RHK list checked: titles, kinds, links, indicators; ValidationFailed by field."""
    errors: dict[str, list[str]] = {}
    if not isinstance(items, list) or len(items) > MAX_ITEMS:
        raise _fail(_l("Give at most %(n)d RHK.", n=MAX_ITEMS), "items")
    allowed = _allowed_links(skp.employee, skp.year)
    cache: dict[str, dict] = {}

    def field_keys() -> dict:
        if "keys" not in cache:
            cache["keys"] = form_field_keys(skp.employee, skp.year)
        return cache["keys"]

    clean = []
    for n, raw in enumerate(items):
        where = f"items.{n}"
        if not isinstance(raw, dict):
            errors.setdefault(where, []).append(str(_l("Give the RHK as an object.")))
            continue
        kind = raw.get("kind") or RhkKind.UTAMA.value
        if kind not in KIND_LABELS:
            errors.setdefault(f"{where}.kind", []).append(str(_l("Choose main or additional.")))
        item = {
            "key": raw.get("key") if isinstance(raw.get("key"), str) else None,
            "kind": kind,
            "title": _text(raw.get("title"), f"{where}.title", errors, _l("Name the RHK.")),
            "parent_rhk_id": _id_or_none(
                raw.get("parent_rhk_id"), f"{where}.parent_rhk_id", errors
            ),
            "iku_id": _id_or_none(raw.get("iku_id"), f"{where}.iku_id", errors),
        }
        if message := _link_errors(item, skp.employee, skp.year, allowed):
            errors.setdefault(f"{where}.link", []).append(str(message))
        indicators = raw.get("indicators") or []
        if not isinstance(indicators, list) or len(indicators) > MAX_INDICATORS:
            errors.setdefault(f"{where}.indicators", []).append(
                str(_l("Give at most %(n)d indicators per RHK.", n=MAX_INDICATORS))
            )
            indicators = []
        item["indicators"] = [
            _clean_indicator(ind, f"{where}.indicators.{i}", errors, field_keys)
            for i, ind in enumerate(indicators)
        ]
        clean.append(item)
    if errors:
        raise ValidationFailed(errors)
    return clean


def clean_expectations(raw: Any) -> dict[str, str]:
    """Ekspektasi khusus pimpinan by BerAKHLAK value code; empty texts dropped."""
    if not isinstance(raw, dict):
        raise _fail(_l("Special expectations must name BerAKHLAK values."), "expectations")
    codes = set(db.session.scalars(select(BehaviourValue.code)))
    errors: dict[str, list[str]] = {}
    clean = {}
    for code, text in raw.items():
        if code not in codes:
            errors.setdefault("expectations", []).append(
                str(_l("Special expectations must name BerAKHLAK values."))
            )
            continue
        value = _text(text, f"expectations.{code}", errors)
        if value:
            clean[code] = value
    if errors:
        raise ValidationFailed(errors)
    return clean


def clean_annex(raw: Any) -> dict[str, str]:
    """The annex (lampiran): resources, accountability scheme, consequences."""
    if not isinstance(raw, dict) or set(raw) - set(ANNEX_PARTS):
        raise _fail(_l("The annex has resources, accountability and consequences."), "annex")
    errors: dict[str, list[str]] = {}
    clean = {part: _text(raw.get(part), f"annex.{part}", errors) for part in ANNEX_PARTS}
    if errors:
        raise ValidationFailed(errors)
    return {part: text for part, text in clean.items() if text}


def _write_indicators(rhk: SkpRhk, indicators: list[dict]) -> None:
    for old in list(rhk.indicators):
        db.session.delete(old)
    rhk.indicators = [SkpIndicator(position=i, **data) for i, data in enumerate(indicators)]


def _summary(rhk: SkpRhk) -> list:
    return [
        rhk.kind, rhk.title, rhk.parent_rhk_id, rhk.iku_id,
        [[i.aspect, i.title, str(i.target) if i.target is not None else None, i.unit_label,
          i.field_key] for i in rhk.indicators],
    ]  # fmt: skip


def _referenced(rhk: SkpRhk) -> bool:
    return (
        db.session.scalar(select(SkpRhk.id).where(SkpRhk.parent_rhk_id == rhk.id).limit(1))
        is not None
    )


def _write_items(version: SkpVersion, items: list[dict]) -> dict[str, list[str]]:
    """Make the version's RHK rows match `items` (by key); the changes by RHK title."""
    existing = {rhk.key: rhk for rhk in version.items}
    before = {key: _summary(rhk) for key, rhk in existing.items()}
    changes: dict[str, list[str]] = {"added": [], "changed": [], "removed": []}
    kept = set()
    for position, item in enumerate(items):
        rhk = existing.get(item["key"]) if item["key"] not in kept else None
        if rhk is None:
            rhk = SkpRhk(version=version, key=str(uuid.uuid4()))
            db.session.add(rhk)
            changes["added"].append(item["title"])
        kept.add(rhk.key)
        rhk.position, rhk.kind, rhk.title = position, item["kind"], item["title"]
        rhk.parent_rhk_id, rhk.iku_id = item["parent_rhk_id"], item["iku_id"]
        _write_indicators(rhk, item["indicators"])
    for key, rhk in existing.items():
        if key in kept:
            continue
        if _referenced(rhk):
            raise _fail(_l(
                "RHK \"%(title)s\" is intervened by a subordinate's SKP; keep it or change theirs "
                "first.", title=rhk.title), "items")  # fmt: skip
        for indicator in list(rhk.indicators):
            db.session.delete(indicator)
        db.session.delete(rhk)
        changes["removed"].append(rhk.title)
    db.session.flush()
    changes["changed"] = [
        rhk.title for key, rhk in existing.items()
        if key in kept and before[key] != _summary(rhk)
    ]  # fmt: skip
    return {k: v for k, v in changes.items() if v}


def save(
    skp: Skp,
    scope: Scope,
    user_id,
    lock_version: Any,
    *,
    items: Any = None,
    expectations: Any = None,
    annex: Any = None,
) -> SkpVersion:
    """Save the draft's RHK items, expectations and annex (each only when given)."""
    version = _require(skp, scope, "save")
    _check_lock(version, lock_version)
    clean = clean_items(skp, items) if items is not None else None
    clean_exp = clean_expectations(expectations) if expectations is not None else None
    clean_ann = clean_annex(annex) if annex is not None else None
    changes: dict[str, Any] = {}
    try:
        if clean is not None:
            changes.update(_write_items(version, clean))
    except ValidationFailed:
        db.session.rollback()
        raise
    if clean_exp is not None and clean_exp != version.expectations:
        version.expectations = clean_exp
        changes["expectations"] = sorted(clean_exp)
    if clean_ann is not None and clean_ann != version.annex:
        version.annex = clean_ann
        changes["annex"] = sorted(clean_ann)
    _touch(version, user_id)
    if changes:
        _audit(skp, user_id, "skp_save", changes=changes)
    _commit()
    return version


# --- transitions ------------------------------------------------------------------------------


def _check_complete(skp: Skp, version: SkpVersion) -> None:
    """A plan to submit: one main RHK at least, each with an indicator and a valid link."""
    errors: dict[str, list[str]] = {}
    if skp.employee.supervisor_id is None and not is_unit_head(skp.employee):
        errors["_form"] = [str(_l("%(name)s has no pejabat penilai; ask the unit admin to set one.",
                                  name=skp.employee.name))]  # fmt: skip
    if not any(rhk.kind == RhkKind.UTAMA.value for rhk in version.items):
        errors.setdefault("items", []).append(str(_l("Plan at least one main RHK.")))
    allowed = _allowed_links(skp.employee, skp.year)
    for n, rhk in enumerate(version.items):
        if not rhk.indicators:
            errors.setdefault(f"items.{n}.indicators", []).append(
                str(_l('RHK "%(title)s" needs at least one indicator.', title=rhk.title))
            )
        item = {"title": rhk.title, "parent_rhk_id": rhk.parent_rhk_id, "iku_id": rhk.iku_id}
        message = _link_errors(item, skp.employee, skp.year, allowed)
        if (
            message is None
            and rhk.kind == RhkKind.UTAMA.value
            and not (rhk.parent_rhk_id or rhk.iku_id)
        ):
            message = _l("Main RHK \"%(title)s\" must intervene a result of your supervisor "
                         "(or, for a unit head, an IKU of the unit).", title=rhk.title)  # fmt: skip
        if message:
            errors.setdefault(f"items.{n}.link", []).append(str(message))
    if errors:
        raise ValidationFailed(errors)


def submit(skp: Skp, scope: Scope, user_id, lock_version: Any) -> SkpVersion:
    """Send the draft to the pejabat penilai for agreement."""
    version = _require(skp, scope, "submit")
    _check_lock(version, lock_version)
    _check_complete(skp, version)
    version.state = SkpState.SUBMITTED.value
    version.evaluator_id = skp.employee.supervisor_id
    version.submitted_at = _now()
    _touch(version, user_id)
    _audit(skp, user_id, "skp_submit", changes={"version": version.number})
    _commit()
    return version


def agree(skp: Skp, scope: Scope, user_id, lock_version: Any) -> SkpVersion:
    """The pejabat penilai agrees: the version is frozen; an earlier agreed one is superseded."""
    version = _require(skp, scope, "agree")
    _check_lock(version, lock_version)
    previous = agreed_version(skp)
    if previous is not None:
        previous.state = SkpState.SUPERSEDED.value
        _touch(previous, user_id)
    version.state = SkpState.AGREED.value
    version.return_reason = None
    versioning.stamp(version, user_id)
    _touch(version, user_id)
    changes = {"version": version.number}
    if previous is not None:
        changes["superseded"] = previous.number
    _audit(skp, user_id, "skp_agree", changes=changes)
    skp_targets.refresh_drafts(version, user_id)  # drafts of the year take the new targets
    _commit()
    return version


def return_for_revision(skp: Skp, reason: Any, scope: Scope, user_id, lock_version: Any) -> None:
    """The pejabat penilai sends the plan back with a reason (required)."""
    version = _require(skp, scope, "return")
    _check_lock(version, lock_version)
    errors: dict[str, list[str]] = {}
    reason = _text(reason, "reason", errors, _l("Say what must be changed."))
    if errors:
        raise ValidationFailed(errors)
    version.state = SkpState.RETURNED.value
    version.return_reason = reason
    _touch(version, user_id)
    _audit(skp, user_id, "skp_return", comment=reason, changes={"version": version.number})
    _commit()


def revise(skp: Skp, reason: Any, scope: Scope, user_id, lock_version: Any) -> SkpVersion:
    """A new draft copied from the agreed version, with the reason; the agreed one stays."""
    agreed = _require(skp, scope, "revise")
    _check_lock(agreed, lock_version)
    errors: dict[str, list[str]] = {}
    reason = _text(reason, "reason", errors, _l("Give the reason for the revision."))
    if errors:
        raise ValidationFailed(errors)
    number = versioning.next_number(SkpVersion, SkpVersion.skp_id, skp.id)
    draft = SkpVersion(
        skp=skp,
        number=number,
        evaluator_id=skp.employee.supervisor_id,
        expectations=dict(agreed.expectations),
        annex=dict(agreed.annex),
        revision_reason=reason,
        updated_by_id=user_id,
    )
    db.session.add(draft)
    draft.items = [
        SkpRhk(
            key=rhk.key, position=rhk.position, kind=rhk.kind, title=rhk.title,
            parent_rhk_id=rhk.parent_rhk_id, iku_id=rhk.iku_id,
            indicators=[
                SkpIndicator(position=i.position, aspect=i.aspect, title=i.title, target=i.target,
                             unit_label=i.unit_label, field_key=i.field_key)
                for i in rhk.indicators
            ],
        )
        for rhk in agreed.items
    ]  # fmt: skip
    _audit(skp, user_id, "skp_revise", comment=reason, changes={"version": draft.number})
    _commit()
    return draft
