"""Panduan: the in-app guide, per role, with screenshots of the portal itself.

Each task has short steps and a screenshot taken by `flask guide screens` (`make
guide-screens`) from the demo data, so the pictures follow the portal as it changes.
`HELP` maps the pages of the portal to the section that explains them (the "?" button).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.models import TourSeen


@dataclass(frozen=True)
class Screen:
    """How `flask guide screens` takes a task's picture: who, which page, at which size."""

    account: str
    path: str
    phone: bool = False


@dataclass(frozen=True)
class Step:
    """One step. The labels its text names (its `%(…)s` values, in order) are what the user
    presses; the page marks them up, so a test follows the very text people read."""

    text: object
    do: str | None = None  # what else it asks on the page: "type" answers, "attach" evidence
    phone: bool = False  # only at phone size (the menu is folded behind its button)

    @property
    def press(self) -> list[str]:
        return [str(label) for label in getattr(self.text, "_kwargs", {}).values()]


@dataclass(frozen=True)
class Task:
    anchor: str
    title: object
    steps: tuple[Step | object, ...]  # plain text for a step that names nothing to press
    screen: Screen | None = None

    def __post_init__(self):
        steps = tuple(s if isinstance(s, Step) else Step(s) for s in self.steps)
        object.__setattr__(self, "steps", steps)


@dataclass(frozen=True)
class Chapter:
    role: str
    title: object
    intro: object
    tasks: tuple[Task, ...]


GUIDE: tuple[Chapter, ...] = (
    Chapter(
        "pegawai",
        _l("Employees (pegawai)"),
        _l("Plan your SKP with your supervisor, then report your results each period."),
        (
            Task(
                "pegawai-isi",
                _l("Fill in and submit your evaluation"),
                (
                    Step(
                        _l(
                            "On a phone, open the menu first: “%(menu)s” (☰) at the top.",
                            menu=_l("Menu"),
                        ),
                        phone=True,
                    ),
                    Step(
                        _l(
                            "Open “%(menu)s → %(item)s” and press “%(button)s” next to the period's"
                            " evaluation.",
                            menu=_l("Performance"),
                            item=_l("My performance"),
                            button=_l("Fill in"),
                        )
                    ),
                    Step(
                        _l("Type each realisation; calculated values and targets update at once."),
                        do="type",
                    ),
                    Step(
                        _l("Attach evidence (PDF, JPEG or PNG up to 5 MB) or a link."), do="attach"
                    ),
                    Step(
                        _l(
                            "Press “%(button)s” at any time; it keeps even values that are not"
                            " valid yet.",
                            button=_l("Save draft"),
                        )
                    ),
                    Step(
                        _l(
                            "When every field is valid, press “%(button)s” and confirm with"
                            " “%(confirm)s”.",
                            button=_l("Submit"),
                            confirm=_l("Yes, submit"),
                        )
                    ),
                ),
                Screen("pegawai.dinkes", "/my/", phone=True),
            ),
            Task(
                "pegawai-kembali",
                _l("When your evaluation is returned"),
                (
                    _l("The bell in the top bar and your home page tell you it was returned."),
                    _l("Read the reason and the comments next to each indicator."),
                    _l("Correct the answers, then submit again."),
                ),
            ),
            Task(
                "pegawai-skp",
                _l("Plan your SKP"),
                (
                    _l("Open Performance → SKP Saya and create the SKP for the year."),
                    _l("Add your results (RHK), each linked to the supervisor's RHK it serves."),
                    _l("Give each RHK its indicators with aspect, target and unit."),
                    _l("Submit it; your supervisor agrees or returns it with a comment."),
                ),
            ),
        ),
    ),
    Chapter(
        "penilai",
        _l("Supervisors (pejabat penilai)"),
        _l("Agree your team's plans, coach during the year, then review and rate."),
        (
            Task(
                "penilai-tinjau",
                _l("Review an evaluation"),
                (
                    _l("Open Performance → Review my team; submitted evaluations come first."),
                    _l("Compare each realisation with its target and open the evidence."),
                    _l("Write a comment where something must change and return it with a reason."),
                ),
                Screen("penilai.dinkes", "/reviews/"),
            ),
            Task(
                "penilai-setujui",
                _l("Rate and approve"),
                (
                    _l("Rate the seven BerAKHLAK values and write feedback and a recommendation."),
                    _l("Press Approve: the portal shows the ratings and the predikat first."),
                    _l("Confirm, or change a rating with a reason (it is recorded)."),
                ),
            ),
        ),
    ),
    Chapter(
        "admin-unit",
        _l("Unit admins"),
        _l("Design your unit's indicator forms and evaluation templates, then assign them."),
        (
            Task(
                "admin-formulir",
                _l("Build an indicator form"),
                (
                    _l("Open Performance → Indicator forms and create a form for your unit."),
                    _l("Add fields, drag them into order, and set targets and weights."),
                    _l("Watch the live preview; fields with problems show them in place."),
                    _l("Publish it: a published version never changes."),
                ),
                Screen("admin.dinkes", "/builder/"),
            ),
            Task(
                "admin-tugaskan",
                _l("Use it in a template and assign it"),
                (
                    _l("After publishing, follow 'Use it in a template'; the weights total 100."),
                    _l("Publish the template, then 'Assign it' to the unit for the period."),
                    _l("The result lists who has it and who still has no evaluator."),
                ),
            ),
        ),
    ),
    Chapter(
        "bkpsdm",
        _l("HR (BKPSDM)"),
        _l("Run the periods, follow every unit and print the official documents."),
        (
            Task(
                "bkpsdm-periode",
                _l("Open and close a period"),
                (
                    _l("Open Organisation → Evaluation periods and open the new period."),
                    _l("Everyone with an account is told; follow progress on the dashboard."),
                    _l("Before closing, the portal shows what is unfinished in each unit."),
                ),
                Screen("hr", "/dashboard/"),
            ),
            Task(
                "bkpsdm-rekap",
                _l("Recaps and announcements"),
                (
                    _l("Open Recaps & exports, choose the period and unit, download PDF or XLSX."),
                    _l("Write announcements for everyone under Performance → Announcements."),
                ),
            ),
        ),
    ),
)

