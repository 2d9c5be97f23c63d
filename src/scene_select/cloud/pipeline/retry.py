"""``scene-select retry``: a new run of a failed (or stuck) batch — exactly one, whoever asks and how often.

A run is its sources and configs (plan.run_key_for), so the same batch uploaded again is the same run and
nothing happens. A retry therefore makes *generation n* of the batch's newest run: the same sources (keys
and ETags) and the same exact request, under a run key whose fingerprint also says ``retry=n``, and
UserData naming that key. Generation n of a run is the same run key for everyone, so:

* two retries at once compute the same new run, and ``submit_run`` makes exactly one ICE job for it
  (its lease, put_if_absent); the first also wins ``runs/<previous run>/retry.json`` (put_if_absent),
  which records who retried, when and why — what ``scene-select status`` shows;
* a retry that dies half-way is finished by the next retry (the same run key, idempotent) or by the
  reconcile pass (the new run's pending entry carries its plan, as for any run).

What is refused, with the reason, unless ``force``: a batch whose newest run finished (nothing to retry),
and one still running (a retry would race it) unless it is *stuck* — no marker written for
``stuck_after_seconds``. Always refused: a batch with no run (nothing was ever submitted: fix the
upload), a run without its request.json, and a run whose source files are gone or changed in the inbox
(that is a new upload: it has or gets its own run). The previous run is left as it is: should its job
still finish, its results stay in ``runs/<run>/``, and the batch's view stays on the newer retry.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from scene_select.cloud.errors import BatchError, ClaimHeldError, ObjectNotFoundError, SubmitOutcomeUnknownError
from scene_select.cloud.pipeline.layout import BatchRef
from scene_select.cloud.pipeline.plan import plan_retry
from scene_select.cloud.pipeline.ports import ClaimPolicy, PipelineDeps
from scene_select.cloud.pipeline.records import RunStore, iso_time
from scene_select.cloud.pipeline.submit import plan_from_document, submit_run
from scene_select.cloud.storage.base import ObjectInfo

__all__ = ["DEFAULT_STUCK_AFTER_SECONDS", "RetryOutcome", "RetryRefusedError", "retry_batch"]

DEFAULT_STUCK_AFTER_SECONDS = 6 * 3600
"""A running batch with no new marker for this long counts as stuck (ICE's own jobs take minutes)."""

_DONE = ("finished", "failed")


class RetryRefusedError(BatchError):
    """The batch must not be retried now; the message says why and what to do instead."""


@dataclass(frozen=True)
class RetryOutcome:
    """``kind``: what submitting the new run did (submitted, adopted, duplicate, failed, deferred,
    in-progress, outcome-unknown); ``first`` is False when another retry had already claimed it."""

    batch: str
    previous_run: str
    previous_state: str
    run_key: str
    generation: int
    kind: str
    job_id: str | None
    detail: str
    first: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "batch": self.batch,
            "previousRun": self.previous_run,
            "previousState": self.previous_state,
            "run": self.run_key,
            "generation": self.generation,
            "outcome": self.kind,
            "jobId": self.job_id,
            "detail": self.detail,
            "first": self.first,
        }


