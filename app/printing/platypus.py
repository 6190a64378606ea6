"""The regency recap's unit sections laid out with reportlab platypus directly.

xhtml2pdf costs about 7 ms per table row (it builds a CSS box per cell); the regency
recap's thousands of rows are laid out here as reportlab tables of plain strings,
wrapped with the font's metrics, in the official layout of ``_base.html`` and
``recap.html``: A4 landscape, the letterhead (kop: emblem, regency, unit, rule) on
every page, the table header repeated on every page, rows never split, then the
section's totals and its summary page. Page numbers, the document code and its QR are
stamped afterwards by `app.printing.finish`, as for every document.

Every text is drawn as a plain string or escaped before a `Paragraph` reads it, so user
text never becomes markup.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from app.printing import FONT_DIR, FONT_FILES

FONT, BOLD = "KinerjaSans", "KinerjaSans-Bold"
CM = 28.3465
PAGE_MARGINS = (3.1 * CM, 1.3 * CM, 2.3 * CM, 1.3 * CM)  # top, right, bottom, left
SIZE, LEADING = 8.0, 9.6
GREY = "#e6e6e6"
#: The rows table's columns (key, share of the width, alignment), as in recap.html.
COLUMNS = (("no", 4, "RIGHT"), ("nip", 13, "LEFT"), ("name", 19, "LEFT"),
           ("golongan", 5, "CENTER"), ("jabatan", 19, "LEFT"), ("hasil", 10, "LEFT"),
           ("perilaku", 10, "LEFT"), ("predikat", 10, "LEFT"), ("state", 10, "LEFT"))  # fmt: skip
PAD_X, PAD_TOP, PAD_BOTTOM = 2.0, 2.0, 1.0


@dataclass
class Kop:
    """The letterhead of every page: regency, unit and contact lines, emblem (PNG) left."""

    regency: str
    unit: str
    contact: str = ""
    emblem: bytes | None = None
    emblem_box: float = 46.0


@dataclass
class SectionPage:
    """One unit's section: the title block, the rows, the totals and the summary page.

    `labels` holds the translated captions (keys as used below); `head` the rows table's
    column headings; `info` the (caption, value) lines under the title and under the
    totals; `totals` and `states` (label, count) pairs, `shares` the percentages.
    """

    title: str
    kop: Kop
    labels: dict[str, str]
    head: list[str]
    info: list[tuple[str, str]]
    rows: list[dict]
    totals: list[tuple[str, int]]
    unrated: int
    count: int
    after_totals: list[tuple[str, str, str]] = field(default_factory=list)  # caption, text, tone
    summary: list[tuple[str, str, str]] = field(default_factory=list)  # label, count, share
    states: list[tuple[str, str]] = field(default_factory=list)
    completion: str = ""


def _fonts() -> None:
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if BOLD in pdfmetrics.getRegisteredFontNames():
        return
    pdfmetrics.registerFont(TTFont(FONT, str(FONT_DIR / FONT_FILES["regular"])))
    pdfmetrics.registerFont(TTFont(BOLD, str(FONT_DIR / FONT_FILES["bold"])))
    addMapping(FONT, 0, 0, FONT)
    addMapping(FONT, 1, 0, BOLD)
    addMapping(FONT, 0, 1, FONT)
    addMapping(FONT, 1, 1, BOLD)


def _wrap(text, width: float, font: str = FONT) -> str:
    """`text` broken into lines that fit `width` points (a Table draws "\\n" as new lines)."""
    from reportlab.lib.utils import simpleSplit

    value = "" if text is None else str(text)
    if not value:
        return ""
    return "\n".join(simpleSplit(value, font, SIZE, width - 2 * PAD_X) or [""])


def _styles():
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.styles import ParagraphStyle

    return {
        "h1": ParagraphStyle("h1", fontName=BOLD, fontSize=11, leading=13.2,
                             alignment=TA_CENTER, spaceAfter=4),
        "h2": ParagraphStyle("h2", fontName=BOLD, fontSize=9.5, leading=11.4,
                             spaceBefore=8, spaceAfter=3),
        "cell": ParagraphStyle("cell", fontName=FONT, fontSize=SIZE, leading=LEADING),
    }  # fmt: skip


def _grid(data, widths, header_rows: int = 1, align: str = "CENTER", bold_last: bool = False):
    from reportlab.platypus import Table, TableStyle

    style = [
        ("FONT", (0, 0), (-1, -1), FONT, SIZE, LEADING),
        ("GRID", (0, 0), (-1, -1), 0.5, "black"),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("ALIGN", (0, header_rows), (-1, -1), align),
        ("LEFTPADDING", (0, 0), (-1, -1), PAD_X),
        ("RIGHTPADDING", (0, 0), (-1, -1), PAD_X),
        ("TOPPADDING", (0, 0), (-1, -1), PAD_TOP),
        ("BOTTOMPADDING", (0, 0), (-1, -1), PAD_BOTTOM),
    ]
    if header_rows:
        style += [
            ("FONT", (0, 0), (-1, header_rows - 1), BOLD, SIZE, LEADING),
            ("BACKGROUND", (0, 0), (-1, header_rows - 1), GREY),
            ("ALIGN", (0, 0), (-1, header_rows - 1), "CENTER"),
            ("VALIGN", (0, 0), (-1, header_rows - 1), "MIDDLE"),
        ]
    if bold_last:
        style.append(("FONT", (0, -1), (-1, -1), BOLD, SIZE, LEADING))
    return Table(data, colWidths=widths, repeatRows=header_rows, style=TableStyle(style),
                 hAlign="LEFT")  # fmt: skip


def _plain(lines: list[tuple[str, str]], width: float, caption_share: float, styles):
    """A borderless two-column block: "caption : value" lines (value may be a Paragraph)."""
    from reportlab.platypus import Table, TableStyle

    caption = width * caption_share
    data = [[_wrap(c, caption), v if not isinstance(v, str) else _wrap(f": {v}", width - caption)]
            for c, v in lines]  # fmt: skip
    style = TableStyle([
        ("FONT", (0, 0), (-1, -1), FONT, SIZE, LEADING), ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 2), ("RIGHTPADDING", (0, 0), (-1, -1), 2),
        ("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
    ])  # fmt: skip
    return Table(data, colWidths=[caption, width - caption], style=style, hAlign="LEFT")


_TONES = {"ok": "#1b5e20", "bad": "#b71c1c", "muted": "#555555"}


def _toned(text: str, tone: str, styles):
    """A value in the colour of its tone (ok, bad, muted), escaped."""
    from reportlab.platypus import Paragraph

    body = escape(text).replace("\n", "<br/>")
    if tone in _TONES:
        weight = (" ", "") if tone == "muted" else ("<b>", "</b>")
        body = f'<font color="{_TONES[tone]}">{weight[0]}{body}{weight[1]}</font>'
    return Paragraph(f": {body}", styles["cell"])


def _story(page: SectionPage, width: float) -> list:
    from reportlab.platypus import PageBreak, Paragraph, Spacer

    styles, labels = _styles(), page.labels
    widths = [width * share / 100 for _key, share, _align in COLUMNS]
    head = [_wrap(text, w, BOLD) for text, w in zip(page.head, widths, strict=True)]
    body = [[_wrap(row[key], w) for (key, _s, _a), w in zip(COLUMNS, widths, strict=True)]
            for row in page.rows]  # fmt: skip
    rows = _grid([head, *body], widths, align="LEFT")
    for index, (_key, _share, align) in enumerate(COLUMNS):
        if align != "LEFT":
            rows.setStyle([("ALIGN", (index, 1), (index, -1), align)])
    totals_head = [label for label, _count in page.totals] + [labels["unrated"], labels["total"]]
    cells = [str(count) for _label, count in page.totals] + [str(page.unrated), str(page.count)]
    totals_width = width / len(totals_head)  # `table.grid` is the full width, as in HTML
    totals = _grid(
        [[_wrap(t, totals_width, BOLD) for t in totals_head], cells], [totals_width] * len(cells)
    )
    totals.setStyle([("FONT", (-1, 1), (-1, 1), BOLD, SIZE, LEADING)])
    after = [(c, _toned(text, tone, styles)) for c, text, tone in page.after_totals]
    summary_widths = [width * 0.6, width * 0.2, width * 0.2]
    summary = _grid(
        [[labels["rating"], labels["employees"], "%"], *[list(r) for r in page.summary]],
        summary_widths, align="RIGHT", bold_last=True,
    )  # fmt: skip
    summary.setStyle([("ALIGN", (0, 1), (0, -1), "LEFT")])
    states = _grid(
        [[labels["status"], labels["employees"]], *[list(r) for r in page.states],
         [labels["completion"], page.completion]],
        [width * 0.6, width * 0.4], align="RIGHT", bold_last=True,
    )  # fmt: skip
    states.setStyle([("ALIGN", (0, 1), (0, -1), "LEFT")])
    return [
        Paragraph(escape(page.title), styles["h1"]),
        _plain(page.info, width * 0.6, 0.3, styles),
        Spacer(0, 4),
        rows,
        Paragraph(escape(labels["totals"]), styles["h2"]),
        totals,
        Spacer(0, 6),
        _plain(after, width, 0.28, styles),
        PageBreak(),
        Paragraph(escape(f"{labels['summary']} — {page.kop.unit}"), styles["h1"]),
        summary,
        Paragraph(escape(labels["progress"]), styles["h2"]),
        states,
    ]


def _draw_kop(canvas, kop: Kop, page_width: float, page_height: float) -> None:
    """The letterhead in the header frame (0.8 cm from the top, 2.1 cm high)."""
    from reportlab.lib.utils import ImageReader

    left, right = PAGE_MARGINS[3], page_width - PAGE_MARGINS[1]
    top = page_height - 0.8 * CM
    middle = (left + right) / 2
    canvas.saveState()
    lines = [(BOLD, 11, kop.regency), (BOLD, 10, kop.unit), (FONT, 9, kop.contact)]
    text_height = sum(size * 1.2 for _font, size, _text in lines)
    height = max(text_height, kop.emblem_box if kop.emblem else 0)
    y = top - 2 - (height - text_height) / 2
    for font, size, text in lines:
        y -= size * 1.2
        if text:
            canvas.setFont(font, size)
            canvas.drawCentredString(middle, y + size * 0.25, text[:160])
    if kop.emblem:
        image = ImageReader(io.BytesIO(kop.emblem))
        w, h = image.getSize()
        scale = kop.emblem_box / max(w, h)
        canvas.drawImage(image, left, top - 2 - (height + h * scale) / 2, w * scale, h * scale,
                         mask="auto")  # fmt: skip
    rule = top - 2 - height - 2
    canvas.setLineWidth(1)
    canvas.line(left, rule, right, rule)
    canvas.restoreState()


def section_pdf(page: SectionPage) -> bytes:
    """The PDF of one regency recap section (unnumbered: `finish` stamps it)."""
    from reportlab import rl_config
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.platypus import SimpleDocTemplate

    _fonts()
    rl_config.useA85 = 0
    size = landscape(A4)
    top, right, bottom, left = PAGE_MARGINS
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=size, topMargin=top, rightMargin=right,
                            bottomMargin=bottom, leftMargin=left, title=page.title)  # fmt: skip

    def kop(canvas, _doc):
        _draw_kop(canvas, page.kop, *size)

    doc.build(_story(page, doc.width), onFirstPage=kop, onLaterPages=kop)
    return out.getvalue()
