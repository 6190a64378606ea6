"""Mode Latihan (`/latihan/`): choose a role to practise with demo data, start over, leave."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.decorators import permission_name

from app import practice
from app.i18n import gettext
from app.i18n import lazy_gettext as _l


class PracticeView(BaseView):
    """The practice page; leaving and starting over need no permission of the persona
    (it may have lost its own), only the real account that the request was checked for."""

    route_base = "/latihan"
    default_view = "index"

    @expose("/")
    @has_access
    @permission_name("list")
    def index(self):
        return self.render_template(
            "practice/index.html",
            personas=practice.PERSONAS,
            current=practice.role(),
            available=practice.enabled(),
            title=_l("Practice mode"),
        )

    @expose("/enter", methods=["POST"])
    @has_access
    @permission_name("list")
    def enter(self):
        chosen = request.form.get("role", "")
        if not practice.enabled():
            flash(gettext("Practice mode is turned off on this portal."), "warning")
        elif chosen not in practice.PERSONAS:
            flash(gettext("Choose one of the roles to practise."), "danger")
        else:
            practice.enter(chosen)
            return redirect("/")
        return redirect(url_for("PracticeView.index"))

    @expose("/reset", methods=["POST"])
    def reset(self):
        if practice.active():
            practice.reset()
            flash(gettext("The practice data is back to how it started."), "info")
        return redirect("/")

    @expose("/leave", methods=["POST"])
    def leave(self):
        practice.leave()
        return redirect(practice.return_address(request.form.get("next")))
