"""Printed documents: HTML/CSS templates → PDF with xhtml2pdf, locked down.

`render(template, context)` renders one template of ``app/printing/templates`` to PDF
bytes. The renderer may read only the print assets (``app/printing/assets``: the
bundled DejaVu fonts) and never the network: xhtml2pdf's `ResourceAccessPolicy`
enforces that on every fetch path (images, ``<link>``, ``@import``, fonts,
backgrounds, ``<pdf:*>`` tags), which a `link_callback` cannot. User text is escaped
by the templates (autoescape) anyway.

Page numbers ("Halaman X dari Y"), the document code and its QR code are stamped on
each page *after* rendering (`finish`): xhtml2pdf then lays out the document once
instead of twice (``<pdf:pagecount>`` forces a second pass), and documents made of
separately rendered parts (the regency recap) are numbered after merging.
"""

from __future__ import annotations

import gc
import io
import logging
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import jinja2
from markupsafe import Markup

log = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).resolve().parent
ASSETS_DIR = PACKAGE_DIR / "assets"
TEMPLATES_DIR = PACKAGE_DIR / "templates"
FONT_DIR = ASSETS_DIR / "fonts"
FONT_FILES = {
    "regular": "DejaVuSansCondensed.ttf",
    "bold": "DejaVuSansCondensed-Bold.ttf",
    "italic": "DejaVuSansCondensed-Oblique.ttf",
    "bolditalic": "DejaVuSansCondensed-BoldOblique.ttf",
}
#: User text longer than this is cut on printed documents (the services store at most
#: 5,000 characters; anything longer came from elsewhere and would fill hundreds of pages).
MAX_PRINTED_TEXT = 5000


class PrintError(Exception):
    """A document could not be rendered; the message says why (translated by the caller)."""


#: Called with the number of parts rendered so far, in the caller's thread (a background
#: job's progress bar); set it with `PARTS_DONE.set(callback)`.
PARTS_DONE: ContextVar[Callable[[int], None] | None] = ContextVar("parts_done", default=None)


def report_parts(done: int) -> None:
    """Tell the `PARTS_DONE` callback, if any, how many parts are rendered."""
    callback = PARTS_DONE.get()
    if callback is not None:
        callback(done)


def resource_policy():
    """What a rendering document may read: the print assets, nothing remote."""
    from xhtml2pdf.config.resources import ResourceAccessPolicy

    return ResourceAccessPolicy.server(base_dir=ASSETS_DIR, allow_remote=False)


def font_css() -> Markup:
    """@font-face rules of the bundled font (absolute paths inside the assets dir)."""
    rules = []
    for key, name in FONT_FILES.items():
        weight = "bold" if "bold" in key else "normal"
        style = "italic" if "italic" in key else "normal"
        rules.append(
            f'@font-face {{ font-family: "Kinerja Sans"; src: url("{FONT_DIR / name}"); '
            f"font-weight: {weight}; font-style: {style}; }}"
        )
    return Markup("\n".join(rules))  # our own constant text, not user input


def clip(value, limit: int = MAX_PRINTED_TEXT) -> str:
    """User text for printing: as text, at most `limit` characters."""
    text = "" if value is None else str(value)
    return text if len(text) <= limit else text[:limit] + " […]"


# --- HTML ----------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=True,  # every template, whatever its name
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    from flask_babel import gettext, ngettext

    env.install_gettext_callables(gettext, ngettext, newstyle=True)
    env.filters["clip"] = clip
    from app.i18n import long_date, number, percent

    env.filters["long_date"] = long_date
    env.filters["number"] = number
    env.filters["percent"] = percent
    env.globals["font_css"] = font_css
    return env


def render_html(template: str, context: dict) -> str:
    """The HTML of a print template (translations of the current request's locale)."""
    return _environment().get_template(template).render(**context)


# --- PDF -----------------------------------------------------------------------------


def html_to_pdf(html: str) -> bytes:
    """PDF bytes of `html`, under the assets-only policy; `PrintError` if it fails."""
    from reportlab import rl_config
    from xhtml2pdf import pisa
    from xhtml2pdf.config.resources import RenderLimitError

    # Plain Flate streams, not ASCII85 on top: faster to write, and to stamp after merging.
    rl_config.useA85 = 0
    out = io.BytesIO()
    enabled = gc.isenabled()
    gc.disable()  # the build makes millions of short-lived objects; collection was ~20 %
    try:
        result = pisa.CreatePDF(html, dest=out, resource_policy=resource_policy())
    except RenderLimitError as exc:
        raise PrintError(f"the document is too large to print: {exc}") from exc
    except Exception as exc:  # xhtml2pdf/reportlab raise many kinds
        log.exception("PDF rendering failed")
        raise PrintError(f"the document could not be rendered: {exc}") from exc
    finally:
        if enabled:
            gc.enable()
    if result.err:
        raise PrintError("the document could not be rendered")
    return out.getvalue()


def render(template: str, context: dict) -> bytes:
    """PDF bytes of a print template (without page numbers and code: see `finish`)."""
    return html_to_pdf(render_html(template, context))


# --- stamping: page numbers, code, QR ------------------------------------------------


@dataclass(frozen=True)
class Stamp:
    """What goes on the foot of every page."""

    code: str
    verify_url: str
    page_label: Callable[[int, int], str]  # (page, pages) → "Halaman 1 dari 3"
    code_label: str  # "Kode dokumen: %s"
    running_titles: Sequence[str] | None = None  # per page, e.g. the unit of that page
    watermark: str = ""  # across every page (practice documents: "LATIHAN")


_FONT_NAME = "KinerjaSans"


def _register_font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if _FONT_NAME not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(_FONT_NAME, str(FONT_DIR / FONT_FILES["regular"])))
    return _FONT_NAME


