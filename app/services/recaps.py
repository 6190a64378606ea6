"""Recap data (rekapitulasi) per unit and regency-wide, for PDF, XLSX and CSV.

Everything is read in a fixed number of queries whatever the number of employees:
the rows (submissions joined with employees), the counts per unit, state and
predikat (aggregated in SQL), the units' organisational ratings and the signatories.
The data is kept as stored codes; labels are applied when a document is made, and
`payload()` is what the document hash is computed from.

A unit's recap covers the submissions whose `unit_id` is that unit (the unit the
employee belonged to when the evaluation was assigned), as its organisational rating
and distribution curve do; sub-units have their own recap. Like the dashboard, it also
counts the unit's active employees without a submission in the period ("not started",
belum mulai), so both give the same totals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, exists, func, select

from app.domain.ratings import OrgRating, Predikat, Rating, check_distribution
from app.extensions import db
from app.models import Employee, EvaluationPeriod, Signatory, Submission, Unit, UnitRating
from app.models.types import JabatanType, SubmissionState
from app.scope import Scope, recap_units
from app.services import ValidationFailed
from app.services.dashboard import NOT_STARTED

RECAP_PURPOSE = "recap"
DEFAULT_PLACE = "Mamuju"
_JABATAN_ORDER = case(
    {
        JabatanType.JPT_PRATAMA.value: 0,
        JabatanType.ADMINISTRATOR.value: 1,
        JabatanType.PENGAWAS.value: 2,
        JabatanType.FUNGSIONAL_KEAHLIAN.value: 3,
        JabatanType.FUNGSIONAL_KETERAMPILAN.value: 4,
        JabatanType.PELAKSANA.value: 5,
    },
    value=Employee.jabatan_type,
    else_=6,
)


class RecapRefused(Exception):
    """The user may not have this recap (outside their scope, or regency-wide without HR)."""


@dataclass(frozen=True)
class Row:
    nip: str
    name: str
    golongan: str
    jabatan: str
    hasil: str | None
    perilaku: str | None
    predikat: str | None
    state: str


@dataclass(frozen=True)
class Person:
    """Whoever signs: name, NIP, position, and the place written before the date."""

    name: str
    nip: str
    jabatan: str
    place: str = DEFAULT_PLACE


@dataclass
class Section:
    """One unit of a recap: its rows, counts, organisational rating and curve check."""

    unit_id: int
    code: str
    name: str
    rows: list[Row] = field(default_factory=list)
    predikat_counts: dict[str, int] = field(default_factory=dict)  # approved only
    state_counts: dict[str, int] = field(default_factory=dict)
    org_rating: str | None = None

    @property
    def count(self) -> int:
        return sum(self.state_counts.values())

    @property
    def approved(self) -> int:
        return self.state_counts.get(SubmissionState.APPROVED.value, 0)

    @property
    def rated(self) -> int:
        return sum(self.predikat_counts.values())

    @property
    def completion(self) -> Decimal:
        if not self.count:
            return Decimal(0)
        return (Decimal(self.approved * 100) / self.count).quantize(Decimal("0.1"), ROUND_HALF_UP)

    def violations(self):
        """Broken curve rules (None when the unit has no organisational rating)."""
        if self.org_rating is None:
            return None
        counts = {Predikat(k): v for k, v in self.predikat_counts.items()}
        return check_distribution(OrgRating(self.org_rating), counts)


@dataclass
class Recap:
    """A unit recap (one section) or the regency recap (every unit)."""

    period: EvaluationPeriod
    sections: list[Section]
    signatory: Person | None
    regency: bool

    @property
    def rows(self) -> int:
        return sum(len(s.rows) for s in self.sections)

    def payload(self) -> dict:
        """The data printed on the document, as plain values (for its hash)."""
        return {
            "period": [self.period.id, self.period.name, str(self.period.start_date),
                       str(self.period.end_date)],
            "regency": self.regency,
            "signatory": list(vars(self.signatory).values()) if self.signatory else None,
            "sections": [
                [s.unit_id, s.code, s.name, s.org_rating, [list(vars(r).values()) for r in s.rows],
                 sorted(s.predikat_counts.items()), sorted(s.state_counts.items())]
                for s in self.sections
            ],
        }  # fmt: skip


# --- access --------------------------------------------------------------------------


def check_access(scope: Scope, unit_id: int | None) -> None:
    """Refuse a unit outside the user's recap scope, or the regency recap to non-HR."""
    if unit_id is None:
        if not scope.regency_wide:
            raise RecapRefused("regency-wide recaps are for HR only")
        return
    found = db.session.execute(select(Unit.id).where(Unit.id == unit_id, recap_units(scope)))
    if found.first() is None:
        raise RecapRefused("unit outside scope")


