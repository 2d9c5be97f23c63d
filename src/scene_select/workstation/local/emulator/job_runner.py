"""Runs the emulator's jobs: Init → Processing → Finished | Failed, on a small worker pool.

A job runs by its JobType: a selection (``*_Media_Select``) through the :data:`Runner` (the engine, or a
test's stand-in), timeline organisation and batch editing through their scene jobs (scene_jobs.py). The
engine and the renderer are CPU heavy and the machine is small, so the default is one worker. Whatever a
job does, it ends in a state: a result becomes ``Finished`` with ExtendOutput or SubJobList (``Failed``
with both Extend and SubJobList when every video of a batch-editing job failed); an exception becomes
``Failed`` with Extend ``{"ErrorCode", "ErrorMessage"}`` — a ``MediaError`` as ``InvalidMaterial.NotFound``
(missing file) or ``InvalidMaterial.ResourceContentBad`` (unreadable), a ``JobConfigError`` as
``InvalidParameter``, a ``RenderError`` as ``RenderFailed``, anything else as ``InternalError``. A worker
thread never dies of a job.

Stopping the emulator cancels the running job (the default engine runner checks a flag at every progress
report); a result that arrives after stop is discarded, so the job stays ``Processing`` in the store and the
next start runs it again — which is what "jobs survive a restart" means.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from scene_select.cloud.errors import JobConfigError, MediaError, ObjectNotFoundError
from scene_select.cloud.models.job_config import SelectionJobRequest
from scene_select.cloud.models.wire import compact_json
from scene_select.workstation.local.emulator.job_store import JobRow, JobStore
from scene_select.workstation.local.emulator.scene_jobs import JobCancelledError, JobOutcome, SceneJob
from scene_select.workstation.local.scheduling import DelayedTaskRunner
from scene_select.workstation.render.spec import RenderError

__all__ = ["JobCancelledError", "JobWorkers", "Runner", "engine_runner", "failure_code"]

log = logging.getLogger(__name__)

Runner = Callable[[SelectionJobRequest], dict[str, Any]]
"""Turns a validated request into the ExtendOutput object (docs/ice-api.md#results-extendoutput)."""

_MAX_ERROR_MESSAGE = 1000


def engine_runner(
    bucket_dirs: Mapping[str, Path], *, cancelled: threading.Event, cache_dir: Path | None = None
) -> Runner:
    """The production runner: the local engine, resolving OSS URLs of ``bucket_dirs`` to their directories.

    ``scene_select.workstation.engine`` is imported on first use, so the emulator itself stays light.
    """
    dirs = dict(bucket_dirs)

    def progress(stage: str, fraction: float) -> None:
        if cancelled.is_set():
            raise JobCancelledError(f"emulator stopping during {stage!r} ({fraction:.0%})")

    def run(request: SelectionJobRequest) -> dict[str, Any]:
        from scene_select.workstation.engine import MediaResolver, run_selection

        return run_selection(request, resolver=MediaResolver(bucket_dirs=dirs), cache_dir=cache_dir, progress=progress)

    return run


def failure_code(error: BaseException) -> str:
    """The ICE-like ErrorCode for a job that raised ``error``."""
    if isinstance(error, MediaError):
        return "InvalidMaterial.NotFound" if _caused_by_missing_file(error) else "InvalidMaterial.ResourceContentBad"
    if isinstance(error, JobConfigError):
        return "InvalidParameter"
    if isinstance(error, RenderError):
        return "RenderFailed"
    return "InternalError"


def _caused_by_missing_file(error: BaseException) -> bool:
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, FileNotFoundError | ObjectNotFoundError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


class JobWorkers:
    """A pool of ``workers`` threads taking job ids and running them to a terminal state."""

    def __init__(
        self,
        store: JobStore,
        runner: Runner,
        on_complete: Callable[[JobRow], None],
        *,
        workers: int = 1,
        scene_jobs: Mapping[str, SceneJob] | None = None,
    ) -> None:
        self._store = store
        self._runner = runner
        self._scene_jobs = dict(scene_jobs or {})
        self._on_complete = on_complete
        self._pool = DelayedTaskRunner(threads=workers, name="ice-emulator-job")
        self.cancelled = threading.Event()

    def start(self) -> None:
        self.cancelled.clear()
        self._pool.start()

    def submit(self, job_id: str) -> None:
        """Queue a job (new, or left unfinished by a previous run)."""
        self._pool.schedule(lambda: self._run(job_id), label=f"job {job_id}")

    def idle(self) -> bool:
        return self._pool.idle()

    def stop(self, timeout: float = 30.0) -> None:
        """Cancel the running job and stop; queued jobs stay Init/Processing in the store for the next start."""
        self.cancelled.set()
        left = self._pool.stop(timeout)
        if left:
            log.info("emulator stopping: %d queued job(s) will run after the next start", len(left))

    def _run(self, job_id: str) -> None:
        row = self._store.get(job_id)
        if row is None or row.is_terminal or self.cancelled.is_set():
            return
        self._store.mark_processing(job_id)
        try:
            outcome = self._execute(row)
        except JobCancelledError as exc:
            log.info("job %s cancelled (%s); it will run again after the next start", job_id, exc)
            return
        except Exception as exc:
            if self.cancelled.is_set():
                log.info("job %s interrupted by stop (%s); it will run again after the next start", job_id, exc)
                return
            code = failure_code(exc)
            log.warning("job %s failed: %s %s: %s", job_id, code, type(exc).__name__, exc)
            message = str(exc) if code != "InternalError" else f"{type(exc).__name__}: {exc}"
            self._store.fail(job_id, code, message[:_MAX_ERROR_MESSAGE])
        else:
            if self.cancelled.is_set():
                log.info("job %s finished after stop; result discarded, it will run again after restart", job_id)
                return
            if outcome.error is not None:
                log.warning("job %s failed: %s %s", job_id, *outcome.error)
                self._store.fail(job_id, *outcome.error, sub_jobs=outcome.sub_jobs)
            else:
                self._store.finish(job_id, outcome.extend_output, sub_jobs=outcome.sub_jobs)
        completed = self._store.get(job_id)
        if completed is not None:
            self._on_complete(completed)

    def _execute(self, row: JobRow) -> JobOutcome:
        """Run the job by its JobType: a scene job when one is registered for it, else a selection."""
        scene_job = self._scene_jobs.get(row.job_type)
        if scene_job is not None:
            return scene_job(row, self.cancelled)
        request = SelectionJobRequest.from_wire(
            row.job_type, row.input_config, row.output_config, row.editing_config, row.user_data
        )
        return JobOutcome(extend_output=compact_json(self._runner(request)))
