"""`/api/v1/submission/<id>/evidence`: supporting evidence (bukti dukung) through the API.

The same checks, limits and scoping as the "Kinerja Saya" page: the employee uploads
and removes evidence while the submission is editable in an open period; whoever may
see the submission (evaluator, unit admin, HR) may download it. Shares the URL prefix
of `SubmissionApi`; FAB names blueprints and permissions after the class.
"""

from __future__ import annotations

from pathlib import Path

from flask import g, request
from flask_appbuilder.api import BaseApi
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import RequestEntityTooLarge

from app.api.errors import ApiContract, ApiError, endpoint, load_args, refusals, scoped
from app.api.schemas import MAX_ID
from app.extensions import db
from app.models import Evidence, Submission
from app.scope import current_scope, visible_submissions
from app.services import evidence as evidence_service
from app.services.submission_forms import attach_evidence, detach_evidence
from app.services.submissions import SubmissionConflict

MISSING = _l("This part is missing.")


def _is_upload(value) -> None:
    if not isinstance(value, FileStorage) or not value.filename:
        raise ValidationError(str(_l("Choose a file to upload.")))
    if not value.filename.isprintable():  # control characters (NUL: PostgreSQL refuses it)
        raise ValidationError(str(_l("The file name contains characters that are not allowed.")))


def _lock_version() -> fields.Integer:
    whole = _l("Give a whole number.")
    return fields.Integer(
        load_default=None,
        validate=validate.Range(min=0, max=MAX_ID, error=whole),
        error_messages={"invalid": whole},
        metadata={"description": "the submission's lock_version as last read (optional)"},
    )


class EvidenceUploadSchema(Schema):
    """A multipart upload of one evidence file for one evidence field."""

    __component_name__ = "EvidenceUpload"

    class Meta:
        unknown = EXCLUDE

    field = fields.String(
        required=True,
        error_messages={"required": MISSING, "invalid": _l("Give the field as text.")},
        metadata={"description": '"<form version id>:<field key>"', "example": "12:bukti"},
    )
    file = fields.Raw(
        required=True,
        validate=_is_upload,
        error_messages={"required": MISSING},
        metadata={"type": "string", "format": "binary", "description": "PDF, JPEG or PNG, 5 MB"},
    )
    lock_version = _lock_version()


class EvidenceRemoveSchema(Schema):
    """The query of a removal."""

    class Meta:
        unknown = EXCLUDE

    lock_version = _lock_version()


class EvidenceSchema(Schema):
    """A stored evidence file of a submission."""

    __component_name__ = "Evidence"

    id = fields.Integer()
    field = fields.String(attribute="field_ref")
    name = fields.String(attribute="original_name")
    content_type = fields.String()
    size = fields.Integer()
    lock_version = fields.Integer(attribute="submission.lock_version")


UPLOAD_SCHEMA = EvidenceUploadSchema()
REMOVE_SCHEMA = EvidenceRemoveSchema()
EVIDENCE_SCHEMA = EvidenceSchema()


def _download_name(evidence: Evidence) -> str:
    """The original name without control characters, quotes or paths, ending in its type."""
    name = "".join(c for c in evidence.original_name if c.isprintable() and c not in '"\\/')
    name = name.strip() or "bukti"
    if Path(name).suffix.lower() not in evidence_service.SUFFIXES[evidence.content_type]:
        name += evidence_service.ALLOWED[evidence.content_type]
    return name


class SubmissionEvidenceApi(ApiContract, BaseApi):
    """Evidence files of a submission: upload, download, remove."""

    resource_name = "submission"
    allow_browser_login = False  # the session cookie must not bypass CSRF
    openapi_spec_tag = "Submissions"
    openapi_spec_component_schemas = (
        *ApiContract.openapi_spec_component_schemas,
        EvidenceUploadSchema,
        EvidenceSchema,
    )

    @staticmethod
    def _evidence(pk: int, evidence_id: int) -> tuple[Submission, Evidence]:
        """The submission and one of its evidence files (else 404)."""
        submission = scoped(Submission, pk, visible_submissions)
        evidence = db.session.get(Evidence, evidence_id)
        if evidence is None or evidence.submission_id != submission.id:
            raise ApiError(404)
        return submission, evidence

    @endpoint("/<int:pk>/evidence", "POST", "post")
    def upload(self, pk):
        """Upload an evidence file as the answer of one evidence field.
        ---
        post:
          operationId: uploadEvidence
          summary: Upload an evidence file (bukti dukung) for one evidence field
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          requestBody:
            required: true
            content:
              multipart/form-data:
                schema: {$ref: '#/components/schemas/EvidenceUpload'}
          responses:
            201:
              description: Stored, and recorded as the field's answer
              content:
                application/json:
                  schema: {$ref: '#/components/schemas/Evidence'}
            409: {$ref: '#/components/responses/409'}
        """
        submission = scoped(Submission, pk, visible_submissions)
        if request.mimetype != "multipart/form-data":
            raise ApiError(415, _l("Send the file as multipart/form-data."))
        try:
            posted = {**request.form.to_dict(), **request.files.to_dict()}
        except RequestEntityTooLarge:
            raise ApiError(413, errors={"file": [_l("The file is larger than 5 MB.")]}) from None
        data = UPLOAD_SCHEMA.load(posted)
        with refusals(SubmissionConflict):
            evidence = attach_evidence(
                submission, data["field"], data["file"], current_scope(), g.user.id,
                lock_version=data["lock_version"],
            )  # fmt: skip
        return self.response(201, **EVIDENCE_SCHEMA.dump(evidence))

    @endpoint("/<int:pk>/evidence/<int:evidence_id>", "GET", "get")
    def download(self, pk, evidence_id):
        """Download one evidence file of the submission.
        ---
        get:
          operationId: downloadEvidence
          summary: Download an evidence file
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          - {in: path, name: evidence_id, required: true, schema: {type: integer}}
          responses:
            200:
              description: The file, as an attachment
              content:
                application/pdf: {schema: {type: string, format: binary}}
                image/jpeg: {schema: {type: string, format: binary}}
                image/png: {schema: {type: string, format: binary}}
        """
        _submission, evidence = self._evidence(pk, evidence_id)
        response = evidence_service.send(
            evidence, as_attachment=True, download_name=_download_name(evidence), max_age=0
        )
        if response is None:
            raise ApiError(404)
        response.headers["Cache-Control"] = "private, no-store"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    @endpoint("/<int:pk>/evidence/<int:evidence_id>", "DELETE", "delete")
    def remove(self, pk, evidence_id):
        """Remove an evidence file from the submission's answers.
        ---
        delete:
          operationId: deleteEvidence
          summary: Remove an evidence file from the answers (the audit trail keeps the file)
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          - {in: path, name: evidence_id, required: true, schema: {type: integer}}
          - in: query
            name: lock_version
            required: false
            schema: {type: integer, minimum: 0}
            description: the submission's lock_version as last read
          responses:
            204: {description: Removed from the answers}
            409: {$ref: '#/components/responses/409'}
        """
        submission, evidence = self._evidence(pk, evidence_id)
        query = load_args(REMOVE_SCHEMA)
        with refusals(SubmissionConflict):
            detach_evidence(
                submission, evidence, current_scope(), g.user.id, lock_version=query["lock_version"]
            )
        return "", 204
