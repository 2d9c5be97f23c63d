"""Turn a terminal ICE job into results in the bucket — the one path callback and reconcile share.

Results are written once: each run's ``raw.json``, ``selection.json`` and ``report.html`` are put
only if absent, then the terminal marker, then the views (the run's and, when it is the batch's
newest run, the batch's own copies that people open), and last the run's pending entry is dropped.
A crash anywhere leaves the run pending: before the marker, the next callback or reconcile pass
resumes from the first missing file; after it, ``finish_run`` redoes the views from what is stored.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from scene_select.cloud.errors import ObjectNotFoundError
from scene_select.cloud.models.ice_api import IceJob
from scene_select.cloud.models.selection import parse_extend_output
from scene_select.cloud.pipeline.normalise import normalise_selection
from scene_select.cloud.pipeline.ports import PipelineDeps
from scene_select.cloud.pipeline.records import RunIndexEntry, RunRecord, RunState, RunStore, iso_time
from scene_select.cloud.pipeline.report import ThumbnailLookup, render_report

__all__ = ["RESULT_FILES", "CompletionOutcome", "complete_run", "finish_run", "load_run_index"]

log = logging.getLogger(__name__)

ResultFile = Literal["raw.json", "selection.json", "report.html"]
RESULT_FILES: tuple[ResultFile, ...] = ("raw.json", "selection.json", "report.html")
_CONTENT_TYPES = {"raw.json": "application/json", "selection.json": "application/json", "report.html": "text/html"}


@dataclass(frozen=True)
class CompletionOutcome:
    kind: Literal["written", "already-complete", "not-terminal"]
    state: str
    run_key: str
    files: tuple[str, ...] = ()


def load_run_index(deps: PipelineDeps, run_key: str) -> RunIndexEntry | None:
    """The run's index entry, or None when this bucket never claimed such a run."""
    try:
        return RunIndexEntry.model_validate_json(deps.store.get(deps.layout.run_index_key(run_key)))
    except (ObjectNotFoundError, ValueError):
        return None


def _no_thumbnail(_clip: object) -> None:
    return None


def complete_run(
    job: IceJob, entry: RunIndexEntry, deps: PipelineDeps, *, thumbnail: ThumbnailLookup | None = None
) -> CompletionOutcome:
    """Write the results of a finished (or the error of a failed) job for its run, once."""
    runs = RunStore.of(deps, entry.batch, entry.run_key)
    snap = runs.snapshot()
    if snap.terminal:
        if runs.is_pending():  # whoever wrote the terminal marker may have died before the views
            finish_run(runs, entry)
        return CompletionOutcome("already-complete", snap.state.value, entry.run_key)
    if job.status not in ("Finished", "Failed"):
        return CompletionOutcome("not-terminal", job.status, entry.run_key)
    written: dict[str, bytes] = {}  # what this call wrote: mirrored without reading it back
    if job.status == "Failed":
        error = {"code": job.error_code or "JobFailed", "message": job.error_message or "ICE reported the job failed"}
        runs.mark_terminal(RunState.FAILED, {"jobId": job.job_id, "error": error})
    else:
        result = parse_extend_output(job.job_type, job.extend_output)
        warnings = record.warnings if (record := runs.read_record()) else []
        selection = normalise_selection(job, result, batch=entry.batch.label, run_key=entry.run_key)
        report = render_report(selection, thumbnail=thumbnail or _no_thumbnail, warnings=warnings)
        contents: dict[ResultFile, bytes] = {
            "raw.json": (job.extend_output or "null").encode("utf-8"),
            "selection.json": json.dumps(selection, ensure_ascii=False, indent=2).encode("utf-8"),
            "report.html": report.encode("utf-8"),
        }
        for name, data in contents.items():
            if deps.store.put_if_absent(runs.run_dir + name, data, content_type=_CONTENT_TYPES[name]):
                written[name] = data
        # The marker comes after every file: a terminal run always has its complete results.
        runs.mark_terminal(RunState.FINISHED, {"jobId": job.job_id, "clips": result.clip_count()})
    record = finish_run(runs, entry, written)
    log.info("run %s of %s %s (job %s)", entry.run_key, entry.batch.label, record.state.value, job.job_id)
    return CompletionOutcome("written", record.state.value, entry.run_key, tuple(written))


def finish_run(runs: RunStore, entry: RunIndexEntry, fresh: Mapping[str, bytes] | None = None) -> RunRecord:
    """Publish a terminal run's views (and the batch's latest copies), then drop its pending entry.

    Everything here is derived from what is stored — the terminal marker and the run's own result
    files — so it can be redone by anyone, any number of times: the callback or reconcile pass that
    finds a terminal run still pending (its writer died between the marker and here) finishes it.
    The pending entry goes last, so until the views are right the reconciler keeps coming back.
    """
    fresh = fresh or {}
    finished = runs.snapshot().finished
    marker = runs.read_marker("finished.json" if finished else "failed.json") or {}
    record = runs.read_record() or _bare_record(entry)
    update: dict[str, object] = {
        "state": RunState.FINISHED if finished else RunState.FAILED,
        "completed_at": marker.get("at") or iso_time(runs.clock()),
    }
    if isinstance(marker.get("jobId"), str):
        update["job_id"] = marker["jobId"]
    if finished:
        results: dict[str, str] = {name: runs.run_dir + name for name in RESULT_FILES}
        if runs.is_latest_run(record):
            latest_dir = runs.layout.results_dir(entry.batch)
            for name in RESULT_FILES:
                # the run's copy is the one truth; mirror it exactly (read back only what another wrote)
                stored = fresh[name] if name in fresh else runs.store.get(runs.run_dir + name)
                runs.store.put(latest_dir + name, stored, content_type=_CONTENT_TYPES[name])
            results.update({f"latest {name}": latest_dir + name for name in RESULT_FILES})
        update["results"] = results
    elif isinstance(marker.get("error"), dict):
        update["error"] = marker["error"]
    published = runs.publish(record.model_copy(update=update))
    runs.remove_pending()
    return published


def _bare_record(entry: RunIndexEntry) -> RunRecord:
    """A record for a run whose job.json was never written (its submitter died right after claiming)."""
    return RunRecord(
        batch=entry.batch.label,
        job_type=entry.job_type.value,
        run_key=entry.run_key,
        state=RunState.SUBMITTED,
        claimed_at=iso_time(entry.claimed_at),
        lease=1,
    )
