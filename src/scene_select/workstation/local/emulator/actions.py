"""The ICE actions the emulator implements, answering as ICE answers (docs/ice-api.md#actions-used).

- ``SubmitSceneMediaSelectionJob``: validates the configs with ``SelectionJobRequest.from_wire`` (a broken
  rule → ``InvalidParameter`` whose message names the field), stores the job in Init, queues it, answers
  ``{JobId}``. The configs are echoed later exactly as submitted.
- ``SubmitSceneTimelineOrganizationJob`` (JobType ``*_Timeline_Organize``) and ``SubmitSceneBatchEditingJob``
  (stored as JobType ``Scene_Batch_Editing``): checked by scene_requests.py, stored with their
  ExtendInput (the selection; the project ids as a JSON array string), queued, answered ``{JobId}``.
- ``GetBatchMediaProducingJob``: the job as ``EditingBatchJob`` — ExtendInput when the job has one,
  ExtendOutput once a selection Finished, Extend with ErrorCode/ErrorMessage once Failed, and SubJobList:
  one entry per editing project (timeline organisation) or per video (batch editing); selection jobs
  have none.
- ``GetEditingProject``: ``{Project}`` with its Timeline (a JSON string), Status, Duration and times; an
  unknown ProjectId is ``InvalidParameter.ProjectNotExist``.
- ``ListBatchMediaProducingJobs``: filters Status, JobType, JobId, StartTime/EndTime (on CreateTime),
  SortBy desc|asc, pages with MaxResults (1–100, default 10) and an opaque NextToken (absent on the last
  page); every job type is listed; items carry no ExtendOutput, ExtendInput or SubJobList (the SDK's
  list model has none).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from typing import Any

from scene_select.workstation.local.emulator.api_errors import ApiError, invalid_parameter
from scene_select.workstation.local.emulator.callbacks import initial_callback_state
from scene_select.workstation.local.emulator.job_store import (
    EditingProjectRow,
    JobFilter,
    JobRow,
    JobStore,
    format_time,
    parse_time,
)
from scene_select.workstation.local.emulator.requests import ApiRequest
from scene_select.workstation.local.emulator.scene_requests import (
    BATCH_EDITING_JOB_TYPE,
    batch_editing_params,
    job_configs,
    project_not_found,
    timeline_params,
)

__all__ = ["ACTIONS", "IceActions"]

SUBMIT = "SubmitSceneMediaSelectionJob"
TIMELINE = "SubmitSceneTimelineOrganizationJob"
BATCH_EDITING = "SubmitSceneBatchEditingJob"
GET = "GetBatchMediaProducingJob"
LIST = "ListBatchMediaProducingJobs"
PROJECT = "GetEditingProject"
ACTIONS = frozenset({SUBMIT, TIMELINE, BATCH_EDITING, GET, LIST, PROJECT})

_JOB_ID = re.compile(r"^[0-9a-fA-F]{32}$")
_STATUSES = ("Init", "Processing", "Finished", "Failed")
_TOKEN_PREFIX = "v1:"


class IceActions:
    """Turns a decoded request into the response body (without RequestId) or an ApiError."""

    def __init__(self, store: JobStore, enqueue: Callable[[str], None]) -> None:
        self._store = store
        self._enqueue = enqueue

    def handle(self, action: str, request: ApiRequest) -> dict[str, Any]:
        if action == SUBMIT:
            return self.submit(request)
        if action == TIMELINE:
            return self.submit_timeline(request)
        if action == BATCH_EDITING:
            return self.submit_batch_editing(request)
        if action == GET:
            return self.get(request)
        if action == LIST:
            return self.list(request)
        if action == PROJECT:
            return self.get_project(request)
        raise ApiError("InvalidApi.NotFound", "Specified api is not found, please check your url and method.", 404)

    def submit(self, request: ApiRequest) -> dict[str, Any]:
        job_type = request.required("JobType")
        configs = job_configs(request, job_type)
        return self._accept(
            job_type=job_type,
            input_config=configs.input_config,
            output_config=configs.output_config,
            editing_config=configs.editing_config,
            user_data=configs.user_data,
        )

    def submit_timeline(self, request: ApiRequest) -> dict[str, Any]:
        params = timeline_params(request)
        return self._accept(
            job_type=params.job_type,
            input_config=params.input_config,
            output_config=params.output_config,
            editing_config=params.editing_config,
            user_data=params.user_data,
            extend_input=params.media_select_result,
        )

    def submit_batch_editing(self, request: ApiRequest) -> dict[str, Any]:
        params = batch_editing_params(request, lambda project_id: self._store.get_project(project_id) is not None)
        return self._accept(
            job_type=BATCH_EDITING_JOB_TYPE,
            input_config="",
            output_config=params.output_config,
            editing_config=None,
            user_data=params.user_data,
            extend_input=params.extend_input,
        )

    def _accept(
        self,
        *,
        job_type: str,
        input_config: str,
        output_config: str,
        editing_config: str | None,
        user_data: str | None,
        extend_input: str | None = None,
    ) -> dict[str, Any]:
        """Store a checked job, queue it for the runner and answer with its JobId, as every Submit* does."""
        row = self._store.create(
            job_type=job_type,
            input_config=input_config,
            output_config=output_config,
            editing_config=editing_config,
            user_data=user_data,
            callback_state=initial_callback_state(user_data),
            extend_input=extend_input,
        )
        self._enqueue(row.job_id)
        return {"JobId": row.job_id}

    def get_project(self, request: ApiRequest) -> dict[str, Any]:
        project_id = request.required("ProjectId")
        project = self._store.get_project(project_id.strip())
        if project is None:
            raise project_not_found(project_id)
        return {"Project": _project_fields(project)}

    def get(self, request: ApiRequest) -> dict[str, Any]:
        job_id = request.required("JobId")
        if not _JOB_ID.match(job_id):
            raise invalid_parameter(f"The specified parameter JobId is not valid: {job_id!r} is not 32 hex characters.")
        row = self._store.get(job_id.lower())
        if row is None:
            raise invalid_parameter(f"The specified job does not exist: {job_id}.", code="InvalidParameter.JobNotExist")
        job = _job_fields(row)
        if row.extend_input is not None:
            job["ExtendInput"] = row.extend_input
        if row.extend_output is not None:
            job["ExtendOutput"] = row.extend_output
        job["SubJobList"] = row.sub_job_list
        return {"EditingBatchJob": job}

    def list(self, request: ApiRequest) -> dict[str, Any]:
        max_results = _max_results(request.param("MaxResults"))
        filters = JobFilter(
            status=_status(request.param("Status")),
            job_type=request.param("JobType") or None,
            job_id=request.param("JobId") or None,
            start_time=_time_param(request, "StartTime"),
            end_time=_time_param(request, "EndTime"),
            descending=_descending(request.param("SortBy")),
        )
        after = _decode_token(request.param("NextToken"), filters.descending)
        rows = self._store.query(filters, after_seq=after, limit=max_results + 1)
        page, more = rows[:max_results], len(rows) > max_results
        body: dict[str, Any] = {"MaxResults": max_results, "EditingBatchJobList": [_job_fields(r) for r in page]}
        if more:
            body["NextToken"] = _encode_token(page[-1].seq, filters.descending)
        return body


def _job_fields(row: JobRow) -> dict[str, Any]:
    """The fields Get and List share; absent values are left out, as ICE leaves them out."""
    fields: dict[str, Any] = {
        "JobId": row.job_id,
        "JobType": row.job_type,
        "Status": row.status,
        "InputConfig": row.input_config or None,  # batch editing has none
        "EditingConfig": row.editing_config,
        "OutputConfig": row.output_config,
        "UserData": row.user_data,
        "Extend": row.extend,
        "CreateTime": row.create_time,
        "ModifiedTime": row.modified_time,
        "CompleteTime": row.complete_time,
    }
    return {name: value for name, value in fields.items() if value is not None}


def _project_fields(project: EditingProjectRow) -> dict[str, Any]:
    """GetEditingProject's ``Project``: what ICE documents that the emulator has."""
    fields: dict[str, Any] = {
        "ProjectId": project.project_id,
        "Title": project.title,
        "Timeline": project.timeline,
        "Status": project.status,
        "Duration": project.duration,
        "CreateTime": project.create_time,
        "ModifiedTime": project.modified_time,
        "CreateSource": "OpenAPI",
        "ModifiedSource": "OpenAPI",
        "ProjectType": "EditingProject",
        "TemplateType": "Timeline",
    }
    return {name: value for name, value in fields.items() if value is not None}


