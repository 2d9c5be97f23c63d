"""The reliability scenarios' tools: crash doubles, direct handler calls, an auditor of end states, a ledger.

The scenarios of tests/functional/reliability try to break the pipeline's promise — every batch gets exactly
one ICE job and complete results, whatever is duplicated, delayed, crashed or forged — against a running
local stack. What they share:

* :class:`ObservedStore` wraps a real store: it records every key read and written and, when told to,
  raises :class:`Crash` right *after* the Nth write — the write happened, nothing after it does, as if
  the function instance died there. :class:`CrashingIce` does the same after an ICE call returned.
  ``Crash`` is a BaseException so that no ``except Exception`` in the code under test can swallow it.
* ``submit_directly`` / ``reconcile_directly`` / ``callback_directly`` call the pipeline's use cases on a
  running stack's bucket and emulator with a store, an ICE client and a clock of the test's choosing (the FC
  shim serialises invocations in one process, so these are also how threads race for real).
* :func:`audit` checks the promise on a stack's final state: every run has exactly one ICE job and
  complete results, every batch's latest copies match its run, nothing pending, no half-written file.
* :data:`LEDGER` adds up what each scenario injected and what came out; the kit's pytest plugin writes it
  out (``--reliability-ledger``) and ``bench/reliability.py`` prints it.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from scene_select.cloud.config import Settings
from scene_select.cloud.credentials import Credentials, static_credentials
from scene_select.cloud.fc.handlers import ice_timeout
from scene_select.cloud.ice.client import IceClient
from scene_select.cloud.models.http_request import HttpRequest
from scene_select.cloud.models.ice_api import IceJob, SubmitResult
from scene_select.cloud.models.job_config import JobType, SelectionJobRequest
from scene_select.cloud.pipeline.callback import CallbackAnswer, CallbackSettings, handle_callback
from scene_select.cloud.pipeline.ingest import IngestReport, handle_upload_event
from scene_select.cloud.pipeline.layout import BucketLayout, Role
from scene_select.cloud.pipeline.ports import USER_DATA_KEY, ClaimPolicy, PipelineDeps
from scene_select.cloud.pipeline.reconcile import ReconcileReport, reconcile_pending
from scene_select.cloud.pipeline.records import RunIndexEntry, RunState, RunStore, Step
from scene_select.cloud.storage.base import ObjectInfo, ObjectStore
from scene_select.cloud.storage.local import INTERNAL_PREFIX
from scene_select.workstation.local.stack import LocalStack
from scene_select_testkit.ice import emulator_jobs
from scene_select_testkit.stack import placeholder_video
from scene_select_testkit.waiting import scaled_timeout, wait_until

LAYOUT = BucketLayout()


class Crash(BaseException):
    """A simulated death of the function instance (not an Exception: nothing may catch it)."""


# --------------------------------------------------------------------------------------------- doubles


class ObservedStore:
    """An ObjectStore that records reads and writes and can die after its Nth matching write."""

    def __init__(self, inner: ObjectStore, *, crash_after: int | None = None, matching: str = "") -> None:
        self.inner = inner
        self.bucket = inner.bucket
        self.crash_after = crash_after
        self.matching = re.compile(matching)
        self.reads: list[str] = []
        self.writes: list[str] = []
        self.crashed_after: str | None = None

    def _wrote(self, key: str) -> None:
        if not self.matching.search(key):
            return
        self.writes.append(key)
        if self.crash_after is not None and len(self.writes) == self.crash_after:
            self.crashed_after = key
            raise Crash(f"instance died right after writing {key}")

    def get(self, key: str) -> bytes:
        self.reads.append(key)
        return self.inner.get(key)

    def head(self, key: str) -> ObjectInfo | None:
        self.reads.append(key)
        return self.inner.head(key)

    def list(self, prefix: str, *, limit: int | None = None) -> Iterator[ObjectInfo]:
        self.reads.append(prefix)
        return self.inner.list(prefix, limit=limit)

    def url_for(self, key: str) -> str:
        return self.inner.url_for(key)

    def put(self, key: str, data: bytes, *, content_type: str | None = None) -> ObjectInfo:
        info = self.inner.put(key, data, content_type=content_type)
        self._wrote(key)
        return info

    def put_if_absent(self, key: str, data: bytes, *, content_type: str | None = None) -> bool:
        created = self.inner.put_if_absent(key, data, content_type=content_type)
        if created:
            self._wrote(key)
        return created

    def delete(self, key: str) -> None:
        self.inner.delete(key)
        self._wrote(key)


class CrashingIce:
    """The pipeline's IceApi over a real client, dying right after ``action`` returned."""

    def __init__(self, inner: IceClient, action: str) -> None:
        self.inner = inner
        self.action = action

    def _returned(self, action: str) -> None:
        if action == self.action:
            raise Crash(f"instance died right after ICE answered {action}")

    def submit_scene_media_selection_job(self, request: SelectionJobRequest) -> SubmitResult:
        result = self.inner.submit_scene_media_selection_job(request)
        self._returned("submit")
        return result

    def get_batch_media_producing_job(self, job_id: str) -> IceJob:
        job = self.inner.get_batch_media_producing_job(job_id)
        self._returned("get")
        return job

    def list_batch_media_producing_jobs(self, **filters: Any) -> Iterator[IceJob]:
        jobs = list(self.inner.list_batch_media_producing_jobs(**filters))
        self._returned("list")
        return iter(jobs)


