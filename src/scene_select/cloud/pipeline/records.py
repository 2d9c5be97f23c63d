"""A run's state machine, kept in the bucket so any function instance can pick it up.

claimed → (submit-unknown →) submitted → finished | failed.

OSS offers one atomic primitive, PutObject with ``x-oss-forbid-overwrite`` (``put_if_absent``), and
no compare-and-swap. So the truth of a run is a set of write-once *markers* in its run folder, each
created with put_if_absent, and ``job.json`` is a view composed from them:

* ``lease-0001.json`` … — who may submit. The first put wins; a lease older than the claim TTL
  (longer than the submit function's timeout, so its holder is certainly dead) can be taken over by
  winning the next number. A retryable ICE failure releases the lease (deletes it).
* ``unknown-0001.json`` — the submit under that lease may or may not have reached ICE.
* ``submitted.json`` — ICE's JobId. ``finished.json`` / ``failed.json`` — terminal, once.

Because markers are never overwritten, a late or duplicated writer cannot move a run backwards:
views are recomposed from all markers, and a writer re-reads after writing its view and rewrites it
if a later state appeared meanwhile, so ``job.json`` converges on the most advanced state.
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
from scene_select.cloud.pipeline.layout import BatchRef, BucketLayout
from scene_select.cloud.pipeline.ports import Clock, PipelineDeps
from scene_select.cloud.storage.base import ObjectStore

__all__ = [
    "RunIndexEntry",
    "RunRecord",
    "RunSnapshot",
    "RunState",
    "RunStore",
    "iso_time",
]

_LEASE = re.compile(r"^lease-(\d{4})\.json$")
_UNKNOWN = re.compile(r"^unknown-(\d{4})\.json$")
_JSON = "application/json"


class RunState(str, Enum):
    CLAIMED = "claimed"
    SUBMIT_UNKNOWN = "submit-unknown"
    SUBMITTED = "submitted"
    FINISHED = "finished"
    FAILED = "failed"


_RANK = {
    RunState.CLAIMED: 0,
    RunState.SUBMIT_UNKNOWN: 1,
    RunState.SUBMITTED: 2,
    RunState.FINISHED: 3,
    RunState.FAILED: 3,
}
_TERMINAL_RANK = 3


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
    """``job.json``: what a person (or program) reads to know where a batch stands."""

    batch: str
    job_type: str
    run_key: str
    state: RunState
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
    note: str | None = None


@dataclass
class RunSnapshot:
    """Every marker of a run, read with one listing."""

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


class RunStore:
    """All record I/O of one run: markers, index entries and the job.json views."""

    def __init__(self, store: ObjectStore, layout: BucketLayout, batch: BatchRef, run_key: str, clock: Clock) -> None:
        self.store = store
        self.layout = layout
        self.batch = batch
        self.run_key = run_key
        self.clock = clock
        self.run_dir = layout.run_dir(batch, run_key)

    @classmethod
    def of(cls, deps: PipelineDeps, batch: BatchRef, run_key: str) -> RunStore:
        """The records of one run in the pipeline's bucket."""
        return cls(deps.store, deps.layout, batch, run_key, deps.clock)

    # ------------------------------------------------------------------------------------ markers

    def snapshot(self) -> RunSnapshot:
        snap = RunSnapshot()
        for info in self.store.list(self.run_dir):
            name = info.key[len(self.run_dir) :]
            if match := _LEASE.match(name):
                snap.leases[int(match.group(1))] = info.last_modified
            elif match := _UNKNOWN.match(name):
                snap.unknown.add(int(match.group(1)))
            elif name == "submitted.json":
                snap.submitted = True
            elif name == "finished.json":
                snap.finished = True
            elif name == "failed.json":
                snap.failed = True
        return snap

    def read_marker(self, name: str) -> dict[str, Any] | None:
        try:
            value = json.loads(self.store.get(self.run_dir + name))
        except ObjectNotFoundError:
            return None
        return value if isinstance(value, dict) else None

    def _write_marker(self, name: str, payload: dict[str, Any]) -> bool:
        body = dict(payload, at=iso_time(self.clock()))
        return self.store.put_if_absent(self.run_dir + name, _dumps(body), content_type=_JSON)

    def try_lease(self, number: int, holder: str) -> bool:
        return self._write_marker(f"lease-{number:04d}.json", {"holder": holder})

    def release_lease(self, number: int) -> None:
        self.store.delete(self.run_dir + f"lease-{number:04d}.json")

    def mark_unknown(self, lease: int, detail: str) -> None:
        self._write_marker(f"unknown-{lease:04d}.json", {"detail": detail})

    def mark_submitted(self, job_id: str, *, adopted: bool = False) -> bool:
        return self._write_marker("submitted.json", {"jobId": job_id, "adopted": adopted})

    def submitted_job_id(self) -> str | None:
        marker = self.read_marker("submitted.json")
        job_id = marker.get("jobId") if marker else None
        return job_id if isinstance(job_id, str) else None

    def mark_terminal(self, state: RunState, payload: dict[str, Any]) -> bool:
        name = "finished.json" if state is RunState.FINISHED else "failed.json"
        return self._write_marker(name, payload)

    # ------------------------------------------------------------------------------------ intent

    def write_request(self, request: dict[str, Any]) -> None:
        """``request.json``: the exact job this run submits, kept with the run's records for good (the
        pending entry carries the same plan until the run is complete)."""
        self.store.put_if_absent(self.run_dir + "request.json", _dumps(request), content_type=_JSON)

    def read_request(self) -> dict[str, Any] | None:
        return self.read_marker("request.json")

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

        The record passed in carries this writer's knowledge; the state written is the most advanced
        one the markers show, so a slow writer never publishes an older state over a newer one.
        """
        snap = self.snapshot()
        for _ in range(3):
            current = self.read_record()
            merged = _merge(current, record, snap)
            self.store.put(self.run_dir + "job.json", _dumps(merged.model_dump(mode="json")), content_type=_JSON)
            self._publish_batch_view(merged)
            if _RANK[merged.state] == _TERMINAL_RANK:
                return merged  # nothing can advance a terminal state: no marker to look for
            after = self.snapshot()
            if after.state == snap.state:
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
            self.store.put(key, _dumps(record.model_dump(mode="json")), content_type=_JSON)

    def is_latest_run(self, record: RunRecord) -> bool:
        key = self.layout.results_dir(self.batch) + "job.json"
        try:
            existing = RunRecord.model_validate_json(self.store.get(key))
        except (ObjectNotFoundError, ValueError):
            return True
        return existing.run_key == record.run_key or existing.claimed_at <= record.claimed_at


def _merge(current: RunRecord | None, incoming: RunRecord, snap: RunSnapshot) -> RunRecord:
    """Combine what is stored with what this writer knows; the state never goes backwards."""
    base = incoming
    if current is not None and _RANK[current.state] > _RANK[incoming.state]:
        base = current
    data = base.model_dump()
    for name in ("job_id", "submitted_at", "completed_at", "error", "results", "note"):
        if data.get(name) is None:
            other = incoming if base is current else current
            if other is not None and getattr(other, name) is not None:
                data[name] = getattr(other, name)
    if _RANK[snap.state] > _RANK[RunState(data["state"])]:
        data["state"] = snap.state
    data["lease"] = max(data["lease"], snap.latest_lease)
    return RunRecord.model_validate(data)
