"""The timer's job: finish every run whose callback never came, and every claim that died.

ICE drops a callback after three failed tries, FC drops an event after its retries, and a function
instance can die between any two writes. Each of those leaves an entry in the pending index
(``results/_index/pending/``), so a pass reads that index — never the whole bucket — and, for at most
``max_runs`` entries:

* a terminal run: redoes its views (idempotent) and drops the entry — its writer may have died
  between the terminal marker and the views;
* a submitted run: asks ICE for the job and completes it with the callback's own code;
* a run whose submitter died before its index entry or request.json: plans it from the pending
  entry, which carries the plan and is the first thing a submit writes;
* a claimed or outcome-unknown run: hands it to ``submit_run``, which adopts the job ICE already lists
  for the run at once, or — once the claim expired, or the grace after an unknown outcome passed —
  submits it (from the run's request.json) exactly once;
* a run between steps (its timeline or render step queued, claimed or unknown), or whose follow-up
  never ran: runs the follow-up (advance.py), which submits the step the same way;
* a later step submitted: asks ICE for that step's job and completes it, then runs the follow-up.

It then runs the follow-up of every finished selection still in the exports index (its editor
timelines were never written), at most ``max_runs`` of them too.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from scene_select.cloud.errors import (
    ClaimHeldError,
    ObjectNotFoundError,
    PermanentError,
    RetryableError,
    SubmitOutcomeUnknownError,
)

if TYPE_CHECKING:
    from scene_select.cloud.pipeline.complete import ReportMedia
    from scene_select.cloud.pipeline.ports import ClaimPolicy, PipelineDeps
    from scene_select.cloud.pipeline.report import ThumbnailLookup

__all__ = ["ReconcileReport", "reconcile_pending"]

log = logging.getLogger(__name__)


@dataclass
class ReconcileReport:
    examined: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    failed: list[dict[str, str]] = field(default_factory=list)  # runs this pass finished as failed: run, batch

    def summary(self) -> str:
        parts = ", ".join(f"{n} {k}" for k, n in sorted(self.outcomes.items())) or "nothing to do"
        return f"reconciled {self.examined} pending run(s): {parts}"


def reconcile_pending(
    deps: PipelineDeps,
    claim: ClaimPolicy,
    *,
    max_runs: int,
    thumbnail: ThumbnailLookup | None = None,
    media: ReportMedia | None = None,
) -> ReconcileReport:
    """One bounded pass over the pending and exports indexes. Errors on one run never stop the others."""
    from scene_select.cloud.pipeline.complete import ReportMedia

    media = media or ReportMedia(thumbnail=thumbnail)
    report = ReconcileReport()
    prefix = deps.layout.pending_prefix()
    for info in list(deps.store.list(prefix, limit=max_runs)):
        run_key = info.key[len(prefix) :].removesuffix(".json")
        report.examined += 1
        _record(report, run_key, lambda run_key=run_key: _reconcile_one(run_key, deps, claim, media))
    exports = deps.layout.exports_prefix()
    for info in list(deps.store.list(exports, limit=max_runs)):
        run_key = info.key[len(exports) :].removesuffix(".json")
        _record(report, run_key, lambda run_key=run_key: _export_one(run_key, deps, claim, media))
    if report.failed:
        from scene_select.cloud.pipeline.complete import load_run_index

        for failed in report.failed:
            entry = load_run_index(deps, failed["run"])
            if entry is not None:
                failed["batch"] = entry.batch.label
    log.info(report.summary())
    return report


def _record(report: ReconcileReport, run_key: str, work: Any) -> None:
    try:
        outcome = work()
    except (RetryableError, SubmitOutcomeUnknownError) as exc:
        outcome = "deferred"
        report.errors.append(f"{run_key}: {exc}")
    except PermanentError as exc:
        outcome = "error"
        report.errors.append(f"{run_key}: {exc}")
        log.error("reconcile %s: %s", run_key, exc)
    report.outcomes[outcome] += 1
    if "failed" in outcome:  # completed-failed, failed (ICE refused), followed-up: …-failed, run-failed
        report.failed.append({"run": run_key})


def _export_one(run_key: str, deps: PipelineDeps, claim: ClaimPolicy, media: ReportMedia) -> str:
    from scene_select.cloud.pipeline.advance import follow_up

    return "exported" if "editor-timelines" in follow_up(run_key, deps, claim, media=media) else "export-pending"


def _reconcile_one(run_key: str, deps: PipelineDeps, claim: ClaimPolicy, media: ReportMedia) -> str:
    # Imported here, not at the top: most timer ticks find nothing pending and need none of this.
    from scene_select.cloud.pipeline.advance import follow_up
    from scene_select.cloud.pipeline.complete import complete_run, finish_run, load_run_index
    from scene_select.cloud.pipeline.records import RunState, RunStore, Step
    from scene_select.cloud.pipeline.submit import plan_from_document, submit_run

    entry = load_run_index(deps, run_key)
    document: dict[str, Any] | None = None
    if entry is not None:
        runs = RunStore.of(deps, entry.batch, run_key)
        snap = runs.snapshot()
        produce = runs.produce()
        if snap.done(produce):
            finish_run(runs, entry, deps, media)  # its writer may have died between the last marker and the views
            return "already-complete"
        step, state = snap.position(produce)
        if step is not Step.SELECTION or snap.finished:
            if state is RunState.SUBMITTED:
                job_id = runs.submitted_job_id(step)
                if job_id is None:
                    return "waiting"
                completion = complete_run(deps.ice.get_batch_media_producing_job(job_id), entry, deps, media=media)
                if completion.kind == "not-terminal":
                    return "still-running"
            try:
                done = follow_up(run_key, deps, claim, media=media)
            except ClaimHeldError:
                return "claim-live"
            return f"followed-up: {done}"
        if not snap.submitted:
            document = runs.read_request() or _planned(deps, run_key)
    else:
        document = _planned(deps, run_key)  # its submitter died before writing the index
        if document is None:
            deps.store.delete(deps.layout.pending_key(run_key))
            return "orphan-index-removed"
    if document is not None:
        try:
            outcome = submit_run(plan_from_document(document), deps, claim)
        except ClaimHeldError:
            return "claim-live"
        if outcome.kind in ("failed", "deferred"):
            return outcome.kind
        entry = load_run_index(deps, run_key)  # submit_run wrote it if it was missing
    job_id = RunStore.of(deps, entry.batch, run_key).submitted_job_id() if entry else None
    if entry is None or job_id is None:
        return "waiting"
    job = deps.ice.get_batch_media_producing_job(job_id)
    completion = complete_run(job, entry, deps, media=media)
    if completion.kind == "not-terminal":
        return "still-running"
    follow_up(run_key, deps, claim, media=media)
    return f"completed-{completion.state}"


def _planned(deps: PipelineDeps, run_key: str) -> dict[str, Any] | None:
    """The plan a pending entry carries (written first of all, so that no crash can lose the run)."""
    try:
        entry = json.loads(deps.store.get(deps.layout.pending_key(run_key)))
    except (ObjectNotFoundError, ValueError):
        return None
    plan = entry.get("plan") if isinstance(entry, dict) else None
    return plan if isinstance(plan, dict) else None