# --------------------------------------------------------------------------------------------- driving a stack


def stack_settings(stack: LocalStack) -> Settings:
    return Settings.from_env(stack.environ)


_CLIENTS: weakref.WeakKeyDictionary[LocalStack, IceClient] = weakref.WeakKeyDictionary()


def stack_ice(stack: LocalStack) -> IceClient:
    """A client of the stack's emulator with the stack's keys and configured timeouts, as a handler builds
    it — one per stack, kept like a warm instance's (a new httpx client costs tens of milliseconds)."""
    assert stack.emulator is not None
    if stack not in _CLIENTS:
        credentials = static_credentials(
            Credentials(stack.access_key_id, stack.access_key_secret, stack.security_token)
        )
        _CLIENTS[stack] = IceClient(
            region=stack.options.region,
            endpoint=stack.emulator.endpoint,
            credentials=credentials,
            timeout=ice_timeout(stack_settings(stack)),
        )
    return _CLIENTS[stack]


def stack_deps(
    stack: LocalStack,
    *,
    store: ObjectStore | None = None,
    ice: Any = None,
    clock: Callable[[], float] = time.time,
) -> PipelineDeps:
    """The use cases' collaborators on the stack's bucket and emulator; a test swaps any of them."""
    return PipelineDeps(store or stack.store, ice or stack_ice(stack), LAYOUT, clock)


def submit_directly(
    stack: LocalStack,
    event: bytes,
    *,
    store: ObjectStore | None = None,
    ice: Any = None,
    clock: Callable[[], float] = time.time,
    holder: str = "test",
) -> IngestReport:
    """The submit function's use case on the stack's bucket (what FC would run for ``event``)."""
    deps = stack_deps(stack, store=store, ice=ice, clock=clock)
    return handle_upload_event(event, deps, settings=stack_settings(stack), holder=holder)


def reconcile_directly(
    stack: LocalStack,
    *,
    store: ObjectStore | None = None,
    ice: Any = None,
    clock: Callable[[], float] = time.time,
) -> ReconcileReport:
    """One reconcile pass on the stack's bucket; ``clock`` lets a test make claims expire without waiting."""
    settings = stack_settings(stack)
    deps = stack_deps(stack, store=store, ice=ice, clock=clock)
    claim = ClaimPolicy.from_settings(settings, "reconcile-test")
    return reconcile_pending(deps, claim, max_runs=settings.reconcile_max_runs)


def later(seconds: float) -> Callable[[], float]:
    """A clock ``seconds`` ahead of now: every claim older than that looks expired."""
    return lambda: time.time() + seconds


def upload_batch(
    stack: LocalStack, name: str, *, media: int = 2, script: str = "第一句。第二句。", produce: str | None = None
) -> str:
    """A smart-mix batch (media first, then job.json when ``produce`` asks for videos, script.txt last, as
    people upload); returns the script's key."""
    prefix = f"inbox/smart-mix/{name}/"
    for index in range(media):
        stack.store.put(f"{prefix}clip{index}.mp4", placeholder_video() + name.encode() + bytes([index]))
    if produce is not None:
        stack.store.put(prefix + "job.json", json.dumps({"Produce": produce}).encode("utf-8"))
    stack.store.put(prefix + "script.txt", script.encode("utf-8"))
    return prefix + "script.txt"


def jobs_terminal(stack: LocalStack) -> bool:
    return all(job["Status"] in ("Finished", "Failed") for job in emulator_jobs(stack.emulator))


def pending(stack: LocalStack) -> list[str]:
    return [info.key for info in stack.store.list(LAYOUT.pending_prefix())]


