"""Recognition (penghargaan): nominees by a configurable rule, HR's decision, certificate.

Nominee rule (HR may change it, `PolicySetting` "award_nominee_rule"): among a unit's
approved submissions of the period with an eligible predikat (default Sangat Baik and
Baik) and at least the minimum achievement (default 100 %), the best predikat first,
then the highest achievement, at most N per unit (default 2). Ranking runs in SQL
(`ROW_NUMBER() OVER (PARTITION BY unit …)`).

`propose` stores the nominees as proposed awards (once per employee and period); HR
confirms one with a title and a citation, or dismisses it. A confirmed award prints
as a certificate through `app.printing`, with a verification code (`IssuedDocument`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import and_, case, func, select

from app import printing
from app.domain.ratings import Predikat
from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.i18n import long_date
from app.models import AuditEntry, Award, Employee, EvaluationPeriod, Submission, Unit
from app.models.forms import _now
from app.models.types import SubmissionState
from app.scope import Scope, managed_awards
from app.services import ValidationFailed
from app.services.rollup import get_policy, set_policy

PROPOSED, CONFIRMED, DISMISSED = "proposed", "confirmed", "dismissed"
STATE_LABELS = {
    PROPOSED: _l("Proposed"),
    CONFIRMED: _l("Confirmed"),
    DISMISSED: _l("Dismissed"),
}
RULE_KEY = "award_nominee_rule"
DEFAULT_RULE = {"predikat": ["sangat_baik", "baik"], "min_achievement": 100, "max_per_unit": 2}
MAX_TITLE, MAX_CITATION = 200, 2000
AWARD_KIND = "award"
_PREDIKAT_ORDER = [p.value for p in Predikat]


def nominee_rule() -> dict:
    rule = get_policy(RULE_KEY, DEFAULT_RULE)
    return {
        "predikat": [p for p in rule.get("predikat", []) if p in _PREDIKAT_ORDER],
        "min_achievement": rule.get("min_achievement"),
        "max_per_unit": int(rule.get("max_per_unit") or 0),
    }


def save_nominee_rule(predikats, min_achievement, max_per_unit, user_id=None) -> None:
    errors: dict[str, list[str]] = {}
    chosen = [p for p in _PREDIKAT_ORDER if p in set(predikats or [])]
    if not chosen:
        errors["predikat"] = [str(_l("Choose at least one predikat."))]
    minimum = None
    if str(min_achievement or "").strip():
        try:
            minimum = float(str(min_achievement).replace(",", "."))
        except ValueError:
            errors["min_achievement"] = [str(_l("Enter a number."))]
    try:
        limit = int(str(max_per_unit).strip())
        if not 1 <= limit <= 50:
            raise ValueError
    except ValueError:
        errors["max_per_unit"] = [str(_l("Enter a whole number from 1 to 50."))]
        limit = 0
    if errors:
        raise ValidationFailed(errors)
    set_policy(
        RULE_KEY,
        {"predikat": chosen, "min_achievement": minimum, "max_per_unit": limit},
        user_id,
    )


@dataclass(frozen=True)
class Nominee:
    unit_id: int
    employee_id: int
    submission_id: int
    predikat: str
    achievement: Decimal | None
    rank: int


def nominees(period: EvaluationPeriod, unit_condition, rule: dict | None = None) -> list[Nominee]:
    """The rule's nominees of every unit matching `unit_condition` (on `Unit`), ranked."""
    rule = rule or nominee_rule()
    if not rule["predikat"] or rule["max_per_unit"] < 1:
        return []
    ranks = {value: index for index, value in enumerate(_PREDIKAT_ORDER)}
    order = case(ranks, value=Submission.final_predikat)
    conditions = [
        Submission.period_id == period.id,
        Submission.state == SubmissionState.APPROVED.value,
        Submission.final_predikat.in_(rule["predikat"]),
        Submission.unit_id.in_(select(Unit.id).where(unit_condition)),
    ]
    if rule.get("min_achievement") is not None:
        conditions.append(Submission.achievement >= Decimal(str(rule["min_achievement"])))
    ranked = (
        select(
            Submission.unit_id, Submission.employee_id, Submission.id.label("submission_id"),
            Submission.final_predikat, Submission.achievement,
            func.row_number().over(
                partition_by=Submission.unit_id,
                order_by=(order, Submission.achievement.desc(), Submission.employee_id),
            ).label("rank"),
        ).where(and_(*conditions))
    ).subquery()  # fmt: skip
    rows = db.session.execute(
        select(ranked)
        .where(ranked.c.rank <= rule["max_per_unit"])
        .order_by(ranked.c.unit_id, ranked.c.rank)
    )
    return [Nominee(*row) for row in rows]


