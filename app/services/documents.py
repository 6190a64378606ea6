"""Issued documents: data hash, verification code, PDF cache and verification.

Every printed document is described by a `Spec`: its kind, its subject (the recap's
period and unit, or the submission), the language and a `payload` of the data it
prints. The data hash covers all four, so the same data in the same language gives
the same hash on every app server. The first request for a hash issues a code
(`IssuedDocument`) and renders the PDF into the storage as ``documents/<hash>-<address>.pdf``
(the printed verify address comes from ``PUBLIC_BASE_URL``, and is part of the file name);
later requests serve that file as is. If the file is missing (a new server, a
cleaned disk) it is rendered again with the code and date it was issued with.

`/verify/<code>` recomputes the hash of today's data for the document's subject
and language and compares it with the stored one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app import practice, printing, storage
from app.domain.ratings import DISTRIBUTION_CURVE, OrgRating, Predikat
from app.extensions import db
from app.i18n import long_date, number, percent
from app.models import (
    BehaviourValue,
    EvaluationPeriod,
    Iku,
    IssuedDocument,
    Submission,
    Unit,
    UnitRating,
)
from app.models.forms import _now
from app.models.types import SubmissionState
from app.printing.platypus import Kop, SectionPage, section_pdf
from app.services import emblem, recaps, skp_targets, unit_ratings
from app.services.submission_forms import display, groups
from app.services.templates import form_versions, parse_rules
from forms import evaluate, indicator_breakdown, parse_definition, text

RECAP_UNIT, RECAP_REGENCY, EVALUATION, FORM = "recap_unit", "recap_regency", "evaluation", "form"
KIND_LABELS = {
    RECAP_UNIT: _l("Performance recap of a unit"),
    RECAP_REGENCY: _l("Regency-wide performance recap"),
    EVALUATION: _l("Employee performance evaluation document"),
    FORM: _l("Filled evaluation form"),
    "award": _l("Award certificate"),  # app.services.awards
}
# Recap tables are cut into pages here, by estimated row height: one table per page.
# Landscape A4 with the margins of _base.html gives a frame of about 440 pt.
PAGE_POINTS, FIRST_PAGE_POINTS, HEADER_POINTS = 440.0, 380.0, 26.0
LINE_POINTS, ROW_PADDING = 9.7, 3.5
#: Characters per line of the wrapping columns (8 pt DejaVu Sans Condensed).
_COLUMN_CHARS = {"name": 33, "jabatan": 33, "hasil": 17, "perilaku": 17, "predikat": 17,
                 "state": 17}  # fmt: skip
MAX_ROWS_PER_TABLE = 40  # a bound whatever the estimate: xhtml2pdf is quadratic per table
#: A signed recap's last rows stay with its totals and signature (recap.html), which take
#: about TAIL_POINTS: when the last page has no room for them, its last rows start a page.
KEEP_ROWS, TAIL_POINTS = 2, 200.0
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


class DocumentUnavailable(Exception):
    """This document cannot be made (e.g. the evaluation is not approved yet)."""


@dataclass
class Spec:
    """What a document prints and how it is made."""

    kind: str
    subject_key: str
    lang: str
    payload: dict
    period_id: int | None = None
    unit_id: int | None = None
    submission_id: int | None = None
    build: Callable[[IssuedDocument], bytes] | None = None  # → finished PDF
    filename: str = "document.pdf"
    printed: dict | None = None  # what /verify shows of the copy (masked name, predikat)

    @property
    def data_hash(self) -> str:
        return data_hash(self.kind, self.subject_key, self.lang, self.payload)


def _default(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    raise TypeError(f"cannot hash {type(value).__name__}")


def data_hash(kind: str, subject_key: str, lang: str, payload: dict) -> str:
    """SHA-256 of the document's kind, subject, language and data (canonical JSON)."""
    blob = json.dumps(
        [kind, subject_key, lang, payload],
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=_default,
    )
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def new_code() -> str:
    """A random public code, e.g. ``KM-7QH4-X2MC-9PRA-LT3E`` (100 bits)."""
    chars = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(20))
    return "KM-" + "-".join(chars[i : i + 4] for i in range(0, 20, 4))