def settle(stack: LocalStack, *, clock: Callable[[], float] = time.time, timeout: float = 60.0) -> int:
    """Run reconcile passes until ICE has no running job and nothing is pending; returns the passes run."""
    passes = 0

    def settled() -> bool:
        nonlocal passes
        if not jobs_terminal(stack):
            return False
        if not pending(stack):
            return True
        reconcile_directly(stack, clock=clock)
        passes += 1
        return False

    wait_until(
        settled,
        timeout=timeout,
        interval=0.05,
        what=lambda: f"ICE jobs to end and nothing pending ({passes} reconcile passes; pending: {pending(stack)})",
    )
    return passes


# --------------------------------------------------------------------------------------------- the end state


@dataclass
class Audit:
    """What a finished scenario left: runs, ICE jobs, and every broken promise found."""

    batches: int = 0
    runs: int = 0
    jobs: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def lost(self) -> int:
        return len({p.split(":", 1)[0] for p in self.problems})


def _json(store: ObjectStore, key: str) -> Any:
    return json.loads(store.get(key))


def audit(stack: LocalStack) -> Audit:
    """Check every run and batch in the stack's bucket against the ICE jobs the emulator holds, once the
    stack is idle: a run is judged by its end state, not by a moment in the middle of a follow-up's writes."""
    stack.wait_settled()
    store = stack.store
    result = Audit()
    jobs_by_run: dict[str, list[dict[str, Any]]] = {}
    for job in emulator_jobs(stack.emulator):
        marker = json.loads(job["UserData"] or "{}").get(USER_DATA_KEY, {})
        jobs_by_run.setdefault(str(marker.get("run")), []).append(job)
    result.jobs = sum(len(jobs) for jobs in jobs_by_run.values())
    run_keys = set()
    for info in store.list("results/_index/runs/"):
        entry = RunIndexEntry.model_validate_json(store.get(info.key))
        run_keys.add(entry.run_key)
        result.runs += 1
        _audit_run(store, entry, jobs_by_run.get(entry.run_key, []), result.problems)
    for run_key, jobs in jobs_by_run.items():
        if run_key not in run_keys:
            result.problems.append(f"job {jobs[0]['JobId']}: an ICE job no run of this bucket owns ({run_key})")
    for info in store.list("results/"):
        if info.key.endswith("/job.json") and "/runs/" not in info.key:
            result.batches += 1
            _audit_batch(store, info.key.removesuffix("job.json"), result.problems)
    result.problems += _unanswered_uploads(store)
    result.problems += [f"pending: {key}" for key in pending(stack)]
    leftovers = [p for p in stack.bucket_dir.rglob(f"{INTERNAL_PREFIX}-tmp-*")]
    result.problems += [f"partial file: {path}" for path in leftovers]
    return result


def _audit_run(store: ObjectStore, entry: RunIndexEntry, jobs: list[dict[str, Any]], problems: list[str]) -> None:
    """One run against ICE: exactly one job per step the run started, markers naming it, results complete,
    and job.json in the state its markers say (the pipeline's own state machine reads them)."""
    runs = RunStore(store, LAYOUT, entry.batch, entry.run_key, time.time)
    snap = runs.snapshot()
    produce = runs.produce()
    where = f"{entry.batch.label} run {entry.run_key}"
    by_step: dict[str, list[dict[str, Any]]] = {}
    for job in jobs:
        marker = json.loads(job["UserData"] or "{}").get(USER_DATA_KEY, {})
        by_step.setdefault(str(marker.get("step", Step.SELECTION.value)), []).append(job)
    for step in Step:
        marks, step_jobs = snap[step], by_step.get(step.value, [])
        refused = marks.failed and not step_jobs  # ICE refused the submit: no job, a failed marker
        if len(step_jobs) > 1 or (marks.started and not step_jobs and not refused) or (step_jobs and not marks.started):
            problems.append(f"{where}: {len(step_jobs)} ICE jobs for its {step.value} step, expected exactly one")
            return
        for name in ("finished.json", "failed.json"):
            marker = runs.read_marker(name, step) or {}
            if "jobId" in marker and step_jobs and marker["jobId"] != step_jobs[0]["JobId"]:
                problems.append(
                    f"{where}: {step.value} {name} names job {marker['jobId']}, ICE has {step_jobs[0]['JobId']}"
                )
    if snap.finished:
        missing = {"raw.json", "selection.json", "report.html"} - snap.files
        if missing:
            problems.append(f"{where}: its selection finished but {sorted(missing)} missing")
        else:
            _json(store, runs.run_dir + "selection.json")  # parses: never half-written
    if snap[Step.RENDER].finished and "videos.json" not in snap.files:
        problems.append(f"{where}: rendered but videos.json missing")
    step, state = snap.position(produce)
    if state not in (RunState.FINISHED, RunState.FAILED, RunState.WAITING_FOR_REVIEW):
        problems.append(f"{where}: never done ({step.value} step {state.value})")
        return
    record = _json(store, runs.run_dir + "job.json")
    if record["state"] != state.value:
        problems.append(f"{where}: job.json says {record['state']}, markers say {state.value}")


