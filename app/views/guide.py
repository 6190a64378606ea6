"""Panduan (`/panduan/`): the guide per role, and the "?" of each page."""

from __future__ import annotations

from flask import abort, redirect, request, send_from_directory, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.decorators import permission_name

from app.i18n import lazy_gettext as _l
from app.services import guide


class GuideView(BaseView):
    """The guide: every role's tasks, step by step, with screenshots of the portal."""

    route_base = "/panduan"
    default_view = "index"

    @expose("/")
    @has_access
    @permission_name("list")
    def index(self):
        return self.render_template(
            "guide/index.html",
            chapters=guide.GUIDE,
            has_screen=guide.has_screen,
            screen_name=guide.screen_name,
            title=_l("Guide"),
        )

    @expose("/help")
    @has_access
    @permission_name("list")
    def help(self):
        """The section that explains the page the user came from."""
        anchor = guide.anchor_for(request.args.get("page"))
        return redirect(url_for("GuideView.index") + (f"#{anchor}" if anchor else ""))

    @expose("/screen/<name>")
    @has_access
    @permission_name("list")
    def screen(self, name):
        if name not in {guide.screen_name(task) for task in guide.tasks_with_screens()}:
            abort(404)
        return send_from_directory(guide.screens_dir(), name, mimetype="image/png")
