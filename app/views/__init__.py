"""Web views, one module per audience; `register_views` adds them to FAB's menu."""

from flask import current_app
from flask_babel import lazy_gettext as _l


def register_views(appbuilder) -> None:
    """Add every portal view and API to `appbuilder`."""
    from app.api.forms import FormApi
    from app.api.org import EmployeeApi, PeriodApi, UnitApi
    from app.api.templates import TemplateApi
    from app.views.base import empty_list_text
    from app.views.builder import FormBuilderView
    from app.views.evaluation_admin import register as register_evaluation_admin
    from app.views.home import demo_password_warning
    from app.views.imports import EmployeeImportView
    from app.views.org import EmployeeView, PeriodView, UnitTreeView, UnitView, employee_submissions

    current_app.add_template_global(employee_submissions)
    current_app.add_template_global(demo_password_warning)
    current_app.add_template_global(empty_list_text)
    org = {"category": "Organisation", "category_label": _l("Organisation")}
    appbuilder.add_view(
        UnitView, "Units", label=_l("Units"), icon="fa-sitemap", category_icon="fa-building", **org
    )
    appbuilder.add_view_no_menu(UnitTreeView)
    appbuilder.add_view(EmployeeView, "Employees", label=_l("Employees"), icon="fa-users", **org)
    appbuilder.add_view(
        EmployeeImportView,
        "Import employees",
        label=_l("Import employees"),
        icon="fa-file-import",
        **org,
    )
    appbuilder.add_view(
        PeriodView, "Periods", label=_l("Evaluation periods"), icon="fa-calendar", **org
    )
    appbuilder.add_view(
        FormBuilderView,
        "Indicator forms",
        label=_l("Indicator forms"),
        icon="fa-wpforms",
        category="Performance",
        category_label=_l("Performance"),
        category_icon="fa-line-chart",
    )
    register_evaluation_admin(appbuilder)
    for api in (UnitApi, EmployeeApi, PeriodApi, FormApi):
        appbuilder.add_api(api)
    appbuilder.add_api(TemplateApi)
    register_cycle_views(appbuilder)
    register_printing(appbuilder)
    register_dashboard(appbuilder)
    register_calibration(appbuilder)
    register_goals(appbuilder)
    register_skp(appbuilder)
    register_notifications(appbuilder)
    register_announcements(appbuilder)
    from app.views.guide import GuideView, guide_url, tour_data

    appbuilder.add_view(GuideView, "Guide", label=_l("Guide"), icon="fa-question-circle")
    from app.views.practice import PracticeView

    appbuilder.add_view_no_menu(PracticeView)
    current_app.add_template_global(tour_data)
    current_app.add_template_global(guide_url)


def register_announcements(appbuilder) -> None:
    """HR's announcements (sosialisasi), shown on the dashboards."""
    from app.views.announcements import AnnouncementView, dashboard_announcements

    appbuilder.add_view(
        AnnouncementView, "Announcements", label=_l("Announcements"), icon="fa-bullhorn",
        category="Performance", category_label=_l("Performance"),
    )  # fmt: skip
    current_app.add_template_global(dashboard_announcements)


def register_notifications(appbuilder) -> None:
    """The inbox, its API and the bell's count."""
    from app.api.notifications import NotificationApi
    from app.services import notifications
    from app.views.notifications import NotificationView, unread_notifications

    appbuilder.add_view_no_menu(NotificationView)
    appbuilder.add_api(NotificationApi)
    current_app.add_template_global(unread_notifications)
    notifications.init_app(current_app)


