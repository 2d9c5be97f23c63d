"""A run's state machine, kept in the bucket so any function instance can pick it up.

A run goes through one ICE job per step — ``selection``, then, when its batch asks for videos,
``timeline`` and ``render`` — and each step through claimed → (submit-unknown →) submitted →
finished | failed. A ``review`` run waits for a person's approval between selection and timeline.

OSS offers one atomic primitive, PutObject with ``x-oss-forbid-overwrite`` (``put_if_absent``), and
no compare-and-swap. So the truth of a run is a set of write-once *markers*, each created with
put_if_absent, in the run folder (the selection step's) or in the step's subfolder
(``timeline/``, ``render/``), and ``job.json`` is a view composed from them:

* ``lease-0001.json`` … — who may submit the step. The first put wins; a lease older than the claim
  TTL (longer than the function's timeout, so its holder is certainly dead) can be taken over by
  winning the next number. A retryable ICE failure releases the lease (deletes it).
* ``unknown-0001.json`` — the submit under that lease may or may not have reached ICE.
* ``submitted.json`` — ICE's JobId. ``finished.json`` / ``failed.json`` — terminal, once.
* ``approved.json`` (run folder, review runs) — the person's approval, once.

Because markers are never overwritten, a late or duplicated writer cannot move a run backwards: the
state and step of a view are derived from the markers at the time it is written, and a writer
re-reads after writing its view and rewrites it if a later state appeared meanwhile, so ``job.json``
converges on the most advanced state.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from pydantic import BaseModel

from scene_select.cloud.errors import ObjectNotFoundError
from scene_select.cloud.models.job_type import JobType
from scene_select.cloud.models.steps import Produce, Step
from scene_select.cloud.pipeline.batch_index import same_run_entry, write_run_entry
from scene_select.cloud.pipeline.layout import BatchRef, BucketLayout
from scene_select.cloud.pipeline.ports import Clock, PipelineDeps
from scene_select.cloud.storage.base import ObjectStore

__all__ = [
    "Produce",
    "RunIndexEntry",
    "RunRecord",
    "RunSnapshot",
    "RunState",
    "RunStore",
    "Step",
    "StepSnapshot",
    "iso_time",
]

_LEASE = re.compile(r"^lease-(\d{4})\.json$")
_UNKNOWN = re.compile(r"^unknown-(\d{4})\.json$")
_JSON = "application/json"


class RunState(str, Enum):
    """Where a run stands: the state of its current step (``RunRecord.step``), or of the run once done."""

    QUEUED = "queued"  # the previous step finished; this one is about to be submitted
    CLAIMED = "claimed"
    SUBMIT_UNKNOWN = "submit-unknown"
    SUBMITTED = "submitted"
    WAITING_FOR_REVIEW = "waiting-for-review"  # selection finished; a person's approval starts the videos
    FINISHED = "finished"
    FAILED = "failed"


_RANK = {
    RunState.QUEUED: 0,
    RunState.WAITING_FOR_REVIEW: 0,
    RunState.CLAIMED: 1,
    RunState.SUBMIT_UNKNOWN: 2,
    RunState.SUBMITTED: 3,
    RunState.FINISHED: 4,
    RunState.FAILED: 4,
}
_TERMINAL_RANK = 4


def iso_time(epoch: float) -> str:
    """UTC ISO 8601 with a Z, like ICE's timestamps."""
    from datetime import datetime, timezone

    return datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")


class RunIndexEntry(BaseModel):
    """``results/_index/runs/<run>.json``: how a callback's run key leads back to its batch."""

    run_key: str
    job_type: JobType
    batch_name: str
    claimed_at: float

    @property
    def batch(self) -> BatchRef:
        return BatchRef(self.job_type, self.batch_name)


class RunRecord(BaseModel):
    """``job.json``: what a person (or program) reads to know where a batch stands.

    ``state`` and ``step`` say where the run is (the current step's state; ``finished`` once every step
    the batch asked for is). ``job_id``, ``submitted_at`` and ``completed_at`` are the selection job's,
    as they always were; ``steps`` has every step's own (``{"state", "jobId", "submittedAt",
    "completedAt", "error"}``), ``error`` the first step's error that failed the run.
    """

    batch: str
    job_type: str
    run_key: str
    state: RunState
    step: Step = Step.SELECTION
    produce: Produce = Produce.SELECTION
    job_id: str | None = None
    claimed_at: str
    submitted_at: str | None = None
    completed_at: str | None = None
    lease: int
    sources: list[dict[str, Any]] = []
    request: dict[str, Any] = {}
    warnings: list[str] = []
    error: dict[str, str] | None = None
    results: dict[str, str] | None = None
    steps: dict[str, dict[str, Any]] = {}
    approval: dict[str, Any] | None = None
    note: str | None = None
    retry: dict[str, Any] | None = None
    """A run started by ``scene-select retry`` (retry.py): ``{"generation", "of", "root", "at", "reason"}``."""


