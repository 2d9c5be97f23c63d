"""What the pipeline's use cases work with: ICE as a protocol (they never import an SDK), the bucket,
its layout and the time, bundled once so that each use case takes one ``PipelineDeps``.

``IceClient`` satisfies ``IceApi`` in the cloud and against the local emulator alike; the use cases
are tested through it over real HTTP.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from scene_select.cloud.config import Settings
    from scene_select.cloud.models.ice_api import EditingProject, IceJob, SubmitResult
    from scene_select.cloud.models.job_config import SelectionJobRequest
    from scene_select.cloud.models.step_requests import BatchEditingJobRequest, TimelineJobRequest
    from scene_select.cloud.pipeline.layout import BucketLayout
    from scene_select.cloud.storage.base import ObjectStore

__all__ = ["USER_DATA_KEY", "ClaimPolicy", "Clock", "FollowUps", "IceApi", "PipelineDeps"]

USER_DATA_KEY = "SceneSelect"
"""The key of our own entry in UserData: {"bucket": …, "run": …} lets the callback find the run."""

Clock = Callable[[], float]
"""Seconds since the epoch; injected so tests can move time (claim expiry, callback windows)."""


class IceApi(Protocol):
    """The ICE actions the pipeline uses."""

    def submit_scene_media_selection_job(self, request: SelectionJobRequest) -> SubmitResult: ...

    def submit_scene_timeline_organization_job(self, request: TimelineJobRequest) -> SubmitResult: ...

    def submit_scene_batch_editing_job(self, request: BatchEditingJobRequest) -> SubmitResult: ...

    def get_editing_project(self, project_id: str) -> EditingProject: ...

    def get_batch_media_producing_job(self, job_id: str) -> IceJob: ...

    def list_batch_media_producing_jobs(
        self,
        *,
        status: str | None = None,
        job_type: str | None = None,
        start_time: str | None = None,
        end_time: str | None = None,
        sort_by: str | None = None,
    ) -> Iterator[IceJob]: ...


class FollowUps(Protocol):
    """Runs a run's follow-up (advance.py) soon, after the current invocation has answered.

    In Function Compute the callback function asks for an asynchronous invocation of itself; the
    reconcile pass is the backstop for a follow-up that never ran. Without one (``None``), follow-ups
    wait for the reconcile pass.
    """

    def request(self, run_key: str) -> None: ...


@dataclass(frozen=True)
class PipelineDeps:
    """The collaborators of every use case (ingest, submit, callback, complete, reconcile).

    The FC handlers build one per invocation from Settings; tests build one around the local stack,
    a faulty store or a clock moved forward.
    """

    store: ObjectStore
    ice: IceApi
    layout: BucketLayout
    clock: Clock
    follow_ups: FollowUps | None = None


@dataclass(frozen=True)
class ClaimPolicy:
    """Who is claiming a run, and when another invocation's claim may be taken over.

    ``ttl_seconds``: a claim whose holder never submitted is taken over after this long (its holder
    died). ``unknown_grace_seconds``: after a submit whose outcome is unknown, a new submit waits this
    long for ICE to list the job it may have created.
    """

    holder: str
    ttl_seconds: float
    unknown_grace_seconds: float

    @classmethod
    def from_settings(cls, settings: Settings, holder: str) -> ClaimPolicy:
        return cls(holder, settings.claim_ttl_seconds, settings.submit_unknown_grace_seconds)
