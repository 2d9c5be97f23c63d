"""Submit a planned run exactly once: claim, submit, record.

Every edge delivers at least once, and SubmitSceneMediaSelectionJob has no client token, so "exactly
one job per run" rests on the run's lease (records.py) and on never resubmitting blindly:

* The first invocation to win ``lease-0001`` submits; duplicates see the lease or a later marker
  and stop (a live lease raises ClaimHeldError so FC retries, by which time the run is submitted).
* When the claim's holder cannot be submitting right now — its submit's outcome is unknown, or its
  lease is older than the claim TTL (longer than the function timeout: the holder is dead) — the next
  invocation (a retry, or the reconciler) looks for the job ICE already has for this run (UserData
  carries the run key) and adopts it at once.
* Only when ICE lists no such job is the run submitted again, under the next lease: after the claim
  TTL for a dead claim, after the submit grace (``Settings.submit_unknown_grace_seconds``) for an
  unknown outcome — time for ICE to list a job it created, so that it is not created twice.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any, Literal

from scene_select.cloud.errors import (
    ClaimHeldError,
    IceClientError,
    RetryableError,
    SubmitOutcomeUnknownError,
)
from scene_select.cloud.models.ice_api import IceJob
from scene_select.cloud.models.job_config import JobType, SelectionJobRequest
from scene_select.cloud.pipeline.layout import BatchRef
from scene_select.cloud.pipeline.plan import PlannedRun
from scene_select.cloud.pipeline.ports import USER_DATA_KEY, ClaimPolicy, IceApi, PipelineDeps
from scene_select.cloud.pipeline.records import RunRecord, RunState, RunStore, iso_time
from scene_select.cloud.storage.base import ObjectInfo

__all__ = [
    "ADOPTION_LOOKBACK_SECONDS",
    "SubmitOutcome",
    "find_job_for_run",
    "plan_document",
    "plan_from_document",
    "submit_run",
]

log = logging.getLogger(__name__)

ADOPTION_LOOKBACK_SECONDS = 600
"""How far before the claim the search for an already-created job starts (clock skew margin)."""

OutcomeKind = Literal["submitted", "adopted", "duplicate", "failed", "deferred"]


@dataclass(frozen=True)
class SubmitOutcome:
    kind: OutcomeKind
    run_key: str
    job_id: str | None = None
    detail: str = ""


def find_job_for_run(ice: IceApi, run_key: str, *, since: float) -> IceJob | None:
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


def _record(plan: PlannedRun, state: RunState, lease: int, claimed_at: float, **extra: object) -> RunRecord:
    params = plan.request.wire_params()
    return RunRecord.model_validate(
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


def submit_run(plan: PlannedRun, deps: PipelineDeps, claim: ClaimPolicy) -> SubmitOutcome:
    """Make sure the run has exactly one ICE job; raise RetryableError subclasses when FC should retry."""
    runs = RunStore.of(deps, plan.batch, plan.run_key)
    snap = runs.snapshot()
    if snap.submitted or snap.terminal:
        return _duplicate(plan, runs)
    now = deps.clock()
    document = plan_document(plan)
    runs.add_pending(document)  # intent first: whatever dies after this write, reconcile finishes the run
    runs.write_request(document)
    runs.write_index(now)
    if snap.latest_lease == 0 and runs.try_lease(1, claim.holder):
        return _submit(plan, runs, deps.ice, 1, now)
    return _resolve_held_claim(
        plan,
        runs,
        deps.ice,
        holder=claim.holder,
        ttl=claim.ttl_seconds,
        grace=claim.unknown_grace_seconds,
        claimed_at=now,
    )


def _duplicate(plan: PlannedRun, runs: RunStore) -> SubmitOutcome:
    return SubmitOutcome("duplicate", plan.run_key, runs.submitted_job_id(), "the run already has its job")


def _resolve_held_claim(
    plan: PlannedRun, runs: RunStore, ice: IceApi, *, holder: str, ttl: float, grace: float, claimed_at: float
) -> SubmitOutcome:
    """Another invocation claimed the run: adopt its job if ICE lists one, wait, or take over the claim.

    Adopting needs no waiting — a job ICE lists under this run key *is* the run's job, and
    ``submitted.json`` is write-once, so every adopter records the same one. It is tried whenever the
    holder cannot be submitting right now: its submit's outcome is unknown, or its claim expired.
    Only a *new* submit waits: for the claim TTL (its holder is dead), or for the grace after an
    unknown outcome (a job ICE created but does not list yet would otherwise be made twice).
    """
    snap = runs.snapshot()
    if snap.submitted or snap.terminal:
        return _duplicate(plan, runs)
    latest = snap.latest_lease
    if latest == 0:  # the winner released it already: nothing reached ICE
        raise ClaimHeldError(f"run {runs.run_key} changed hands while claiming; retry")
    age = runs.clock() - snap.leases[latest]
    unknown = latest in snap.unknown
    expired = age >= ttl
    if unknown or expired:
        first_claim = min(snap.leases.values())
        adopted = find_job_for_run(ice, plan.run_key, since=first_claim - ADOPTION_LOOKBACK_SECONDS)
        if adopted is not None:
            return _record_submitted(plan, runs, latest, claimed_at, adopted.job_id, adopted=True)
    if not (expired or (unknown and age >= grace)):
        what = "its submit's outcome is unknown" if unknown else "it is submitting"
        raise ClaimHeldError(
            f"run {runs.run_key} was claimed {age:.0f}s ago by another invocation and {what}; retry later — "
            "a dead claim expires after the claim TTL, an unknown outcome after the submit grace"
        )
    if not runs.try_lease(latest + 1, holder):
        raise ClaimHeldError(f"run {runs.run_key}: another invocation took over the claim first")
    log.warning("took over claim %d of run %s (age %.0fs, outcome unknown: %s)", latest, runs.run_key, age, unknown)
    return _submit(plan, runs, ice, latest + 1, claimed_at)


def _submit(plan: PlannedRun, runs: RunStore, ice: IceApi, lease: int, claimed_at: float) -> SubmitOutcome:
    """Submit under a lease this invocation holds, and record what came of it."""
    runs.publish(_record(plan, RunState.CLAIMED, lease, claimed_at))
    try:
        result = ice.submit_scene_media_selection_job(plan.request)
    except SubmitOutcomeUnknownError as exc:
        runs.mark_unknown(lease, str(exc))
        runs.publish(_record(plan, RunState.SUBMIT_UNKNOWN, lease, claimed_at, note=str(exc)))
        raise
    except IceClientError as exc:
        if _is_deployment_problem(exc):
            # The request is fine; the deployment is not (role, keys, clock). Keep the run pending so
            # the reconciler submits it once an operator fixes that, instead of failing the batch.
            runs.release_lease(lease)
            note = f"ICE refused this deployment ({exc.code}); fix the function role or keys — the reconciler retries"
            runs.publish(_record(plan, RunState.CLAIMED, lease, claimed_at, note=note))
            log.error("%s: %s", plan.batch.label, note)
            return SubmitOutcome("deferred", plan.run_key, None, note)
        error = {"code": exc.code, "message": exc.ice_message, "requestId": exc.request_id or ""}
        runs.mark_terminal(RunState.FAILED, {"error": error})
        runs.publish(
            _record(plan, RunState.FAILED, lease, claimed_at, error=error, completed_at=iso_time(runs.clock()))
        )
        runs.remove_pending()  # last: until the record is published, reconcile must still see the run
        return SubmitOutcome("failed", plan.run_key, None, f"ICE refused the job: {exc.code}: {exc.ice_message}")
    except RetryableError:
        runs.release_lease(lease)  # nothing reached ICE: the retry may claim again
        raise
    return _record_submitted(plan, runs, lease, claimed_at, result.job_id, adopted=False)


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
    """ICE refused the caller, not the job: credentials, permissions or clock (docs/ice-api.md#errors-and-retries)."""
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
