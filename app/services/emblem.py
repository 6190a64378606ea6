"""The regency's emblem (lambang daerah) printed on the letterhead (kop) of every document.

HR uploads it once; it is stored as ``settings/emblem.png`` (`app.storage`). Only PNG is taken:
checked by content (signature, decodable by Pillow, at most `MAX_BYTES` and
`MAX_SIDE` pixels a side) and stored re-encoded, so nothing but pixels reaches the
printer. SVG is refused: xhtml2pdf does not render it reliably and an SVG can carry
scripts and references to other files. The printer gets the emblem as a ``data:``
URI, so the print resource policy still reads nothing but its own assets.
"""

from __future__ import annotations

import base64
import hashlib
import io

from app import storage
from app.i18n import lazy_gettext as _l
from app.services import ValidationFailed

MAX_BYTES = 1024 * 1024
MAX_SIDE = 2000
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
FIELD = "emblem"
BOX_POINTS = 46.0  # the emblem's square on the letterhead, about 1.6 cm
KEY = "settings/emblem.png"


def _refuse(message) -> ValidationFailed:
    return ValidationFailed({FIELD: [str(message)]})


def _looks_like_svg(content: bytes, filename: str) -> bool:
    head = content[:1024].lstrip().lower()
    return filename.lower().endswith((".svg", ".svgz")) or head.startswith((b"<?xml", b"<svg"))


def checked_png(content: bytes, filename: str = "") -> bytes:
    """The emblem as a clean PNG, or `ValidationFailed` saying what is wrong with the file."""
    from PIL import Image, UnidentifiedImageError

    if not content:
        raise _refuse(_l("Choose a PNG file."))
    if _looks_like_svg(content, filename):
        raise _refuse(_l("SVG cannot be printed safely: upload the emblem as a PNG image."))
    if len(content) > MAX_BYTES:
        raise _refuse(_l("The emblem may be at most 1 MB."))
    if not content.startswith(PNG_SIGNATURE):
        raise _refuse(_l("The file is not a PNG image."))
    try:
        with Image.open(io.BytesIO(content), formats=["PNG"]) as image:
            width, height = image.size  # from the header, before decoding
            if width > MAX_SIDE or height > MAX_SIDE:
                raise _refuse(
                    _l("The emblem may be at most %(side)d × %(side)d pixels.", side=MAX_SIDE)
                )
            image.load()
            clean = image.convert("RGBA")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise _refuse(_l("The file is not a PNG image.")) from None
    out = io.BytesIO()
    clean.save(out, format="PNG", optimize=True)
    return out.getvalue()


def save(content: bytes, filename: str = "") -> None:
    """Check and store the emblem, replacing the previous one."""
    storage.current().put(KEY, checked_png(content, filename))


def remove() -> None:
    """Print documents without an emblem from now on."""
    storage.current().delete(KEY)


def current() -> bytes | None:
    return storage.current().get(KEY)


def digest() -> str:
    """A short fingerprint of the stored emblem ("" without one), for the document cache."""
    content = current()
    return hashlib.sha256(content).hexdigest()[:16] if content else ""


def for_print(box: float = BOX_POINTS) -> dict | None:
    """The emblem for the print templates: a ``data:`` URI and its size fitted in `box` pt."""
    from PIL import Image

    content = current()
    if not content:
        return None
    with Image.open(io.BytesIO(content), formats=["PNG"]) as image:
        width, height = image.size
    scale = box / max(width, height)
    return {
        "src": "data:image/png;base64," + base64.b64encode(content).decode(),
        "width": f"{width * scale:.1f}pt",
        "height": f"{height * scale:.1f}pt",
    }
