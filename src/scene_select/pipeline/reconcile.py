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
  submits it (from the run's request.json) exactly once.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from scene_select.errors import (
    ClaimHeldError,
    ObjectNotFoundError,
    PermanentError,
    RetryableError,
    SubmitOutcomeUnknownError,
)

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
    unknown_grace_seconds: float,
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
                grace=unknown_grace_seconds,
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
    grace: float,
    holder: str,
    thumbnail: ThumbnailLookup | None,
) -> str:
    # Imported here, not at the top: most timer ticks find nothing pending and need none of this.
    from scene_select.pipeline.complete import complete_run, finish_run, load_run_index
    from scene_select.pipeline.records import RunStore
    from scene_select.pipeline.submit import plan_from_document, submit_run

    entry = load_run_index(store, layout, run_key)
    document: dict[str, Any] | None = None
    if entry is not None:
        runs = RunStore(store, layout, entry.batch, run_key, clock)
        snap = runs.snapshot()
        if snap.terminal:
            finish_run(runs, entry)  # its writer may have died between the terminal marker and the views
            return "already-complete"
        if not snap.submitted:
            document = runs.read_request() or _planned(store, layout, run_key)
    else:
        document = _planned(store, layout, run_key)  # its submitter died before writing the index
        if document is None:
            store.delete(layout.pending_key(run_key))
            return "orphan-index-removed"
    if document is not None:
        try:
            outcome = submit_run(
                plan_from_document(document),
                store=store,
                ice=ice,
                layout=layout,
                clock=clock,
                claim_ttl_seconds=ttl,
                unknown_grace_seconds=grace,
                holder=holder,
            )
        except ClaimHeldError:
            return "claim-live"
        if outcome.kind in ("failed", "deferred"):
            return outcome.kind
        entry = load_run_index(store, layout, run_key)  # submit_run wrote it if it was missing
    job_id = RunStore(store, layout, entry.batch, run_key, clock).submitted_job_id() if entry else None
    if entry is None or job_id is None:
        return "waiting"
    job = ice.get_batch_media_producing_job(job_id)
    completion = complete_run(job, entry, store=store, layout=layout, clock=clock, thumbnail=thumbnail)
    return "still-running" if completion.kind == "not-terminal" else f"completed-{completion.state}"


def _planned(store: ObjectStore, layout: BucketLayout, run_key: str) -> dict[str, Any] | None:
    """The plan a pending entry carries (written first of all, so that no crash can lose the run)."""
    try:
        entry = json.loads(store.get(layout.pending_key(run_key)))
    except (ObjectNotFoundError, ValueError):
        return None
    plan = entry.get("plan") if isinstance(entry, dict) else None
    return plan if isinstance(plan, dict) else None
