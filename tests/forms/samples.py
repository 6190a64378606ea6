"""Sample definitions shared by the form-engine tests."""

from __future__ import annotations

import copy
from typing import Any

_IMMUNISATION: dict[str, Any] = {
    "code": "DINKES-IMUNISASI",
    "title": {"id": "Capaian Imunisasi Dasar", "en": "Basic immunisation coverage"},
    "fields": [
        {
            "key": "sasaran",
            "type": "integer",
            "label": {"id": "Jumlah bayi sasaran", "en": "Target infants"},
            "required": True,
            "min": 0,
        },
        {
            "key": "diimunisasi",
            "type": "integer",
            "label": {"id": "Bayi diimunisasi lengkap"},
            "required": True,
            "min": 0,
            "constraint": "diimunisasi <= sasaran",
            "constraint_message": {"id": "Tidak boleh melebihi jumlah sasaran"},
        },
        {
            "key": "cakupan",
            "type": "percent",
            "label": {"id": "Cakupan imunisasi"},
            "calculate": "diimunisasi / sasaran * 100",
            "indicator": {
                "group": "utama",
                "aspect": "kuantitas",
                "target": 95,
                "unit": "%",
                "polarity": "higher",
                "weight": 100,
            },
        },
        {
            "key": "kendala",
            "type": "textarea",
            "label": {"id": "Kendala"},
            "relevant": "cakupan < 95",
            "required": True,
        },
    ],
}


def immunisation() -> dict[str, Any]:
    """The example definition of the interchange format (a fresh copy)."""
    return copy.deepcopy(_IMMUNISATION)


def form(*fields: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A minimal definition around ``fields``."""
    return {"code": "TEST", "title": {"id": "Uji"}, "fields": list(fields), **extra}


def field(key: str, kind: str = "integer", **properties: Any) -> dict[str, Any]:
    """A field with an Indonesian label."""
    return {"key": key, "type": kind, "label": {"id": key.title()}, **properties}


def choices(*values: str) -> list[dict[str, Any]]:
    return [{"value": value, "label": {"id": value.upper()}} for value in values]