def storage_key(digest: str) -> str:
    """The storage key of a data hash's cached PDF, as printed for the public address and emblem.

    The emblem changes the print, not the data: a new emblem makes a new PDF under the
    same document code, and `verify` still finds the data unchanged.
    """
    base = hashlib.sha256(current_app.config["PUBLIC_BASE_URL"].encode()).hexdigest()[:16]
    mark = emblem.digest()
    name = f"{digest}-{base}-{mark}.pdf" if mark else f"{digest}-{base}.pdf"
    return f"documents/{name}"


def obtain(spec: Spec, user_id: int | None) -> tuple[bytes, IssuedDocument, bool]:
    """The PDF of `spec`: from the cache if this data was printed before, else rendered.

    Returns (pdf, issued document, whether it came from the cache).
    """
    digest = spec.data_hash
    issued = db.session.scalar(
        select(IssuedDocument)
        .where(IssuedDocument.subject_key == spec.subject_key, IssuedDocument.data_hash == digest)
        .order_by(IssuedDocument.id)
        .limit(1)
    )
    key = storage_key(digest)
    cached = storage.current().get(key) if issued is not None else None
    if cached is not None:
        return cached, issued, True
    fresh = issued is None
    if fresh:
        # Stored only once its PDF exists: rendering takes seconds, and must neither hold
        # the database's write lock (SQLite) nor leave a code without its document.
        issued = IssuedDocument(
            code=new_code(), kind=spec.kind, period_id=spec.period_id, unit_id=spec.unit_id,
            submission_id=spec.submission_id, subject_key=spec.subject_key, data_hash=digest,
            lang=spec.lang, issued_at=_now(), issued_by_id=user_id, printed=spec.printed,
        )  # fmt: skip
    assert spec.build is not None
    pdf = spec.build(issued)
    storage.current().put(key, pdf)
    if fresh:
        db.session.add(issued)
    db.session.commit()
    return pdf, issued, False


# --- verification ----------------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    kind_label: str
    period: str
    unit: str
    issued_on: str
    unchanged: bool
    person: str = ""  # masked, e.g. "R**** B******"
    predikat: str = ""  # as printed


def mask_name(name: str) -> str:
    """A name with only each word's first letter shown: "Rina Bakri" → "R*** B****"."""
    return " ".join(word[0] + "*" * (len(word) - 1) for word in str(name or "").split())


def verify(code: str) -> Verification | None:
    """What `/verify/<code>` shows, or None for an unknown code (always in practice mode:
    a practice document is never valid)."""
    if practice.active():
        return None
    issued = db.session.scalar(select(IssuedDocument).where(IssuedDocument.code == code.strip()))
    if issued is None:
        return None
    current = current_spec(issued)
    unchanged = current is not None and current.data_hash == issued.data_hash
    printed = issued.printed or {}
    return Verification(
        person=printed.get("person", ""),
        predikat=recaps.predikat_label(printed.get("predikat")),
        kind_label=str(KIND_LABELS.get(issued.kind, issued.kind)),
        period=issued.period.name if issued.period else "",
        unit=issued.unit.name if issued.unit else str(_l("All units (regency-wide)")),
        issued_on=long_date(issued.issued_at.date()),
        unchanged=unchanged,
    )


def current_spec(issued: IssuedDocument) -> Spec | None:
    """The spec of today's data for an issued document's subject, in its language."""
    with force_locale(issued.lang):
        if issued.kind in (RECAP_UNIT, RECAP_REGENCY):
            period = db.session.get(EvaluationPeriod, issued.period_id)
            if period is None:
                return None
            return recap_spec(period, issued.unit_id, issued.lang)
        if issued.kind == "award":
            from app.services.awards import current_certificate_spec

            return current_certificate_spec(issued)
        if issued.kind == "skp":
            from app.services.skp_documents import current_spec as current_skp_spec

            return current_skp_spec(issued)
        if issued.kind == "annual_evaluation":
            from app.services.annual_documents import current_annual_spec

            return current_annual_spec(issued)
        submission = db.session.get(Submission, issued.submission_id)
        if submission is None:
            return None
        try:
            return submission_spec(submission, issued.kind, issued.lang)
        except DocumentUnavailable:
            return None


