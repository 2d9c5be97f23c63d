"""Submit each step of a run exactly once: claim, submit, record.

Every edge delivers at least once, and ICE's submit actions take no client token, so "exactly one job
per step of a run" rests on the step's lease (records.py) and on never resubmitting blindly:

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
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from scene_select.cloud.errors import (
    ClaimHeldError,
    IceClientError,
    RetryableError,
    SubmitOutcomeUnknownError,
)
from scene_select.cloud.models.ice_api import IceJob, SubmitResult
from scene_select.cloud.models.job_config import JobType, SelectionJobRequest
from scene_select.cloud.pipeline.layout import BatchRef
from scene_select.cloud.pipeline.plan import PlannedRun
from scene_select.cloud.pipeline.ports import USER_DATA_KEY, ClaimPolicy, IceApi, PipelineDeps
from scene_select.cloud.pipeline.records import Produce, RunRecord, RunState, RunStore, Step, StepSnapshot, iso_time
from scene_select.cloud.storage.base import ObjectInfo

__all__ = [
    "ADOPTION_LOOKBACK_SECONDS",
    "StepJob",
    "SubmitOutcome",
    "claim_step",
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


def find_job_for_run(ice: IceApi, run_key: str, *, since: float, step: Step = Step.SELECTION) -> IceJob | None:
    """The ICE job whose UserData names this run and step, created at or after ``since``; None if ICE has
    none. Jobs that name no step are selection jobs (every selection job before steps existed)."""
    for job in ice.list_batch_media_producing_jobs(start_time=iso_time(since), sort_by="desc"):
        marker = job.user_data_dict().get(USER_DATA_KEY)
        if isinstance(marker, dict) and marker.get("run") == run_key and marker.get("step", "selection") == step.value:
            return job
    return None


@dataclass(frozen=True)
class StepJob:
    """One step's ICE job, ready to submit: ``submit`` makes the one ICE call, ``record`` the job.json view
    of the run in a given state (``record(state, lease, claimed_at, **fields)``, fields being ``job_id``,
    ``submitted_at``, ``completed_at``, ``error``, ``note``)."""

    step: Step
    submit: Callable[[], SubmitResult]
    record: Callable[..., RunRecord]


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
        "produce": plan.produce.value,
        **({"retry": plan.retry} if plan.retry else {}),
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
    produce = Produce(document.get("produce", Produce.SELECTION.value))
    retry = document.get("retry") if isinstance(document.get("retry"), dict) else None
    warnings = list(document.get("warnings", []))
    return PlannedRun(batch, document["runKey"], request, sources, warnings, produce, retry)


def _record(plan: PlannedRun, state: RunState, lease: int, claimed_at: float, **extra: Any) -> RunRecord:
    """The view of a run during its selection step (selection fields stay at the top, as they always were)."""
    params = plan.request.wire_params()
    step_fields = {
        {"job_id": "jobId", "submitted_at": "submittedAt", "completed_at": "completedAt"}.get(k, k): v
        for k, v in extra.items()
        if k in ("job_id", "submitted_at", "completed_at", "error") and v is not None
    }
    return RunRecord.model_validate(
        {
            "batch": plan.batch.label,
            "job_type": plan.batch.job_type.value,
            "run_key": plan.run_key,
            "state": state,
            "produce": plan.produce,
            "claimed_at": iso_time(claimed_at),
            "lease": lease,
            "sources": [{"key": s.key, "etag": s.etag, "size": s.size} for s in plan.sources],
            "request": {k: json.loads(v) if k != "JobType" else v for k, v in params.items()},
            "warnings": plan.warnings,
            "steps": {Step.SELECTION.value: step_fields} if step_fields else {},
            **({"retry": plan.retry} if plan.retry else {}),
            **extra,
        }
    )


def submit_run(plan: PlannedRun, deps: PipelineDeps, claim: ClaimPolicy) -> SubmitOutcome:
    """Make sure the run exists with exactly one selection job; raise RetryableError subclasses when FC
    should retry."""
    runs = RunStore.of(deps, plan.batch, plan.run_key)
    snap = runs.snapshot()
    if snap.submitted or snap.terminal:
        return _duplicate(runs, Step.SELECTION)
    now = deps.clock()
    document = plan_document(plan)
    runs.add_pending(document)  # intent first: whatever dies after this write, reconcile finishes the run
    runs.write_request(document)
    runs.write_index(now)
    job = StepJob(
        Step.SELECTION,
        submit=lambda: deps.ice.submit_scene_media_selection_job(plan.request),
        record=lambda state, lease, claimed_at, **fields: _record(plan, state, lease, claimed_at, **fields),
    )
    return claim_step(job, runs, deps.ice, claim, claimed_at=now, known=snap[Step.SELECTION])


def claim_step(
    job: StepJob,
    runs: RunStore,
    ice: IceApi,
    claim: ClaimPolicy,
    *,
    claimed_at: float,
    known: StepSnapshot | None = None,
) -> SubmitOutcome:
    """Claim the step and submit its job, or find the job an earlier claim made (see the module docstring).

    ``known``: the step's markers as the caller just read them (saves a listing)."""
    snap = known if known is not None else runs.snapshot()[job.step]
    if snap.submitted or snap.terminal:
        return _duplicate(runs, job.step)
    if snap.latest_lease == 0 and runs.try_lease(1, claim.holder, job.step):
        return _submit(job, runs, 1, claimed_at)
    return _resolve_held_claim(
        job,
        runs,
        ice,
        holder=claim.holder,
        ttl=claim.ttl_seconds,
        grace=claim.unknown_grace_seconds,
        claimed_at=claimed_at,
    )


