"""Panduan (`/panduan/`): the guide per role, and the "?" of each page."""

from __future__ import annotations

from flask import abort, g, redirect, request, send_from_directory, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.decorators import permission_name
from flask_wtf.csrf import generate_csrf

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
        return redirect(guide_url(guide.anchor_for(request.args.get("page"))))

    @expose("/tour/<tour>/done", methods=["POST"])
    @has_access
    @permission_name("list")
    def tour_done(self, tour):
        """The first-login tour was finished or dismissed: never show it again."""
        if tour not in guide.TOURS:
            abort(404)
        guide.mark_tour_seen(g.user.id, tour)
        return "", 204

    @expose("/screen/<name>")
    @has_access
    @permission_name("list")
    def screen(self, name):
        if name not in {guide.screen_name(task) for task in guide.tasks_with_screens()}:
            abort(404)
        return send_from_directory(guide.screens_dir(), name, mimetype="image/png")


def guide_url(anchor: str | None = None) -> str:
    """The guide at `anchor`, else at the section about the current page (the "?" mapping)."""
    anchor = anchor or guide.anchor_for(request.endpoint)
    return url_for("GuideView.index") + (f"#{anchor}" if anchor else "")


LANDING = ("HomeView", "DashboardView")


def tour_data() -> dict | None:
    """The user's first-login tour for the landing page, as the script needs it (or None)."""
    user = getattr(g, "user", None)
    endpoint = (request.endpoint or "").split(".")[0]
    if user is None or not getattr(user, "is_authenticated", False) or endpoint not in LANDING:
        return None
    tour = guide.pending_tour(user.id, {role.name for role in user.roles})
    if tour is None:
        return None
    return {
        "done_url": url_for("GuideView.tour_done", tour=tour),
        "csrf": generate_csrf(),
        "steps": [{"target": target, "text": str(text)} for target, text in guide.TOURS[tour]],
        "labels": {
            "next": str(_l("Next")),
            "finish": str(_l("Done")),
            "skip": str(_l("Skip the tour")),
        },
    }