def units_for(scope: Scope) -> list[Unit]:
    """The units whose recap the user may download, in code order."""
    return list(db.session.scalars(select(Unit).where(recap_units(scope)).order_by(Unit.code)))


# --- data ----------------------------------------------------------------------------


def load(period: EvaluationPeriod, unit_id: int | None) -> Recap:
    """The recap of `unit_id` (or, with None, of every unit) for `period`.

    The caller has checked access (`check_access`).
    """
    if unit_id is None:
        units = db.session.execute(select(Unit.id, Unit.code, Unit.name).order_by(Unit.code)).all()
    else:
        units = db.session.execute(
            select(Unit.id, Unit.code, Unit.name).where(Unit.id == unit_id)
        ).all()
    sections = {u.id: Section(u.id, u.code, u.name) for u in units}
    in_units = Submission.unit_id.in_(list(sections)) if unit_id is not None else None
    where = [Submission.period_id == period.id]
    if in_units is not None:
        where.append(in_units)

    rows = db.session.execute(
        select(
            Submission.unit_id, Employee.nip, Employee.name, Employee.golongan, Employee.jabatan,
            Submission.hasil_rating, Submission.perilaku_rating, Submission.final_predikat,
            Submission.state,
        )
        .join(Employee, Employee.id == Submission.employee_id)
        .where(*where)
        .order_by(Submission.unit_id, _JABATAN_ORDER, Employee.name, Employee.nip)
    )  # fmt: skip
    for unit, *values in rows:
        sections[unit].rows.append(Row(*values))
    _add_not_started(period, sections)

    approved = Submission.state == SubmissionState.APPROVED.value
    counts = db.session.execute(
        select(
            Submission.unit_id,
            Submission.state,
            case((approved, Submission.final_predikat), else_=None).label("final_predikat"),
            func.count(),
        )
        .where(*where)
        .group_by(Submission.unit_id, Submission.state, "final_predikat")
    )
    for unit, state, value, count in counts:
        section = sections[unit]
        section.state_counts[state] = section.state_counts.get(state, 0) + count
        if value:
            section.predikat_counts[value] = section.predikat_counts.get(value, 0) + count

    rating_where = [UnitRating.period_id == period.id]
    if unit_id is not None:
        rating_where.append(UnitRating.unit_id == unit_id)
    for unit, rating in db.session.execute(
        select(UnitRating.unit_id, UnitRating.rating).where(*rating_where)
    ):
        if unit in sections:
            sections[unit].org_rating = rating

    ordered = sorted(sections.values(), key=lambda s: s.code)
    if unit_id is None:
        signer_unit = db.session.scalar(
            select(Unit.id).where(Unit.code == current_app.config.get("HR_UNIT_CODE", "BKPSDM"))
        )
    else:
        signer_unit = unit_id
    return Recap(period, ordered, signatory_of(signer_unit), regency=unit_id is None)


def _add_not_started(period: EvaluationPeriod, sections: dict[int, Section]) -> None:
    """Rows and counts of the active employees without a submission (as the dashboard's)."""
    started = exists().where(
        Submission.employee_id == Employee.id, Submission.period_id == period.id
    )
    rows = db.session.execute(
        select(Employee.unit_id, Employee.nip, Employee.name, Employee.golongan, Employee.jabatan)
        .where(Employee.active.is_(True), Employee.unit_id.in_(list(sections)), ~started)
        .order_by(Employee.unit_id, _JABATAN_ORDER, Employee.name, Employee.nip)
    )
    for unit, nip, name, golongan, jabatan in rows:
        section = sections[unit]
        section.rows.append(Row(nip, name, golongan, jabatan, None, None, None, NOT_STARTED))
        section.state_counts[NOT_STARTED] = section.state_counts.get(NOT_STARTED, 0) + 1