def _unanswered_uploads(store: ObjectStore) -> list[str]:
    """Every complete batch in the inbox must have a record (job.json) or an error record in results/."""
    batches = set()
    for info in store.list("inbox/"):
        upload = LAYOUT.classify(info.key)
        if upload is None or upload.role not in (Role.MANIFEST, Role.SCRIPT, Role.MEDIA):
            continue
        if upload.batch.job_type is JobType.HIGHLIGHTS or upload.role is not Role.MEDIA:
            batches.add(upload.batch)
    problems = []
    for batch in sorted(batches, key=lambda b: b.label):
        results_dir = LAYOUT.results_dir(batch)
        if store.head(results_dir + "job.json") is None and not list(store.list(results_dir + "errors/")):
            problems.append(f"{batch.label}: uploaded, but no record and no error record (lost)")
    return problems


def _audit_batch(store: ObjectStore, results_dir: str, problems: list[str]) -> None:
    record = _json(store, results_dir + "job.json")
    where = f"{record['job_type']}/{record['batch'].split('/', 1)[-1]} batch"
    run_dir = f"{results_dir}runs/{record['run_key']}/"
    if record["state"] not in ("finished", "failed", "waiting-for-review"):
        problems.append(f"{where}: its latest job.json is still {record['state']}")
    if record["state"] == "finished":
        for name in ("raw.json", "selection.json"):
            if store.head(results_dir + name) is None or store.get(results_dir + name) != store.get(run_dir + name):
                problems.append(f"{where}: {name} is not the run's copy")
        if store.head(results_dir + "report.html") is None:  # a view rendered for its place: not a byte copy
            problems.append(f"{where}: report.html missing")


# --------------------------------------------------------------------------------------------- the ledger


@dataclass
class Tally:
    """One scenario's figures (the columns of the table in docs/reliability.md)."""

    events: int = 0
    duplicates: int = 0
    faults: int = 0
    hostile: int = 0
    forged: int = 0
    batches: int = 0
    jobs: int = 0
    lost: int = 0
    seconds: float = 0.0

    def add(self, **counts: float) -> None:
        for name, value in counts.items():
            setattr(self, name, getattr(self, name) + value)


LEDGER: dict[str, Tally] = {}
_LEDGER_LOCK = threading.Lock()


def tally(scenario: str, **counts: float) -> None:
    """Add figures to a scenario's row of the ledger."""
    with _LEDGER_LOCK:
        LEDGER.setdefault(scenario, Tally()).add(**counts)


def callbacks_sent(stack: LocalStack) -> int:
    """Callback requests the emulator made (every attempt, duplicate and stale replay; not the dropped)."""
    return sum(1 for job in emulator_jobs(stack.emulator) for entry in job["Callback"]["Log"] if entry["Attempt"] >= 1)


def events_delivered(stack: LocalStack) -> int:
    """OSS events the stack's trigger delivered plus callbacks ICE sent (tests add what they sent by hand)."""
    return (stack.watcher.delivered if stack.watcher else 0) + callbacks_sent(stack)


def write_ledger(path: Path) -> None:
    path.write_text(json.dumps({name: asdict(row) for name, row in LEDGER.items()}, indent=2), encoding="utf-8")


# --------------------------------------------------------------------------------------------- other processes


def deliver_in_process(  # noqa: PLR0917 - a multiprocessing target: its arguments arrive positionally
    functions_dir: str, environ: dict[str, str], event: bytes, times: int, start: Any, out: Any
) -> None:
    """A separate process (spawned) invoking the submit function through the FC shim ``times`` times.

    ``start`` is a multiprocessing barrier so that every process delivers at the same moment; each
    outcome (or the exception) goes to the ``out`` queue.
    """
    from scene_select.workstation.local.fc_runtime import invoke

    start.wait(timeout=scaled_timeout(120))
    for _ in range(times):
        try:
            answer = invoke(Path(functions_dir) / "submit", event, environ=environ)
            out.put([record["outcome"] for record in answer["records"]])
        except Exception as exc:
            out.put(f"{type(exc).__name__}: {exc}")


# --------------------------------------------------------------------------------------------- watching records

