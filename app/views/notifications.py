"""The inbox (kotak notifikasi): one's own notifications, read state and e-mail choices."""

from __future__ import annotations

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.decorators import permission_name

from app.i18n import lazy_gettext as _l
from app.services import notifications as service

PAGE = 50


class NotificationView(BaseView):
    """Every user's own notifications; nobody sees another's."""

    route_base = "/notifications"
    default_view = "index"

    @expose("/")
    @has_access
    @permission_name("list")
    def index(self):
        page = max(request.args.get("page", 1, type=int), 1)
        items = service.inbox(g.user.id, PAGE, (page - 1) * PAGE)
        rows = [(item, service.message(item)) for item in items]
        total = service.count(g.user.id)
        return self.render_template(
            "notifications/index.html",
            rows=rows,
            page=page,
            more=page * PAGE < total,
            unread=service.unread_count(g.user.id),
            title=_l("Notifications"),
        )

    @expose("/<int:pk>/open", methods=["POST"])
    @has_access
    @permission_name("list")
    def open(self, pk):
        """Mark it read and go where its action is."""
        notification = service.own(g.user.id, pk)
        if notification is None:
            abort(404)
        service.mark_read(notification)
        return redirect(service.link(notification))

    @expose("/read-all", methods=["POST"])
    @has_access
    @permission_name("list")
    def read_all(self):
        count = service.mark_all_read(g.user.id)
        flash(_l("%(n)d notifications marked as read.", n=count), "success")
        return redirect(url_for("NotificationView.index"))

    @expose("/settings", methods=["GET", "POST"])
    @has_access
    @permission_name("list")
    def settings(self):
        """Per kind: in the portal only, or also by e-mail."""
        if request.method == "POST":
            service.save_preferences(g.user.id, request.form.getlist("email"))
            flash(_l("Your notification choices were saved."), "success")
            return redirect(url_for("NotificationView.settings"))
        return self.render_template(
            "notifications/settings.html",
            choices=service.preferences(g.user.id),
            labels=service.KIND_LABELS,
            mail_enabled=service.mail_enabled(),
            title=_l("Notification settings"),
        )


def unread_notifications() -> int:
    """The signed-in user's unread count, for the bell in the top bar."""
    user = getattr(g, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return 0
    return service.unread_count(user.id)
