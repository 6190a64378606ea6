"""Domain models. Importing this package registers every table on `Model.metadata`."""

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
from app.models.jobs import Job
from app.models.org import Employee, Unit
from app.models.periods import EvaluationPeriod
from app.models.recognition import Award, Iku, IkuTarget, PolicySetting
from app.models.reference import BehaviourValue, Rank

__all__ = [
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
    "Employee",
    "EvaluationPeriod",
    "FormVersion",
    "IndicatorForm",
    "IssuedDocument",
    "Job",
    "Rank",
    "Signatory",
    "Unit",
]