def propose(period: EvaluationPeriod, unit_condition, user_id=None) -> int:
    """Store the current nominees as proposed awards; returns how many were added."""
    existing = set(
        db.session.scalars(select(Award.employee_id).where(Award.period_id == period.id))
    )
    added = 0
    for nominee in nominees(period, unit_condition):
        if nominee.employee_id in existing:
            continue
        db.session.add(
            Award(
                period_id=period.id, unit_id=nominee.unit_id, employee_id=nominee.employee_id,
                submission_id=nominee.submission_id, state=PROPOSED, rank=nominee.rank,
                predikat=nominee.predikat, achievement=nominee.achievement,
            )
        )  # fmt: skip
        added += 1
    if added:
        db.session.add(
            AuditEntry(
                period_id=period.id,
                user_id=user_id,
                action="award_propose",
                changes={"added": added},
            )  # fmt: skip
        )
    db.session.commit()
    return added


def _require_manager(award: Award, scope: Scope) -> None:
    allowed = select(Award.id).where(Award.id == award.id, managed_awards(scope))
    if db.session.scalar(allowed) is None:
        raise ValidationFailed({"_form": [str(_l("Only HR decides on awards."))]})


def confirm(award: Award, title: str, citation: str, scope: Scope, user_id=None) -> None:
    """HR confirms an award with a title (required) and a citation."""
    _require_manager(award, scope)
    title, citation = (title or "").strip(), (citation or "").strip()
    errors: dict[str, list[str]] = {}
    if not title:
        errors["title"] = [str(_l("Give the award a title."))]
    elif len(title) > MAX_TITLE:
        errors["title"] = [str(_l("At most %(n)d characters.", n=MAX_TITLE))]
    if len(citation) > MAX_CITATION:
        errors["citation"] = [str(_l("At most %(n)d characters.", n=MAX_CITATION))]
    if errors:
        raise ValidationFailed(errors)
    old = [award.state, award.title]
    award.state, award.title, award.citation = CONFIRMED, title, citation or None
    award.decided_at, award.decided_by_id = _now(), user_id
    db.session.add(
        AuditEntry(period_id=award.period_id, user_id=user_id, action="award_confirm",
                   comment=citation or None,
                   changes={"award": award.id, "employee_id": award.employee_id,
                            "state": [old[0], CONFIRMED], "title": [old[1], title]})
    )  # fmt: skip
    db.session.commit()


def dismiss(award: Award, scope: Scope, user_id=None) -> None:
    _require_manager(award, scope)
    old = award.state
    award.state, award.decided_at, award.decided_by_id = DISMISSED, _now(), user_id
    db.session.add(
        AuditEntry(
            period_id=award.period_id,
            user_id=user_id,
            action="award_dismiss",
            changes={"award": award.id, "state": [old, DISMISSED]},
        )  # fmt: skip
    )
    db.session.commit()


def awards_of(condition, period_id: int | None = None, state: str | None = CONFIRMED):
    """Awards matching `condition` (a scope condition on `Award`), newest period first."""
    query = (
        select(Award, Employee, Unit, EvaluationPeriod)
        .join(Employee, Award.employee_id == Employee.id)
        .join(Unit, Award.unit_id == Unit.id)
        .join(EvaluationPeriod, Award.period_id == EvaluationPeriod.id)
        .where(condition)
        .order_by(EvaluationPeriod.start_date.desc(), Unit.code, Award.rank, Award.id)
    )
    if period_id is not None:
        query = query.where(Award.period_id == period_id)
    if state is not None:
        query = query.where(Award.state == state)
    return db.session.execute(query).all()


