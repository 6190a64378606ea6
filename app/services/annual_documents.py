"""The annual Dokumen Evaluasi Kinerja Pegawai (tahunan) as PDF, with code and verification."""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app import printing
from app.extensions import db
from app.i18n import number
from app.models import AnnualEvaluation
from app.services import documents as docs
from app.services import recaps
from app.services.rollup import AGGREGATION_LABELS

KIND = "annual_evaluation"
docs.KIND_LABELS.setdefault(KIND, _l("Annual employee performance evaluation document"))


def annual_spec(evaluation: AnnualEvaluation, lang: str) -> docs.Spec:
    """The printing spec of an approved annual evaluation."""
    employee, evaluator = evaluation.employee, evaluation.evaluator
    supervisor = evaluator.supervisor if evaluator is not None else None
    signer = recaps.signatory_of(evaluation.unit_id)
    payload = {
        "evaluation": [evaluation.id, evaluation.year, evaluation.achievement,
                       evaluation.hasil_rating, evaluation.perilaku_rating, evaluation.predikat,
                       evaluation.override_reason, evaluation.approved_at],
        "indicators": evaluation.indicators,
        "employee": docs._person(employee), "evaluator": docs._person(evaluator),
        "supervisor": docs._person(supervisor),
        "place": signer.place if signer else recaps.DEFAULT_PLACE,
    }  # fmt: skip

    def build(issued) -> bytes:
        with force_locale(lang):
            return _build(evaluation, payload, issued, lang)

    return docs.Spec(
        kind=KIND, subject_key=f"{KIND}:{evaluation.id}", lang=lang, payload=payload,
        unit_id=evaluation.unit_id, build=build,
        filename=f"evaluasi-tahunan-{employee.nip}-{evaluation.year}.pdf",
    )  # fmt: skip


def _rows(indicators: list[dict]) -> list[dict]:
    def num(value, unit=""):
        return "" if value is None else number(value) + (f" {unit}" if unit else "")

    labels = {key: str(label) for key, label in AGGREGATION_LABELS.items()}
    return [
        {
            "group": row["group"], "indicator": printing.clip(row["label"]),
            "aggregation": labels.get(row["aggregation"], row["aggregation"]),
            "target": num(row["target"], row["unit"]),
            "realisation": num(row["realisation"], row["unit"]),
            "achievement": num(row["achievement"]),
        }
        for row in indicators
    ]  # fmt: skip


def _build(evaluation: AnnualEvaluation, payload: dict, issued, lang: str) -> bytes:
    title = _("ANNUAL EMPLOYEE PERFORMANCE EVALUATION DOCUMENT")
    rows = _rows(evaluation.indicators)
    context = {
        **docs._base_context(lang, title, evaluation.unit.name, issued),
        "orientation": "portrait",
        "year": evaluation.year,
        "employee": payload["employee"], "evaluator": payload["evaluator"],
        "supervisor": payload["supervisor"],
        "groups": [
            {"label": _("A. Main"), "rows": [r for r in rows if r["group"] == "utama"]},
            {"label": _("B. Additional"), "rows": [r for r in rows if r["group"] != "utama"]},
        ],
        "achievement": evaluation.achievement,
        "hasil": recaps.rating_label(evaluation.hasil_rating),
        "perilaku": recaps.rating_label(evaluation.perilaku_rating),
        "predikat": recaps.predikat_label(evaluation.predikat),
        "reason": printing.clip(evaluation.override_reason or ""),
        "place": payload["place"],
    }  # fmt: skip
    pdf = printing.render("annual.html", context)
    return printing.finish([pdf], docs._stamp(issued), title=title)


def annual_download(evaluation: AnnualEvaluation, lang: str, user_id=None) -> docs.Download:
    spec = annual_spec(evaluation, lang)
    pdf, issued, cached = docs.obtain(spec, user_id)
    return docs.Download(pdf, spec.filename, docs.FORMATS["pdf"], issued.code, cached)


def current_annual_spec(issued) -> docs.Spec | None:
    """Today's spec for an issued annual document (verification), or None."""
    key = issued.subject_key.removeprefix(f"{KIND}:")
    evaluation = db.session.get(AnnualEvaluation, int(key)) if key.isdigit() else None
    return annual_spec(evaluation, issued.lang) if evaluation is not None else None
