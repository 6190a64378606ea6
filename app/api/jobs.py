"""`/api/v1/job/`: background jobs (pekerjaan) — start a recap, follow it, download it.

Starting answers ``202 Accepted`` with ``Location: /api/v1/job/<id>``; polling that
address gives ``{state, progress, total, result_url, error}``. A job is visible to the
user who started it, and to HR (`app.scope.visible_jobs`); others get 404.
"""

from __future__ import annotations

from flask import g, jsonify, url_for
from flask_appbuilder.api import BaseApi
from marshmallow import Schema, fields, validate

from app.api import schemas
from app.api.errors import ApiContract, ApiError, endpoint, load_body, scoped
from app.i18n import lang
from app.models import Job
from app.scope import current_scope, visible_jobs
from app.services import jobs, recaps
from app.services.job_kinds import start_recap
from app.services.jobs import status


class JobStatus(Schema):
    """A background job as its owner polls it."""

    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    label = fields.String(required=True)
    state = fields.String(required=True, validate=validate.OneOf(["queued", "running", "done",
                                                                  "failed"]))  # fmt: skip
    state_label = fields.String(required=True)
    progress = fields.Integer(required=True)
    total = fields.Integer(required=True)
    result_url = fields.String(required=True, allow_none=True)
    error = fields.String(required=True, allow_none=True)
    summary = fields.Dict(required=True)


class RecapJobBody(schemas.Strict):
    period = schemas.StrictId(required=True)
    unit = schemas.StrictId(load_default=None, allow_none=True)
    format = fields.String(
        load_default="pdf", validate=validate.OneOf(["pdf", "xlsx", "csv", "tables"])
    )


def _status(job: Job) -> dict:
    body = status(job)
    body.pop("result_name")
    done = job.state == "done" and job.result_key
    body["result_url"] = url_for("JobApi.result", pk=job.id) if done else None
    return body


def _accepted(job: Job):
    response = jsonify(_status(job))
    response.status_code = 202
    response.headers["Location"] = url_for("JobApi.get_job", pk=job.id)
    return response


class JobApi(ApiContract, BaseApi):
    """Background jobs of the caller (HR: everyone's)."""

    resource_name = "job"
    allow_browser_login = False
    openapi_spec_tag = "Jobs"
    openapi_spec_component_schemas = (*ApiContract.openapi_spec_component_schemas, JobStatus,
                                      RecapJobBody)  # fmt: skip

    @endpoint("/<int:pk>", "GET", "get")
    def get_job(self, pk):
        """State and progress of a job.
        ---
        get:
          summary: State, progress, result address and error of a background job
          operationId: get_job
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer, minimum: 1}}
          responses:
            200:
              description: The job
              content:
                application/json: {schema: {$ref: '#/components/schemas/JobStatus'}}
            404: {$ref: '#/components/responses/404'}
        """
        return jsonify(_status(scoped(Job, pk, visible_jobs)))

    @endpoint("/<int:pk>/result", "GET", "get")
    def result(self, pk):
        """The result file of a finished job.
        ---
        get:
          summary: The result file of a finished job
          operationId: get_job_result
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer, minimum: 1}}
          responses:
            200:
              description: The file (a recap as PDF, XLSX or CSV; a backup archive)
              content:
                application/pdf: {schema: {type: string, format: binary}}
                application/vnd.openxmlformats-officedocument.spreadsheetml.sheet:
                  schema: {type: string, format: binary}
                text/csv: {schema: {type: string}}
                application/gzip: {schema: {type: string, format: binary}}
                application/zip: {schema: {type: string, format: binary}}
            404: {$ref: '#/components/responses/404'}
        """
        response = jobs.send_result(scoped(Job, pk, visible_jobs))
        if response is None:
            raise ApiError(404)
        return response

    @endpoint("/<int:pk>/retry", "POST", "post")
    def retry(self, pk):
        """Run a failed job again with the same inputs.
        ---
        post:
          summary: Run a failed job again (a job that did not fail is answered as it is)
          operationId: retry_job
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer, minimum: 1}}
          responses:
            202:
              description: Queued (or already queued with the same inputs); poll the Location
              headers: {Location: {schema: {type: string}}}
              content:
                application/json: {schema: {$ref: '#/components/schemas/JobStatus'}}
            404: {$ref: '#/components/responses/404'}
        """
        return _accepted(jobs.retry(scoped(Job, pk, visible_jobs)))

    @endpoint("/recap", "POST", "post")
    def start_recap_job(self):
        """Prepare a recap in the background.
        ---
        post:
          summary: Prepare the recap of a period (one unit, or regency-wide for HR) as a job
          operationId: start_recap_job
          requestBody:
            required: true
            content:
              application/json:
                schema: {$ref: '#/components/schemas/RecapJobBody'}
          responses:
            202:
              description: Queued (or already queued with the same inputs); poll the Location
              headers: {Location: {schema: {type: string}}}
              content:
                application/json: {schema: {$ref: '#/components/schemas/JobStatus'}}
            403: {$ref: '#/components/responses/403'}
            404: {$ref: '#/components/responses/404'}
            415: {$ref: '#/components/responses/415'}
            422: {$ref: '#/components/responses/422'}
        """
        body = load_body(RecapJobBody())
        scope = current_scope()
        if body["unit"] is None and not scope.regency_wide:
            raise ApiError(403)
        try:
            job = start_recap(scope, body["period"], body["unit"], body["format"], lang(),
                              g.user.id)  # fmt: skip
        except (recaps.RecapRefused, LookupError):
            raise ApiError(404) from None
        return _accepted(job)
