"""Every user-facing string of the portal and the form engine has its Indonesian text."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {
    **DEFAULT_KEYWORDS, "lazy_gettext": None, "_l": None, "lazy_ngettext": (1, 2), "__": None,
}  # fmt: skip
METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.do"}}


def _extracted() -> dict[tuple, str]:
    found = {}
    for package in ("app", "forms"):
        for name, line, message, _comments, context in extract_from_dir(
            ROOT / package, METHODS, OPTIONS, KEYWORDS
        ):
            msgid = message[0] if isinstance(message, tuple) else message
            found[(context, msgid)] = f"{package}/{name}:{line}"
    return found


def test_every_message_has_an_indonesian_translation():
    with open(ROOT / "translations/id/LC_MESSAGES/messages.po", "rb") as po:
        catalog = read_po(po)
    translated = {
        (m.context, m.id[0] if isinstance(m.id, tuple) else m.id)
        for m in catalog
        if m.id and (all(m.string) if isinstance(m.string, tuple) else m.string)
    }
    missing = [
        f"{where}: {msgid!r}"
        for (context, msgid), where in sorted(_extracted().items(), key=lambda kv: kv[1])
        if (context, msgid) not in translated
    ]
    assert missing == []