def register_cycle_views(appbuilder) -> None:
    """Kinerja Saya, Penilaian Bawahan, evidence downloads and the submission API."""
    from app.api.evidence import SubmissionEvidenceApi
    from app.api.submissions import SubmissionApi
    from app.views.my_performance import EvidenceView, MyPerformanceView
    from app.views.reviews import ReviewView

    performance = {"category": "Performance", "category_label": _l("Performance")}
    appbuilder.add_view(
        MyPerformanceView, "My performance", label=_l("My performance"), icon="fa-user",
        **performance,
    )  # fmt: skip
    appbuilder.add_view(
        ReviewView, "Review my team", label=_l("Review my team"), icon="fa-check-square-o",
        **performance,
    )  # fmt: skip
    appbuilder.add_view_no_menu(EvidenceView)
    appbuilder.add_api(SubmissionApi)
    appbuilder.add_api(SubmissionEvidenceApi)


def register_printing(appbuilder) -> None:
    """Recaps & exports, submission documents, public verification, and their APIs."""
    from app.api.recaps import RecapApi, SubmissionDocumentApi
    from app.views.recaps import DocumentSettingsView, RecapView, SubmissionPrintView, VerifyView

    appbuilder.add_view(
        RecapView, "Recaps & exports", label=_l("Recaps & exports"), icon="fa-print",
        category="Performance", category_label=_l("Performance"),
    )  # fmt: skip
    appbuilder.add_view_no_menu(SubmissionPrintView)
    appbuilder.add_view_no_menu(VerifyView)
    appbuilder.add_view_no_menu(DocumentSettingsView)
    appbuilder.add_api(RecapApi)
    appbuilder.add_api(SubmissionDocumentApi)
    register_jobs(appbuilder)


def register_jobs(appbuilder) -> None:
    """Pekerjaan saya: background jobs, their progress page and API."""
    from app.api.jobs import JobApi
    from app.views.jobs import JobView

    appbuilder.add_view(
        JobView, "My jobs", label=_l("My jobs"), icon="fa-tasks",
        category="Performance", category_label=_l("Performance"),
    )  # fmt: skip
    appbuilder.add_api(JobApi)


def register_dashboard(appbuilder) -> None:
    """Dashboards, IKU roll-up, awards, training needs, and their APIs."""
    from app.api.dashboard import AwardApi, DashboardApi, UnitAchievementApi
    from app.views.dashboard import register

    register(appbuilder)
    for api in (DashboardApi, UnitAchievementApi, AwardApi):
        appbuilder.add_api(api)


def register_calibration(appbuilder) -> None:
    """Calibration (kalibrasi) and the annual evaluation, web views and APIs."""
    from app.api.annual import AnnualApi
    from app.api.calibration import CalibrationApi
    from app.views.calibration import AnnualView, CalibrationView

    performance = {"category": "Performance", "category_label": _l("Performance")}
    appbuilder.add_view(
        CalibrationView, "Calibration", label=_l("Calibration"), icon="fa-balance-scale",
        **performance,
    )  # fmt: skip
    appbuilder.add_view(
        AnnualView, "Annual evaluation", label=_l("Annual evaluation"), icon="fa-calendar-check-o",
        **performance,
    )  # fmt: skip
    appbuilder.add_api(CalibrationApi)
    appbuilder.add_api(AnnualApi)


def register_goals(appbuilder) -> None:
    """Regency goals (RPJMD), the alignment tree (pohon kinerja) and its API."""
    from app.api.alignment import AlignmentApi
    from app.views.alignment import register as register_alignment
    from app.views.goals import register

    register(appbuilder)
    register_alignment(appbuilder)
    appbuilder.add_api(AlignmentApi)


def register_skp(appbuilder) -> None:
    """SKP planning (SKP Saya, Persetujuan SKP, the SKP list) and its API."""
    from app.api.skp import SkpApi
    from app.views.skp import register

    register(appbuilder)
    appbuilder.add_api(SkpApi)
    register_skp_tools(appbuilder)


def register_skp_tools(appbuilder) -> None:
    """Copy RHK to subordinates, import SKP targets, the SKP document (and their API)."""
    from app.api.skp_tools import SkpToolsApi
    from app.views.skp_tools import register

    register(appbuilder)
    appbuilder.add_api(SkpToolsApi)
