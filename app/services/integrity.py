"""Records others refer to are never hard-deleted (rekam jejak): what refers to a record.

Every foreign key in the schema is asked, so a table added later is covered without
changes here. Keys declared ``ON DELETE SET NULL`` or ``CASCADE`` do not block: the
database handles them and no history is lost.
"""

from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    EvaluationPeriod,
    EvaluationTemplate,
    FormVersion,
    IndicatorForm,
    TemplateVersion,
)
from app.models.org import Employee, Unit

# What a referring row is, in words (plural), by table.
_TABLE_LABELS = {
    "units": _l("units"),
    "employees": _l("employees"),
    "submissions": _l("evaluations"),
    "evidence_files": _l("evidence files"),
    "audit_entries": _l("audit entries"),
    "issued_documents": _l("issued documents"),
    "signatories": _l("signatories"),
    "unit_ratings": _l("unit ratings"),
    "indicator_forms": _l("indicator forms"),
    "form_versions": _l("form versions"),
    "evaluation_templates": _l("evaluation templates"),
    "template_versions": _l("template versions"),
    "ikus": _l("key indicators (IKU)"),
    "iku_targets": _l("IKU targets"),
    "awards": _l("awards"),
}

# The operation to use instead of deleting, by model.
_INSTEAD = {
    Employee: _l(
        "Deactivate the employee instead: they leave the pickers and assignments "
        "but stay in the history."
    ),
    Unit: _l("Archive the unit instead: it leaves the pickers but stays in the history."),
    EvaluationPeriod: _l(
        "A period can be deleted only while it has no submissions or other records."
    ),
    IndicatorForm: _l("Archive the form instead."),
    FormVersion: _l("Published versions are kept; archive the form instead."),
    EvaluationTemplate: _l("Archive the template instead."),
    TemplateVersion: _l("Published versions are kept; archive the template instead."),
}


_NON_BLOCKING = {"SET NULL", "CASCADE"}


class DeletionRefused(Exception):
    """The record is referred to; the message explains by what and what to do instead."""


def references(item) -> dict[str, int]:
    """How many rows of each table refer to `item` through a blocking foreign key."""
    table = item.__table__
    found: dict[str, int] = {}
    for other in db.metadata.sorted_tables:
        for fk in other.foreign_keys:
            if fk.column.table is not table or (fk.ondelete or "").upper() in _NON_BLOCKING:
                continue
            query = (
                select(func.count())
                .select_from(other)
                .where(fk.parent == getattr(item, fk.column.key))
            )
            if count := db.session.scalar(query):
                found[other.name] = found.get(other.name, 0) + count
    return found


def refusal(item) -> str | None:
    """Why `item` may not be deleted (translated), or None when nothing refers to it."""
    found = references(item)
    if not found:
        return None
    what = ", ".join(
        f"{count} {_TABLE_LABELS.get(name, name)}" for name, count in sorted(found.items())
    )
    message = gettext(
        "“%(record)s” cannot be deleted: %(what)s refer to it.", record=str(item), what=what
    )
    instead = _INSTEAD.get(type(item))
    return f"{message} {instead}" if instead else message


def check_deletable(item) -> None:
    """Raise `DeletionRefused` when something refers to `item`."""
    if message := refusal(item):
        raise DeletionRefused(message)


def refused_by_database() -> str:
    """The message when the database itself refused a delete (the last line of defence)."""
    return gettext("This record cannot be deleted: other records refer to it.")
