"""What the pipeline needs from ICE, as a protocol: the use cases never import an SDK.

``IceClient`` satisfies it in the cloud and against the local emulator alike; the use cases are
tested through it over real HTTP.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from scene_select.models.ice_api import BatchJob, SubmitResult
    from scene_select.models.job_config import SelectionJobRequest

__all__ = ["USER_DATA_KEY", "Clock", "IceApi"]

USER_DATA_KEY = "SceneSelect"
"""The key of our own entry in UserData: {"bucket": …, "run": …} lets the callback find the run."""

Clock = Callable[[], float]
"""Seconds since the epoch; injected so tests can move time (claim expiry, callback windows)."""


class IceApi(Protocol):
    """The three ICE actions the pipeline uses."""

    def submit_scene_media_selection_job(self, request: SelectionJobRequest) -> SubmitResult: ...

    def get_batch_media_producing_job(self, job_id: str) -> BatchJob: ...

    def list_batch_media_producing_jobs(
        self,
        *,
        status: str | None = None,
        job_type: str | None = None,
        start_time: str | None = None,
        end_time: str | None = None,
        sort_by: str | None = None,
    ) -> Iterator[BatchJob]: ...
