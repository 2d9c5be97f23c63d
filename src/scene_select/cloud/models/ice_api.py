"""What ICE answers to Submit/Get/List, as typed objects that never drop what ICE sent.

GetBatchMediaProducingJob returns ``EditingBatchJob`` (docs/ice-api.md#reading-jobs): the submitted configs echoed
back as JSON *strings*, ``Extend`` (a JSON string holding ErrorCode/ErrorMessage of a failed job) and, for
a finished selection job, ``ExtendOutput`` — the selection result, parsed on demand by :meth:`IceJob.selection`.
The raw strings are kept verbatim so that results can be stored exactly as ICE returned them.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_pascal

if TYPE_CHECKING:
    from scene_select.cloud.models.selection import SelectionResult

__all__ = ["TERMINAL_STATUSES", "EditingProject", "IceJob", "IceJobPage", "SubmitResult"]

TERMINAL_STATUSES = frozenset({"Finished", "Failed"})


class _IceResponseModel(BaseModel):
    """PascalCase like ICE's responses; unknown fields kept (ICE adds fields over time)."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, alias_generator=to_pascal, defer_build=True)


class SubmitResult(_IceResponseModel):
    """SubmitSceneMediaSelectionJob's answer."""

    job_id: str
    request_id: str | None = None


class IceJob(_IceResponseModel):
    """One ``EditingBatchJob`` from GetBatchMediaProducingJob or ListBatchMediaProducingJobs."""

    job_id: str
    job_type: str | None = None
    status: str = ""
    input_config: str | None = None
    editing_config: str | None = None
    output_config: str | None = None
    user_data: str | None = None
    extend: dict[str, Any] = Field(default_factory=dict)
    extend_input: str | None = None
    extend_output: str | None = None
    create_time: str | None = None
    modified_time: str | None = None
    complete_time: str | None = None
    sub_job_list: list[dict[str, Any]] = Field(default_factory=list)

    @field_validator("extend", mode="before")
    @classmethod
    def _decode_extend(cls, value: Any) -> Any:
        """ICE sends Extend as a JSON string; anything unreadable is kept under ``raw``."""
        if value is None or value == "":
            return {}
        if isinstance(value, str):
            try:
                decoded = json.loads(value)
            except ValueError:
                return {"raw": value}
            return decoded if isinstance(decoded, dict) else {"raw": value}
        return value

    @property
    def is_terminal(self) -> bool:
        """Finished or Failed: polling can stop."""
        return self.status in TERMINAL_STATUSES

    @property
    def error_code(self) -> str | None:
        code = self.extend.get("ErrorCode")
        return str(code) if code else None

    @property
    def error_message(self) -> str | None:
        message = self.extend.get("ErrorMessage")
        return str(message) if message else None

    def user_data_dict(self) -> dict[str, Any]:
        """UserData decoded; empty when absent or not a JSON object (it is user-controlled)."""
        if not self.user_data:
            return {}
        try:
            decoded = json.loads(self.user_data)
        except ValueError:
            return {}
        return decoded if isinstance(decoded, dict) else {}

    def sub_jobs(self) -> list[dict[str, Any]]:
        """SubJobList entries that are JSON objects (ICE's per-output results of timeline/render jobs)."""
        return [entry for entry in self.sub_job_list if isinstance(entry, dict)]

    def selection(self) -> SelectionResult | None:
        """The parsed selection result, or None while ExtendOutput is absent (not finished, or List)."""
        from scene_select.cloud.models.selection import parse_extend_output

        if self.extend_output is None:
            return None
        return parse_extend_output(self.job_type, self.extend_output)


class IceJobPage(_IceResponseModel):
    """One page of ListBatchMediaProducingJobs; an empty ``next_token`` means it was the last."""

    request_id: str | None = None
    max_results: int | None = None
    next_token: str | None = None
    editing_batch_job_list: list[IceJob] = Field(default_factory=list)

    @property
    def jobs(self) -> list[IceJob]:
        return self.editing_batch_job_list


class EditingProject(_IceResponseModel):
    """``Project`` of GetEditingProject: an editing project ICE made from a selection, with its timeline.

    ``timeline`` is ICE Timeline JSON as a string (VideoTracks, AudioTracks, SubtitleTracks, …), kept
    verbatim; :meth:`timeline_dict` decodes it.
    """

    project_id: str
    title: str | None = None
    timeline: str | None = None
    status: str | None = None
    duration: float | None = None

    def timeline_dict(self) -> dict[str, Any] | None:
        """The timeline decoded, or None when absent or not a JSON object."""
        if not self.timeline:
            return None
        try:
            decoded = json.loads(self.timeline)
        except ValueError:
            return None
        return decoded if isinstance(decoded, dict) else None