# --- common pieces -----------------------------------------------------------------------


def verify_url(code: str) -> str:
    """The printed verification address: PUBLIC_BASE_URL, never the request's Host."""
    return current_app.config["PUBLIC_BASE_URL"] + url_for("VerifyView.show", code=code)


def _stamp(issued: IssuedDocument, running_titles=None) -> printing.Stamp:
    return printing.Stamp(
        code=issued.code,
        verify_url=verify_url(issued.code),
        page_label=lambda page, pages: _("Page %(page)d of %(pages)d", page=page, pages=pages),
        code_label=_("Document code: %(code)s — verify at:", code=issued.code),
        running_titles=running_titles,
        watermark=practice.watermark(),
    )


def _period_context(period: EvaluationPeriod) -> dict:
    return {
        "name": period.name,
        "start": long_date(period.start_date),
        "end": long_date(period.end_date),
    }


def letterhead(unit: Unit | None) -> str:
    """The unit's address and phone for the letterhead (kop), e.g. "Jl. … · Telp. …"."""
    if unit is None:
        return ""
    parts = [unit.address or ""]
    if unit.phone:
        parts.append(_("Phone %(phone)s", phone=unit.phone))
    return " · ".join(part.strip() for part in parts if part and part.strip())


def _base_context(
    lang: str, title: str, header_unit: str, issued: IssuedDocument, contact: str = ""
) -> dict:
    return {
        "lang": lang,
        "doc_title": title,
        "header_unit": header_unit,
        "header_contact": printing.clip(contact, 300),
        "orientation": "landscape",
        "issued_on": long_date(issued.issued_at.date()),
        "code": issued.code,
        "emblem": emblem.for_print(),
    }


def _slug(value: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in value).strip("-").lower()[:60] or "dokumen"


# --- recaps ------------------------------------------------------------------------------


class _SectionView:
    """A recap section as the template prints it."""

    def __init__(self, section: recaps.Section, signed: bool = False):
        rows = recaps.labelled_rows(section)
        self.unit_name = section.name
        self.chunks = paginate(rows, TAIL_POINTS if signed else 0.0)
        self.totals = recaps.unit_counts_by_predikat(section)
        self.states = recaps.period_state_counts(section)
        self.count = section.count
        self.approved = section.approved
        self.unrated = section.count - section.rated
        self.completion = section.completion
        self.org_rating = recaps.org_label(section.org_rating)
        violations = section.violations()
        self.curve_ok = None if violations is None else not violations
        self.violations = [v.message for v in violations or []]

    def share(self, count: int) -> str:
        if not self.count:
            return "0"
        return number((Decimal(count * 100) / self.count).quantize(Decimal("0.1")), 1)


