"""Reading and checking the parameters of the two scene actions that follow a selection.

ICE's SDK puts SubmitSceneTimelineOrganizationJob's JobType, MediaSelectResult, OutputConfig and UserData
in the query and InputConfig/EditingConfig in the form body, and everything of SubmitSceneBatchEditingJob
in the query; the emulator accepts each from either place, as it does for the selection job
(requests.py). A rule broken is ``InvalidParameter`` with a message that names the parameter, the value
and the rule, before anything is stored:

* timeline organisation: a known JobType; InputConfig, OutputConfig, EditingConfig and UserData by the
  selection job's own rules (the same configs are sent again, as ICE's examples do); MediaSelectResult a
  JSON object of the JobType's shape (``textMatchMediaOutputList`` for smart mix,
  ``highlightMediaOutputList`` for highlights), every output with something to play, every clip with
  readable times and media that are the MediaArray's;
* batch editing: ProjectIds a comma-separated list of distinct, known projects (at most 100); OutputConfig
  a JSON object with an http(s) MediaURL — with ``{index}`` when there are several projects, or every video
  would be written to one URL — and Width/Height by the selection job's rules; UserData as above.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from scene_select.cloud.errors import JobConfigError
from scene_select.cloud.models.job_config import OutputConfig, SelectionJobRequest, UserData
from scene_select.cloud.models.job_type import JobType
from scene_select.cloud.models.step_requests import BATCH_EDITING_JOB_TYPE, MAX_PROJECT_IDS
from scene_select.cloud.models.wire import compact_json, describe_validation_error, load_json_object
from scene_select.workstation.local.emulator.api_errors import ApiError, invalid_parameter
from scene_select.workstation.local.emulator.requests import ApiRequest
from scene_select.workstation.render.timeline import SelectionError, parse_selection, unknown_media

__all__ = [
    "BATCH_EDITING_JOB_TYPE",
    "PROJECT_NOT_FOUND",
    "TIMELINE_JOB_TYPES",
    "BatchEditingParams",
    "JobConfigs",
    "TimelineParams",
    "batch_editing_params",
    "job_configs",
    "project_not_found",
    "timeline_params",
]

TIMELINE_JOB_TYPES = {
    "Smart_Mix_Timeline_Organize": JobType.SMART_MIX,
    "Screen_Media_Highlights_Timeline_Organize": JobType.HIGHLIGHTS,
}
"""Each timeline JobType with the selection JobType whose results (and configs) it takes."""
_SELECTION_KEYS = {JobType.SMART_MIX: "textMatchMediaOutputList", JobType.HIGHLIGHTS: "highlightMediaOutputList"}
PROJECT_NOT_FOUND = "InvalidParameter.ProjectNotExist"
"""Our code for an unknown ProjectId (ICE documents none; docs/ice-api.md#assumptions)."""


def project_not_found(project_id: str) -> ApiError:
    return invalid_parameter(f"The specified editing project does not exist: {project_id}.", code=PROJECT_NOT_FOUND)


@dataclass(frozen=True)
class TimelineParams:
    """A checked SubmitSceneTimelineOrganizationJob, with its parameters as they came (ICE echoes them)."""

    job_type: str
    media_select_result: str
    input_config: str
    output_config: str
    editing_config: str | None
    user_data: str | None


@dataclass(frozen=True)
class BatchEditingParams:
    """A checked SubmitSceneBatchEditingJob: the projects in order, OutputConfig and UserData as they came."""

    project_ids: list[str]
    output_config: str
    user_data: str | None

    @property
    def extend_input(self) -> str:
        """ExtendInput of a batch-editing job: the project ids as a JSON array string (ICE's example)."""
        return compact_json(self.project_ids)


def timeline_params(request: ApiRequest) -> TimelineParams:
    """The checked parameters of SubmitSceneTimelineOrganizationJob, or the ApiError ICE would answer."""
    job_type = request.required("JobType")
    selection_type = TIMELINE_JOB_TYPES.get(job_type)
    if selection_type is None:
        accepted = " or ".join(TIMELINE_JOB_TYPES)
        raise invalid_parameter(f"The specified parameter JobType is not valid: {job_type!r}; use {accepted}.")
    media_select_result = request.required("MediaSelectResult")
    configs = job_configs(request, selection_type.value)
    _check_selection(media_select_result, selection_type, configs.parsed.input_config.media_array)
    return TimelineParams(
        job_type,
        media_select_result,
        configs.input_config,
        configs.output_config,
        configs.editing_config,
        configs.user_data,
    )


@dataclass(frozen=True)
class JobConfigs:
    """InputConfig, OutputConfig, EditingConfig and UserData as they came (ICE echoes them), and checked."""

    input_config: str
    output_config: str
    editing_config: str | None
    user_data: str | None
    parsed: SelectionJobRequest


def job_configs(request: ApiRequest, selection_type: str) -> JobConfigs:
    """The configs of a selection or timeline job, checked by the selection job's rules, or InvalidParameter."""
    input_config = request.required("InputConfig")
    output_config = request.required("OutputConfig")
    editing_config = request.param("EditingConfig") or None
    user_data = request.param("UserData") or None
    try:
        parsed = SelectionJobRequest.from_wire(selection_type, input_config, output_config, editing_config, user_data)
    except JobConfigError as exc:
        raise invalid_parameter(str(exc)) from exc
    return JobConfigs(input_config, output_config, editing_config, user_data, parsed)


def _check_selection(text: str, selection_type: JobType, media_array: list[str]) -> None:
    def refuse(detail: str) -> ApiError:
        return invalid_parameter(f"The specified parameter MediaSelectResult is not valid: {detail}.")

    try:
        decoded = load_json_object("MediaSelectResult", text)
    except JobConfigError as exc:
        raise refuse(str(exc)) from exc
    key = _SELECTION_KEYS[selection_type]
    if key not in decoded:
        raise refuse(
            f"a {selection_type.value} result has {key} (the selection job's ExtendOutput); got keys {sorted(decoded)}"
        )
    try:
        outputs = parse_selection(decoded, media_array)
    except SelectionError as exc:
        raise refuse(str(exc)) from exc
    if not outputs:
        raise refuse(f"{key} is empty: there is no output to arrange")
    for number, output in enumerate(outputs):
        clips = [c for s in output.sentences for c in s.clips] + list(output.highlights)
        if not clips:
            raise refuse(f"{key}[{number}] has no clip: nothing to put on its timeline")
    unknown = unknown_media(outputs, media_array)
    if unknown:
        raise refuse(
            f"mediaId {', '.join(unknown[:3])} is not one of InputConfig.MediaArray's media (and no mediaURL is given)"
        )


def batch_editing_params(request: ApiRequest, project_exists: Callable[[str], bool]) -> BatchEditingParams:
    """The checked parameters of SubmitSceneBatchEditingJob, or the ApiError ICE would answer."""
    raw_ids = request.required("ProjectIds")
    project_ids = [item.strip() for item in raw_ids.split(",")]
    if any(not item for item in project_ids):
        raise invalid_parameter(
            f"The specified parameter ProjectIds is not valid: {raw_ids!r} has an empty entry; "
            "pass the project ids separated by commas."
        )
    if len(project_ids) > MAX_PROJECT_IDS:
        raise invalid_parameter(
            f"The specified parameter ProjectIds is not valid: {len(project_ids)} projects, at most {MAX_PROJECT_IDS}."
        )
    seen: set[str] = set()
    for project_id in project_ids:
        if project_id in seen:
            raise invalid_parameter(
                f"The specified parameter ProjectIds is not valid: {project_id} is listed twice (each project is "
                "rendered once)."
            )
        seen.add(project_id)
    output_config = request.required("OutputConfig")
    user_data = request.param("UserData") or None
    _check_output(output_config, several=len(project_ids) > 1)
    if user_data is not None:
        try:
            UserData.model_validate(load_json_object("UserData", user_data))
        except JobConfigError as exc:
            raise invalid_parameter(str(exc)) from exc
        except ValidationError as exc:
            raise invalid_parameter(describe_validation_error("UserData", exc)) from exc
    for project_id in project_ids:
        if not project_exists(project_id):
            raise project_not_found(project_id)
    return BatchEditingParams(project_ids, output_config, user_data)


def _check_output(text: str, *, several: bool) -> dict[str, Any]:
    try:
        decoded = load_json_object("OutputConfig", text)
        OutputConfig.model_validate({k: v for k, v in decoded.items() if k not in ("Count", "GeneratePreviewOnly")})
    except JobConfigError as exc:
        raise invalid_parameter(str(exc)) from exc
    except ValidationError as exc:
        raise invalid_parameter(describe_validation_error("OutputConfig", exc)) from exc
    url = decoded.get("MediaURL")
    if not isinstance(url, str) or not url:
        raise invalid_parameter("OutputConfig.MediaURL: required: the http(s) OSS URL the videos are rendered to.")
    if several and "{index}" not in url:
        raise invalid_parameter(
            "OutputConfig.MediaURL must contain {index} when ProjectIds names several projects "
            "(each video needs its own URL)."
        )
    return decoded
