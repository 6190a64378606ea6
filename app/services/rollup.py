"""Organisational roll-up: from approved individual realisations to the unit's IKU.

A unit's key indicators (IKU) are the indicator fields of an ordinary indicator form
(made with the form builder) that the unit marks as its IKU form. Each IKU gets a
regency-wide code (default ``<form code>-01``, ``-02``, … in field order) and an
aggregation rule. An individual indicator whose `parent` names that code contributes:
the unit's realisation for a period is the aggregate of the approved realisations of
the unit's and its sub-units' submissions, by the rule:

* ``sum``: the total; ``average``: the mean; ``minimum``: the lowest;
* ``latest``: the realisation of the most recently approved submission.

The achievement per IKU follows the engine (`forms.scoring.achievement`, polarity and
cap included) against the period's target (`IkuTarget`, else the form's target); the
overall achievement weights the IKU by their form weights (an IKU without any
realisation counts 0, as in individual forms; no realisation at all gives none). The
overall achievement proposes an organisational rating by HR's thresholds.

Aggregation runs in SQL: one statement per contributing form field, whatever the
number of submissions.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from sqlalchemy import func, or_, select

from app.domain.ratings import OrgRating
from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.models import (
    AuditEntry,
    EvaluationPeriod,
    FormVersion,
    Iku,
    IkuTarget,
    IndicatorForm,
    PolicySetting,
    Submission,
    Unit,
    UnitRating,
)
from app.models.forms import _now
from app.models.types import SubmissionState
from app.scope import Scope, rating_confirmable_units, unit_subtree
from app.services import ValidationFailed
from app.services.periods import ensure_open_for_changes
from forms import achievement, parse_definition, text

AGGREGATIONS = ("sum", "average", "minimum", "latest")
AGGREGATION_LABELS = {
    "sum": _l("Sum"),
    "average": _l("Average"),
    "minimum": _l("Minimum"),
    "latest": _l("Latest"),
}
THRESHOLDS_KEY = "org_rating_thresholds"
#: Lower bounds of the overall IKU achievement (%) for each proposed organisational rating;
#: below the last one: Sangat Kurang.
DEFAULT_THRESHOLDS = {"istimewa": 110, "baik": 90, "butuh_perbaikan": 70, "kurang": 50}
_ORDER = [OrgRating.ISTIMEWA, OrgRating.BAIK, OrgRating.BUTUH_PERBAIKAN, OrgRating.KURANG]
CENT = Decimal("0.01")
PLACES = Decimal("0.0001")
MAX_REASON = 2000


# --- policy ----------------------------------------------------------------------------------


def get_policy(key: str, default: dict) -> dict:
    row = db.session.scalar(select(PolicySetting).where(PolicySetting.key == key))
    return {**default, **(row.value if row else {})}


def set_policy(key: str, value: dict, user_id=None) -> None:
    row = db.session.scalar(select(PolicySetting).where(PolicySetting.key == key))
    if row is None:
        row = PolicySetting(key=key, value=value)
        db.session.add(row)
    row.value, row.updated_at, row.updated_by_id = value, _now(), user_id
    db.session.add(
        AuditEntry(user_id=user_id, action="policy", changes={"key": key, "value": value})
    )
    db.session.commit()


def thresholds() -> dict[str, Decimal]:
    values = get_policy(THRESHOLDS_KEY, DEFAULT_THRESHOLDS)
    return {key: Decimal(str(values[key])) for key in DEFAULT_THRESHOLDS}


def save_thresholds(values: dict, user_id=None) -> None:
    """Store the thresholds; they must be numbers, strictly decreasing from Istimewa."""
    clean = {}
    for key in DEFAULT_THRESHOLDS:
        try:
            clean[key] = Decimal(str(values.get(key, "")).strip().replace(",", "."))
        except InvalidOperation:
            raise ValidationFailed({key: [str(_l("Enter a number."))]}) from None
    numbers = [clean[key] for key in DEFAULT_THRESHOLDS]
    if any(a <= b for a, b in zip(numbers, numbers[1:], strict=False)) or numbers[-1] < 0:
        raise ValidationFailed(
            {"istimewa": [str(_l("Each threshold must be lower than the one above it."))]}
        )
    set_policy(THRESHOLDS_KEY, {k: float(v) for k, v in clean.items()}, user_id)


def propose_rating(overall: Decimal | None, bounds: dict[str, Decimal] | None = None):
    """The organisational rating proposed for an overall IKU achievement (None: none)."""
    if overall is None:
        return None
    bounds = bounds or thresholds()
    for rating in _ORDER:
        if overall >= bounds[rating.value]:
            return rating
    return OrgRating.SANGAT_KURANG


# --- IKU set-up ------------------------------------------------------------------------------


def ikus_of(unit_id: int) -> list[Iku]:
    return list(
        db.session.scalars(select(Iku).where(Iku.unit_id == unit_id).order_by(Iku.position))
    )


def iku_form_of(unit_id: int) -> IndicatorForm | None:
    form_id = db.session.scalar(select(Iku.form_id).where(Iku.unit_id == unit_id).limit(1))
    return db.session.get(IndicatorForm, form_id) if form_id else None


def _indicator_fields(form: IndicatorForm) -> list:
    version = form.latest_version
    if version is None:
        return []
    return [f for f in parse_definition(version.definition).fields if f.indicator is not None]


def period_targets(unit_id: int, period_id: int) -> dict[int, Decimal]:
    """The IKU targets set for a period, by IKU id."""
    rows = db.session.execute(
        select(IkuTarget.iku_id, IkuTarget.target)
        .join(Iku, IkuTarget.iku_id == Iku.id)
        .where(Iku.unit_id == unit_id, IkuTarget.period_id == period_id)
    )
    return dict(rows.all())


def set_iku_form(unit: Unit, form: IndicatorForm, user_id=None) -> list[Iku]:
    """Make `form` (published, of `unit`) the unit's IKU form; one IKU per indicator.

    Existing IKU of the same form keep their codes and rules; IKU of another form are
    removed with their targets.
    """
    if form.unit_id != unit.id:
        raise ValidationFailed({"form": [str(_l("Choose a form of this unit."))]})
    fields = _indicator_fields(form)
    if not fields:
        raise ValidationFailed(
            {"form": [str(_l("The form needs a published version with indicators."))]}
        )
    current = ikus_of(unit.id)
    for iku in current:
        if iku.form_id != form.id:
            db.session.execute(IkuTarget.__table__.delete().where(IkuTarget.iku_id == iku.id))
            db.session.delete(iku)
    db.session.flush()
    keep = {iku.key: iku for iku in current if iku.form_id == form.id}
    taken = set(db.session.scalars(select(Iku.code)))
    for position, schema_field in enumerate(fields, start=1):
        iku = keep.get(schema_field.key)
        if iku is None:
            code = f"{form.code}-{position:02d}"[:40]
            while code in taken:
                code = f"{code[:36]}-{len(taken) % 1000:03d}"
            taken.add(code)
            iku = Iku(unit_id=unit.id, form_id=form.id, key=schema_field.key, code=code)
            db.session.add(iku)
        iku.position = position
    db.session.add(
        AuditEntry(
            user_id=user_id, action="iku_form", changes={"unit": unit.code, "form": form.code}
        )
    )
    db.session.commit()
    return ikus_of(unit.id)


def save_iku(iku: Iku, period: EvaluationPeriod | None, code: str, aggregation: str,
             target, user_id=None) -> None:  # fmt: skip
    """Change an IKU's code and rule, and its target for `period` (empty: the form's).

    Nothing changes while `period` is closed: the code and rule shape its roll-up too.
    """
    ensure_open_for_changes(period)
    errors: dict[str, list[str]] = {}
    code = (code or "").strip().upper()
    if not code or len(code) > 40 or not all(c.isalnum() or c in "-_." for c in code):
        errors["code"] = [str(_l("A code of letters, digits, '-', '_' or '.' (at most 40)."))]
    elif db.session.scalar(select(Iku.id).where(Iku.code == code, Iku.id != iku.id)):
        errors["code"] = [str(_l("Another IKU already has the code %(code)s.", code=code))]
    if aggregation not in AGGREGATIONS:
        errors["aggregation"] = [str(_l("Choose an aggregation rule."))]
    value = None
    raw = str(target if target is not None else "").strip().replace(",", ".")
    if raw:
        try:
            value = Decimal(raw)
        except InvalidOperation:
            value = None
        if value is None or value < 0 or value.is_nan() or abs(value) >= Decimal(10) ** 13:
            errors["target"] = [str(_l("Enter a target of at least 0."))]
    if errors:
        raise ValidationFailed(errors)
    old = [iku.code, iku.aggregation]
    iku.code, iku.aggregation = code, aggregation
    if period is not None:
        row = db.session.scalar(
            select(IkuTarget).where(IkuTarget.iku_id == iku.id, IkuTarget.period_id == period.id)
        )
        if value is None and row is not None:
            db.session.delete(row)
        elif value is not None:
            if row is None:
                row = IkuTarget(iku_id=iku.id, period_id=period.id, target=value)
                db.session.add(row)
            row.target = value
    db.session.add(
        AuditEntry(
            period_id=period.id if period else None, user_id=user_id, action="iku",
            changes={"iku": iku.id, "code": [old[0], code], "aggregation": [old[1], aggregation],
                     "target": str(value) if value is not None else None},
        )
    )  # fmt: skip
    db.session.commit()


# --- roll-up ---------------------------------------------------------------------------------


@dataclass
class IkuResult:
    iku: Iku
    code: str
    label: str
    unit: str
    polarity: str
    weight: Decimal
    aggregation: str
    target: Decimal
    realisation: Decimal | None = None
    achievement: Decimal | None = None
    contributors: int = 0
    # "period" (set for the period), "skp" (the contributors' individual targets), "form".
    target_source: str = "form"

    @property
    def aggregation_label(self) -> str:
        return str(AGGREGATION_LABELS.get(self.aggregation, self.aggregation))

    def to_dict(self) -> dict:
        def num(value):
            return None if value is None else float(value)

        return {
            "code": self.code,
            "label": self.label,
            "unit": self.unit,
            "polarity": self.polarity,
            "weight": num(self.weight),
            "aggregation": self.aggregation,
            "target": num(self.target),
            "realisation": num(self.realisation),
            "achievement": num(self.achievement),
            "contributors": self.contributors,
            "target_source": self.target_source,
        }


@dataclass
class Rollup:
    unit: Unit
    period: EvaluationPeriod
    results: list[IkuResult] = field(default_factory=list)
    overall: Decimal | None = None
    proposed: OrgRating | None = None
    rating: UnitRating | None = None

    def to_dict(self) -> dict:
        rating = self.rating
        return {
            "unit": {"id": self.unit.id, "code": self.unit.code, "name": self.unit.name},
            "period": {"id": self.period.id, "name": self.period.name},
            "ikus": [r.to_dict() for r in self.results],
            "overall_achievement": None if self.overall is None else float(self.overall),
            "proposed_rating": self.proposed.value if self.proposed else None,
            "confirmed_rating": rating.rating if rating else None,
            "confirmed_reason": rating.reason if rating else None,
        }


def _contributing_fields(unit_id: int, codes: set[str]) -> list[tuple[int, str, str, float]]:
    """(form version id, field key, IKU code, default target) of indicators naming `codes`.

    Only forms of the unit's subtree and regency-wide forms count.
    """
    if not codes:
        return []
    rows = db.session.execute(
        select(FormVersion.id, FormVersion.definition)
        .join(IndicatorForm, FormVersion.form_id == IndicatorForm.id)
        .where(
            or_(IndicatorForm.unit_id.in_(unit_subtree(unit_id)), IndicatorForm.unit_id.is_(None))
        )
    )
    found = []
    for version_id, definition in rows:
        for item in (definition or {}).get("fields", []):
            indicator = item.get("indicator") if isinstance(item, dict) else None
            parent = indicator.get("parent") if isinstance(indicator, dict) else None
            if isinstance(parent, str) and parent.strip() in codes:
                default = float(indicator.get("target") or 0)
                found.append((version_id, item["key"], parent.strip(), default))
    return found


def _aggregate(unit_id: int, period_id: int, contributions) -> dict[str, dict]:
    """Per IKU code: total, count, minimum and latest (value, approved_at, id) in SQL.

    `targets` holds the same statistics of the contributors' targets (their individual
    SKP target, else the form's default) and `individual` how many came from an SKP.
    """
    stats: dict[str, dict] = defaultdict(lambda: {**_empty(), "individual": 0, "targets": _empty()})
    base = [
        Submission.period_id == period_id,
        Submission.state == SubmissionState.APPROVED.value,
        Submission.unit_id.in_(unit_subtree(unit_id)),
    ]
    for version_id, key, code, default in contributions:
        value = Submission.answers[(str(version_id), key)].as_float()
        individual = Submission.targets[key].as_float()
        target = func.coalesce(individual, default)
        # Only submissions whose template uses this form version carry its answers.
        where = [*base, value.isnot(None)]
        total, count, low, t_total, t_low, n_individual = db.session.execute(
            select(func.sum(value), func.count(value), func.min(value), func.sum(target),
                   func.min(target), func.count(individual)).where(*where)
        ).one()  # fmt: skip
        if not count:
            continue
        entry = stats[code]
        entry["individual"] += n_individual
        latest = db.session.execute(
            select(value, Submission.approved_at, Submission.id, target)
            .where(*where)
            .order_by(Submission.approved_at.desc(), Submission.id.desc())
            .limit(1)
        ).one()
        stamp = (latest[1], latest[2])
        _add(entry, total, count, low, (latest[0], stamp))
        _add(entry["targets"], t_total, count, t_low, (latest[3], stamp))
    return stats


def _empty() -> dict:
    return {"sum": 0.0, "count": 0, "min": None, "latest": None}


def _add(entry: dict, total, count: int, low, latest) -> None:
    """Fold one contributing field's statistics into an IKU's."""
    entry["sum"] += float(total)
    entry["count"] += count
    entry["min"] = low if entry["min"] is None else min(entry["min"], low)
    if entry["latest"] is None or latest[1] > entry["latest"][1]:
        entry["latest"] = latest


def _number(value: float) -> Decimal:
    return Decimal(repr(value)).quantize(PLACES, ROUND_HALF_UP).normalize()


def _realisation(rule: str, entry: dict) -> Decimal | None:
    if not entry or not entry["count"]:
        return None
    if rule == "sum":
        return _number(entry["sum"])
    if rule == "average":
        return _number(entry["sum"] / entry["count"])
    if rule == "minimum":
        return _number(entry["min"])
    return _number(entry["latest"][0])


def aggregate_values(rule: str, values: list[Decimal]) -> Decimal | None:
    """`values` (oldest first) aggregated by `rule` (`AGGREGATIONS`); None without values."""
    if not values:
        return None
    entry = {"sum": float(sum(values)), "count": len(values), "min": float(min(values)),
             "latest": (float(values[-1]), len(values))}  # fmt: skip
    return _realisation(rule, entry)


def _iku_target(iku: Iku, period_targets: dict, default: Decimal, entry: dict | None):
    """The IKU's target for the period and where it comes from (`TARGET_SOURCES`).

    A target set for the period wins; else, when contributors carry individual SKP
    targets, their targets aggregated by the IKU's rule (as the realisations are);
    else the IKU form's target.
    """
    if iku.id in period_targets:
        return period_targets[iku.id], "period"
    if entry and entry["individual"]:
        return _realisation(iku.aggregation, entry["targets"]), "skp"
    return default, "form"


def unit_rollup(unit: Unit, period: EvaluationPeriod, bounds=None) -> Rollup:
    """The unit's IKU results, overall achievement and proposed rating for `period`."""
    rollup = Rollup(unit, period)
    rollup.rating = db.session.scalar(
        select(UnitRating).where(UnitRating.unit_id == unit.id, UnitRating.period_id == period.id)
    )
    ikus = ikus_of(unit.id)
    if not ikus:
        return rollup
    version = ikus[0].form.latest_version
    schema = parse_definition(version.definition) if version else None
    fields = {f.key: f for f in schema.fields if f.indicator} if schema else {}
    targets = dict(
        db.session.execute(
            select(IkuTarget.iku_id, IkuTarget.target).where(
                IkuTarget.period_id == period.id, IkuTarget.iku_id.in_([i.id for i in ikus])
            )
        ).all()
    )
    codes = {iku.code for iku in ikus if iku.key in fields}
    stats = _aggregate(unit.id, period.id, _contributing_fields(unit.id, codes))
    weights, earned, any_value = Decimal(0), Decimal(0), False
    for iku in ikus:
        schema_field = fields.get(iku.key)
        if schema_field is None:  # no longer in the form's latest version
            continue
        indicator = schema_field.indicator
        entry = stats.get(iku.code)
        target, source = _iku_target(iku, targets, indicator.target, entry)
        realisation = _realisation(iku.aggregation, entry)
        result = IkuResult(
            iku=iku, code=iku.code, label=text(schema_field.label, _lang()),
            unit=indicator.unit, polarity=indicator.polarity.value, weight=indicator.weight,
            aggregation=iku.aggregation, target=Decimal(target), realisation=realisation,
            achievement=achievement(realisation, Decimal(target), indicator.polarity),
            contributors=entry["count"] if entry else 0, target_source=source,
        )  # fmt: skip
        rollup.results.append(result)
        weights += indicator.weight
        earned += (result.achievement or 0) * indicator.weight
        any_value = any_value or realisation is not None
    if any_value and weights:
        rollup.overall = (earned / weights).quantize(CENT, ROUND_HALF_UP)
    rollup.proposed = propose_rating(rollup.overall, bounds)
    return rollup


