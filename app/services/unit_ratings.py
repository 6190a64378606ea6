"""Organisational ratings (predikat kinerja organisasi) per unit and period.

A unit's rating becomes its head's hasil kerja rating (`app.services.scoring`), also
after the head's evaluation was approved (`rescore_unit_head`), and
limits how the predikat of its employees may be distributed (`check_distribution`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.domain.ratings import CurveViolation, OrgRating, Predikat, check_distribution
from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.models import AuditEntry, EvaluationPeriod, Submission, Unit, UnitRating
from app.models.forms import _now
from app.models.types import SubmissionState
from app.services import ValidationFailed
from app.services.periods import ensure_open_for_changes
from app.services.submissions import rescore_unit_head

MAX_REASON = 2000


def ratings_of(period: EvaluationPeriod, unit_ids: Iterable[int]) -> dict[int, UnitRating]:
    """The recorded ratings of `unit_ids` for `period`, by unit id."""
    ids = list(unit_ids)
    if not ids:
        return {}
    rows = db.session.scalars(
        select(UnitRating).where(UnitRating.period_id == period.id, UnitRating.unit_id.in_(ids))
    )
    return {row.unit_id: row for row in rows}


def predikat_counts(
    period: EvaluationPeriod, unit_ids: Iterable[int]
) -> dict[int, dict[Predikat, int]]:
    """Counts of the approved predikat of each unit's submissions in `period`."""
    ids = list(unit_ids)
    counts: dict[int, dict[Predikat, int]] = defaultdict(dict)
    if not ids:
        return counts
    rows = db.session.execute(
        select(Submission.unit_id, Submission.final_predikat, func.count())
        .where(
            Submission.period_id == period.id,
            Submission.unit_id.in_(ids),
            Submission.state == SubmissionState.APPROVED.value,
            Submission.final_predikat.isnot(None),
        )
        .group_by(Submission.unit_id, Submission.final_predikat)
    )
    for unit_id, value, count in rows:
        counts[unit_id][Predikat(value)] = count
    return counts


def violations(rating: UnitRating | None, counts: dict[Predikat, int]) -> list[CurveViolation]:
    """The distribution rules the unit's predikat break under its rating (none if unrated)."""
    if rating is None:
        return []
    return check_distribution(OrgRating(rating.rating), counts)


def set_unit_rating(
    unit: Unit, period: EvaluationPeriod, rating: str | None, reason: str, user_id=None
) -> bool:
    """Record (or, with an empty `rating`, remove) the unit's rating; True if it changed.

    Every change is audited as "unit_rating" on the period, and re-scores the unit head's
    approved evaluation (`rescore_unit_head`). A closed period is locked. The caller
    checks that the user manages `unit`.
    """
    ensure_open_for_changes(period)
    rating = (rating or "").strip() or None
    reason = (reason or "").strip()
    errors: dict[str, list[str]] = {}
    if rating is not None and rating not in {r.value for r in OrgRating}:
        errors["rating"] = [str(_l("Choose one of the organisational ratings."))]
    if len(reason) > MAX_REASON:
        errors["reason"] = [str(_l("At most %(n)d characters.", n=MAX_REASON))]
    if errors:
        raise ValidationFailed(errors)
    row = db.session.scalar(
        select(UnitRating).where(UnitRating.unit_id == unit.id, UnitRating.period_id == period.id)
    )
    old = (row.rating, row.reason or "") if row is not None else (None, "")
    if old == (rating, reason):
        return False
    if old[0] != rating:
        rescore_unit_head(unit, period.id, rating, user_id)
    if rating is None:
        db.session.delete(row)
    else:
        if row is None:
            row = UnitRating(unit_id=unit.id, period_id=period.id, rating=rating)
            db.session.add(row)
        row.rating, row.reason = rating, reason or None
        row.recorded_at, row.recorded_by_id = _now(), user_id
    db.session.add(
        AuditEntry(
            period_id=period.id,
            user_id=user_id,
            action="unit_rating",
            comment=reason or None,
            changes={"unit_id": unit.id, "unit": unit.code, "rating": [old[0], rating]},
        )
    )
    try:
        db.session.commit()
    except IntegrityError as exc:  # someone rated the same unit at the same moment
        db.session.rollback()
        raise ValidationFailed(
            {"rating": [str(_l("Someone else rated this unit just now. Reload the page."))]}
        ) from exc
    return True