def retry_batch(
    batch: BatchRef,
    deps: PipelineDeps,
    claim: ClaimPolicy,
    *,
    force: bool = False,
    reason: str | None = None,
    stuck_after_seconds: float = DEFAULT_STUCK_AFTER_SECONDS,
) -> RetryOutcome:
    """Start generation n+1 of the batch's newest run (see the module docstring); RetryRefusedError when not."""
    record = _newest_record(batch, deps)
    run_key, state = str(record.get("run_key") or ""), str(record.get("state") or "unknown")
    if not run_key:
        raise RetryRefusedError(f"batch {batch.label}: its job.json names no run; upload the batch again")
    previous = RunStore.of(deps, batch, run_key)
    _check_state(batch, previous, record, state, force=force, stuck_after=stuck_after_seconds)
    document = previous.read_request()
    if document is None:
        raise RetryRefusedError(
            f"batch {batch.label}: run {run_key} has no request.json, so it cannot be run again exactly; "
            "upload the batch again"
        )
    before = plan_from_document(document)
    _check_sources(batch, run_key, before.sources, deps)
    earlier = before.retry or {}
    generation = int(earlier.get("generation", 0)) + 1
    retry = {
        "generation": generation,
        "of": run_key,
        "root": earlier.get("root", run_key),
        "at": iso_time(deps.clock()),
        "reason": reason or f"retry of a {state} run",
        **({"forced": True} if force else {}),
    }
    plan = plan_retry(before, generation=generation, retry=retry)
    claim_document = {**retry, "run": plan.run_key, "by": claim.holder}
    first = deps.store.put_if_absent(
        previous.run_dir + "retry.json",
        json.dumps(claim_document, ensure_ascii=False, indent=2).encode("utf-8"),
        content_type="application/json",
    )
    if not first:
        claimed = previous.read_marker("retry.json") or {}
        if claimed.get("run") not in (None, plan.run_key):  # written by another version of this code
            raise RetryRefusedError(
                f"batch {batch.label}: run {run_key} was already retried as run {claimed.get('run')}; "
                "see `scene-select status`"
            )
    kind: str
    try:
        outcome = submit_run(plan, deps, claim)
        kind, job_id, detail = outcome.kind, outcome.job_id, outcome.detail
    except ClaimHeldError as exc:
        kind, job_id, detail = "in-progress", None, str(exc)
    except SubmitOutcomeUnknownError as exc:
        kind, job_id, detail = "outcome-unknown", None, f"{exc}; the reconcile pass finishes it"
    return RetryOutcome(batch.label, run_key, state, plan.run_key, generation, kind, job_id, detail, first)


def _newest_record(batch: BatchRef, deps: PipelineDeps) -> dict[str, Any]:
    key = deps.layout.results_dir(batch) + "job.json"
    try:
        value = json.loads(deps.store.get(key))
    except ObjectNotFoundError:
        value = None
    except ValueError:
        raise RetryRefusedError(f"batch {batch.label}: {key} is not readable JSON; upload the batch again") from None
    if not isinstance(value, dict):
        raise RetryRefusedError(
            f"batch {batch.label} has no run to retry: nothing was ever submitted for it (it waits for files, or "
            "an upload was refused — `scene-select status` says which); fix that and upload again"
        )
    return value


def _check_state(
    batch: BatchRef, runs: RunStore, record: dict[str, Any], state: str, *, force: bool, stuck_after: float
) -> None:
    if state == "failed" or force:
        return
    if state == "finished":
        raise RetryRefusedError(
            f"batch {batch.label} finished (run {runs.run_key}, {record.get('completed_at') or 'done'}); there is "
            "nothing to retry — pass --force to run it again as a new run"
        )
    if state not in _DONE:
        quiet = _seconds_since_last_marker(runs)
        if quiet < stuck_after:
            raise RetryRefusedError(
                f"batch {batch.label} is running ({state}, {record.get('step') or 'selection'} step, run "
                f"{runs.run_key}); its last progress was {quiet / 60:.0f} min ago and a batch counts as stuck after "
                f"{stuck_after / 3600:g} h without any — wait for it, or pass --force to start another run anyway"
            )


def _seconds_since_last_marker(runs: RunStore) -> float:
    """How long the run has been quiet: the age of its newest file (markers, records, results)."""
    latest = max((info.last_modified for info in runs.store.list(runs.run_dir)), default=0.0)
    return runs.clock() - latest if latest else float("inf")


def _check_sources(batch: BatchRef, run_key: str, sources: list[ObjectInfo], deps: PipelineDeps) -> None:
    """Every source still in the inbox with the ETag the run was made from (a HEAD each, ≤ 50 + manifests)."""
    for source in sources:
        info = deps.store.head(source.key)
        if info is None:
            raise RetryRefusedError(
                f"batch {batch.label}: {source.key} of run {run_key} is no longer in the bucket; the job would "
                "fail on it — upload the batch again"
            )
        if info.etag != source.etag:
            raise RetryRefusedError(
                f"batch {batch.label}: {source.key} changed since run {run_key} was made (another ETag): that is a "
                "new upload, which starts its own run — `scene-select status` shows it"
            )