def _overlay(sizes: list[tuple[float, float]], stamp: Stamp) -> bytes:
    import segno
    from reportlab import rl_config
    from reportlab.pdfgen import canvas

    rl_config.useA85 = 0
    font = _register_font()
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=sizes[0] if sizes else (595, 842))
    qr = segno.make(stamp.verify_url, error="m", micro=False)
    matrix = list(qr.matrix)
    module = 1.6  # pt per QR module
    side = len(matrix) * module
    pdf.beginForm("qr")
    pdf.setFillColorRGB(0, 0, 0)
    for row_index, row in enumerate(matrix):
        for col_index, dark in enumerate(row):
            if dark:
                y = side - (row_index + 1) * module
                pdf.rect(col_index * module, y, module, module, stroke=0, fill=1)
    pdf.endForm()
    total = len(sizes)
    margin = 28.0
    for index, (width, height) in enumerate(sizes, start=1):
        pdf.setPageSize((width, height))
        pdf.setFont(font, 7.5)
        pdf.drawString(margin, 22, stamp.code_label)
        pdf.drawString(margin, 13, stamp.verify_url)
        label = stamp.page_label(index, total)
        right = width - margin - side - 8
        pdf.setFont(font, 8)
        pdf.drawRightString(right, 22, label)
        if stamp.running_titles:
            pdf.setFont(font, 7.5)
            pdf.drawRightString(right, 13, stamp.running_titles[index - 1][:120])
        pdf.saveState()
        pdf.translate(width - margin - side, 8)
        pdf.doForm("qr")
        pdf.restoreState()
        if stamp.watermark:
            _draw_watermark(pdf, font, width, height, stamp.watermark)
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def _draw_watermark(pdf, font: str, width: float, height: float, text: str) -> None:
    """`text` large and pale across the page, and small at its top edge."""
    pdf.saveState()
    pdf.setFillColorRGB(0.75, 0.1, 0.1)
    pdf.setFont(font, 9)
    pdf.drawCentredString(width / 2, height - 12, text)
    pdf.setFillAlpha(0.18)
    pdf.translate(width / 2, height / 2)
    pdf.rotate(35)
    pdf.setFont(font, min(width, height) / 5)
    pdf.drawCentredString(0, 0, text)
    pdf.restoreState()


def watermark(pdf: bytes, text: str) -> bytes:
    """`pdf` with `text` across every page (documents without a code, e.g. drafts)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    sizes = [(float(p.mediabox.width), float(p.mediabox.height)) for p in writer.pages]
    overlay = PdfReader(io.BytesIO(_watermarks(sizes, text)))
    for page, mark in zip(writer.pages, overlay.pages, strict=True):
        _stamp_page(writer, page, mark)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _watermarks(sizes: list[tuple[float, float]], text: str) -> bytes:
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    pdf = canvas.Canvas(out)
    for width, height in sizes:
        pdf.setPageSize((width, height))
        _draw_watermark(pdf, _register_font(), width, height, text)
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def finish(parts: Sequence[bytes], stamp: Stamp, title: str = "") -> bytes:
    """Merge rendered parts and stamp every page with "page X of Y", the code and a QR."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for part in parts:
        writer.append(PdfReader(io.BytesIO(part)))
    pages = writer.pages
    sizes = [(float(p.mediabox.width), float(p.mediabox.height)) for p in pages]
    overlay = PdfReader(io.BytesIO(_overlay(sizes, stamp)))
    for page, stamp_page in zip(pages, overlay.pages, strict=True):
        _stamp_page(writer, page, stamp_page)
    if title:
        writer.add_metadata({"/Title": title, "/Producer": "Kinerja Mamuju"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _stamp_page(writer, page, stamp_page) -> None:
    """Draw `stamp_page` over `page` as a form XObject.

    pypdf's `merge_page` parses and rewrites the page's whole content stream (every cell
    of a table page) to rename resources; a form XObject keeps its own resources, so the
    page's content is only wrapped in q/Q and followed by one "Do".
    """
    from pypdf.generic import (
        ArrayObject,
        DecodedStreamObject,
        DictionaryObject,
        NameObject,
    )

    form = DecodedStreamObject()
    form.set_data(stamp_page.get_contents().get_data())
    form[NameObject("/Type")] = NameObject("/XObject")
    form[NameObject("/Subtype")] = NameObject("/Form")
    form[NameObject("/BBox")] = ArrayObject(stamp_page.mediabox)
    form[NameObject("/Resources")] = stamp_page["/Resources"].get_object().clone(writer)
    form_ref = writer._add_object(form)

    # Copies: a resource dictionary may be shared by several pages of a part.
    resources = DictionaryObject(page.get("/Resources", DictionaryObject()).get_object())
    xobjects = DictionaryObject(resources.get("/XObject", DictionaryObject()).get_object())
    xobjects[NameObject("/KmStamp")] = form_ref
    resources[NameObject("/XObject")] = xobjects
    page[NameObject("/Resources")] = resources

    raw = dict.get(page, "/Contents")  # unresolved: an indirect stream stays a reference
    contents = raw.get_object() if raw is not None else None
    if contents is None:
        streams = []
    elif isinstance(contents, ArrayObject):
        streams = list(contents)
    elif raw is contents:  # a direct stream (not valid PDF, but keep it)
        streams = [writer._add_object(contents)]
    else:
        streams = [raw]
    before, after = DecodedStreamObject(), DecodedStreamObject()
    before.set_data(b"q\n")
    after.set_data(b"\nQ q /KmStamp Do Q\n")
    page[NameObject("/Contents")] = ArrayObject(
        [writer._add_object(before), *streams, writer._add_object(after)]
    )


def page_count(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)
