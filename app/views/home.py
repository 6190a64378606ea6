"""The landing page: the dashboard of the user's role; a welcome page otherwise."""

from __future__ import annotations

from flask import g, request
from flask_appbuilder import IndexView, expose
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db
from app.models import Employee, Unit
from app.scope import current_scope, visible_employees, visible_units
from app.security import ADMIN, HR, ROLE_LABELS
from app.services import periods
from app.services.demo_accounts import with_demo_password

LOGIN_ENDPOINTS = {"AuthDBView.login"}


def demo_password_warning() -> list[str]:
    """Demo accounts still on the demo password, for the pages that warn about them.

    The login page and every page an admin or HR user sees; nobody else.
    """
    user = getattr(g, "user", None)
    if getattr(user, "is_authenticated", False):
        if not {role.name for role in user.roles} & {ADMIN, HR}:
            return []
    elif request.endpoint not in LOGIN_ENDPOINTS:
        return []
    try:
        return with_demo_password()
    except SQLAlchemyError:  # an error page for a failed transaction must still render
        db.session.rollback()
        return []


class HomeView(IndexView):
    """Home (beranda): the user's place, open periods, and counts within their scope."""

    index_template = "home/index.html"

    @expose("/")
    def index(self):
        user = g.user
        if not getattr(user, "is_authenticated", False):
            return self.render_template(self.index_template, anonymous=True)
        from app.views.dashboard import render_role_dashboard

        dashboard = render_role_dashboard(self)
        if dashboard is not None:
            return dashboard
        scope = current_scope()
        employee = db.session.get(Employee, scope.employee_id) if scope.employee_id else None
        counts = {
            "units": db.session.scalar(select(func.count(Unit.id)).where(visible_units(scope))),
            "employees": db.session.scalar(
                select(func.count(Employee.id)).where(
                    visible_employees(scope), Employee.active.is_(True)
                )
            ),
        }
        open_periods = periods.open_periods()
        return self.render_template(
            self.index_template,
            anonymous=False,
            scope=scope,
            employee=employee,
            counts=counts,
            open_periods=open_periods,
            role_labels=ROLE_LABELS,
        )