def _lang() -> str:
    from flask_babel import get_locale

    locale = get_locale()
    return locale.language if locale else "id"


# --- confirmation ----------------------------------------------------------------------------


def may_confirm(scope: Scope, unit: Unit) -> bool:
    return (
        db.session.scalar(
            select(Unit.id).where(Unit.id == unit.id, rating_confirmable_units(scope))
        )
        is not None
    )


def confirm_rating(unit: Unit, period: EvaluationPeriod, rating: str, reason: str,
                   scope: Scope, user_id=None) -> UnitRating:  # fmt: skip
    """Confirm (or override, with a reason) the proposed organisational rating.

    HR or the head of the unit one level up. The confirmed rating is the unit's
    `UnitRating` (distribution curve, the head's hasil kerja); the proposal and the
    overall achievement are kept with it and in the audit trail.
    """
    from app.services.unit_ratings import set_unit_rating

    ensure_open_for_changes(period)
    if not may_confirm(scope, unit):
        raise ValidationFailed({"rating": [str(_l("You may not confirm this unit's rating."))]})
    rollup = unit_rollup(unit, period)
    rating = (rating or "").strip() or (rollup.proposed.value if rollup.proposed else "")
    reason = (reason or "").strip()
    if not rating:
        raise ValidationFailed({"rating": [str(_l("Choose one of the organisational ratings."))]})
    proposed = rollup.proposed.value if rollup.proposed else None
    if rating != proposed and not reason:
        raise ValidationFailed(
            {"reason": [str(_l("Give the reason for a rating other than the proposed one."))]}
        )
    if len(reason) > MAX_REASON:
        raise ValidationFailed({"reason": [str(_l("At most %(n)d characters.", n=MAX_REASON))]})
    text_reason = reason or str(_l("Confirmed as proposed from the IKU roll-up."))
    set_unit_rating(unit, period, rating, text_reason, user_id)
    row = db.session.scalar(
        select(UnitRating).where(UnitRating.unit_id == unit.id, UnitRating.period_id == period.id)
    )
    row.proposed_rating, row.proposed_achievement = proposed, rollup.overall
    db.session.add(
        AuditEntry(
            period_id=period.id, user_id=user_id, action="unit_rating_confirm",
            comment=reason or None,
            changes={"unit_id": unit.id, "unit": unit.code, "proposed": proposed,
                     "confirmed": rating, "achievement": str(rollup.overall)},
        )
    )  # fmt: skip
    db.session.commit()
    return row
