"""Closed vocabularies of the domain, stored as short strings."""

from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l


class LabelledEnum(enum.StrEnum):
    """A string enum whose members carry a translated label."""

    @property
    def label(self) -> str:
        return str(_LABELS[(type(self), self.value)])

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(m.value, m.label) for m in cls]


class UnitKind(LabelledEnum):
    SEKRETARIAT = "sekretariat"
    DINAS = "dinas"
    BADAN = "badan"
    INSPEKTORAT = "inspektorat"
    SATUAN = "satuan"
    KECAMATAN = "kecamatan"
    PUSKESMAS = "puskesmas"
    RSUD = "rsud"
    BIDANG = "bidang"
    SEKOLAH = "sekolah"


class EmploymentStatus(LabelledEnum):
    PNS = "PNS"
    PPPK = "PPPK"


class JabatanType(LabelledEnum):
    JPT_PRATAMA = "jpt_pratama"
    ADMINISTRATOR = "administrator"
    PENGAWAS = "pengawas"
    PELAKSANA = "pelaksana"
    FUNGSIONAL_KEAHLIAN = "fungsional_keahlian"
    FUNGSIONAL_KETERAMPILAN = "fungsional_keterampilan"


class PeriodKind(LabelledEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    ANNUAL = "annual"


class PeriodState(LabelledEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class SubmissionState(LabelledEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    APPROVED = "approved"


_LABEL_TEXTS = [
    (UnitKind.SEKRETARIAT, _l("Secretariat")),
    (UnitKind.DINAS, _l("Agency (dinas)")),
    (UnitKind.BADAN, _l("Board (badan)")),
    (UnitKind.INSPEKTORAT, _l("Inspectorate")),
    (UnitKind.SATUAN, _l("Unit (satuan)")),
    (UnitKind.KECAMATAN, _l("District office (kecamatan)")),
    (UnitKind.PUSKESMAS, _l("Community health centre (puskesmas)")),
    (UnitKind.RSUD, _l("Regional hospital (RSUD)")),
    (UnitKind.BIDANG, _l("Division (bidang)")),
    (UnitKind.SEKOLAH, _l("School")),
    (EmploymentStatus.PNS, _l("PNS (civil servant)")),
    (EmploymentStatus.PPPK, _l("PPPK (contract civil servant)")),
    (JabatanType.JPT_PRATAMA, _l("JPT Pratama")),
    (JabatanType.ADMINISTRATOR, _l("Administrator")),
    (JabatanType.PENGAWAS, _l("Supervisory (pengawas)")),
    (JabatanType.PELAKSANA, _l("Executive (pelaksana)")),
    (JabatanType.FUNGSIONAL_KEAHLIAN, _l("Functional, expert level")),
    (JabatanType.FUNGSIONAL_KETERAMPILAN, _l("Functional, skilled level")),
    (PeriodKind.MONTHLY, _l("Monthly")),
    (PeriodKind.QUARTERLY, _l("Quarterly")),
    (PeriodKind.ANNUAL, _l("Annual")),
    (PeriodState.DRAFT, _l("Draft")),
    (PeriodState.OPEN, _l("Open")),
    (PeriodState.CLOSED, _l("Closed")),
    (SubmissionState.DRAFT, _l("Draft")),
    (SubmissionState.SUBMITTED, _l("Submitted")),
    (SubmissionState.RETURNED, _l("Returned for revision")),
    (SubmissionState.APPROVED, _l("Approved")),
]
# Keyed by class and value: members of different str enums with equal values compare equal.
_LABELS = {(type(member), member.value): text for member, text in _LABEL_TEXTS}
