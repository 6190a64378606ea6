"""Published example indicator forms for several units, as their admins would write them."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from app.models import IndicatorForm, Unit
from app.scope import Scope
from app.security import HR
from app.services import forms as form_service

FORMS_DIR = Path(__file__).parent / "forms"
_SEED_SCOPE = Scope(user_id=None, roles=frozenset({HR}))


def load_demo_forms(session) -> list[str]:
    """Import and publish every form in `seeds/forms/` once; returns the codes published."""
    published = []
    for path in sorted(FORMS_DIR.glob("*.json")):
        spec = json.loads(path.read_text(encoding="utf-8"))
        unit = session.scalar(select(Unit).where(Unit.code == spec["unit"]))
        if unit is None:
            continue
        code = spec["definition"]["code"]
        form = session.scalar(
            select(IndicatorForm).where(
                IndicatorForm.unit_id == unit.id, IndicatorForm.code == code
            )
        )
        if form is not None:  # the unit's own now, draft or published: left as it is
            continue
        form = form_service.import_definition(spec["definition"], unit.id, _SEED_SCOPE)
        form.shared = bool(spec.get("shared"))  # readable and copyable by every unit
        form_service.publish(form)
        published.append(code)
    return published
