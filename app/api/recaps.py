"""`/api/v1/recap/` and `/api/v1/submission/<id>/document`: the same files as the web views.

`SubmissionDocumentApi` shares the URL prefix of `SubmissionApi` (resource "submission");
FAB names blueprints and permissions after the class, so the two do not clash.
"""

from __future__ import annotations

import io

from flask import g, request, send_file
from flask_appbuilder.api import BaseApi, expose, protect, safe
from flask_appbuilder.security.decorators import permission_name

from app.extensions import db
from app.i18n import lang
from app.models import Submission
from app.printing import PrintError
from app.scope import current_scope, is_allowed, visible_submissions
from app.services import documents as docs
from app.services import recaps


def _file(download: docs.Download):
    response = send_file(
        io.BytesIO(download.content),
        mimetype=download.mimetype,
        as_attachment=True,
        download_name=download.filename,
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    if download.code:
        response.headers["X-Document-Code"] = download.code
        response.headers["X-Document-Cache"] = "hit" if download.cached else "miss"
    return response


class RecapApi(BaseApi):
    """Recaps of a period: one unit, or every unit (HR only)."""

    resource_name = "recap"
    allow_browser_login = False
    openapi_spec_tag = "Recaps"

    @expose("/", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    def get_recap(self):
        """`?period=<id>&unit=<id>&format=pdf|xlsx|csv` (no unit: regency-wide, HR only)."""
        args = request.args
        try:
            period = int(args["period"])
            unit = int(args["unit"]) if args.get("unit") else None
        except (KeyError, ValueError):
            return self.response_400(message="period (and unit) must be numbers")
        fmt = args.get("format", "pdf")
        if fmt not in docs.FORMATS:
            return self.response_400(message="format must be pdf, xlsx or csv")
        scope = current_scope()
        if unit is None and not scope.regency_wide:
            return self.response_403()
        try:
            download = docs.recap_download(scope, period, unit, fmt, lang(), g.user.id)
        except (recaps.RecapRefused, LookupError):
            return self.response_404()
        except PrintError as exc:
            db.session.rollback()
            return self.response(422, message=str(exc))
        return _file(download)


class SubmissionDocumentApi(BaseApi):
    """The printed documents of one submission."""

    resource_name = "submission"
    allow_browser_login = False
    openapi_spec_tag = "Submissions"

    @expose("/<int:pk>/document", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    def document(self, pk):
        """`?type=evaluation|form`: the evaluation document (approved only) or the form."""
        kind = request.args.get("type", docs.EVALUATION)
        if kind not in (docs.EVALUATION, docs.FORM):
            return self.response_400(message="type must be evaluation or form")
        if not is_allowed(Submission, pk, visible_submissions):
            return self.response_404()
        submission = db.session.get(Submission, pk)
        try:
            download = docs.submission_download(submission, kind, lang(), g.user.id)
        except docs.DocumentUnavailable as exc:
            return self.response(409, message=str(exc))
        except PrintError as exc:
            db.session.rollback()
            return self.response(422, message=str(exc))
        return _file(download)