def _max_results(raw: str | None) -> int:
    if raw is None or raw == "":
        return 10
    if not raw.isdigit() or not 1 <= int(raw) <= 100:
        raise invalid_parameter(f"The specified parameter MaxResults is not valid: {raw!r}; use 1 to 100.")
    return int(raw)


def _status(raw: str | None) -> str | None:
    if raw is None or raw == "":
        return None
    if raw not in _STATUSES:
        raise invalid_parameter(f"The specified parameter Status is not valid: {raw!r}; use one of {_STATUSES}.")
    return raw


def _descending(raw: str | None) -> bool:
    if raw is None or raw == "" or raw.lower() == "desc":
        return True
    if raw.lower() == "asc":
        return False
    raise invalid_parameter(f"The specified parameter SortBy is not valid: {raw!r}; use 'desc' or 'asc'.")


def _time_param(request: ApiRequest, name: str) -> str | None:
    raw = request.param(name)
    if raw is None or raw == "":
        return None
    try:
        return format_time(parse_time(raw))
    except ValueError as exc:
        raise invalid_parameter(
            f"The specified parameter {name} is not valid: {raw!r}; use UTC ISO 8601 like 2024-01-09T08:37:24Z."
        ) from exc


def _encode_token(seq: int, descending: bool) -> str:
    text = f"{_TOKEN_PREFIX}{'desc' if descending else 'asc'}:{seq}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode_token(raw: str | None, descending: bool) -> int | None:
    if raw is None or raw == "":
        return None
    try:
        text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
        prefix, direction, seq = text.split(":")
        if f"{prefix}:" != _TOKEN_PREFIX or direction != ("desc" if descending else "asc"):
            raise ValueError(text)
        return int(seq)
    except (ValueError, UnicodeDecodeError, binascii.Error) as exc:
        raise invalid_parameter(
            f"The specified parameter NextToken is not valid: {raw!r}; pass the NextToken of the previous page "
            "with the same SortBy."
        ) from exc