@dataclass
class StepSnapshot:
    """Every marker of one step of a run."""

    leases: dict[int, float] = field(default_factory=dict)  # lease number → last_modified
    unknown: set[int] = field(default_factory=set)
    submitted: bool = False
    finished: bool = False
    failed: bool = False

    @property
    def latest_lease(self) -> int:
        return max(self.leases, default=0)

    @property
    def terminal(self) -> bool:
        return self.finished or self.failed

    @property
    def started(self) -> bool:
        return bool(self.leases) or self.submitted or self.terminal

    @property
    def state(self) -> RunState:
        if self.finished:
            return RunState.FINISHED
        if self.failed:
            return RunState.FAILED
        if self.submitted:
            return RunState.SUBMITTED
        if self.latest_lease in self.unknown:
            return RunState.SUBMIT_UNKNOWN
        return RunState.CLAIMED


@dataclass
class RunSnapshot:
    """Every marker of a run, all steps, read with one listing."""

    steps: dict[Step, StepSnapshot] = field(default_factory=lambda: {step: StepSnapshot() for step in Step})
    approved: bool = False
    files: set[str] = field(default_factory=set)  # every name directly in the run folder, markers included

    def __getitem__(self, step: Step) -> StepSnapshot:
        return self.steps[step]

    # The selection step's markers, as a run with one step always had them.
    @property
    def leases(self) -> dict[int, float]:
        return self.steps[Step.SELECTION].leases

    @property
    def unknown(self) -> set[int]:
        return self.steps[Step.SELECTION].unknown

    @property
    def latest_lease(self) -> int:
        return self.steps[Step.SELECTION].latest_lease

    @property
    def submitted(self) -> bool:
        return self.steps[Step.SELECTION].submitted

    @property
    def finished(self) -> bool:
        return self.steps[Step.SELECTION].finished

    @property
    def failed(self) -> bool:
        return self.steps[Step.SELECTION].failed

    @property
    def terminal(self) -> bool:
        return self.steps[Step.SELECTION].terminal

    @property
    def state(self) -> RunState:
        return self.steps[Step.SELECTION].state

    def position(self, produce: Produce) -> tuple[Step, RunState]:
        """The run's current step and its state, for a run that produces ``produce``.

        The current step is the first one asked for that has not finished; a step not started yet is
        ``queued`` (the selection step counts as claimed from the moment its run is planned); a review
        run whose selection finished waits for approval; a failed step fails the run.
        """
        for step in produce.steps:
            snap = self.steps[step]
            if snap.failed:
                return step, RunState.FAILED
            if snap.finished:
                continue
            if step is not Step.SELECTION and not snap.started:
                if step is Step.TIMELINE and produce is Produce.REVIEW and not self.approved:
                    return step, RunState.WAITING_FOR_REVIEW
                return step, RunState.QUEUED
            return step, snap.state
        return produce.steps[-1], RunState.FINISHED

    def progress(self, produce: Produce) -> int:
        """A number that only grows as the run advances (for views that must never go backwards)."""
        step, state = self.position(produce)
        return produce.steps.index(step) * 10 + _RANK[state]

    def done(self, produce: Produce) -> bool:
        """Finished or failed as a whole: nothing more will happen to the run."""
        return self.position(produce)[1] in (RunState.FINISHED, RunState.FAILED)


