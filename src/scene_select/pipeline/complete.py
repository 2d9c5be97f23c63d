"""Turn a terminal ICE job into results in the bucket — the one path callback and reconcile share.

Results are written once: each run's ``raw.json``, ``selection.json`` and ``report.html`` are put
only if absent, then the terminal marker, then the views (the run's and, when it is the batch's
newest run, the batch's own copies that people open). A crash anywhere leaves the run pending, and
the next callback or reconcile pass resumes from the first missing file.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Literal

from scene_select.errors import ObjectNotFoundError
from scene_select.models.ice_api import BatchJob
from scene_select.models.selection import parse_extend_output
from scene_select.pipeline.layout import BucketLayout
from scene_select.pipeline.normalise import normalise_selection
from scene_select.pipeline.ports import Clock
from scene_select.pipeline.records import JobRecord, RunIndexEntry, RunState, RunStore, iso_time
from scene_select.pipeline.report import ThumbnailLookup, render_report
from scene_select.storage.base import ObjectStore

__all__ = ["CompletionOutcome", "complete_run", "load_run_index"]

log = logging.getLogger(__name__)

ResultFile = Literal["raw.json", "selection.json", "report.html"]
_CONTENT_TYPES = {"raw.json": "application/json", "selection.json": "application/json", "report.html": "text/html"}


@dataclass(frozen=True)
class CompletionOutcome:
    kind: Literal["written", "already-complete", "not-terminal"]
    state: str
    run_key: str
    files: tuple[str, ...] = ()


def load_run_index(store: ObjectStore, layout: BucketLayout, run_key: str) -> RunIndexEntry | None:
    """The run's index entry, or None when this bucket never claimed such a run."""
    try:
        return RunIndexEntry.model_validate_json(store.get(layout.run_index_key(run_key)))
    except (ObjectNotFoundError, ValueError):
        return None


def _no_thumbnail(_clip: object) -> None:
    return None


def complete_run(
    job: BatchJob,
    entry: RunIndexEntry,
    *,
    store: ObjectStore,
    layout: BucketLayout,
    clock: Clock,
    thumbnail: ThumbnailLookup | None = None,
) -> CompletionOutcome:
    """Write the results of a finished (or the error of a failed) job for its run, once."""
    runs = RunStore(store, layout, entry.batch, entry.run_key, clock)
    snap = runs.snapshot()
    if snap.terminal:
        runs.remove_pending()
        return CompletionOutcome("already-complete", snap.state.value, entry.run_key)
    if job.status not in ("Finished", "Failed"):
        return CompletionOutcome("not-terminal", job.status, entry.run_key)
    record = runs.read_record() or _bare_record(entry, job)
    completed_at = iso_time(clock())
    if job.status == "Failed":
        error = {"code": job.error_code or "JobFailed", "message": job.error_message or "ICE reported the job failed"}
        runs.mark_terminal(RunState.FAILED, {"jobId": job.job_id, "error": error})
        record = record.model_copy(
            update={"state": RunState.FAILED, "job_id": job.job_id, "error": error, "completed_at": completed_at}
        )
        runs.publish(record)
        runs.remove_pending()
        return CompletionOutcome("written", "failed", entry.run_key)

    result = parse_extend_output(job.job_type, job.extend_output)
    selection = normalise_selection(job, result, batch=entry.batch.label, run_key=entry.run_key)
    report = render_report(selection, thumbnail=thumbnail or _no_thumbnail, warnings=record.warnings)
    contents: dict[ResultFile, bytes] = {
        "raw.json": (job.extend_output or "null").encode("utf-8"),
        "selection.json": json.dumps(selection, ensure_ascii=False, indent=2).encode("utf-8"),
        "report.html": report.encode("utf-8"),
    }
    written = []
    for name, data in contents.items():
        if store.put_if_absent(runs.run_dir + name, data, content_type=_CONTENT_TYPES[name]):
            written.append(name)
    stored = {name: contents[name] for name in written}  # what we wrote is what is stored: no read back
    runs.mark_terminal(RunState.FINISHED, {"jobId": job.job_id, "clips": result.clip_count()})
    results: dict[str, str] = {name: runs.run_dir + name for name in contents}
    record = record.model_copy(
        update={"state": RunState.FINISHED, "job_id": job.job_id, "results": results, "completed_at": completed_at}
    )
    if runs.is_latest_run(record):
        for name in contents:
            # the run's copy is the one truth; mirror it exactly (an earlier writer's copy is read back)
            data = stored[name] if name in stored else store.get(runs.run_dir + name)
            store.put(layout.results_dir(entry.batch) + name, data, content_type=_CONTENT_TYPES[name])
        results.update({f"latest {name}": layout.results_dir(entry.batch) + name for name in contents})

        record = record.model_copy(update={"results": results})
    runs.publish(record)
    runs.remove_pending()
    log.info("run %s of %s finished: %d clips", entry.run_key, entry.batch.label, result.clip_count())
    return CompletionOutcome("written", "finished", entry.run_key, tuple(written))


def _bare_record(entry: RunIndexEntry, job: BatchJob) -> JobRecord:
    """A record for a run whose job.json was never written (its submitter died right after claiming)."""
    return JobRecord(
        batch=entry.batch.label,
        job_type=entry.job_type.value,
        run_key=entry.run_key,
        state=RunState.SUBMITTED,
        job_id=job.job_id,
        claimed_at=iso_time(entry.claimed_at),
        lease=1,
    )
