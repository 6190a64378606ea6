"""Recaps & exports (HR, unit admins), submission documents, and public verification.

- `RecapView` (/recaps/): choose a period (and a unit; HR also "whole regency"),
  download PDF/XLSX/CSV; set the signatory of each unit in scope.
- `SubmissionPrintView` (/print/submission/<id>/<evaluation|form>): the PDFs of a
  submission in the user's scope (`visible_submissions`); include
  ``printing/_links.html`` to show the buttons on any page.
- `VerifyView` (/verify/<code>): public, no login; what a printed code stands for and
  whether the data behind it is unchanged.
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.decorators import permission_name
from sqlalchemy import select

from app import practice
from app.extensions import db
from app.i18n import lang
from app.i18n import lazy_gettext as _l
from app.models import EvaluationPeriod, Submission, Unit
from app.models.types import PeriodState
from app.printing import PrintError
from app.scope import current_scope, recap_units, require, visible_submissions
from app.services import ValidationFailed, emblem, exports, recaps
from app.services import documents as docs


def _int(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


class RecapView(BaseView):
    """Recaps per unit or regency-wide, and the units' signatories."""

    route_base = "/recaps"
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        scope = current_scope()
        periods = list(
            db.session.scalars(
                select(EvaluationPeriod)
                .where(EvaluationPeriod.state != PeriodState.DRAFT.value)
                .order_by(EvaluationPeriod.start_date.desc())
            )
        )
        units = recaps.units_for(scope)
        period_id = _int(request.args.get("period")) or (periods[0].id if periods else None)
        unit_id = _int(request.args.get("unit"))
        if unit_id is None and not scope.regency_wide and units:
            unit_id = units[0].id
        signatories = {u.id: recaps.signatory_of(u.id) for u in units} if units else {}
        return self.render_template(
            "printing/recaps.html",
            periods=periods,
            units=units,
            period_id=period_id,
            unit_id=unit_id,
            regency=scope.regency_wide,
            signatories=signatories,
        )

    @expose("/download")
    @has_access
    @permission_name("download")
    def download(self):
        period_id = _int(request.args.get("period"))
        unit_id = _int(request.args.get("unit"))
        fmt = request.args.get("format", "pdf")
        if period_id is None:
            abort(404)
        try:
            download = docs.recap_download(
                current_scope(), period_id, unit_id, fmt, lang(), g.user.id
            )
        except (recaps.RecapRefused, LookupError):
            abort(404)
        except ValueError:
            abort(400)
        except exports.NoTables as exc:
            flash(str(exc), "warning")
        except PrintError as exc:
            flash(str(_l("The document could not be printed: %(why)s", why=exc)), "danger")
        else:
            return download.send()
        return redirect(url_for("RecapView.index", period=period_id, unit=unit_id or ""))

    @expose("/signatory/<int:unit_id>", methods=["GET", "POST"])
    @has_access
    @permission_name("signatory")
    def signatory(self, unit_id):
        unit = require(Unit, unit_id, recap_units)
        current = recaps.signatory_of(unit.id)
        errors: dict[str, list[str]] = {}
        values = {
            "name": current.name if current else "",
            "nip": current.nip if current else "",
            "jabatan": current.jabatan if current else "",
            "place": current.place if current else recaps.DEFAULT_PLACE,
        }
        if request.method == "POST":
            values = {k: request.form.get(k, "") for k in values}
            try:
                recaps.save_signatory(unit.id, **values)
            except ValidationFailed as exc:
                errors = exc.errors
            else:
                flash(str(_l("Signatory of %(unit)s saved.", unit=unit.name)), "success")
                return redirect(url_for("RecapView.index"))
        return self.render_template(
            "printing/signatory.html", unit=unit, values=values, errors=errors
        )


class SubmissionPrintView(BaseView):
    """The evaluation document and the filled form of a submission in scope."""

    route_base = "/print"

    @expose("/submission/<int:pk>/<kind>")
    @has_access
    @permission_name("print")
    def submission(self, pk, kind):
        if kind not in (docs.EVALUATION, docs.FORM):
            abort(404)
        submission = require(Submission, pk, visible_submissions)
        try:
            download = docs.submission_download(submission, kind, lang(), g.user.id)
        except docs.DocumentUnavailable as exc:
            flash(str(exc), "warning")
            return redirect(request.referrer or url_for("RecapView.index"))
        except PrintError as exc:
            flash(str(_l("The document could not be printed: %(why)s", why=exc)), "danger")
            return redirect(request.referrer or "/")
        return download.send()


class VerifyView(BaseView):
    """Public verification of a printed document's code (no login, no personal data)."""

    route_base = "/verify"
    default_view = "form"

    @expose("/")
    def form(self):
        code = (request.args.get("code") or "").strip().upper()
        if code:
            return redirect(url_for("VerifyView.show", code=code))
        return self.render_template(
            "printing/verify.html", result=None, code="", asked=False, practising=practice.active()
        )

    @expose("/<code>")
    def show(self, code):
        code = code.strip().upper()[:32]
        result = docs.verify(code)
        status = 200 if result is not None else 404
        page = self.render_template("printing/verify.html", result=result, code=code,
                                    asked=True, practising=practice.active())  # fmt: skip
        return page, status


class DocumentSettingsView(BaseView):
    """Pengaturan dokumen (HR only): the regency's emblem on the letterhead of every PDF."""

    route_base = "/document-settings"
    default_view = "emblem"

    @expose("/emblem", methods=["GET", "POST"])
    @has_access
    def emblem(self):
        errors: list[str] = []
        if request.method == "POST":
            if request.form.get("remove"):
                emblem.remove()
                flash(str(_l("The emblem was removed.")), "success")
                return redirect(url_for("DocumentSettingsView.emblem"))
            upload = request.files.get("emblem")
            # One byte over the limit is enough to refuse a file as too large.
            content = upload.read(emblem.MAX_BYTES + 1) if upload else b""
            try:
                emblem.save(content, (upload.filename or "") if upload else "")
            except ValidationFailed as exc:
                errors = exc.errors.get(emblem.FIELD, [])
            else:
                flash(str(_l("The emblem was saved.")), "success")
                return redirect(url_for("DocumentSettingsView.emblem"))
        return self.render_template(
            "printing/emblem.html",
            preview=emblem.for_print(box=120.0),
            errors=errors,
            max_side=emblem.MAX_SIDE,
        )
