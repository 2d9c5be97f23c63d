"""The timer's job: finish every run whose callback never came, and every claim that died.

ICE drops a callback after three failed tries, FC drops an event after its retries, and a function
instance can die between any two writes. Each of those leaves an entry in the pending index
(``results/_index/pending/``), so a pass reads that index — never the whole bucket — and, for at most
``max_runs`` entries:

* a terminal run: drops the stale entry;
* a submitted run: asks ICE for the job and completes it with the callback's own code;
* a claimed or outcome-unknown run whose claim has expired: hands it to ``submit_run``, which adopts
  the job ICE already has for the run or submits it (from the run's request.json) exactly once.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from scene_select.errors import ClaimHeldError, PermanentError, RetryableError, SubmitOutcomeUnknownError

if TYPE_CHECKING:
    from scene_select.pipeline.layout import BucketLayout
    from scene_select.pipeline.ports import Clock, IceApi
    from scene_select.pipeline.report import ThumbnailLookup
    from scene_select.storage.base import ObjectStore

__all__ = ["ReconcileReport", "reconcile_pending"]

log = logging.getLogger(__name__)


@dataclass
class ReconcileReport:
    examined: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = ", ".join(f"{n} {k}" for k, n in sorted(self.outcomes.items())) or "nothing to do"
        return f"reconciled {self.examined} pending run(s): {parts}"


def reconcile_pending(
    *,
    store: ObjectStore,
    ice: IceApi,
    layout: BucketLayout,
    clock: Clock,
    claim_ttl_seconds: float,
    max_runs: int,
    holder: str,
    thumbnail: ThumbnailLookup | None = None,
) -> ReconcileReport:
    """One bounded pass over the pending index. Errors on one run never stop the others."""
    report = ReconcileReport()
    prefix = layout.pending_prefix()
    for info in list(store.list(prefix, limit=max_runs)):
        run_key = info.key[len(prefix) :].removesuffix(".json")
        report.examined += 1
        try:
            outcome = _reconcile_one(
                run_key,
                store=store,
                ice=ice,
                layout=layout,
                clock=clock,
                ttl=claim_ttl_seconds,
                holder=holder,
                thumbnail=thumbnail,
            )
        except (RetryableError, SubmitOutcomeUnknownError) as exc:
            outcome = "deferred"
            report.errors.append(f"{run_key}: {exc}")
        except PermanentError as exc:
            outcome = "error"
            report.errors.append(f"{run_key}: {exc}")
            log.error("reconcile %s: %s", run_key, exc)
        report.outcomes[outcome] += 1
    log.info(report.summary())
    return report


def _reconcile_one(
    run_key: str,
    *,
    store: ObjectStore,
    ice: IceApi,
    layout: BucketLayout,
    clock: Clock,
    ttl: float,
    holder: str,
    thumbnail: ThumbnailLookup | None,
) -> str:
    # Imported here, not at the top: most timer ticks find nothing pending and need none of this.
    from scene_select.pipeline.complete import complete_run, load_run_index
    from scene_select.pipeline.records import RunStore
    from scene_select.pipeline.submit import plan_from_document, submit_run

    entry = load_run_index(store, layout, run_key)
    if entry is None:
        store.delete(layout.pending_key(run_key))
        return "orphan-index-removed"
    runs = RunStore(store, layout, entry.batch, run_key, clock)
    snap = runs.snapshot()
    if snap.terminal:
        runs.remove_pending()
        return "already-complete"
    if not snap.submitted:
        document = runs.read_request()
        if document is None:
            return "waiting"  # the planner is between writing the index and request.json
        try:
            outcome = submit_run(
                plan_from_document(document),
                store=store,
                ice=ice,
                layout=layout,
                clock=clock,
                claim_ttl_seconds=ttl,
                holder=holder,
            )
        except ClaimHeldError:
            return "claim-live"
        if outcome.kind in ("failed", "duplicate", "deferred"):
            return outcome.kind
        snap = runs.snapshot()
    job_id = runs.submitted_job_id()
    if job_id is None:
        return "waiting"
    job = ice.get_batch_media_producing_job(job_id)
    completion = complete_run(job, entry, store=store, layout=layout, clock=clock, thumbnail=thumbnail)
    return "still-running" if completion.kind == "not-terminal" else f"completed-{completion.state}"