class RunStore:
    """All record I/O of one run: markers, index entries and the job.json views."""

    def __init__(self, store: ObjectStore, layout: BucketLayout, batch: BatchRef, run_key: str, clock: Clock) -> None:
        self.store = store
        self.layout = layout
        self.batch = batch
        self.run_key = run_key
        self.clock = clock
        self.run_dir = layout.run_dir(batch, run_key)
        self._request: dict[str, Any] | None = None  # request.json is write-once: read it once

    @classmethod
    def of(cls, deps: PipelineDeps, batch: BatchRef, run_key: str) -> RunStore:
        """The records of one run in the pipeline's bucket."""
        return cls(deps.store, deps.layout, batch, run_key, deps.clock)

    def step_dir(self, step: Step) -> str:
        """Where a step's markers and results live: the run folder for selection, a subfolder otherwise."""
        return self.run_dir if step is Step.SELECTION else f"{self.run_dir}{step.value}/"

    # ------------------------------------------------------------------------------------ markers

    def snapshot(self) -> RunSnapshot:
        snap = RunSnapshot()
        folders = {f"{step.value}/": step for step in Step if step is not Step.SELECTION}
        for info in self.store.list(self.run_dir):
            name = info.key[len(self.run_dir) :]
            step = Step.SELECTION
            folder, slash, rest = name.partition("/")
            if not slash:
                snap.files.add(name)
            if slash:
                if folder + "/" not in folders:
                    continue
                step, name = folders[folder + "/"], rest
            marks = snap.steps[step]
            if match := _LEASE.match(name):
                marks.leases[int(match.group(1))] = info.last_modified
            elif match := _UNKNOWN.match(name):
                marks.unknown.add(int(match.group(1)))
            elif name == "submitted.json":
                marks.submitted = True
            elif name == "finished.json":
                marks.finished = True
            elif name == "failed.json":
                marks.failed = True
            elif name == "approved.json" and step is Step.SELECTION:
                snap.approved = True
        return snap

    def read_marker(self, name: str, step: Step = Step.SELECTION) -> dict[str, Any] | None:
        try:
            value = json.loads(self.store.get(self.step_dir(step) + name))
        except ObjectNotFoundError:
            return None
        return value if isinstance(value, dict) else None

    def _write_marker(self, name: str, payload: dict[str, Any], step: Step = Step.SELECTION) -> bool:
        body = dict(payload, at=iso_time(self.clock()))
        return self.store.put_if_absent(self.step_dir(step) + name, _dumps(body), content_type=_JSON)

    def try_lease(self, number: int, holder: str, step: Step = Step.SELECTION) -> bool:
        return self._write_marker(f"lease-{number:04d}.json", {"holder": holder}, step)

    def release_lease(self, number: int, step: Step = Step.SELECTION) -> None:
        self.store.delete(self.step_dir(step) + f"lease-{number:04d}.json")

    def mark_unknown(self, lease: int, detail: str, step: Step = Step.SELECTION) -> None:
        self._write_marker(f"unknown-{lease:04d}.json", {"detail": detail}, step)

    def mark_submitted(self, job_id: str, *, adopted: bool = False, step: Step = Step.SELECTION) -> bool:
        return self._write_marker("submitted.json", {"jobId": job_id, "adopted": adopted}, step)

    def submitted_job_id(self, step: Step = Step.SELECTION) -> str | None:
        marker = self.read_marker("submitted.json", step)
        job_id = marker.get("jobId") if marker else None
        return job_id if isinstance(job_id, str) else None

    def mark_terminal(self, state: RunState, payload: dict[str, Any], step: Step = Step.SELECTION) -> bool:
        name = "finished.json" if state is RunState.FINISHED else "failed.json"
        return self._write_marker(name, payload, step)

    def mark_approved(self, approval: dict[str, Any]) -> bool:
        """Record a person's approval of a review run's selection, once (the first approval wins)."""
        return self._write_marker("approved.json", approval)

    # ------------------------------------------------------------------------------------ intent

    def write_request(self, request: dict[str, Any]) -> None:
        """``request.json``: the exact job this run submits, kept with the run's records for good (the
        pending entry carries the same plan until the run is complete)."""
        self.store.put_if_absent(self.run_dir + "request.json", _dumps(request), content_type=_JSON)

    def read_request(self) -> dict[str, Any] | None:
        if self._request is None:
            self._request = self.read_marker("request.json")
        return self._request

    def produce(self) -> Produce:
        """What the run produces, from its request.json (a run from before steps existed: a selection)."""
        request = self.read_request() or {}
        try:
            return Produce(request.get("produce", Produce.SELECTION.value))
        except ValueError:
            return Produce.SELECTION

    # ------------------------------------------------------------------------------------ index entries

    def write_index(self, claimed_at: float) -> None:
        entry = RunIndexEntry(
            run_key=self.run_key, job_type=self.batch.job_type, batch_name=self.batch.name, claimed_at=claimed_at
        )
        self.store.put_if_absent(
            self.layout.run_index_key(self.run_key), _dumps(entry.model_dump(mode="json")), content_type=_JSON
        )

    def add_pending(self, plan: dict[str, Any]) -> None:
        """The run's entry in the reconciler's work list. It carries the whole plan because it is the
        first thing written for a run: whatever dies after it, the reconciler can finish the run."""
        self.store.put(
            self.layout.pending_key(self.run_key),
            _dumps({"runKey": self.run_key, "batch": self.batch.label, "plan": plan}),
            content_type=_JSON,
        )

    def remove_pending(self) -> None:
        self.store.delete(self.layout.pending_key(self.run_key))

    def is_pending(self) -> bool:
        """True while the run may still need work (its pending entry is removed last)."""
        return self.store.head(self.layout.pending_key(self.run_key)) is not None

    # ------------------------------------------------------------------------------------ views

    def read_record(self) -> RunRecord | None:
        try:
            return RunRecord.model_validate_json(self.store.get(self.run_dir + "job.json"))
        except (ObjectNotFoundError, ValueError):
            return None

    def publish(self, record: RunRecord) -> RunRecord:
        """Write job.json for the run (and for the batch, if this is its newest run), converging.

        The record passed in carries this writer's knowledge; its state and step are those the markers
        show when it is written, so a slow writer never publishes an older state over a newer one.
        """
        snap = self.snapshot()
        for _ in range(3):
            current = self.read_record()
            merged = _merge(current, record, snap)
            self.store.put(self.run_dir + "job.json", _dumps(merged.model_dump(mode="json")), content_type=_JSON)
            self._publish_batch_view(merged)
            if snap.done(merged.produce):
                return merged  # nothing can advance a finished or failed run: no marker to look for
            after = self.snapshot()
            if after.progress(merged.produce) == snap.progress(merged.produce):
                return merged
            record, snap = merged, after
        return merged

    def _publish_batch_view(self, record: RunRecord) -> None:
        key = self.layout.results_dir(self.batch) + "job.json"
        try:
            existing = RunRecord.model_validate_json(self.store.get(key))
        except (ObjectNotFoundError, ValueError):
            existing = None
        if existing is None or existing.run_key == record.run_key or existing.claimed_at <= record.claimed_at:
            document = record.model_dump(mode="json")
            # The batch index's copy goes first, so it is never behind this view: when the view already
            # says the same, so does the index, and its PUT is saved (batch_index.py).
            before = existing.model_dump(mode="json") if existing is not None else None
            if before is None or not same_run_entry(before, document):
                write_run_entry(self.store, self.layout, self.batch, document, at=iso_time(self.clock()))
            self.store.put(key, _dumps(document), content_type=_JSON)

    def is_latest_run(self, record: RunRecord) -> bool:
        key = self.layout.results_dir(self.batch) + "job.json"
        try:
            existing = RunRecord.model_validate_json(self.store.get(key))
        except (ObjectNotFoundError, ValueError):
            return True
        return existing.run_key == record.run_key or existing.claimed_at <= record.claimed_at