def _row_points(row: dict) -> float:
    lines = max(-(-len(str(row[key])) // chars) for key, chars in _COLUMN_CHARS.items())
    return max(lines, 1) * LINE_POINTS + ROW_PADDING


def paginate(rows: list[dict], reserve: float = 0.0) -> list[list[dict]]:
    """Rows cut into page-sized tables by estimated height (the first page holds less).

    Tables that fit their page are never split, so each page shows its header once and
    no row is cut. An underestimate only makes xhtml2pdf split the table (repeating the
    header); it never loses a row. Without `reserve` points left under the last table,
    its last KEEP_ROWS rows move to a page of their own (with the signature).
    """
    pages: list[list[dict]] = []
    current: list[dict] = []
    room = FIRST_PAGE_POINTS - HEADER_POINTS
    for row in rows:
        height = _row_points(row)
        if current and (height > room or len(current) >= MAX_ROWS_PER_TABLE):
            pages.append(current)
            current, room = [], PAGE_POINTS - HEADER_POINTS
        current.append(row)
        room -= height
    if current and room < reserve and len(current) > KEEP_ROWS:
        pages.append(current[:-KEEP_ROWS])
        current = current[-KEEP_ROWS:]
    if current:
        pages.append(current)
    return pages


class _Grand:
    def __init__(self, sections: list[recaps.Section]):
        self.totals = [
            (p.label, sum(s.predikat_counts.get(p.value, 0) for s in sections)) for p in Predikat
        ]
        self.count = sum(s.count for s in sections)
        approved = sum(s.approved for s in sections)
        self.unrated = self.count - sum(s.rated for s in sections)
        self.completion = (
            (Decimal(approved * 100) / self.count).quantize(Decimal("0.1")) if self.count else 0
        )


def recap_title(recap: recaps.Recap) -> str:
    if recap.regency:
        return _("REGENCY-WIDE PERFORMANCE RECAP OF CIVIL SERVANTS")
    return _("PERFORMANCE RECAP OF CIVIL SERVANTS")


def recap_spec(period: EvaluationPeriod, unit_id: int | None, lang: str) -> Spec:
    """The spec of a unit recap (or, with `unit_id` None, the regency recap)."""
    recap = recaps.load(period, unit_id)
    kind = RECAP_REGENCY if unit_id is None else RECAP_UNIT
    subject = f"recap:{period.id}:{unit_id or 'all'}"

    def build(issued: IssuedDocument) -> bytes:
        with force_locale(lang):
            return _build_recap(recap, issued, lang)

    code = recap.sections[0].code if unit_id is not None and recap.sections else "kabupaten"
    return Spec(
        kind=kind, subject_key=subject, lang=lang, payload=recap.payload(),
        period_id=period.id, unit_id=unit_id, build=build,
        filename=f"rekap-{_slug(code)}-{_slug(period.name)}.pdf",
    )  # fmt: skip


def _build_recap(recap: recaps.Recap, issued: IssuedDocument, lang: str) -> bytes:
    title = recap_title(recap)
    period = _period_context(recap.period)
    signatory = recap.signatory
    place = signatory.place if signatory else recaps.DEFAULT_PLACE
    common = {"period": period, "place": place}
    if not recap.regency:
        section = recap.sections[0]
        contact = letterhead(db.session.get(Unit, section.unit_id))
        context = {
            **_base_context(lang, title, section.name, issued, contact), **common,
            "section": _SectionView(section, signed=True), "summary_page": False,
            "signatory": signatory, "sign": True, "keep_rows": KEEP_ROWS,
        }  # fmt: skip
        parts = [printing.render("recap.html", context)]
        return printing.finish(parts, _stamp(issued), title=title)
    # Regency-wide: an overview with the signature, then one section per unit, each
    # rendered on its own, merged, and numbered after merging.
    hr_unit = _("Human resources agency (BKPSDM)")
    printed = [s for s in recap.sections if s.rows]
    cover = {
        **_base_context(lang, title, hr_unit, issued), **common,
        "sections": [_SectionView(s) for s in recap.sections],
        "predikat_labels": [p.label for p in Predikat], "grand": _Grand(recap.sections),
        "signatory": signatory, "sign": True,
    }  # fmt: skip
    parts = [printing.render("regency_cover.html", cover)]
    printing.report_parts(len(parts))
    # The sections hold the thousands of rows: reportlab lays them out directly (about
    # 7 ms a row less than xhtml2pdf), in the same layout (app.printing.platypus).
    emblem_png = emblem.current()
    for section in printed:
        parts.append(section_pdf(_section_page(section, title, period, emblem_png)))
        printing.report_parts(len(parts))
    titles = []
    for name, part in zip([hr_unit] + [s.name for s in printed], parts, strict=True):
        titles.extend([name] * printing.page_count(part))
    return printing.finish(parts, _stamp(issued, titles), title=title)


def _section_page(section, title: str, period: dict, emblem_png) -> SectionPage:
    """A regency recap section as `app.printing.platypus` lays it out (translated text)."""
    view = _SectionView(section)
    if view.curve_ok is None:
        curve = (_("not checked (no organisational rating)"), "muted")
    elif view.curve_ok:
        curve = (_("meets the rule"), "ok")
    else:
        curve = ("\n– ".join([_("does not meet the rule"), *map(str, view.violations)]), "bad")
    completion = percent(view.completion)
    head = [_("No."), _("NIP"), _("Name"), _("Grade"), _("Position"), _("Work results"),
            _("Work behaviour"), _("Performance rating"), _("Status")]  # fmt: skip
    labels = {
        "unrated": _("Not yet rated"), "total": _("Total"), "rating": _("Performance rating"),
        "employees": _("Employees"), "status": _("Status"), "completion": _("Completion"),
        "totals": _("Totals per performance rating"), "summary": _("Summary"),
        "progress": _("Progress"),
    }  # fmt: skip
    shares = [(label, str(count), view.share(count)) for label, count in view.totals]
    return SectionPage(
        title=title,
        kop=Kop(_("MAMUJU REGENCY GOVERNMENT"), section.name, emblem=emblem_png,
                emblem_box=emblem.BOX_POINTS),
        labels=labels, head=head,
        info=[(_("Unit"), section.name),
              (_("Period"), f"{period['name']} ({period['start']} – {period['end']})")],
        rows=recaps.labelled_rows(section), totals=view.totals, unrated=view.unrated,
        count=view.count,
        after_totals=[
            (_("Organisational rating"), view.org_rating or _("not set"), ""),
            (_("Distribution curve"), *curve),
            (_("Completion"), f"{view.approved} / {view.count} ({completion})", ""),
        ],
        summary=[*shares, (_("Not yet rated"), str(view.unrated), view.share(view.unrated)),
                 (_("Total"), str(view.count), "100")],
        states=[(label, str(count)) for label, count in view.states],
        completion=completion,
    )  # fmt: skip


# --- submissions ---------------------------------------------------------------------------


def _person(employee) -> dict:
    if employee is None:
        return {"name": "", "nip": "", "pangkat": "", "jabatan": "", "unit": ""}
    pangkat = employee.pangkat
    grade = f"{pangkat}, {employee.golongan}" if pangkat else employee.golongan
    return {
        "name": employee.name,
        "nip": employee.nip,
        "pangkat": grade,
        "jabatan": employee.jabatan,
        "unit": employee.unit.name if employee.unit else "",
    }


def _supported_texts(codes: set[str], lang: str) -> dict[str, str]:
    """The text of the leader's results (RHK pimpinan / IKU) that indicators name by code."""
    texts = {}
    for iku in db.session.scalars(select(Iku).where(Iku.code.in_(codes))) if codes else ():
        version = iku.form.latest_version if iku.form else None
        fields = parse_definition(version.definition).fields if version else []
        for field in fields:
            if field.key == iku.key:
                rhk = field.indicator.rhk if field.indicator else None
                texts[iku.code] = text(rhk, lang) if rhk else text(field.label, lang)
    return texts


def _results(submission: Submission, lang: str) -> list[dict]:
    """Per-indicator results of every form, grouped later by Utama/Tambahan."""
    rules = parse_rules(submission.template_version.definition.get("rules"))
    comments = submission.comments or {}
    planned = skp_targets.rhk_texts(submission)  # the agreed SKP's RHK, when it gives targets
    rows = []
    for version, _weight in form_versions(submission.template_version):
        schema = skp_targets.schema(submission, version.definition)
        answers = (submission.answers or {}).get(str(version.id)) or {}
        values = evaluate(schema, answers, partial=True, lang=lang).values
        results = indicator_breakdown(schema, values, rules.cap, lang)
        supported = _supported_texts({r.parent for r in results if r.parent}, lang)
        for result in results:
            unit = f" {result.unit}" if result.unit else ""
            realisation, achieved = result.realisation, result.achievement
            parent = supported.get(result.parent, result.parent or "")
            rhk, parent = planned.get(result.key, (result.rhk, parent))
            rows.append({
                "group": result.group.value,
                "parent": printing.clip(parent),
                "rhk": printing.clip(rhk),
                "indicator": printing.clip(result.label),
                "aspect": result.aspect.value,
                "target": number(result.target) + unit,
                "realisation": "" if realisation is None else number(realisation) + unit,
                "achievement": "" if achieved is None else number(achieved),
                "comment": printing.clip(comments.get(f"{version.id}:{result.key}", "")),
            })  # fmt: skip
    return rows


def _tables(submission: Submission, lang: str) -> list[dict]:
    """The rows of every relevant repeat group, as printed text (title, columns, rows)."""
    tables = []
    versions = form_versions(submission.template_version)
    for version, _weight in versions:
        schema = parse_definition(version.definition)
        answers = (submission.answers or {}).get(str(version.id)) or {}
        result = evaluate(schema, answers, partial=True, lang=lang)
        for group in groups(schema):
            if not result.relevant.get(group.key, True):
                continue
            title = text(group.label, lang)
            if len(versions) > 1:
                title = f"{text(schema.title, lang)} · {title}"
            tables.append({
                "title": printing.clip(title),
                "columns": [printing.clip(text(c.label, lang)) for c in group.fields],
                "rows": [
                    [printing.clip(display(row.get(c.key), c, lang)) for c in group.fields]
                    for row in result.values.get(group.key) or []
                ],
            })  # fmt: skip
    return tables


def _behaviour(submission: Submission) -> list[dict]:
    values = db.session.scalars(select(BehaviourValue).order_by(BehaviourValue.position))
    stored = submission.behaviour or {}
    rows = []
    for value in values:
        entry = stored.get(value.code) or {}
        rows.append({
            "code": value.code, "name": value.name, "behaviours": value.behaviour_list,
            "rating": entry.get("rating"),
            "expectation": printing.clip(entry.get("expectation") or ""),
            "feedback": printing.clip(entry.get("feedback") or ""),
        })  # fmt: skip
    return rows


def submission_spec(submission: Submission, kind: str, lang: str) -> Spec:
    """The spec of a submission's evaluation document or filled form."""
    if kind not in (EVALUATION, FORM):
        raise DocumentUnavailable("unknown document type")
    if kind == EVALUATION and submission.state != SubmissionState.APPROVED.value:
        raise DocumentUnavailable(str(_l("The evaluation document exists once it is approved.")))
    employee, evaluator = submission.employee, submission.evaluator
    supervisor = evaluator.supervisor if evaluator is not None else None
    org = db.session.scalar(
        select(UnitRating.rating).where(
            UnitRating.unit_id == submission.unit_id, UnitRating.period_id == submission.period_id
        )
    )
    signer = recaps.signatory_of(submission.unit_id)
    payload = {
        "submission": [submission.id, submission.state, submission.lock_version,
                       submission.achievement, submission.hasil_rating,
                       submission.perilaku_rating, submission.final_predikat,
                       submission.approved_at, submission.feedback, submission.recommendation],
        "employee": _person(employee), "evaluator": _person(evaluator),
        "supervisor": _person(supervisor), "org_rating": org,
        "place": signer.place if signer else recaps.DEFAULT_PLACE,
        "period": [submission.period.name, submission.period.start_date,
                   submission.period.end_date],
        "unit": submission.unit.name,
    }  # fmt: skip
    counts = unit_ratings.predikat_counts(submission.period, [submission.unit_id])
    payload["distribution"] = {
        p.value: counts.get(submission.unit_id, {}).get(p, 0) for p in Predikat
    }
    payload["org_achievement"] = db.session.scalar(
        select(UnitRating.proposed_achievement).where(
            UnitRating.unit_id == submission.unit_id,
            UnitRating.period_id == submission.period_id,
        )
    )
    if letterhead(submission.unit):  # only then: earlier documents keep their hash
        payload["letterhead"] = letterhead(submission.unit)
    if submission.override_reason:  # only then: earlier documents keep their hash
        payload["override"] = [submission.proposed_hasil_rating,
                               submission.proposed_perilaku_rating,
                               submission.override_reason]  # fmt: skip
    if submission.skp_version_id:  # only then: earlier documents keep their hash
        payload["skp_version"] = submission.skp_version_id
    with force_locale(lang):
        tables = _tables(submission, lang)
    if tables:  # only then: earlier documents keep their hash
        payload["tables"] = tables
    if kind == FORM:
        payload["results"] = _results(submission, lang)
        payload["behaviour"] = _behaviour(submission)
        payload["comments"] = submission.comments or {}

    def build(issued: IssuedDocument) -> bytes:
        with force_locale(lang):
            return _build_submission(submission, kind, payload, issued, lang)

    prefix = "evaluasi" if kind == EVALUATION else "formulir"
    return Spec(
        kind=kind, subject_key=f"{kind}:{submission.id}", lang=lang, payload=payload,
        period_id=submission.period_id, unit_id=submission.unit_id,
        submission_id=submission.id, build=build,
        filename=f"{prefix}-{employee.nip}-{_slug(submission.period.name)}.pdf",
        printed={"person": mask_name(employee.name), "predikat": submission.predikat},
    )  # fmt: skip


_RULE_TEXTS = {
    "largest": lambda rule: _("most (the largest share)"),
    "at_most": lambda rule: _("at most %(n)s %%", n=rule.percent),
    "at_least": lambda rule: _("at least %(n)s %%", n=rule.percent),
    "some": lambda rule: _("at least one"),
    "none": lambda rule: _("none"),
}


def distribution_pattern(org: str | None, counts: dict[str, int]) -> list[dict]:
    """Pola distribusi: per predikat, what the unit's rating requires and the actual share."""
    total = sum(counts.values())
    rules = DISTRIBUTION_CURVE.get(OrgRating(org), ()) if org else ()
    rows = []
    for p in Predikat:
        required = []
        for rule in rules:
            if p in rule.group:
                together = [q.label for q in rule.group if q is not p]
                text = _RULE_TEXTS[rule.kind](rule)
                if together:
                    text = _("%(rule)s, together with %(others)s", rule=text,
                             others=", ".join(together))  # fmt: skip
                required.append(text)
        share = Decimal(counts.get(p.value, 0) * 100) / total if total else Decimal(0)
        rows.append({"label": p.label, "required": "; ".join(required) or "—",
                     "count": counts.get(p.value, 0), "share": share,
                     "bar": max(int(share / 4), 1) if counts.get(p.value) else 0})  # fmt: skip
    return rows


def _override(payload: dict) -> dict | None:
    """The portal's proposal and the evaluator's reason, when they rated differently."""
    from app.services.recaps import rating_label

    if "override" not in payload:
        return None
    hasil, perilaku, reason = payload["override"]
    return {
        "hasil": rating_label(hasil),
        "perilaku": rating_label(perilaku),
        "reason": printing.clip(reason),
    }


def _build_submission(submission, kind, payload, issued, lang) -> bytes:
    from app.services.recaps import org_label, predikat_label, rating_label

    if kind == EVALUATION:
        title = _("EMPLOYEE PERFORMANCE EVALUATION DOCUMENT")
        template, orientation = "evaluation.html", "portrait"
    else:
        title = _("EMPLOYEE PERFORMANCE EVALUATION FORM")
        template, orientation = "form.html", "landscape"
    context = {
        **_base_context(lang, title, submission.unit.name, issued, payload.get("letterhead", "")),
        "orientation": orientation,
        "period": _period_context(submission.period),
        "employee": payload["employee"], "evaluator": payload["evaluator"],
        "supervisor": payload["supervisor"],
        "org_rating": org_label(payload["org_rating"]),
        "achievement": submission.achievement,
        "hasil": rating_label(submission.hasil_rating),
        "perilaku": rating_label(submission.perilaku_rating),
        "predikat": predikat_label(submission.final_predikat),
        "state": recaps.state_label(submission.state),
        "approved": submission.state == SubmissionState.APPROVED.value,
        "feedback": printing.clip(submission.feedback or ""),
        "recommendation": printing.clip(submission.recommendation or ""),
        "place": payload["place"],
        "override": _override(payload),
        "org_achievement": payload.get("org_achievement"),
        "pattern": distribution_pattern(payload["org_rating"], payload.get("distribution", {})),
        "targets_notice": skp_targets.notice(submission),
        "tables": payload.get("tables", []),
    }  # fmt: skip
    if kind == FORM:
        aspects = {
            "kuantitas": _("Quantity"), "kualitas": _("Quality"), "waktu": _("Time"),
            "biaya": _("Cost"),
        }  # fmt: skip
        groups = []
        for key, label in (("utama", _("A. Main")), ("tambahan", _("B. Additional"))):
            rows = [dict(r, aspect=aspects.get(r["aspect"], r["aspect"]))
                    for r in payload["results"] if r["group"] == key]  # fmt: skip
            groups.append({"label": label, "rows": rows})
        context["groups"] = groups
        context["behaviour"] = [
            dict(b, rating=rating_label(b["rating"])) for b in payload["behaviour"]
        ]
        context["form_titles"] = [
            text(v.definition.get("title"), lang)
            for v, _w in form_versions(submission.template_version)
        ]
    pdf = printing.render(template, context)
    return printing.finish([pdf], _stamp(issued), title=title)


# --- downloads (shared by the web views and the API) ---------------------------------------

FORMATS = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "tables": "application/zip",  # one CSV per table (repeat group) of the forms
}


@dataclass(frozen=True)
class Download:
    content: bytes
    filename: str
    mimetype: str
    code: str | None = None
    cached: bool = False

    def send(self):
        """The download as a private response; an issued document's code in its headers."""
        response = storage.send_private(self.content, self.filename, self.mimetype)
        if self.code:
            response.headers["X-Document-Code"] = self.code
            response.headers["X-Document-Cache"] = "hit" if self.cached else "miss"
        return response


def recap_download(scope, period_id: int, unit_id: int | None, fmt: str, lang: str,
                   user_id: int | None) -> Download:  # fmt: skip
    """A recap in `fmt` for `scope`: raises `recaps.RecapRefused`, LookupError, ValueError."""
    from app.services import exports

    if fmt not in FORMATS:
        raise ValueError("format must be pdf, xlsx, csv or tables")
    recaps.check_access(scope, unit_id)
    period = db.session.get(EvaluationPeriod, period_id)
    if period is None:
        raise LookupError("no such period")
    if fmt == "pdf":
        spec = recap_spec(period, unit_id, lang)
        pdf, issued, cached = obtain(spec, user_id)
        return Download(pdf, spec.filename, FORMATS["pdf"], issued.code, cached)
    recap = recaps.load(period, unit_id)
    code = recap.sections[0].code if unit_id is not None and recap.sections else "kabupaten"
    made = {"xlsx": exports.to_xlsx, "csv": exports.to_csv, "tables": exports.tables_zip}
    suffix = "-tabel.zip" if fmt == "tables" else f".{fmt}"
    name = f"rekap-{_slug(code)}-{_slug(period.name)}{suffix}"
    return Download(made[fmt](recap), name, FORMATS[fmt])


def submission_download(submission: Submission, kind: str, lang: str, user_id) -> Download:
    """The PDF of a submission's document; the caller has checked the scope."""
    spec = submission_spec(submission, kind, lang)
    pdf, issued, cached = obtain(spec, user_id)
    return Download(pdf, spec.filename, FORMATS["pdf"], issued.code, cached)
