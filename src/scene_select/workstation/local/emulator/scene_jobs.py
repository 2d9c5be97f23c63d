"""The two jobs that follow a selection, as the emulator runs them: timeline organisation and batch editing.

**Timeline organisation** (``*_Timeline_Organize``) builds one ICE Timeline per output of the selection
(``MediaSelectResult``, stored as the job's ExtendInput) with
:func:`~scene_select.workstation.render.timeline.organize_timelines`, probing the media of the local
bucket so that images are told from videos and short clips can run on into their source. Each timeline
becomes an editing project in Draft, and the job finishes with one SubJobList entry per project:
``{"JobId", "ProjectId", "Status": "Success"}``. Project ids are derived from the job id and the output's
position, so a job run again after a restart makes the same projects, not new ones.

**Batch editing** (``Scene_Batch_Editing``) renders each project of ProjectIds (the job's ExtendInput, a
JSON array) in order, with the injected :class:`~scene_select.workstation.render.spec.Renderer`, to
OutputConfig.MediaURL with ``{index}`` replaced by the project's position counted from
:data:`INDEX_BASE` = 1 — the pipeline's default ``…/output_{index}.mp4`` then names output 1
``output_1.mp4``, as the pipeline numbers outputs from 1 (ICE's own numbering is undocumented; an
assumption, docs/rendering.md#what-the-emulator-answers). The video is written into the local bucket's
directory for that URL, atomically. One sub-job per project: ``{"JobId", "ProjectId", "MediaURL",
"MediaId", "Duration", "Status": "Success"}``, or ``"Status": "Failed"`` with ``ErrorCode`` and
``ErrorMessage`` when its render failed; the job is Failed when every sub-job failed, Finished otherwise.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scene_select.cloud.errors import JobConfigError, MediaError
from scene_select.cloud.models.selection import media_id_for
from scene_select.cloud.models.wire import compact_json
from scene_select.workstation.local.emulator.job_store import JobRow, JobStore
from scene_select.workstation.render.media import MediaFacts, Resolver, output_location, probe_facts
from scene_select.workstation.render.spec import OutputSpec, Progress, Renderer, RenderError
from scene_select.workstation.render.timeline import SelectionError, organize_timelines, timeline_duration

__all__ = ["INDEX_BASE", "JobCancelledError", "JobOutcome", "SceneJob", "batch_editor", "timeline_organiser"]

log = logging.getLogger(__name__)

INDEX_BASE = 1
"""What ``{index}`` in OutputConfig.MediaURL is for the first project of ProjectIds."""
_MAX_ERROR_MESSAGE = 1000


class JobCancelledError(Exception):
    """Raised inside a running job when the emulator stops; the job is left to run again after restart."""


@dataclass(frozen=True)
class JobOutcome:
    """How a job ended: ExtendOutput and/or SubJobList, and the error when the job as a whole failed."""

    extend_output: str | None = None
    sub_jobs: list[dict[str, Any]] | None = None
    error: tuple[str, str] | None = None  # (ErrorCode, ErrorMessage)


SceneJob = Callable[[JobRow, threading.Event], JobOutcome]
"""Runs one stored job to its outcome; raises JobCancelledError when the event is set meanwhile."""


def _derived_id(job_id: str, kind: str, position: int) -> str:
    return hashlib.md5(f"{job_id}:{kind}:{position}".encode(), usedforsecurity=False).hexdigest()


def timeline_organiser(store: JobStore, resolve: Resolver) -> SceneJob:
    """The timeline-organisation job over media that ``resolve`` finds (unknown media: guessed by name)."""

    def facts(reference: str) -> MediaFacts | None:
        try:
            return probe_facts(resolve(reference))
        except MediaError:
            return None

    def run(row: JobRow, cancelled: threading.Event) -> JobOutcome:
        try:
            timelines = organize_timelines(
                row.extend_input or "", row.input_config, row.editing_config, row.output_config, facts=facts
            )
        except SelectionError as exc:
            raise JobConfigError(f"MediaSelectResult: {exc}") from exc
        sub_jobs = []
        for position, timeline in enumerate(timelines):
            if cancelled.is_set():
                raise JobCancelledError(f"emulator stopping while organising output {position + 1}")
            project = store.save_project(
                project_id=_derived_id(row.job_id, "project", position),
                job_id=row.job_id,
                output_index=position,
                title=f"{row.job_type} {row.job_id[:8]} output {position + 1}",
                timeline=compact_json(timeline),
                duration=round(timeline_duration(timeline), 3),
            )
            sub_jobs.append(
                {
                    "JobId": _derived_id(row.job_id, "sub", position),
                    "ProjectId": project.project_id,
                    "Status": "Success",
                }
            )
        log.info("timeline job %s made %d editing project(s)", row.job_id, len(sub_jobs))
        return JobOutcome(sub_jobs=sub_jobs)

    return run


def _failure(error: BaseException) -> tuple[str, str]:
    if isinstance(error, MediaError):
        missing = "no such file" in str(error) or isinstance(error.__cause__, FileNotFoundError)
        code = "InvalidMaterial.NotFound" if missing else "InvalidMaterial.ResourceContentBad"
    elif isinstance(error, RenderError):
        code = "RenderFailed"
    else:
        code = "InternalError"
    message = str(error) if code != "InternalError" else f"{type(error).__name__}: {error}"
    return code, message[:_MAX_ERROR_MESSAGE]


def batch_editor(store: JobStore, renderer: Renderer, bucket_dirs: Mapping[str, Path]) -> SceneJob:
    """The batch-editing job: ``renderer`` writes each video into ``bucket_dirs``' directory for its URL."""
    buckets = dict(bucket_dirs)

    def run(row: JobRow, cancelled: threading.Event) -> JobOutcome:
        project_ids = [str(p) for p in json.loads(row.extend_input or "[]")]
        output_config = json.loads(row.output_config)
        spec, spec_warnings = OutputSpec.from_output_config(output_config)
        sub_jobs = [
            _render_one(
                row, position, project_id, url_template=str(output_config["MediaURL"]), spec=spec, cancelled=cancelled
            )
            for position, project_id in enumerate(project_ids)
        ]
        for warning in spec_warnings:
            log.warning("batch-editing job %s: %s", row.job_id, warning)
        failed = [s for s in sub_jobs if s["Status"] == "Failed"]
        if sub_jobs and len(failed) == len(sub_jobs):
            first = failed[0]
            message = f"every video failed to render; the first: {first.get('ErrorMessage')}"
            return JobOutcome(sub_jobs=sub_jobs, error=(str(first.get("ErrorCode")), message[:_MAX_ERROR_MESSAGE]))
        return JobOutcome(sub_jobs=sub_jobs)

    def _render_one(
        row: JobRow,
        position: int,
        project_id: str,
        *,
        url_template: str,
        spec: OutputSpec,
        cancelled: threading.Event,
    ) -> dict[str, Any]:
        url = url_template.replace("{index}", str(position + INDEX_BASE))
        sub: dict[str, Any] = {
            "JobId": _derived_id(row.job_id, "sub", position),
            "ProjectId": project_id,
            "MediaURL": url,
        }
        reported = [-1]

        def progress(step: Progress) -> None:
            if cancelled.is_set():
                raise JobCancelledError(f"emulator stopping while rendering {url}")
            decile = int(step.fraction * 10)
            if decile > reported[0]:
                reported[0] = decile
                log.info(
                    "job %s video %d: %3.0f%% (%s)", row.job_id, position + INDEX_BASE, step.fraction * 100, step.speed
                )

        try:
            target = output_location(url, buckets)
        except MediaError as exc:
            message = f"OutputConfig.MediaURL {url} cannot be written here: {exc}"[:_MAX_ERROR_MESSAGE]
            log.warning("job %s: %s", row.job_id, message)
            return {**sub, "Status": "Failed", "ErrorCode": "InvalidParameter", "ErrorMessage": message}
        project = store.get_project(project_id)
        try:
            if project is None:
                raise RenderError(f"the editing project {project_id} no longer exists")
            store.set_project_status(project_id, "Producing")
            result = renderer(json.loads(project.timeline), target, spec, progress=progress)
        except JobCancelledError:
            raise
        except Exception as exc:
            if cancelled.is_set():
                raise JobCancelledError(f"emulator stopping while rendering {url}") from exc
            code, message = _failure(exc)
            log.warning("job %s: video %s failed: %s %s", row.job_id, url, code, message)
            if project is not None:
                store.set_project_status(project_id, "ProduceFailed")
            return {**sub, "Status": "Failed", "ErrorCode": code, "ErrorMessage": message}
        store.set_project_status(project_id, "Produced")
        for warning in result.warnings:
            log.warning("job %s: video %s: %s", row.job_id, url, warning)
        log.info("job %s: %s written (%.2f s, %d bytes)", row.job_id, target, result.duration, result.size)
        return {**sub, "MediaId": media_id_for(url), "Duration": round(result.duration, 3), "Status": "Success"}

    return run