# How far a run has come, by job.json's (step, state): it may only grow. Steps in order, states within a step.
_STEP_ORDER = {"selection": 0, "timeline": 1, "render": 2}
_STATE_ORDER = {
    "queued": 0,
    "waiting-for-review": 0,
    "claimed": 1,
    "submit-unknown": 2,
    "submitted": 3,
    "finished": 4,
    "failed": 4,
}


class RecordWatch:
    """Polls the bucket while a scenario runs: every job.json's state per run must only move forward,
    every run's result file, once it exists, must never be written again, and no JSON file may ever be
    seen half-written."""

    def __init__(self, stack: LocalStack, interval: float = 0.02) -> None:
        self.root = stack.bucket_dir / "results"
        self.interval = interval
        self.regressions: list[str] = []
        self.rewritten: list[str] = []
        self.partial: list[str] = []
        self.observations = 0
        self._states: dict[tuple[Path, str], tuple[int, int]] = {}
        self._files: dict[Path, tuple[int, int]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="record-watch", daemon=True)

    def __enter__(self) -> RecordWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self._poll()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._poll()

    def _poll(self) -> None:
        for path in _json_files(self.root):
            try:
                if path.name == "job.json":
                    self._state(path, json.loads(path.read_bytes()))
                elif path.parent.parent.name == "runs" and path.name in ("raw.json", "selection.json"):
                    self._file(path)
            except OSError:
                continue  # replaced or removed while we looked
            except ValueError:
                self.partial.append(str(path))  # never: every write is an atomic rename
        self.observations += 1

    def _state(self, path: Path, record: dict[str, Any]) -> None:
        key = (path, record["run_key"])
        now = (_STEP_ORDER[record.get("step", "selection")], _STATE_ORDER[record["state"]])
        before = self._states.get(key)
        if before is not None and now < before:
            self.regressions.append(f"{path}: {before} -> {now} (step, state)")
        if before is None or now >= before:
            self._states[key] = now

    def _file(self, path: Path) -> None:
        stat = path.stat()
        identity = (stat.st_ino, stat.st_mtime_ns)
        if self._files.setdefault(path, identity) != identity:
            self.rewritten.append(str(path))


def batch_state(stack: LocalStack, name: str) -> str | None:
    key = f"results/smart-mix/{name}/job.json"
    return json.loads(stack.store.get(key))["state"] if stack.store.head(key) else None


def wait_for_batches(stack: LocalStack, names: list[str], states: set[str], timeout: float = 60.0) -> None:
    """Wait until every named smart-mix batch's job.json is in one of ``states``."""
    wait_until(
        lambda: all(batch_state(stack, name) in states for name in names),
        timeout=timeout,
        interval=0.05,
        what=f"batches {names[:3]}… to reach {states}",
    )


# --------------------------------------------------------------------------------------------- callbacks by hand


def callback_directly(
    stack: LocalStack,
    headers: dict[str, str],
    body: bytes,
    *,
    method: str = "POST",
    store: ObjectStore | None = None,
    ice: Any = None,
) -> CallbackAnswer:
    """The callback function's use case on the stack's bucket, for one HTTP request."""
    settings = stack_settings(stack)
    request = HttpRequest(
        method=method, path="/ice-callback", raw_path="/ice-callback", headers=headers, query={}, body=body
    )
    deps = stack_deps(stack, store=store, ice=ice)
    return handle_callback(request, deps, settings=CallbackSettings.from_settings(settings))


def verify_and_tally(
    stack: LocalStack, scenario: str, *, batches: int, jobs: int | None = None, **counts: float
) -> Audit:
    """Audit the stack's end state — no broken promise, ``jobs`` ICE jobs (one per batch unless said) —
    and add the scenario to the ledger: events default to what the stack delivered, and the faults the
    emulator injected are added to any the test injected itself."""
    found = audit(stack)
    assert found.problems == [], f"{scenario}: {found.problems}"
    expected = batches if jobs is None else jobs
    assert found.jobs == expected, f"{scenario}: {found.jobs} ICE jobs, expected {expected}"
    assert stack.emulator is not None
    counts.setdefault("events", events_delivered(stack))
    counts["faults"] = counts.get("faults", 0) + sum(stack.emulator.faults.injected().values())
    tally(scenario, batches=batches, jobs=found.jobs, lost=found.lost, **counts)
    return found


def _json_files(root: Path) -> list[Path]:
    """The ``.json`` files under ``root`` as they are now. ``os.walk`` skips a folder removed while it is
    walked (the batch index's ``pending`` folder comes and goes), where ``Path.rglob`` raises."""
    return [Path(folder) / name for folder, _, names in os.walk(root) for name in names if name.endswith(".json")]
