"""Roles as code and the portal's security manager.

Every role's permissions are declared here (`ROLES`) and checked by FAB as
built-in roles; `sync_roles` only makes sure the role rows exist so users can
be given them. Which *rows* a role may see is decided in `app.scope`.
"""

from __future__ import annotations

import secrets

from flask import abort, current_app, g, has_request_context, request, session
from flask_appbuilder import expose
from flask_appbuilder.security import api as fab_security_api
from flask_appbuilder.security import schemas as fab_schemas
from flask_appbuilder.security.api import SecurityApi
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.sqla.models import User
from flask_appbuilder.security.views import UserDBModelView
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import user_logged_in, user_logged_out
from marshmallow import fields
from sqlalchemy import Column, String, event, exists, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import (
    practice,
    ratelimit,  # noqa: F401 - registers the database:// rate-limit storage
)

ADMIN, HR, UNIT_ADMIN, SUPERVISOR, EMPLOYEE, PUBLIC = (
    "Admin",
    "HR",
    "UnitAdmin",
    "Supervisor",
    "Employee",
    "Public",
)

ROLE_LABELS = {
    ADMIN: _l("Administrator"),
    HR: _l("HR (BKPSDM)"),
    UNIT_ADMIN: _l("Unit admin"),
    SUPERVISOR: _l("Evaluator (pejabat penilai)"),
    EMPLOYEE: _l("Employee"),
    PUBLIC: _l("Public"),
}

READ = "^can_(list|show|get|info)$"
WRITE = "^can_(list|show|get|info|add|edit|delete|post|put|download)$"
ANY = ".*"


def _views(*names: str) -> str:
    return "^(" + "|".join(names) + ")$"


# Every logged-in user: own account, language, API docs, menus.
_SELF_SERVICE = [
    (_views("UserInfoEditView", "ResetMyPasswordView"), "^can_this_form_(get|post)$"),
    (_views("UserDBModelView", "PortalUserDBModelView"), "^can_userinfo$"),
    (_views("SwaggerView", "OpenApi", "MenuApi"), "^can_(show|get)$"),
]
_PERIODS_READ = [(_views("PeriodView", "PeriodApi"), READ)]
_ORG_READ = [
    (_views("UnitView", "UnitApi", "EmployeeView", "EmployeeApi"), READ),
    ("^UnitTreeView$", "^can_tree$"),
]
_ORG_MANAGE = [
    (_views("EmployeeView", "EmployeeApi"), WRITE),
    ("^EmployeeView$", "^deactivate_employees$"),
    ("^EmployeeImportView$", ANY),
]
_FORM_DESIGN = [(_views("FormBuilderView", "FormApi"), ANY)]
# Evaluation cycle, unit-admin side: templates, assignment, unit ratings.
_CYCLE_ADMIN = [
    (_views("TemplateDesignerView", "AssignmentView", "UnitRatingView"), ANY),
    ("^PeriodApi$", "^can_assign$"),
]

# Evaluation cycle, employee and evaluator side (rows and actions: app.scope and the service).
_EVIDENCE = [("^EvidenceView$", "^can_download$")]
_SUBMISSIONS_READ = [("^SubmissionApi$", "^can_get$")]
_SUBMISSIONS_ACT = [("^SubmissionApi$", "^can_(get|put|post)$")]

ROLES: dict[str, list[tuple[str, str]]] = {
    ADMIN: [(ANY, ANY)],
    HR: [
        *_SELF_SERVICE,
        (_views("UnitView", "UnitApi", "PeriodApi"), WRITE),
        ("^PeriodView$", ANY),
        ("^UnitTreeView$", "^can_tree$"),
        ("^UnitView$", "^(archive_units|restore_units|confirm_units)$"),
        *_ORG_MANAGE,
        *_FORM_DESIGN,
        *_CYCLE_ADMIN,
        ("^PeriodAdminView$", ANY),
        ("^PeriodApi$", "^can_(close|reopen)$"),
        ("^EmployeeView$", "^(create_accounts|reset_passwords)$"),
        *_SUBMISSIONS_READ,
        ("^SubmissionApi$", "^can_reopen$"),
        *_EVIDENCE,
    ],
    UNIT_ADMIN: [
        *_SELF_SERVICE,
        *_PERIODS_READ,
        *_ORG_READ,
        *_ORG_MANAGE,
        *_FORM_DESIGN,
        *_CYCLE_ADMIN,
        *_SUBMISSIONS_READ,
        *_EVIDENCE,
    ],
    SUPERVISOR: [
        *_SELF_SERVICE,
        *_PERIODS_READ,
        *_ORG_READ,
        ("^ReviewView$", ANY),
        *_SUBMISSIONS_ACT,
        *_EVIDENCE,
    ],
    EMPLOYEE: [
        *_SELF_SERVICE,
        *_PERIODS_READ,
        (_views("EmployeeView", "EmployeeApi"), READ),
        ("^MyPerformanceView$", ANY),
        *_SUBMISSIONS_ACT,
        *_EVIDENCE,
    ],
    PUBLIC: [],
}

