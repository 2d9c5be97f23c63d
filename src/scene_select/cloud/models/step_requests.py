"""The two ICE jobs that follow a selection: timeline organisation and batch editing, as requests.

A run whose batch asks for videos goes through three ICE jobs, one per step (docs/ice-api.md has the
sources):

- ``selection`` — SubmitSceneMediaSelectionJob (:class:`~scene_select.cloud.models.job_config.SelectionJobRequest`);
- ``timeline`` — SubmitSceneTimelineOrganizationJob(MediaSelectResult = the selection, InputConfig,
  OutputConfig, EditingConfig): ICE arranges each output into an editing project with a timeline;
- ``render`` — SubmitSceneBatchEditingJob(ProjectIds, OutputConfig): ICE renders each project to a video
  at OutputConfig.MediaURL.

Where each parameter travels is what the official SDK (``alibabacloud-ice20201109`` ≥ 6.8.0) does:
MediaSelectResult, OutputConfig, JobType and UserData in the query, InputConfig and EditingConfig in the
form body; for batch editing everything in the query, ProjectIds comma-separated. MediaSelectResult in
the query means a selection too large for one request cannot be sent at all: it is refused here with
the reason, never cut.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import Field, field_validator, model_validator

from scene_select.cloud.errors import JobConfigError
from scene_select.cloud.models.job_config import OutputConfig, SelectionJobRequest, UserData, to_wire_json
from scene_select.cloud.models.job_type import JobType
from scene_select.cloud.models.wire import PascalModel, compact_json

__all__ = [
    "MAX_MEDIA_SELECT_RESULT_BYTES",
    "MAX_PROJECT_IDS",
    "BatchEditingJobRequest",
    "TimelineJobRequest",
    "timeline_job_type",
]

MAX_MEDIA_SELECT_RESULT_BYTES = 16 * 1024
"""The largest selection (compact JSON, UTF-8) sent as MediaSelectResult. It travels in the URL query,
percent-encoded (up to 3× longer), and ICE documents no limit: 16 KiB keeps the request line under
~48 KiB, below common gateway limits. An assumption (docs/ice-api.md); a larger selection is refused."""

MAX_PROJECT_IDS = 100
"""ProjectIds per SubmitSceneBatchEditingJob: one project per output, and Count is at most 100."""

_OWN_CLIP_FIELDS = ("explain",)
"""Fields the local engine adds to each clip that ICE never sent, left out of MediaSelectResult."""


_TIMELINE_JOB_TYPES = {
    JobType.SMART_MIX: "Smart_Mix_Timeline_Organize",
    JobType.HIGHLIGHTS: "Screen_Media_Highlights_Timeline_Organize",
}
BATCH_EDITING_JOB_TYPE = "Scene_Batch_Editing"


def timeline_job_type(job_type: JobType) -> str:
    """The timeline-organisation JobType that pairs with a selection JobType."""
    return _TIMELINE_JOB_TYPES[job_type]


def media_select_result(extend_output: dict[str, Any]) -> str:
    """A selection (ICE's ExtendOutput shape) as the MediaSelectResult string: compact JSON without the
    fields only our engine adds (``explain``), refused when too large to send (never truncated)."""

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in _OWN_CLIP_FIELDS}
        if isinstance(value, list):
            return [strip(item) for item in value]
        return value

    text = compact_json(strip(extend_output))
    size = len(text.encode("utf-8"))
    if size > MAX_MEDIA_SELECT_RESULT_BYTES:
        raise JobConfigError(
            f"the selection is {size} bytes as MediaSelectResult, more than the {MAX_MEDIA_SELECT_RESULT_BYTES} "
            "bytes that fit in one timeline request (ICE takes it in the URL query); it is not cut short: "
            "ask for fewer outputs (OutputConfig.Count) or use shorter scripts, and upload again"
        )
    return text


class TimelineJobRequest(PascalModel):
    """Everything one SubmitSceneTimelineOrganizationJob call carries."""

    job_type: str
    media_select_result: str
    input_config: dict[str, Any]
    output_config: OutputConfig
    editing_config: dict[str, Any] | None = None
    user_data: UserData | None = None

    @field_validator("job_type")
    @classmethod
    def _job_type(cls, value: str) -> str:
        if value not in _TIMELINE_JOB_TYPES.values():
            raise ValueError(f"JobType must be one of {sorted(_TIMELINE_JOB_TYPES.values())}, got {value!r}")
        return value

    @field_validator("media_select_result")
    @classmethod
    def _selection(cls, value: str) -> str:
        try:
            decoded = json.loads(value)
        except ValueError as exc:
            raise ValueError(f"MediaSelectResult is not JSON ({exc})") from None
        if not isinstance(decoded, dict):
            raise ValueError("MediaSelectResult must be a JSON object (a selection job's ExtendOutput)")
        if len(value.encode("utf-8")) > MAX_MEDIA_SELECT_RESULT_BYTES:
            raise ValueError(f"MediaSelectResult is over {MAX_MEDIA_SELECT_RESULT_BYTES} bytes")
        return value

    @classmethod
    def after_selection(
        cls, selection: SelectionJobRequest, extend_output: dict[str, Any], *, user_data: UserData | None
    ) -> TimelineJobRequest:
        """The timeline job for a finished selection: the same InputConfig, EditingConfig and OutputConfig
        as the selection job (ICE's examples resend them), and the selection as MediaSelectResult."""
        return cls(
            job_type=timeline_job_type(selection.job_type),
            media_select_result=media_select_result(extend_output),
            input_config=selection.input_config.to_wire(),
            output_config=selection.output_config,
            editing_config=selection.editing_config.to_wire() if selection.editing_config else None,
            user_data=user_data,
        )

    def wire_params(self) -> tuple[dict[str, str], dict[str, str]]:
        """(query, form body) as the official SDK sends them."""
        query = {
            "JobType": self.job_type,
            "MediaSelectResult": self.media_select_result,
            "OutputConfig": to_wire_json(self.output_config),
        }
        if self.user_data is not None:
            query["UserData"] = to_wire_json(self.user_data)
        form = {"InputConfig": compact_json(self.input_config)}
        if self.editing_config is not None:
            form["EditingConfig"] = compact_json(self.editing_config)
        return query, form


class BatchEditingJobRequest(PascalModel):
    """Everything one SubmitSceneBatchEditingJob call carries: the projects to render, where to."""

    project_ids: list[str] = Field(min_length=1, max_length=MAX_PROJECT_IDS)
    output_config: dict[str, Any]
    user_data: UserData | None = None

    @field_validator("project_ids")
    @classmethod
    def _ids(cls, value: list[str]) -> list[str]:
        for project_id in value:
            if not project_id or "," in project_id or project_id != project_id.strip():
                raise ValueError(f"a ProjectId may not be empty or contain commas or spaces: {project_id!r}")
        if len(set(value)) != len(value):
            raise ValueError("ProjectIds lists a project twice")
        return value

    @model_validator(mode="after")
    def _output(self) -> BatchEditingJobRequest:
        if not str(self.output_config.get("MediaURL", "")).startswith(("http://", "https://")):
            raise ValueError("OutputConfig.MediaURL must be the http(s) OSS URL the videos are rendered to")
        return self

    @classmethod
    def for_projects(
        cls, project_ids: list[str], output_config: OutputConfig, *, user_data: UserData | None
    ) -> BatchEditingJobRequest:
        """The render job for the projects of one run: the selection's OutputConfig without Count and
        GeneratePreviewOnly, which batch editing does not take (one video per project)."""
        output = {k: v for k, v in output_config.to_wire().items() if k not in ("Count", "GeneratePreviewOnly")}
        return cls(project_ids=project_ids, output_config=output, user_data=user_data)

    def wire_params(self) -> tuple[dict[str, str], dict[str, str]]:
        """(query, form body): batch editing sends everything in the query."""
        query = {"ProjectIds": ",".join(self.project_ids), "OutputConfig": compact_json(self.output_config)}
        if self.user_data is not None:
            query["UserData"] = to_wire_json(self.user_data)
        return query, {}
