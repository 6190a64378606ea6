"""Recap PDFs at regency scale: rows/second, seconds, peak memory, ratio to plain reportlab.

    .venv/bin/python bench/recap_pdf.py [N]      (N synthetic employees, default 6000)

Measures, in one run and on the same data:
- a unit recap of 300 rows (target: about a second);
- the regency-wide recap of every synthetic employee (target: at most 4 times the time
  plain reportlab needs to lay out the same table, peak memory under 500 MB);
- plain reportlab: the same rows, columns, font and page size, as one
  `Table(repeatRows=1)` of plain strings ("rl", the strict baseline of the ratio), and
  of `Paragraph` cells that wrap like the printed recap ("rl-para");
- serving the regency recap again from the cache.
The regency recap's cover is xhtml2pdf, its unit sections reportlab platypus
(`app.printing.platypus`), all in this process.
"""

from __future__ import annotations

import io
import resource
import sys
import time
from pathlib import Path
from xml.sax.saxutils import escape

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _peak_mb() -> float:
    """Peak resident memory of this process, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reportlab_baseline(rows: list[dict], paragraphs: bool = False) -> float:
    """Seconds plain reportlab takes to lay out the same table (one table, header repeated).

    Plain strings (the strict baseline: no wrapping), or with `paragraphs` every cell a
    `Paragraph`, which wraps long names and positions as the printed recap does.
    """
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    from app.printing import _register_font
    from app.services.exports import _columns, _values

    font = _register_font()
    data = [_columns()] + [[str(v) for v in _values(row)] for row in rows]
    started = time.perf_counter()
    if paragraphs:
        style = ParagraphStyle("cell", fontName=font, fontSize=8, leading=9.6)
        data = [[Paragraph(escape(cell), style) for cell in row] for row in data]
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=landscape(A4), leftMargin=37, rightMargin=37,
                            topMargin=88, bottomMargin=65)  # fmt: skip
    table = Table(data, repeatRows=1, colWidths=[30, 110, 140, 40, 130, 80, 80, 80, 70])
    table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), font, 8),
                               ("GRID", (0, 0), (-1, -1), 0.5, "black"),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))  # fmt: skip
    doc.build([table])
    return time.perf_counter() - started


def main(employees: int) -> None:
    from app.extensions import db
    from app.models import EvaluationPeriod, IssuedDocument
    from app.printing import page_count
    from app.services import documents as docs
    from app.services import recaps
    from bench._setup import bench_app, select

    app = bench_app(employees)
    with app.test_request_context("/"):
        period = db.session.scalar(
            select(EvaluationPeriod).where(EvaluationPeriod.name == "Triwulan I 2025")
        )
        started = time.perf_counter()
        regency = recaps.load(period, None)
        load_s = time.perf_counter() - started
        all_rows = [r for s in regency.sections for r in recaps.labelled_rows(s)]
        print(f"data: {regency.rows} rows in {len(regency.sections)} units, "
              f"loaded in {load_s:.2f} s (5 queries)")  # fmt: skip
        issued = IssuedDocument(code="KM-BENC-HBEN-CHBE-NCHB-ENCH", issued_at=docs._now())

        # 1. A unit recap of 300 rows (rows of several units put into one section).
        big = recaps.Section(0, "BENCH", "Unit uji 300 baris")
        for section in regency.sections:
            big.rows.extend(section.rows)
        big.rows = big.rows[:300]
        big.state_counts = {"approved": len(big.rows)}
        unit = recaps.Recap(period, [big], regency.signatory, regency=False)
        results = []
        for label, recap, rows in (("unit recap", unit, all_rows[:300]),
                                   ("regency recap", regency, all_rows)):  # fmt: skip
            baseline = reportlab_baseline(rows)
            wrapped = reportlab_baseline(rows, paragraphs=True)
            started = time.perf_counter()
            pdf = docs._build_recap(recap, issued, "id")
            seconds = time.perf_counter() - started
            results.append(
                (label, len(rows), seconds, baseline, wrapped, page_count(pdf), _peak_mb())
            )
        print(f"{'document':<14} {'rows':>6} {'pages':>5} {'seconds':>8} {'rows/s':>7} "
              f"{'rl s':>6} {'ratio':>6} {'rl-para s':>9} {'ratio':>6} {'peak MB':>8}")  # fmt: skip
        for label, rows, secs, base, para, pages, peak in results:
            print(f"{label:<14} {rows:>6} {pages:>5} {secs:>8.2f} {rows / secs:>7.0f} "
                  f"{base:>6.2f} {secs / base:>6.1f} {para:>9.2f} {secs / para:>6.1f} "
                  f"{peak:>8.0f}")  # fmt: skip

        # 3. Served again: the cache (STORAGE_DIR/documents/<hash>.pdf).
        spec = docs.recap_spec(period, None, "id")
        started = time.perf_counter()
        docs.obtain(spec, None)
        first = time.perf_counter() - started
        started = time.perf_counter()
        spec = docs.recap_spec(period, None, "id")
        _pdf, _issued, cached = docs.obtain(spec, None)
        again = time.perf_counter() - started
        print(f"regency recap via obtain(): first {first:.2f} s, again {again:.2f} s "
              f"(cached={cached}, includes loading and hashing the data)")  # fmt: skip


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 6000)
