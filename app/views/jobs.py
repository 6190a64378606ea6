"""Pekerjaan saya (/jobs/): the user's background jobs, a progress page, the result.

The progress page polls ``/jobs/<id>/status`` (static/js/jobs.js) and shows the
download link when the job is done; it can be left and found again in the list.
"""

from __future__ import annotations

from flask import abort, flash, g, jsonify, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.decorators import permission_name
from sqlalchemy import select

from app.extensions import db
from app.i18n import lang
from app.i18n import lazy_gettext as _l
from app.models import Job
from app.scope import current_scope, require, visible_jobs
from app.services import jobs, recaps
from app.services.job_kinds import BACKUP, start_recap

LIST_LIMIT = 50


def _int(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


class JobView(BaseView):
    """The user's jobs (HR: everyone's), each with its progress and result."""

    route_base = "/jobs"
    default_view = "index"

    @expose("/")
    @has_access
    @permission_name("list")
    def index(self):
        rows = db.session.scalars(
            select(Job)
            .where(visible_jobs(current_scope()), Job.owner_id.is_not(None))
            .order_by(Job.id.desc())
            .limit(LIST_LIMIT)
        ).all()
        can_backup = self.appbuilder.sm.has_access("can_backup", "JobView")
        return self.render_template(
            "jobs/list.html", jobs=rows, label=jobs.kind_label, state_labels=jobs.STATE_LABELS,
            can_backup=can_backup, title=_l("My jobs"),
        )  # fmt: skip

    @expose("/<int:pk>")
    @has_access
    @permission_name("show")
    def show(self, pk):
        job = require(Job, pk, visible_jobs)
        return self.render_template("jobs/show.html", job=job, status=jobs.status(job),
                                    label=jobs.kind_label(job.kind), title=_l("Job"))  # fmt: skip

    @expose("/<int:pk>/status")
    @has_access
    @permission_name("show")
    def status(self, pk):
        job = require(Job, pk, visible_jobs)
        body = jobs.status(job)
        body["result_url"] = url_for("JobView.download", pk=pk) if body["result_name"] else None
        response = jsonify(body)
        response.headers["Cache-Control"] = "no-store"
        return response

    @expose("/<int:pk>/download")
    @has_access
    @permission_name("show")
    def download(self, pk):
        response = jobs.send_result(require(Job, pk, visible_jobs))
        if response is None:
            abort(404)
        return response

    @expose("/<int:pk>/retry", methods=["POST"])
    @has_access
    @permission_name("retry")
    def retry(self, pk):
        job = jobs.retry(require(Job, pk, visible_jobs))
        return redirect(url_for("JobView.show", pk=job.id))

    @expose("/recap", methods=["POST"])
    @has_access
    @permission_name("recap")
    def recap(self):
        """Start a recap from the recaps page and follow it."""
        period_id = _int(request.form.get("period"))
        unit_id = _int(request.form.get("unit"))
        fmt = request.form.get("format", "pdf")
        if period_id is None:
            abort(404)
        try:
            job = start_recap(current_scope(), period_id, unit_id, fmt, lang(), g.user.id)
        except (recaps.RecapRefused, LookupError):
            abort(404)
        except ValueError:
            abort(400)
        return redirect(url_for("JobView.show", pk=job.id))

    @expose("/backup", methods=["POST"])
    @has_access
    @permission_name("backup")
    def backup(self):
        """Start a backup of the database and the storage folder (administrators)."""
        job = jobs.start(BACKUP, {"lang": lang()}, owner_id=g.user.id)
        flash(str(_l("The backup runs in the background.")), "info")
        return redirect(url_for("JobView.show", pk=job.id))
