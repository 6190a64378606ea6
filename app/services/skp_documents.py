"""The SKP (Sasaran Kinerja Pegawai) as a PDF in the official layout.

Identity of the pegawai and the pejabat penilai, the hasil kerja table (RHK pimpinan
yang diintervensi, RHK, aspect, indicator, target; A. Utama / B. Tambahan), the perilaku
table with the ekspektasi khusus pimpinan per BerAKHLAK value, the annex (lampiran:
dukungan sumber daya, skema pertanggungjawaban, konsekuensi), place, date and both
signatures. An agreed version is an issued document with a code and QR like the others
(`app.services.documents`); any other version prints marked "DRAFT", without a code.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app import practice, printing
from app.extensions import db
from app.i18n import long_date, number
from app.models import BehaviourValue, SkpVersion
from app.models.planning import RhkKind, SkpState
from app.services import documents as docs
from app.services import recaps

KIND = "skp"
docs.KIND_LABELS.setdefault(KIND, _l("Employee performance plan (SKP)"))
OFFICIAL = (SkpState.AGREED.value, SkpState.SUPERSEDED.value)
ANNEX = (
    ("resources", _l("Resource support (dukungan sumber daya)")),
    ("accountability", _l("Accountability scheme (skema pertanggungjawaban)")),
    ("consequences", _l("Consequences (konsekuensi)")),
)


def official(version: SkpVersion) -> bool:
    """Whether the version is agreed (or agreed and later revised): an official document."""
    return version.state in OFFICIAL


def _intervened(rhk, lang: str) -> str:
    """The supervisor's RHK (or, for a unit head, the unit IKU) the RHK intervenes."""
    if rhk.parent_rhk is not None:
        return rhk.parent_rhk.title
    if rhk.iku is not None:
        label = docs._supported_texts({rhk.iku.code}, lang).get(rhk.iku.code, "")
        return f"{rhk.iku.code} — {label}" if label else rhk.iku.code
    return ""


def _results(version: SkpVersion, lang: str) -> list[dict]:
    rows = []
    for rhk in version.items:
        for indicator in rhk.indicators or [None]:
            target = ""
            if indicator is not None and indicator.target is not None:
                target = f"{number(indicator.target)} {indicator.unit_label}".strip()
            rows.append({
                "kind": rhk.kind, "key": rhk.key,
                "parent": printing.clip(_intervened(rhk, lang)),
                "rhk": printing.clip(rhk.title),
                "aspect": indicator.aspect if indicator else "",
                "indicator": printing.clip(indicator.title) if indicator else "",
                "target": target,
            })  # fmt: skip
    return rows


def _behaviour(version: SkpVersion) -> list[dict]:
    expectations = version.expectations or {}
    values = db.session.scalars(select(BehaviourValue).order_by(BehaviourValue.position))
    return [
        {"name": value.name, "behaviours": value.behaviour_list,
         "expectation": printing.clip(str(expectations.get(value.code) or ""))}
        for value in values
    ]  # fmt: skip


def payload(version: SkpVersion, lang: str) -> dict:
    """Everything the document prints (its data hash covers all of it)."""
    skp = version.skp
    employee = skp.employee
    evaluator = version.evaluator or employee.supervisor
    signer = recaps.signatory_of(skp.unit_id)
    annex = version.annex or {}
    return {
        # Not the state: an agreed version later revised (superseded) still verifies.
        "skp": [skp.id, skp.year, skp.period_kind, version.id, version.number,
                version.published_at, version.revision_reason],
        "employee": docs._person(employee), "evaluator": docs._person(evaluator),
        "results": _results(version, lang), "behaviour": _behaviour(version),
        "annex": {key: printing.clip(str(annex.get(key) or "")) for key, _label in ANNEX},
        "place": signer.place if signer else recaps.DEFAULT_PLACE,
        "unit": skp.unit.name,
    }  # fmt: skip


def _context(version: SkpVersion, data: dict, lang: str, issued=None) -> dict:
    aspects = {"kuantitas": _("Quantity"), "kualitas": _("Quality"), "waktu": _("Time"),
               "biaya": _("Cost")}  # fmt: skip
    rows = [dict(r, aspect=aspects.get(r["aspect"], r["aspect"])) for r in data["results"]]
    groups = [
        {"label": _("A. Main"), "rows": [r for r in rows if r["kind"] == RhkKind.UTAMA.value]},
        {"label": _("B. Additional"), "rows": [r for r in rows if r["kind"] != RhkKind.UTAMA]},
    ]
    skp = version.skp
    signed = version.published_at.date() if version.published_at else dt.date.today()
    title = _("EMPLOYEE PERFORMANCE PLAN (SASARAN KINERJA PEGAWAI)")
    if issued is not None:
        base = docs._base_context(lang, title, data["unit"], issued, docs.letterhead(skp.unit))
    else:
        base = {"lang": lang, "doc_title": title, "header_unit": data["unit"],
                "header_contact": docs.letterhead(skp.unit), "emblem": None}  # fmt: skip
    return {
        **base, "orientation": "landscape", "draft": issued is None,
        "year": skp.year, "start": long_date(dt.date(skp.year, 1, 1)),
        "end": long_date(dt.date(skp.year, 12, 31)), "version": version.number,
        "revision_reason": printing.clip(version.revision_reason or ""),
        "employee": data["employee"], "evaluator": data["evaluator"], "groups": groups,
        "behaviour": data["behaviour"],
        "annex": [(label, data["annex"][key]) for key, label in ANNEX],
        "place": data["place"], "date": long_date(signed),
    }  # fmt: skip


def spec(version: SkpVersion, lang: str) -> docs.Spec:
    """The printing spec of an agreed SKP version (an issued document)."""
    data = payload(version, lang)
    employee = version.skp.employee

    def build(issued) -> bytes:
        with force_locale(lang):
            context = _context(version, data, lang, issued)
            pdf = printing.render("skp.html", context)
            return printing.finish([pdf], docs._stamp(issued), title=context["doc_title"])

    return docs.Spec(
        kind=KIND, subject_key=f"{KIND}:{version.id}", lang=lang, payload=data,
        unit_id=version.skp.unit_id, build=build,
        filename=f"skp-{employee.nip}-{version.skp.year}-v{version.number}.pdf",
        printed={"person": docs.mask_name(employee.name)},
    )  # fmt: skip


def download(version: SkpVersion, lang: str, user_id=None) -> docs.Download:
    """The PDF of an SKP version: issued (code, QR) when agreed, else marked DRAFT.

    The caller has checked that the user may see the SKP.
    """
    if official(version):
        spec_ = spec(version, lang)
        pdf, issued, cached = docs.obtain(spec_, user_id)
        return docs.Download(pdf, spec_.filename, docs.FORMATS["pdf"], issued.code, cached)
    with force_locale(lang):
        context = _context(version, payload(version, lang), lang)
        pdf = printing.render("skp.html", context)
    if practice.active():
        pdf = printing.watermark(pdf, practice.watermark())
    employee = version.skp.employee
    name = f"skp-{employee.nip}-{version.skp.year}-draft.pdf"
    return docs.Download(pdf, name, docs.FORMATS["pdf"])


def current_spec(issued) -> docs.Spec | None:
    """Today's spec of an issued SKP document (verification), or None."""
    key = issued.subject_key.removeprefix(f"{KIND}:")
    version = db.session.get(SkpVersion, int(key)) if key.isdigit() else None
    return spec(version, issued.lang) if version is not None and official(version) else None
