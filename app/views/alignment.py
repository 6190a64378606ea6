"""The alignment tree page (pohon kinerja): filters, collapsible tree, XLSX and PDF.

Thin over `app.services.alignment`; who sees which branch is decided there through
`app.scope`. A unit filter outside the user's units answers 404.
"""

from __future__ import annotations

import datetime as dt

from flask import abort, current_app, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.decorators import permission_name
from sqlalchemy import select

from app import storage
from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.models import EvaluationPeriod, Unit
from app.printing import PrintError
from app.scope import current_scope, is_allowed, managed_units
from app.services import alignment as service
from app.services import alignment_documents as documents
from app.services.documents import FORMATS

MAX_ID = 2**31 - 1
XLSX, PDF = FORMATS["xlsx"], FORMATS["pdf"]


def _int(name: str) -> int | None:
    raw = (request.args.get(name) or "").strip()
    return int(raw) if raw.isdigit() and 0 < int(raw) <= MAX_ID else None


def _choice() -> dict:
    """Year, period and unit from the query string (defaults: this year, its newest closed
    period)."""
    year = _int("year")
    if year is None or not 2000 <= year <= 2100:
        year = dt.date.today().year
    periods = service.periods_of(year)
    period_id = _int("period")
    period = db.session.get(EvaluationPeriod, period_id) if period_id else None
    if period_id and period is None:
        abort(404)
    if period is None and "period" not in request.args:
        period = service.default_period(periods)
    unit_id = _int("unit")
    if unit_id is not None and not is_allowed(Unit, unit_id, managed_units):
        abort(404)
    return {"year": year, "period": period, "periods": periods, "unit_id": unit_id}


class AlignmentView(BaseView):
    """Regency goals down to each employee's RHK, with achievements and gaps."""

    route_base = "/alignment"
    default_view = "index"

    def _tree(self, choice):
        return service.build(current_scope(), choice["year"], choice["period"], choice["unit_id"])

    @expose("/")
    @has_access
    @permission_name("list")
    def index(self):
        choice = _choice()
        scope = current_scope()
        units = db.session.scalars(
            select(Unit).where(managed_units(scope), Unit.archived.is_(False)).order_by(Unit.code)
        ).all()
        return self.render_template(
            "alignment/index.html", tree=self._tree(choice), units=units,
            gap_labels=service.GAP_LABELS, type_labels=service.TYPE_LABELS,
            args={k: v for k, v in request.args.items() if k in ("year", "period", "unit")},
            title=_l("Alignment tree (pohon kinerja)"), **choice,
        )  # fmt: skip

    @expose("/export")
    @has_access
    @permission_name("list")
    def export(self):
        choice = _choice()
        content = documents.to_xlsx(self._tree(choice))
        return storage.send_private(content, f"pohon-kinerja-{choice['year']}.xlsx", XLSX)

    @expose("/pdf")
    @has_access
    @permission_name("list")
    def pdf(self):
        choice = _choice()
        unit = db.session.get(Unit, choice["unit_id"]) if choice["unit_id"] else None
        label = unit.name if unit else str(_l("Mamuju Regency"))
        address = current_app.config["PUBLIC_BASE_URL"] + url_for(
            "AlignmentView.index", **{k: v for k, v in request.args.items()
                                      if k in ("year", "period", "unit")})  # fmt: skip
        try:
            content = documents.to_pdf(self._tree(choice), label, address)
        except PrintError:
            abort(503)
        return storage.send_private(
            content, f"pohon-kinerja-{choice['year']}.pdf", "application/pdf"
        )


def register(appbuilder) -> None:
    """Add the alignment tree to the Performance menu."""
    appbuilder.add_view(
        AlignmentView, "Alignment tree", label=_l("Alignment tree (pohon kinerja)"),
        icon="fa-sitemap", category="Performance", category_label=_l("Performance"),
    )  # fmt: skip