# Menu entries each role reaches (FAB checks "menu_access" on the menu item name).
MENUS: dict[str, list[str]] = {
    HR: [
        "Organisation",
        "Units",
        "Employees",
        "Import employees",
        "Periods",
        "Period management",
        "Performance",
        "Indicator forms",
        "Evaluation templates",
        "Assign evaluations",
        "Unit ratings",
    ],
    UNIT_ADMIN: [
        "Organisation",
        "Units",
        "Employees",
        "Import employees",
        "Periods",
        "Performance",
        "Indicator forms",
        "Evaluation templates",
        "Assign evaluations",
        "Unit ratings",
    ],
    SUPERVISOR: ["Organisation", "Employees", "Periods", "Performance", "Review my team"],
    EMPLOYEE: ["Organisation", "Employees", "Periods", "Performance", "My performance"],
}


# Printed documents and exports (which rows: app.scope.recap_units, visible_submissions).
_PRINT = [(_views("SubmissionPrintView", "SubmissionDocumentApi"), ANY)]
_RECAPS = [(_views("RecapView", "RecapApi"), ANY)]
_DOCUMENT_SETTINGS = [("^DocumentSettingsView$", ANY)]  # the regency emblem: HR only
for _role, _extra in ((HR, _RECAPS + _PRINT + _DOCUMENT_SETTINGS), (UNIT_ADMIN, _RECAPS + _PRINT),
                      (SUPERVISOR, _PRINT), (EMPLOYEE, _PRINT)):  # fmt: skip
    ROLES[_role].extend(_extra)
    if _RECAPS[0] in _extra:
        MENUS[_role].append("Recaps & exports")


# Dashboards, organisational roll-up, recognition, training needs (rows: app.scope).
_DASHBOARD = [
    ("^DashboardView$", ANY),
    (_views("UnitAchievementApi", "AwardApi"), "^can_get$"),
]
_DASHBOARD_ADMIN = [
    (_views("TrainingNeedsView", "IkuView"), ANY),
    ("^DashboardApi$", "^can_get$"),
]
for _role, _extra, _menus in (
    (HR, _DASHBOARD + _DASHBOARD_ADMIN + [("^AwardAdminView$", ANY)],
     ["Dashboard", "Hall of fame", "Awards", "Training needs", "Unit IKU"]),
    (UNIT_ADMIN, _DASHBOARD + _DASHBOARD_ADMIN,
     ["Dashboard", "Hall of fame", "Training needs", "Unit IKU"]),
    (SUPERVISOR, _DASHBOARD, ["Dashboard", "Hall of fame"]),
    (EMPLOYEE, _DASHBOARD, ["Dashboard", "Hall of fame"]),
):  # fmt: skip
    ROLES[_role].extend(_extra)
    MENUS[_role].extend(_menus)


# Calibration and annual evaluation (rows and actions: app.scope and the services).
_CALIBRATION = [(_views("CalibrationApi", "CalibrationView", "AnnualApi", "AnnualView"), ANY)]
for _role in (HR, UNIT_ADMIN, SUPERVISOR, EMPLOYEE):
    ROLES[_role].extend(_CALIBRATION)
    MENUS[_role].extend(["Calibration", "Annual evaluation"] if _role != EMPLOYEE
                        else ["Annual evaluation"])  # fmt: skip

# Evidence and evaluation templates through the API (rows: app.scope; actions: the services).
_EVIDENCE_API_READ = [("^SubmissionEvidenceApi$", "^can_get$")]
_EVIDENCE_API_ACT = [("^SubmissionEvidenceApi$", "^can_(get|post|delete)$")]
_TEMPLATE_API = [("^TemplateApi$", "^can_(get|post)$")]
for _role, _extra in ((HR, _EVIDENCE_API_READ + _TEMPLATE_API),
                      (UNIT_ADMIN, _EVIDENCE_API_READ + _TEMPLATE_API),
                      (SUPERVISOR, _EVIDENCE_API_ACT), (EMPLOYEE, _EVIDENCE_API_ACT)):  # fmt: skip
    ROLES[_role].extend(_extra)

# Background jobs: one's own (HR: everyone's; rows: app.scope.visible_jobs). Backups
# (`JobView.backup`) are for administrators only.
_JOBS = [("^JobView$", "^can_(list|show|retry|recap)$"), ("^JobApi$", "^can_(get|post)$")]
for _role in (HR, UNIT_ADMIN, SUPERVISOR, EMPLOYEE):
    ROLES[_role].extend(_JOBS)
