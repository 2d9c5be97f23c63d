"""Submit a planned run exactly once: claim, submit, record.

Every edge delivers at least once, and SubmitSceneMediaSelectionJob has no client token, so "exactly
one job per run" rests on the run's lease (records.py) and on never resubmitting blindly:

* The first invocation to win ``lease-0001`` submits; duplicates see the lease or a later marker
  and stop (a live lease raises ClaimHeldError so FC retries, by which time the run is submitted).
* A lease older than the claim TTL belongs to a dead invocation. Whoever wins the next lease first
  looks for a job ICE already has for this run (UserData carries the run key) and adopts it; only
  when ICE has none does it submit.
* A submit whose outcome is unknown (the request may have reached ICE) is recorded as such and
  reconciled the same way — found and adopted, or resubmitted once ICE has had time to list it.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any, Literal

from scene_select.errors import (
    ClaimHeldError,
    IceClientError,
    RetryableError,
    SubmitOutcomeUnknownError,
)
from scene_select.models.ice_api import BatchJob
from scene_select.models.job_config import JobType, SelectionJobRequest
from scene_select.pipeline.layout import BatchRef, BucketLayout
from scene_select.pipeline.plan import PlannedRun
from scene_select.pipeline.ports import USER_DATA_KEY, Clock, IceApi
from scene_select.pipeline.records import JobRecord, RunSnapshot, RunState, RunStore, iso_time
from scene_select.storage.base import ObjectInfo, ObjectStore

__all__ = [
    "ADOPTION_LOOKBACK_SECONDS",
    "UNKNOWN_GRACE_SECONDS",
    "SubmitOutcome",
    "find_job_for_run",
    "plan_document",
    "plan_from_document",
    "submit_run",
]

log = logging.getLogger(__name__)

UNKNOWN_GRACE_SECONDS = 120
"""How long after an "outcome unknown" submit ICE has to list the job before we resubmit."""

ADOPTION_LOOKBACK_SECONDS = 600
"""How far before the claim the search for an already-created job starts (clock skew margin)."""

OutcomeKind = Literal["submitted", "adopted", "duplicate", "failed", "deferred"]


@dataclass(frozen=True)
class SubmitOutcome:
    kind: OutcomeKind
    run_key: str
    job_id: str | None = None
    detail: str = ""


def find_job_for_run(ice: IceApi, run_key: str, *, since: float) -> BatchJob | None:
    """The ICE job whose UserData names this run, created at or after ``since``; None if ICE has none."""
    for job in ice.list_batch_media_producing_jobs(start_time=iso_time(since), sort_by="desc"):
        marker = job.user_data_dict().get(USER_DATA_KEY)
        if isinstance(marker, dict) and marker.get("run") == run_key:
            return job
    return None


def plan_document(plan: PlannedRun) -> dict[str, Any]:
    """What request.json keeps of a plan: enough to rebuild it exactly (see plan_from_document)."""
    return {
        "jobType": plan.batch.job_type.value,
        "batch": plan.batch.name,
        "runKey": plan.run_key,
        "params": plan.request.wire_params(),
        "sources": [
            {"key": s.key, "size": s.size, "etag": s.etag, "lastModified": s.last_modified} for s in plan.sources
        ],
        "warnings": plan.warnings,
    }


def plan_from_document(document: dict[str, Any]) -> PlannedRun:
    """Rebuild a PlannedRun from request.json; JobConfigError if it no longer validates."""
    params = document["params"]
    request = SelectionJobRequest.from_wire(
        params["JobType"],
        params["InputConfig"],
        params["OutputConfig"],
        params.get("EditingConfig"),
        params.get("UserData"),
    )
    sources = [ObjectInfo(s["key"], int(s["size"]), s["etag"], float(s["lastModified"])) for s in document["sources"]]
    batch = BatchRef(JobType.parse(document["jobType"]), document["batch"])
    return PlannedRun(batch, document["runKey"], request, sources, list(document.get("warnings", [])))


def _record(plan: PlannedRun, state: RunState, lease: int, claimed_at: float, **extra: object) -> JobRecord:
    params = plan.request.wire_params()
    return JobRecord.model_validate(
        {
            "batch": plan.batch.label,
            "job_type": plan.batch.job_type.value,
            "run_key": plan.run_key,
            "state": state,
            "claimed_at": iso_time(claimed_at),
            "lease": lease,
            "sources": [{"key": s.key, "etag": s.etag, "size": s.size} for s in plan.sources],
            "request": {k: json.loads(v) if k != "JobType" else v for k, v in params.items()},
            "warnings": plan.warnings,
            **extra,
        }
    )


def submit_run(
    plan: PlannedRun,
    *,
    store: ObjectStore,
    ice: IceApi,
    layout: BucketLayout,
    clock: Clock,
    claim_ttl_seconds: float,
    holder: str,
) -> SubmitOutcome:
    """Make sure the run has exactly one ICE job; raise RetryableError subclasses when FC should retry."""
    runs = RunStore(store, layout, plan.batch, plan.run_key, clock)
    snap = runs.snapshot()
    if snap.submitted or snap.terminal:
        return SubmitOutcome("duplicate", plan.run_key, runs.submitted_job_id(), "the run already has its job")
    now = clock()
    runs.write_request(plan_document(plan))  # intent first: whatever fails next, reconcile can finish it
    runs.write_index(now)
    runs.add_pending()
    lease, previous_claim = _acquire_lease(runs, snap, clock, claim_ttl_seconds, holder)
    if previous_claim is not None:
        adopted = find_job_for_run(ice, plan.run_key, since=previous_claim - ADOPTION_LOOKBACK_SECONDS)
        if adopted is not None:
            return _record_submitted(plan, runs, lease, now, adopted.job_id, adopted=True)
    runs.publish(_record(plan, RunState.CLAIMED, lease, now))
    try:
        result = ice.submit_scene_media_selection_job(plan.request)
    except SubmitOutcomeUnknownError as exc:
        runs.mark_unknown(lease, str(exc))
        runs.publish(_record(plan, RunState.SUBMIT_UNKNOWN, lease, now, note=str(exc)))
        raise
    except IceClientError as exc:
        if _is_deployment_problem(exc):
            # The request is fine; the deployment is not (role, keys, clock). Keep the run pending so
            # the reconciler submits it once an operator fixes that, instead of failing the batch.
            runs.release_lease(lease)
            note = f"ICE refused this deployment ({exc.code}); fix the function role or keys — the reconciler retries"
            runs.publish(_record(plan, RunState.CLAIMED, lease, now, note=note))
            log.error("%s: %s", plan.batch.label, note)
            return SubmitOutcome("deferred", plan.run_key, None, note)
        error = {"code": exc.code, "message": exc.ice_message, "requestId": exc.request_id or ""}
        runs.mark_terminal(RunState.FAILED, {"error": error})
        runs.remove_pending()
        runs.publish(_record(plan, RunState.FAILED, lease, now, error=error, completed_at=iso_time(clock())))
        return SubmitOutcome("failed", plan.run_key, None, f"ICE refused the job: {exc.code}: {exc.ice_message}")
    except RetryableError:
        runs.release_lease(lease)  # nothing reached ICE: the retry may claim again
        raise
    return _record_submitted(plan, runs, lease, now, result.job_id, adopted=False)


_DEPLOYMENT_PROBLEMS = (
    "Forbidden",
    "NoPermission",
    "InvalidAccessKeyId",
    "InvalidSecurityToken",
    "SignatureDoesNotMatch",
    "IncompleteSignature",
    "InvalidTimeStamp",
    "SignatureNonceUsed",
)


def _is_deployment_problem(exc: IceClientError) -> bool:
    """ICE refused the caller, not the job: credentials, permissions or clock (docs/ice-api.md §5.4)."""
    return exc.code.startswith(_DEPLOYMENT_PROBLEMS) or exc.http_status in (401, 403)


def _record_submitted(
    plan: PlannedRun, runs: RunStore, lease: int, claimed_at: float, job_id: str, *, adopted: bool
) -> SubmitOutcome:
    if not runs.mark_submitted(job_id, adopted=adopted):  # another writer's marker won: its JobId is the truth
        job_id = runs.submitted_job_id() or job_id
    runs.publish(
        _record(plan, RunState.SUBMITTED, lease, claimed_at, job_id=job_id, submitted_at=iso_time(runs.clock()))
    )
    return SubmitOutcome("adopted" if adopted else "submitted", plan.run_key, job_id)


def _acquire_lease(
    runs: RunStore, snap: RunSnapshot, clock: Clock, ttl: float, holder: str
) -> tuple[int, float | None]:
    """Win a lease. Returns (lease number, time of the claim taken over or None for a fresh claim)."""
    latest = snap.latest_lease
    if latest == 0:
        if runs.try_lease(1, holder):
            return 1, None
        snap = runs.snapshot()
        latest = snap.latest_lease
        if latest == 0:  # the winner released it already: nothing reached ICE
            raise ClaimHeldError(f"run {runs.run_key} changed hands while claiming; retry")
    claimed_at = snap.leases[latest]
    unknown = latest in snap.unknown
    age = clock() - claimed_at
    expired = age >= ttl or (unknown and age >= UNKNOWN_GRACE_SECONDS)
    if not expired:
        raise ClaimHeldError(
            f"run {runs.run_key} is being submitted by another invocation (claimed {age:.0f}s ago); "
            "retry later — if that invocation died, its claim expires after the claim TTL"
        )
    if not runs.try_lease(latest + 1, holder):
        raise ClaimHeldError(f"run {runs.run_key}: another invocation took over the expired claim first")
    log.warning("took over expired claim %d of run %s (age %.0fs)", latest, runs.run_key, age)
    return latest + 1, claimed_at
