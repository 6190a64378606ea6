"""Pengumuman: HR writes announcements; everyone reads them on the dashboards."""

from __future__ import annotations

import datetime as dt

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.decorators import permission_name

from app import storage
from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.models import Announcement
from app.scope import current_scope
from app.services import ValidationFailed
from app.services import announcements as service
from app.services.evidence import attachment_header


def _date(name: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(request.form.get(name, "").strip())
    except ValueError:
        return None


def _draft() -> service.Draft:
    form = request.form
    return service.Draft(
        form.get("title", ""), form.get("body", ""), _date("starts_on"), _date("expires_on")
    )


def _announcement(pk: int) -> Announcement:
    announcement = db.session.get(Announcement, pk)
    if announcement is None or (announcement.archived and not _is_hr()):
        abort(404)
    return announcement


def _is_hr() -> bool:
    return current_scope().regency_wide


class AnnouncementView(BaseView):
    """HR's announcements (sosialisasi) and their read counts; everyone reads them."""

    route_base = "/announcements"
    default_view = "index"

    @expose("/")
    @has_access
    @permission_name("list")
    def index(self):
        today = dt.date.today()
        items = service.everything() if _is_hr() else service.active(today)
        return self.render_template(
            "announcements/index.html",
            items=items,
            read=service.read_ids(g.user.id, items),
            manage=_is_hr(),
            today=today,
            title=_l("Announcements"),
        )

    @expose("/<int:pk>/")
    @has_access
    @permission_name("list")
    def show(self, pk):
        announcement = _announcement(pk)
        service.mark_read(announcement, g.user.id)
        counts = service.read_counts(announcement) if _is_hr() else []
        return self.render_template(
            "announcements/show.html", item=announcement, counts=counts, manage=_is_hr(),
            title=announcement.title,
        )  # fmt: skip

    @expose("/<int:pk>/attachment")
    @has_access
    @permission_name("list")
    def attachment(self, pk):
        announcement = _announcement(pk)
        if not announcement.attachment_key:
            abort(404)
        response = storage.send(announcement.attachment_key, "application/pdf")
        if response is None:
            abort(404)
        name = announcement.attachment_name
        response.headers["Content-Disposition"] = attachment_header(name, "lampiran.pdf")
        return response

    @expose("/new", methods=["GET", "POST"])
    @has_access
    @permission_name("add")
    def new(self):
        return self._edit(None)

    @expose("/<int:pk>/edit", methods=["GET", "POST"])
    @has_access
    @permission_name("add")
    def edit(self, pk):
        return self._edit(_announcement(pk))

    def _edit(self, announcement: Announcement | None):
        errors = {}
        if request.method == "POST":
            try:
                saved = service.save(
                    announcement, _draft(), request.files.get("attachment"), g.user.id
                )
            except ValidationFailed as exc:
                errors = exc.errors
                flash(_l("Nothing was saved: check the marked fields."), "danger")
            else:
                flash(_l("The announcement was saved."), "success")
                return redirect(url_for("AnnouncementView.show", pk=saved.id))
        return self.render_template(
            "announcements/edit.html",
            item=announcement,
            values=request.form if request.method == "POST" else None,
            errors=errors,
            title=_l("Change the announcement") if announcement else _l("New announcement"),
        )

    @expose("/<int:pk>/archive", methods=["POST"])
    @has_access
    @permission_name("add")
    def archive(self, pk):
        service.archive(_announcement(pk))
        flash(_l("The announcement no longer appears on the dashboards."), "success")
        return redirect(url_for("AnnouncementView.index"))


def dashboard_announcements() -> list[tuple[Announcement, bool]]:
    """Today's announcements for the dashboards, with whether the user has read each."""
    user = getattr(g, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    items = service.active(dt.date.today())
    read = service.read_ids(user.id, items)
    return [(item, item.id in read) for item in items]