def signatory_of(unit_id: int | None, purpose: str = RECAP_PURPOSE) -> Person | None:
    """The unit's configured signatory, else its head, else None."""
    if unit_id is None:
        return None
    row = db.session.scalar(
        select(Signatory).where(Signatory.unit_id == unit_id, Signatory.purpose == purpose)
    )
    if row is not None:
        return Person(row.name, row.nip or "", row.jabatan, row.place or DEFAULT_PLACE)
    head = db.session.execute(
        select(Employee.name, Employee.nip, Employee.jabatan)
        .join(Unit, Unit.head_id == Employee.id)
        .where(Unit.id == unit_id)
    ).first()
    return Person(head.name, head.nip, head.jabatan) if head else None


def save_signatory(unit_id: int, name: str, nip: str, jabatan: str, place: str) -> Signatory:
    """Create or change the recap signatory of a unit (the caller checks the scope)."""
    name, nip, jabatan = name.strip(), nip.strip(), jabatan.strip()
    place = place.strip() or DEFAULT_PLACE
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [str(_l("This field is required."))]
    if not jabatan:
        errors["jabatan"] = [str(_l("This field is required."))]
    if nip and (not nip.isdigit() or len(nip) != 18):
        errors["nip"] = [str(_l("A NIP has 18 digits."))]
    if len(name) > 200 or len(jabatan) > 200 or len(place) > 80:
        errors.setdefault("name", []).append(str(_l("The text is too long.")))
    if errors:
        raise ValidationFailed(errors)
    row = db.session.scalar(
        select(Signatory).where(Signatory.unit_id == unit_id, Signatory.purpose == RECAP_PURPOSE)
    )
    if row is None:
        row = Signatory(unit_id=unit_id, purpose=RECAP_PURPOSE)
        db.session.add(row)
    row.name, row.nip, row.jabatan, row.place = name, nip, jabatan, place
    db.session.commit()
    return row


# --- labels --------------------------------------------------------------------------


def rating_label(value: str | None) -> str:
    try:
        return Rating(value).label if value else ""
    except ValueError:
        return value or ""


def predikat_label(value: str | None) -> str:
    try:
        return Predikat(value).label if value else ""
    except ValueError:
        return value or ""


def _state_labels() -> dict[str, str]:
    return {NOT_STARTED: str(_l("Not started")), **{s.value: s.label for s in SubmissionState}}


def state_label(value: str | None) -> str:
    return _state_labels().get(value, value or "") if value else ""


def org_label(value: str | None) -> str:
    try:
        return OrgRating(value).label if value else ""
    except ValueError:
        return value or ""


def labelled_rows(section: Section, start: int = 1) -> list[dict]:
    """The section's rows with numbers and translated labels (as printed and exported)."""
    rating = {r.value: r.label for r in Rating}
    pred = {p.value: p.label for p in Predikat}
    states = _state_labels()
    return [
        {"no": number, "nip": r.nip, "name": r.name, "golongan": r.golongan,
         "jabatan": r.jabatan, "hasil": rating.get(r.hasil, r.hasil or ""),
         "perilaku": rating.get(r.perilaku, r.perilaku or ""),
         "predikat": pred.get(r.predikat, r.predikat or "") if r.state == "approved" else "",
         "state": states.get(r.state, r.state)}
        for number, r in enumerate(section.rows, start=start)
    ]  # fmt: skip


def unit_counts_by_predikat(section: Section) -> list[tuple[str, int]]:
    return [(p.label, section.predikat_counts.get(p.value, 0)) for p in Predikat]


def period_state_counts(section: Section) -> list[tuple[str, int]]:
    return [(label, section.state_counts.get(value, 0)) for value, label in _state_labels().items()]