# The guide section that explains each page (by view), for the "?" button.
HELP = {
    "MyPerformanceView": "pegawai-isi",
    "SkpView": "pegawai-skp",
    "ReviewView": "penilai-tinjau",
    "FormBuilderView": "admin-formulir",
    "TemplateDesignerView": "admin-tugaskan",
    "AssignmentView": "admin-tugaskan",
    "PeriodView": "bkpsdm-periode",
    "PeriodAdminView": "bkpsdm-periode",
    "DashboardView": "bkpsdm-periode",
    "RecapView": "bkpsdm-rekap",
    "AnnouncementView": "bkpsdm-rekap",
    "JobView": "bkpsdm-rekap",
    "NotificationView": "pegawai-kembali",
    "AlignmentView": "pegawai-skp",
}


# The first-login tour per role: a few highlighted parts of the landing page (CSS selector,
# text); a step whose element is missing is shown in the middle of the page.
_COMMON_STEPS = (
    ("#page-help", _l("Every page has this “?”: it opens the guide at the part about that page.")),
    (
        "#notification-bell",
        _l("The bell counts what waits for you; each notification opens its page."),
    ),
)
TOURS = {
    "pegawai": (
        *_COMMON_STEPS,
        ("#my-actions", _l("Here the portal lists what to do next: your SKP, your evaluation.")),
    ),
    "penilai": (
        *_COMMON_STEPS,
        (None, _l("Under Performance: Review my team and SKP approvals hold what waits for you.")),
    ),
    "admin-unit": (
        *_COMMON_STEPS,
        (None, _l("Under Performance: build indicator forms, templates, and assign them.")),
    ),
    "bkpsdm": (
        *_COMMON_STEPS,
        ("#top-search-q", _l("Find any employee by name or NIP.")),
        (None, _l("Open and close periods under Organisation; follow every unit here.")),
    ),
}
_TOUR_OF_ROLE = (("HR", "bkpsdm"), ("UnitAdmin", "admin-unit"), ("Supervisor", "penilai"),
                 ("Employee", "pegawai"))  # fmt: skip


def tour_of(roles) -> str | None:
    """The tour of a user's main role (HR first), if any."""
    return next((tour for role, tour in _TOUR_OF_ROLE if role in roles), None)


def _seen(user_id: int, tour: str) -> bool:
    return (
        db.session.scalar(
            select(TourSeen.id).where(TourSeen.user_id == user_id, TourSeen.tour == tour)
        )
        is not None
    )


def pending_tour(user_id: int, roles) -> str | None:
    """The user's tour, unless they have been through it."""
    tour = tour_of(roles)
    return None if tour is None or _seen(user_id, tour) else tour


def mark_tour_seen(user_id: int, tour: str) -> None:
    """Never show `tour` to the user again (finished or dismissed)."""
    if tour in TOURS and not _seen(user_id, tour):
        db.session.add(TourSeen(user_id=user_id, tour=tour))
        db.session.commit()


def screens_dir() -> Path:
    """Where `flask guide screens` writes the pictures (not in the repository)."""
    return Path(current_app.instance_path) / "guide"


def screen_name(task: Task) -> str:
    return f"{task.anchor}.png"


def has_screen(task: Task) -> bool:
    return task.screen is not None and (screens_dir() / screen_name(task)).is_file()


def anchor_for(endpoint: str | None) -> str | None:
    """The section for a page's endpoint ("ReviewView.review" → "penilai-tinjau")."""
    return HELP.get((endpoint or "").split(".")[0])


def tasks_with_screens() -> list[Task]:
    return [task for chapter in GUIDE for task in chapter.tasks if task.screen is not None]