for _role in (HR, UNIT_ADMIN):
    MENUS[_role].append("My jobs")

# SKP planning (rows: app.scope.visible_skps; actions: app.services.skp).
_SKP = [(_views("SkpView", "SkpApi"), ANY)]
for _role, _menus in (
    (HR, ["SKP approvals", "SKP list"]),
    (UNIT_ADMIN, ["SKP list"]),
    (SUPERVISOR, ["My SKP", "SKP approvals", "SKP list"]),
    (EMPLOYEE, ["My SKP"]),
):
    ROLES[_role].extend(_SKP)
    MENUS[_role].extend(_menus)


# SKP tools (rows: app.scope.visible_skps; who may copy or import: app.services.skp_copy/_import).
_SKP_PRINT = [("^SkpToolsView$", "^can_show$"), ("^SkpToolsApi$", "^can_get$")]
_SKP_COPY = [("^SkpToolsView$", "^can_copy$"), ("^SkpToolsApi$", "^can_post$")]
_SKP_IMPORT = [("^SkpToolsView$", "^can_import_targets$")]
for _role, _extra, _menus in (
    (HR, _SKP_PRINT + _SKP_IMPORT, ["Import SKP targets"]),
    (UNIT_ADMIN, _SKP_PRINT + _SKP_IMPORT, ["Import SKP targets"]),
    (SUPERVISOR, _SKP_PRINT + _SKP_COPY, ["Copy RHK to subordinates"]),
    (EMPLOYEE, _SKP_PRINT, []),
):
    ROLES[_role].extend(_extra)
    MENUS[_role].extend(_menus)


# Every user's own notifications (rows: the service finds only the caller's); announcements
# are read by everyone and written by HR.
for _role in (HR, UNIT_ADMIN, SUPERVISOR, EMPLOYEE):
    ROLES[_role].append((_views("NotificationView", "NotificationApi"), ANY))
    ROLES[_role].append(("^AnnouncementView$", ANY if _role == HR else "^can_list$"))
    ROLES[_role].append(("^GuideView$", "^can_list$"))
    ROLES[_role].append(("^PracticeView$", "^can_list$"))
    MENUS[_role].extend(["Announcements", "Guide"])


# Regency goals (HR) and the alignment tree (everyone; branches: app.services.alignment).
_ALIGNMENT = [(_views("AlignmentView", "AlignmentApi"), "^can_(list|get)$")]
ROLES[HR].extend([("^RegencyGoalView$", ANY), *_ALIGNMENT])
MENUS[HR].extend(["Regency goals", "Alignment tree"])
for _role in (UNIT_ADMIN, SUPERVISOR, EMPLOYEE):
    ROLES[_role].extend(_ALIGNMENT)
    MENUS[_role].append("Alignment tree")


def builtin_roles() -> dict[str, list[tuple[str, str]]]:
    """The FAB_ROLES mapping: permissions plus each role's menu entries."""
    roles = {name: list(perms) for name, perms in ROLES.items()}
    for role, menus in MENUS.items():
        roles[role].append((_views(*(m.replace(" ", r"\ ") for m in menus)), "^menu_access$"))
    return roles


def sync_roles(session) -> list[str]:
    """Create the role rows that do not exist yet; return the names created."""
    from flask_appbuilder.security.sqla.models import Role

    existing = set(session.scalars(select(Role.name)))
    created = [name for name in ROLES if name not in existing]
    for name in created:
        session.add(Role(name=name))
    try:
        session.commit()
    except IntegrityError:  # another worker created them first
        session.rollback()
        return []
    return created


def user_references(session, user_id: int) -> list[str]:
    """Tables with rows that point at the account `user_id` (audit, employees, uploads …)."""
    from app.extensions import db

    found = []
    for table in db.metadata.sorted_tables:
        if table.name.startswith("ab_"):
            continue  # FAB's own links (roles, created_by) go with the account
        for column in table.columns:
            points = any(fk.column.table.name == "ab_user" for fk in column.foreign_keys)
            if points and session.scalar(select(exists().where(column == user_id))):
                found.append(table.name)
                break
    return found


class PortalUserDBModelView(UserDBModelView):
    """FAB's user admin, answering 4xx to bad bulk actions and keeping accounts with history.

    FAB's `action_post` looks the action up without checking it exists (500 for
    `action=delete`); an account referenced by audit entries, employees or evaluations
    must be deactivated, never deleted.
    """

    @expose("/action_post", methods=["POST"])
    def action_post(self):
        found = self.actions.get(request.form.get("action", ""))
        pks = request.form.getlist("rowid")
        if found is None or not found.multiple or not pks:
            abort(400)
        if not all(pk.isdigit() and self.datamodel.get(int(pk)) for pk in pks):
            abort(404)
        return super().action_post()

    @expose("/action/<string:name>/<pk>", methods=["POST"])
    def action(self, name, pk):
        if name not in self.actions:
            abort(400)
        if not pk.isdigit() or self.datamodel.get(int(pk)) is None:
            abort(404)
        return super().action(name, pk)

    def pre_delete(self, item):
        if user_references(self.datamodel.session, item.id):
            raise ValueError(
                gettext(
                    "This account has a history in the portal and cannot be deleted; "
                    "deactivate it instead."
                )
            )