def to_dict(
    award: Award, employee: Employee, unit: Unit, period: EvaluationPeriod, with_nip: bool = True
) -> dict:
    """An award as JSON; the NIP (it encodes birth date and sex) only `with_nip`."""
    person = {"id": employee.id, "name": employee.name}
    if with_nip:
        person["nip"] = employee.nip
    return {
        "id": award.id,
        "state": award.state,
        "title": award.title,
        "citation": award.citation,
        "predikat": award.predikat,
        "achievement": None if award.achievement is None else float(award.achievement),
        "rank": award.rank,
        "employee": person,
        "unit": {"id": unit.id, "code": unit.code, "name": unit.name},
        "period": {"id": period.id, "name": period.name},
        "decided_at": award.decided_at.isoformat() if award.decided_at else None,
    }


# --- certificate -------------------------------------------------------------------------------


class CertificateUnavailable(Exception):
    """Only a confirmed award has a certificate."""


def certificate_spec(award: Award, lang: str):
    """The printing spec of an award's certificate (a confirmed award only)."""
    from app.services import documents as docs

    if award.state != CONFIRMED:
        raise CertificateUnavailable(str(_l("Only a confirmed award has a certificate.")))
    from app.services import recaps

    employee, period = award.employee, award.period
    signer = recaps.signatory_of(award.unit_id)
    with force_locale(lang):
        signatory = {
            "name": signer.name if signer else "",
            "nip": signer.nip if signer else "",
            "jabatan": signer.jabatan if signer else _("Head of %(unit)s", unit=award.unit.name),
            "place": (signer.place if signer else "") or recaps.DEFAULT_PLACE,
        }
    payload = {
        "signatory": signatory,
        "award": [award.id, award.title, award.citation, award.decided_at, award.predikat],
        "employee": [employee.name, employee.nip, employee.jabatan, employee.golongan],
        "unit": award.unit.name,
        "period": [period.name, period.start_date, period.end_date],
    }

    def build(issued) -> bytes:
        with force_locale(lang):
            title = _("CERTIFICATE OF APPRECIATION")
            context = {
                **docs._base_context(lang, title, award.unit.name, issued),
                "orientation": "landscape",
                "award_title": printing.clip(award.title, MAX_TITLE),
                "citation": printing.clip(award.citation or "", MAX_CITATION),
                "employee": docs._person(employee),
                "period": docs._period_context(period),
                "decided_on": long_date(award.decided_at.date() if award.decided_at else None),
                "predikat": _predikat_label(award.predikat),
                "signatory": signatory,
            }
            pdf = printing.render("award.html", context)
            return printing.finish([pdf], docs._stamp(issued), title=title)

    return docs.Spec(
        kind=AWARD_KIND, subject_key=f"award:{award.id}", lang=lang, payload=payload,
        period_id=award.period_id, unit_id=award.unit_id, build=build,
        filename=f"piagam-{employee.nip}-{docs._slug(period.name)}.pdf",
    )  # fmt: skip


def certificate_download(award: Award, lang: str, user_id=None):
    from app.services import documents as docs

    spec = certificate_spec(award, lang)
    pdf, issued, cached = docs.obtain(spec, user_id)
    return docs.Download(pdf, spec.filename, docs.FORMATS["pdf"], issued.code, cached)


def current_certificate_spec(issued) -> object | None:
    """Today's spec for an issued certificate (verification), or None."""
    award_id = issued.subject_key.removeprefix("award:")
    award = db.session.get(Award, int(award_id)) if award_id.isdigit() else None
    if award is None:
        return None
    try:
        return certificate_spec(award, issued.lang)
    except CertificateUnavailable:
        return None


def _predikat_label(value: str | None) -> str:
    try:
        return Predikat(value).label if value else ""
    except ValueError:
        return value or ""
