"""Domain models. Importing this package registers every table on `Model.metadata`."""

from app.models.announcements import Announcement, AnnouncementRead
from app.models.calibration import AnnualEvaluation, Calibration
from app.models.documents import IssuedDocument, Signatory
from app.models.evaluation import (
    AuditEntry,
    EvaluationTemplate,
    Evidence,
    Submission,
    TemplateVersion,
    UnitRating,
)
from app.models.forms import FormVersion, IndicatorForm
from app.models.guide import TourSeen
from app.models.hierarchy import SupervisorClosure, UnitClosure
from app.models.jobs import Job
from app.models.notifications import EmailOutbox, Notification, NotificationPreference
from app.models.org import Employee, Unit
from app.models.periods import EvaluationPeriod
from app.models.planning import (
    RegencyGoal,
    RegencyIndicator,
    RegencyIndicatorTarget,
    Skp,
    SkpFeedback,
    SkpIndicator,
    SkpRhk,
    SkpVersion,
)
from app.models.recognition import Award, Iku, IkuTarget, PolicySetting
from app.models.reference import BehaviourValue, Rank

__all__ = [
    "Announcement",
    "AnnouncementRead",
    "AnnualEvaluation",
    "Calibration",
    "Award",
    "Iku",
    "IkuTarget",
    "PolicySetting",
    "AuditEntry",
    "EvaluationTemplate",
    "Evidence",
    "Submission",
    "TemplateVersion",
    "UnitRating",
    "BehaviourValue",
    "EmailOutbox",
    "Employee",
    "Notification",
    "NotificationPreference",
    "EvaluationPeriod",
    "FormVersion",
    "IndicatorForm",
    "IssuedDocument",
    "Job",
    "Rank",
    "RegencyGoal",
    "RegencyIndicator",
    "RegencyIndicatorTarget",
    "Skp",
    "SkpFeedback",
    "SkpIndicator",
    "SkpRhk",
    "SkpVersion",
    "Signatory",
    "TourSeen",
    "SupervisorClosure",
    "Unit",
    "UnitClosure",
]