def _merge(current: RunRecord | None, incoming: RunRecord, snap: RunSnapshot) -> RunRecord:
    """Combine what is stored with what this writer knows; the state and step are the markers'."""
    base = incoming
    if current is not None and _progress(current) > _progress(incoming):
        base = current
    data = base.model_dump()
    other = incoming if base is current else current
    for name in ("job_id", "submitted_at", "completed_at", "error", "results", "note", "approval", "retry"):
        if data.get(name) is None and other is not None and getattr(other, name) is not None:
            data[name] = getattr(other, name)
    if other is not None:
        steps = {name: dict(fields) for name, fields in other.steps.items()}
        for name, fields in data["steps"].items():
            steps[name] = {**steps.get(name, {}), **{k: v for k, v in fields.items() if v is not None}}
        data["steps"] = steps
    produce = Produce(data["produce"])
    data["step"], data["state"] = snap.position(produce)
    for step in produce.steps:
        marks = snap[step]
        if marks.started or step is Step.SELECTION:
            data["steps"].setdefault(step.value, {})["state"] = marks.state.value
    data["lease"] = max(data["lease"], snap.latest_lease)
    return RunRecord.model_validate(data)


def _progress(record: RunRecord) -> int:
    steps = record.produce.steps
    step = record.step if record.step in steps else steps[0]
    return steps.index(step) * 10 + _RANK[record.state]
