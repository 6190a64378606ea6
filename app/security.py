"""Roles as code and the portal's security manager.

Every role's permissions are declared here (`ROLES`) and checked by FAB as
built-in roles; `sync_roles` only makes sure the role rows exist so users can
be given them. Which *rows* a role may see is decided in `app.scope`.
"""

from __future__ import annotations

from flask import current_app
from flask_appbuilder.security.api import SecurityApi
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

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
    ("^UserDBModelView$", "^can_userinfo$"),
    (_views("SwaggerView", "OpenApi", "MenuApi"), "^can_(show|get)$"),
]
_PERIODS_READ = [(_views("PeriodView", "PeriodApi"), READ)]
_ORG_READ = [
    (_views("UnitView", "UnitApi", "EmployeeView", "EmployeeApi"), READ),
    ("^UnitTreeView$", "^can_tree$"),
]
_ORG_MANAGE = [
    (_views("EmployeeView", "EmployeeApi"), WRITE),
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
for _role, _extra in ((HR, _RECAPS + _PRINT), (UNIT_ADMIN, _RECAPS + _PRINT),
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


# Evidence and evaluation templates through the API (rows: app.scope; actions: the services).
_EVIDENCE_API_READ = [("^SubmissionEvidenceApi$", "^can_get$")]
_EVIDENCE_API_ACT = [("^SubmissionEvidenceApi$", "^can_(get|post|delete)$")]
_TEMPLATE_API = [("^TemplateApi$", "^can_(get|post)$")]
for _role, _extra in ((HR, _EVIDENCE_API_READ + _TEMPLATE_API),
                      (UNIT_ADMIN, _EVIDENCE_API_READ + _TEMPLATE_API),
                      (SUPERVISOR, _EVIDENCE_API_ACT), (EMPLOYEE, _EVIDENCE_API_ACT)):  # fmt: skip
    ROLES[_role].extend(_extra)


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


class PortalSecurityManager(SecurityManager):
    """FAB's SQLA security manager without internet-loading charts, with API login limits."""

    userstatschartview = None

    def register_views(self):
        super().register_views()
        if self.is_auth_limited and current_app.config.get("RATELIMIT_ENABLED"):
            api = next(v for v in self.appbuilder.baseviews if isinstance(v, SecurityApi))
            self.limiter.limit(self.auth_rate_limit, methods=["POST"])(api.blueprint)