class _LoginPost(fab_schemas.LoginPost):
    """FAB's API login body, with `provider` defaulting to "db" as the spec describes it
    optional (FAB 5.3 reads it unconditionally: a body without it was a 500)."""

    provider = fields.String(
        load_default=fab_schemas.API_SECURITY_PROVIDER_DB,
        validate=fab_schemas.LoginPost._declared_fields["provider"].validate,
    )


fab_security_api.login_post = _LoginPost()


class PortalSecurityManager(SecurityManager):
    """FAB's SQLA security manager without internet-loading charts, with API login limits
    and security stamps on sessions and tokens."""

    userstatschartview = None
    userdbmodelview = PortalUserDBModelView

    def load_user(self, pk):
        """The session's user, if the session carries the account's current stamp; in
        practice mode the demo persona (the real account's stamp: app.practice)."""
        if practice.active():
            return practice.load_persona(self)
        user = super().load_user(pk)
        if user is None or session.get(SESSION_STAMP) != user.security_stamp:
            return None
        return user

    def load_user_jwt(self, _jwt_header, jwt_data):
        """The token's user, if the token carries the account's current stamp."""
        user = self.get_user_by_id(int(jwt_data["sub"]))
        if user is None or not user.is_active:
            return None
        if jwt_data.get(STAMP_CLAIM) != user.security_stamp:
            return None
        g.user = user
        return user

    def create_jwt_manager(self, app):
        jwt_manager = super().create_jwt_manager(app)
        jwt_manager.additional_claims_loader(self._stamp_claim)
        return jwt_manager

    def _stamp_claim(self, identity) -> dict:
        user = self.get_user_by_id(int(identity))
        return {STAMP_CLAIM: user.security_stamp} if user is not None else {}

    def register_views(self):
        super().register_views()
        if self.is_auth_limited and current_app.config.get("RATELIMIT_ENABLED"):
            api = next(v for v in self.appbuilder.baseviews if isinstance(v, SecurityApi))
            self.limiter.limit(self.auth_rate_limit, methods=["POST"])(api.blueprint)


# --- security stamp ----------------------------------------------------------------------
#
# Every account has a random security stamp. The web session stores it at login and each
# JWT carries it as the "stamp" claim; a session or token whose stamp is not the account's
# current one is refused. The stamp changes on logout, password reset, role change and
# deactivation, which ends every session and token of that account at once (a replayed
# session cookie or an old refresh token included).
#
# The column is added to FAB's own User class rather than to a subclass: relationships to
# `User` elsewhere would otherwise load plain `User` rows that FAB's lookups by the
# subclass cannot find in the session's identity map.

SESSION_STAMP = "_security_stamp"
STAMP_CLAIM = "stamp"
_STAMPED_ATTRIBUTES = ("password", "active", "roles")


def new_stamp() -> str:
    return secrets.token_hex(16)


User.security_stamp = Column(String(32), nullable=False, default=new_stamp)


def rotate_stamp(user: User) -> None:
    """Give ``user`` a new stamp; the session making the change (if it is theirs) keeps working."""
    user.security_stamp = new_stamp()
    # A practice persona may share the real account's id; its stamp is not the session's.
    if has_request_context() and session.get("_user_id") == str(user.id) and not practice.active():
        session[SESSION_STAMP] = user.security_stamp


@event.listens_for(Session, "before_flush")
def _rotate_changed_accounts(db_session, _context, _instances) -> None:
    """Password, active flag or roles changed, by any path (FAB views, CLI, services)."""
    for user in db_session.dirty:
        if not isinstance(user, User):
            continue
        attributes = sa_inspect(user).attrs
        if any(attributes[name].history.has_changes() for name in _STAMPED_ATTRIBUTES):
            rotate_stamp(user)


@user_logged_in.connect
def _remember_stamp(_app, user, **_extra) -> None:
    session[SESSION_STAMP] = user.security_stamp


@user_logged_out.connect
def _end_every_session(_app, user, **_extra) -> None:
    """Logout ends the account's sessions server-side: a copy of the cookie stops working."""
    session.pop(SESSION_STAMP, None)
    if getattr(user, "is_authenticated", False):
        from app.extensions import db

        rotate_stamp(user)
        db.session.commit()