def _duplicate(runs: RunStore, step: Step) -> SubmitOutcome:
    return SubmitOutcome("duplicate", runs.run_key, runs.submitted_job_id(step), f"the {step.value} step has its job")


def _resolve_held_claim(
    job: StepJob, runs: RunStore, ice: IceApi, *, holder: str, ttl: float, grace: float, claimed_at: float
) -> SubmitOutcome:
    """Another invocation claimed the step: adopt its job if ICE lists one, wait, or take over the claim.

    Adopting needs no waiting — a job ICE lists under this run key and step *is* the step's job, and
    ``submitted.json`` is write-once, so every adopter records the same one. It is tried whenever the
    holder cannot be submitting right now: its submit's outcome is unknown, or its claim expired.
    Only a *new* submit waits: for the claim TTL (its holder is dead), or for the grace after an
    unknown outcome (a job ICE created but does not list yet would otherwise be made twice).
    """
    snap = runs.snapshot()[job.step]
    if snap.submitted or snap.terminal:
        return _duplicate(runs, job.step)
    latest = snap.latest_lease
    if latest == 0:  # the winner released it already: nothing reached ICE
        raise ClaimHeldError(f"run {runs.run_key} ({job.step.value}) changed hands while claiming; retry")
    age = runs.clock() - snap.leases[latest]
    unknown = latest in snap.unknown
    expired = age >= ttl
    if unknown or expired:
        first_claim = min(snap.leases.values())
        adopted = find_job_for_run(ice, runs.run_key, since=first_claim - ADOPTION_LOOKBACK_SECONDS, step=job.step)
        if adopted is not None:
            return _record_submitted(job, runs, latest, claimed_at, adopted.job_id, adopted=True)
    if not (expired or (unknown and age >= grace)):
        what = "its submit's outcome is unknown" if unknown else "it is submitting"
        raise ClaimHeldError(
            f"run {runs.run_key} ({job.step.value}) was claimed {age:.0f}s ago by another invocation and {what}; "
            "retry later — a dead claim expires after the claim TTL, an unknown outcome after the submit grace"
        )
    if not runs.try_lease(latest + 1, holder, job.step):
        raise ClaimHeldError(f"run {runs.run_key} ({job.step.value}): another invocation took over the claim first")
    log.warning(
        "took over claim %d of run %s, step %s (age %.0fs, outcome unknown: %s)",
        latest,
        runs.run_key,
        job.step.value,
        age,
        unknown,
    )
    return _submit(job, runs, latest + 1, claimed_at)


def _submit(job: StepJob, runs: RunStore, lease: int, claimed_at: float) -> SubmitOutcome:
    """Submit under a lease this invocation holds, and record what came of it."""
    runs.publish(job.record(RunState.CLAIMED, lease, claimed_at))
    try:
        result = job.submit()
    except SubmitOutcomeUnknownError as exc:
        runs.mark_unknown(lease, str(exc), job.step)
        runs.publish(job.record(RunState.SUBMIT_UNKNOWN, lease, claimed_at, note=str(exc)))
        raise
    except IceClientError as exc:
        if _is_deployment_problem(exc):
            # The request is fine; the deployment is not (role, keys, clock). Keep the run pending so
            # the reconciler submits it once an operator fixes that, instead of failing the batch.
            runs.release_lease(lease, job.step)
            note = f"ICE refused this deployment ({exc.code}); fix the function role or keys — the reconciler retries"
            runs.publish(job.record(RunState.CLAIMED, lease, claimed_at, note=note))
            log.error("%s: %s", runs.batch.label, note)
            return SubmitOutcome("deferred", runs.run_key, None, note)
        error = {
            "code": exc.code,
            "message": exc.ice_message,
            "requestId": exc.request_id or "",
            "step": job.step.value,
        }
        runs.mark_terminal(RunState.FAILED, {"error": error}, job.step)
        runs.publish(job.record(RunState.FAILED, lease, claimed_at, error=error, completed_at=iso_time(runs.clock())))
        runs.remove_pending()  # last: until the record is published, reconcile must still see the run
        return SubmitOutcome("failed", runs.run_key, None, f"ICE refused the job: {exc.code}: {exc.ice_message}")
    except RetryableError:
        runs.release_lease(lease, job.step)  # nothing reached ICE: the retry may claim again
        raise
    return _record_submitted(job, runs, lease, claimed_at, result.job_id, adopted=False)


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
    job: StepJob, runs: RunStore, lease: int, claimed_at: float, job_id: str, *, adopted: bool
) -> SubmitOutcome:
    if not runs.mark_submitted(job_id, adopted=adopted, step=job.step):  # another writer's marker won
        job_id = runs.submitted_job_id(job.step) or job_id
    runs.publish(job.record(RunState.SUBMITTED, lease, claimed_at, job_id=job_id, submitted_at=iso_time(runs.clock())))
    return SubmitOutcome("adopted" if adopted else "submitted", runs.run_key, job_id)
