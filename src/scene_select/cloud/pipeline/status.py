"""Where every batch stands, and one batch's whole history: what ``scene-select status`` and the dashboard show.

Only the bookkeeping the pipeline keeps is read, never the whole bucket:

* the list — one listing of the batch index (``results/_index/batches/``, batch_index.py), which names
  every batch and dates its news; the page shown is sorted newest first by those dates, and only the
  index files of the batches on that page are read (at most three small GETs a row);
* one batch — one listing of its results folder (every run with its markers and result files, its error
  records), its run records, its ``retry.json`` markers and its error records.

Records are read as plain JSON, field by field, so runs written before and after steps read alike, and a
state or a field this version does not know is shown as it is.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any

from scene_select.cloud.errors import ConfigError, ObjectKeyError, ObjectNotFoundError
from scene_select.cloud.models.job_type import JobType
from scene_select.cloud.models.media import media_kind
from scene_select.cloud.pipeline.batch_index import (
    ERROR_ENTRY,
    RUN_ENTRY,
    WAITING_ENTRY,
    parse_entry_key,
    write_error_entry,
    write_run_entry,
)
from scene_select.cloud.pipeline.layout import HIGHLIGHTS_FOLDER, SMART_MIX_FOLDER, BatchRef, BucketLayout
from scene_select.cloud.pipeline.records import iso_time
from scene_select.cloud.storage.base import ObjectInfo, ObjectStore
from scene_select.cloud.storage.keys import validate_key

__all__ = [
    "STATE_WORDS",
    "BatchHistory",
    "BatchNotFoundError",
    "BatchPage",
    "BatchRow",
    "RunHistory",
    "batch_history",
    "list_batches",
    "parse_batch_label",
    "reindex_batches",
    "state_words",
]

STATE_WORDS = {
    "waiting": "waiting for files",
    "rejected": "refused: an upload needs fixing",
    "queued": "running: the next step is about to start",
    "claimed": "submitting to ICE",
    "submit-unknown": "submitting to ICE (the answer got lost; being checked)",
    "submitted": "running at ICE",
    "waiting-for-review": "waiting for review",
    "finished": "finished",
    "failed": "failed",
}
WHAT_TO_DO = {
    "waiting": "upload what it waits for",
    "rejected": "fix the file or the manifest and upload it again; nothing was submitted for it",
    "submit-unknown": "nothing: the reconcile pass adopts the job or submits it again within minutes",
    "waiting-for-review": "read report.html, then upload approval.json into the batch's inbox folder",
    "failed": "fix what the error says and upload again; if nothing needs fixing (ICE failed on its side), "
    "`scene-select retry` runs it again",
}
RUNNING = frozenset({"queued", "claimed", "submit-unknown", "submitted"})
DONE = frozenset({"finished", "failed"})

_RUN_DIR = re.compile(r"^runs/([0-9a-f]{20})/(.+)$")
_MARKER = re.compile(r"^(lease-\d{4}|unknown-\d{4}|submitted|finished|failed|approved|retry)\.json$")
_RECORD_FILES = ("job.json", "request.json")
_MAX_ERRORS = 20


class BatchNotFoundError(ConfigError):
    """The bucket has nothing of this batch: no results, no error record, no index entry."""


def state_words(state: str | None) -> str:
    """A state in plain words; one this version does not know, as it is."""
    return STATE_WORDS.get(state or "", state or "unknown")


def parse_batch_label(text: str) -> BatchRef:
    """``smart-mix/<batch>`` or ``highlights/<path of the video>`` (as the demo's summary names batches);
    ConfigError saying what a name looks like otherwise."""
    value = text.strip().strip("/")
    for prefix in ("results/", "inbox/"):  # a path copied from the bucket names the batch too
        if value.startswith(prefix + SMART_MIX_FOLDER + "/") or value.startswith(prefix + HIGHLIGHTS_FOLDER + "/"):
            value = value[len(prefix) :]
    folder, _, name = value.partition("/")
    shape = (
        "name a batch as smart-mix/<batch> or highlights/<video path>, "
        "e.g. smart-mix/seaside or highlights/drama/ep01.mp4"
    )
    if folder not in (SMART_MIX_FOLDER, HIGHLIGHTS_FOLDER) or not name:
        raise ConfigError(f"{text!r} is not a batch name; {shape}")
    try:
        validate_key(f"{folder}/{name}")
    except ObjectKeyError as exc:
        raise ConfigError(f"{text!r} is not a batch name ({exc}); {shape}") from None
    if folder == SMART_MIX_FOLDER:
        if "/" in name:
            raise ConfigError(f"{text!r}: a smart-mix batch is one folder, smart-mix/<batch>, without subfolders")
        return BatchRef(JobType.SMART_MIX, name)
    if media_kind(name) != "video":
        raise ConfigError(
            f"{text!r}: a highlights batch is named by its video file, with the extension (highlights/drama/ep01.mp4)"
        )
    return BatchRef(JobType.HIGHLIGHTS, name)


def _parse_time(value: Any) -> float | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp()
    except ValueError:
        return None


# ------------------------------------------------------------------------------------------ one row


@dataclass
class BatchRow:
    """One batch as the list shows it."""

    batch: str
    type: str
    state: str
    words: str
    since: str | None = None  # when the batch got into this state (ISO, UTC)
    age_seconds: float | None = None
    step: str | None = None
    produce: str | None = None
    job_id: str | None = None
    run_key: str | None = None
    detail: str | None = None  # what it waits for, the error, a note
    what_to_do: str | None = None
    error: dict[str, Any] | None = None  # the latest refused upload, when newer than the newest run
    retry: dict[str, Any] | None = None
    updated: float = 0.0  # the index's time of the batch's latest news (epoch seconds)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        return {_camel(k): v for k, v in data.items()}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _row(batch: BatchRef, entries: dict[str, dict[str, Any]], updated: float, now: float) -> BatchRow:
    """The batch's state from its index entries (or a run record read as one): the newest run's, unless the
    batch has no run yet (then waiting or refused, whichever is newer), or an upload the newest run does
    not contain waits for more since that run started."""
    run, waiting, error = entries.get(RUN_ENTRY), entries.get(WAITING_ENTRY), entries.get(ERROR_ENTRY)
    row = BatchRow(batch=batch.label, type=batch.folder, state="unknown", words="", updated=updated)
    run_at = str(run.get("claimed_at") or "") if run else ""
    sources = {s if isinstance(s, str) else s.get("key") for s in (run or {}).get("sources") or []} if run else set()
    newer_waiting = waiting is not None and (
        run is None or (str(waiting.get("at") or "") > run_at and waiting.get("key") not in sources)
    )
    error_at = str(error.get("at") or "") if error else ""
    if error is not None and error_at >= run_at:
        row.error = {k: error.get(k) for k in ("key", "message", "whatToDo", "at", "record")}
    if run is None and error is not None and (waiting is None or error_at >= str(waiting.get("at") or "")):
        row.state, row.since = "rejected", error_at or None
        row.detail = str(error.get("message") or "")
        row.what_to_do = str(error.get("whatToDo") or WHAT_TO_DO["rejected"])
    elif newer_waiting and waiting is not None:
        row.state, row.since = "waiting", str(waiting.get("at") or "") or None
        row.detail = str(waiting.get("reason") or "")
        row.what_to_do = f"{WHAT_TO_DO['waiting']}: {row.detail}" if row.detail else WHAT_TO_DO["waiting"]
    if run is not None:
        row.run_key, row.job_id = run.get("run_key"), run.get("job_id")
        row.step, row.produce, row.retry = run.get("step"), run.get("produce"), run.get("retry")
        if row.state == "unknown":
            row.state = str(run.get("state") or "unknown")
            row.since = _run_since(run)
            row.detail = _run_detail(run)
            row.what_to_do = WHAT_TO_DO.get(row.state)
    if row.since is not None:
        at = _parse_time(row.since)
        row.age_seconds = max(0.0, now - at) if at is not None else None
    row.words = state_words(row.state)
    return row


def _run_since(run: dict[str, Any]) -> str | None:
    """When the run got into its state, as well as its record says."""
    state = run.get("state")
    if state in DONE:
        names: tuple[str, ...] = ("completed_at", "updatedAt", "claimed_at")
    elif state == "submitted":
        names = ("submitted_at", "claimed_at")
    else:
        names = ("updatedAt", "claimed_at")
    return next((str(run[name]) for name in names if isinstance(run.get(name), str)), None)


def _run_detail(run: dict[str, Any]) -> str | None:
    error = run.get("error")
    if isinstance(error, dict):
        code, message = error.get("code"), error.get("message")
        step = f" at the {error.get('step')} step" if error.get("step") else ""
        return f"{code}{step}: {message}" if code else str(message)
    note = run.get("note")
    return str(note) if note else None


# ------------------------------------------------------------------------------------------ the list


@dataclass
class BatchPage:
    rows: list[BatchRow]
    total: int
    page: int
    limit: int
    next: str | None = None  # a token for the page after this one

    def to_json(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "page": self.page,
            "limit": self.limit,
            "next": self.next,
            "batches": [row.to_json() for row in self.rows],
        }


def _token(updated: float, label: str) -> str:
    # repr: the exact float, so the cursor compares equal to the batch it was made from (which it excludes)
    return base64.urlsafe_b64encode(f"{updated!r}\n{label}".encode()).decode().rstrip("=")


def _untoken(token: str) -> tuple[float, str]:
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("utf-8")
        updated, label = text.split("\n", 1)
        return float(updated), label
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ConfigError(f"--next {token!r} is not a token that `scene-select status` printed") from None


def list_batches(
    store: ObjectStore,
    layout: BucketLayout,
    *,
    now: float,
    limit: int = 20,
    page: int = 1,
    after: str | None = None,
) -> BatchPage:
    """A page of every batch, newest news first (``after``: the ``next`` token of the page before)."""
    if limit < 1:
        raise ConfigError("--limit must be at least 1")
    if page < 1:
        raise ConfigError("--page must be at least 1")
    found: dict[str, tuple[BatchRef, dict[str, ObjectInfo]]] = {}
    for info in store.list(layout.batch_index_prefix()):
        parsed = parse_entry_key(layout, info.key)
        if parsed is None:
            continue
        batch, kind = parsed
        found.setdefault(batch.label, (batch, {}))[1][kind] = info
    order = sorted(
        ((max(i.last_modified for i in infos.values()), label) for label, (_, infos) in found.items()),
        key=lambda item: (-item[0], item[1]),
    )
    if after is not None:
        cursor = _untoken(after)
        order = [item for item in order if (-item[0], item[1]) > (-cursor[0], cursor[1])]
        start = 0
    else:
        start = (page - 1) * limit
    chosen = order[start : start + limit]
    rows = []
    for updated, label in chosen:
        batch, infos = found[label]
        entries = {kind: doc for kind, info in infos.items() if (doc := _get_json(store, info.key)) is not None}
        rows.append(_row(batch, entries, updated, now))
    more = len(order) > start + limit
    token = _token(*chosen[-1]) if more and chosen else None
    return BatchPage(rows=rows, total=len(found), page=page if after is None else 0, limit=limit, next=token)


def _get_json(store: ObjectStore, key: str) -> dict[str, Any] | None:
    try:
        value = json.loads(store.get(key))
    except (ObjectNotFoundError, ValueError):
        return None
    return value if isinstance(value, dict) else None


# ------------------------------------------------------------------------------------------ one batch


@dataclass
class RunHistory:
    """One run of a batch: its record (as stored), steps, markers, files, and what retried it."""

    run_key: str
    state: str
    words: str
    step: str | None = None
    produce: str | None = None
    job_id: str | None = None
    claimed_at: str | None = None
    submitted_at: str | None = None
    completed_at: str | None = None
    steps: list[dict[str, Any]] = field(default_factory=list)
    error: dict[str, Any] | None = None
    note: str | None = None
    warnings: list[str] = field(default_factory=list)
    markers: list[str] = field(default_factory=list)
    files: list[dict[str, Any]] = field(default_factory=list)
    retry: dict[str, Any] | None = None  # this run is a retry: of which run, generation, why
    retried_as: dict[str, Any] | None = None  # this run was retried: retry.json
    newest: bool = False

    def to_json(self) -> dict[str, Any]:
        return {_camel(k): v for k, v in asdict(self).items()}


@dataclass
class BatchHistory:
    batch: str
    type: str
    row: BatchRow
    runs: list[RunHistory]
    errors: list[dict[str, Any]]
    errors_total: int
    files: list[dict[str, Any]]  # the newest run's copies next to the batch's job.json
    results_dir: str

    def to_json(self) -> dict[str, Any]:
        return {
            "batch": self.batch,
            "type": self.type,
            "resultsDir": self.results_dir,
            "status": self.row.to_json(),
            "runs": [run.to_json() for run in self.runs],
            "errors": self.errors,
            "errorsTotal": self.errors_total,
            "files": self.files,
        }


def batch_history(store: ObjectStore, layout: BucketLayout, batch: BatchRef, *, now: float) -> BatchHistory:
    """Every run of the batch (newest first) with its steps, markers and files; its error records; its status."""
    results_dir = layout.results_dir(batch)
    top: list[ObjectInfo] = []
    runs: dict[str, list[tuple[str, ObjectInfo]]] = {}
    errors: list[ObjectInfo] = []
    for info in store.list(results_dir):
        rest = info.key[len(results_dir) :]
        if match := _RUN_DIR.match(rest):
            runs.setdefault(match.group(1), []).append((match.group(2), info))
        elif rest.startswith("errors/") and "/" not in rest[len("errors/") :]:
            errors.append(info)
        elif "/" not in rest:
            top.append(info)
        # anything else belongs to another batch nested below this one (highlights folders)
    entries = {
        kind: doc
        for kind in (RUN_ENTRY, WAITING_ENTRY, ERROR_ENTRY)
        if (doc := _get_json(store, layout.batch_index_key(batch, kind))) is not None
    }
    if not top and not runs and not errors and not entries:
        raise BatchNotFoundError(
            f"no batch {batch.label} in bucket {store.bucket}: nothing under {results_dir} and no index entry "
            "(`scene-select status` lists the batches)"
        )
    latest = _get_json(store, results_dir + "job.json") if any(i.key.endswith("/job.json") for i in top) else None
    histories = [_run_history(store, key, files) for key, files in runs.items()]
    histories.sort(key=lambda run: (run.claimed_at or "", run.run_key), reverse=True)
    newest_key = (latest or {}).get("run_key") or (histories[0].run_key if histories else None)
    for run in histories:
        run.newest = run.run_key == newest_key
    if latest is not None:
        entries[RUN_ENTRY] = latest  # the view itself is fresher than (or as fresh as) its index copy
    elif RUN_ENTRY not in entries and histories:
        entries[RUN_ENTRY] = {"run_key": histories[0].run_key, "state": histories[0].state}
    if ERROR_ENTRY not in entries and errors:
        newest_error = max(errors, key=lambda i: (i.last_modified, i.key))
        document = _get_json(store, newest_error.key) or {}
        entries[ERROR_ENTRY] = {**document, "record": newest_error.key}
    updated = max([i.last_modified for i in top + errors] + [0.0])
    row = _row(batch, entries, updated, now)
    shown = sorted(errors, key=lambda i: (i.last_modified, i.key), reverse=True)[:_MAX_ERRORS]
    error_records = [{**(_get_json(store, i.key) or {}), "record": i.key} for i in shown]
    files = [{"name": i.key[len(results_dir) :], "key": i.key, "size": i.size} for i in top]
    return BatchHistory(
        batch=batch.label,
        type=batch.folder,
        row=row,
        runs=histories,
        errors=error_records,
        errors_total=len(errors),
        files=files,
        results_dir=results_dir,
    )


def _run_history(store: ObjectStore, run_key: str, files: list[tuple[str, ObjectInfo]]) -> RunHistory:
    names = {name for name, _ in files}
    run_dir = files[0][1].key[: -len(files[0][0])]
    record = _get_json(store, run_dir + "job.json") if "job.json" in names else None
    record = record or {}
    state = str(record.get("state") or ("finished" if "finished.json" in names else "unknown"))
    history = RunHistory(
        run_key=run_key,
        state=state,
        words=state_words(state),
        step=record.get("step"),
        produce=record.get("produce"),
        job_id=record.get("job_id"),
        claimed_at=record.get("claimed_at"),
        submitted_at=record.get("submitted_at"),
        completed_at=record.get("completed_at"),
        error=record.get("error") if isinstance(record.get("error"), dict) else None,
        note=record.get("note"),
        warnings=[str(w) for w in record.get("warnings") or []],
        retry=record.get("retry") if isinstance(record.get("retry"), dict) else None,
    )
    steps = record.get("steps")
    if isinstance(steps, dict):
        for name, fields in steps.items():
            if isinstance(fields, dict):
                history.steps.append({"step": name, **fields, "words": state_words(str(fields.get("state")))})
    elif history.job_id:  # a run from before steps: its one job was the selection
        history.steps.append({"step": "selection", "state": state, "jobId": history.job_id, "words": history.words})
    for name, info in sorted(files, key=lambda item: item[0]):
        leaf = name.rsplit("/", 1)[-1]
        if _MARKER.match(leaf):
            history.markers.append(name)
        elif name not in _RECORD_FILES:
            history.files.append({"name": name, "key": info.key, "size": info.size})
    if "retry.json" in names:
        history.retried_as = _get_json(store, run_dir + "retry.json")
    return history


# ------------------------------------------------------------------------------------------ rebuilding the index


_TOP_VIEW = re.compile(r"^(?P<name>.+)/job\.json$")
_ERROR_RECORD = re.compile(r"^(?P<name>.+)/errors/[^/]+\.json$")
_IN_RUN = re.compile(r"/runs/[0-9a-f]{20}/")


def reindex_batches(store: ObjectStore, layout: BucketLayout) -> dict[str, int]:
    """Write the index entries batches lack (batches from before the index): one listing of each batch
    type's results, then a GET and a PUT per missing entry. Entries present are left as they are."""
    present = {
        (parsed[0].label, parsed[1])
        for info in store.list(layout.batch_index_prefix())
        if (parsed := parse_entry_key(layout, info.key)) is not None
    }
    written = {"runs": 0, "errors": 0}
    newest_error: dict[str, tuple[float, str, BatchRef]] = {}
    for folder, job_type in ((SMART_MIX_FOLDER, JobType.SMART_MIX), (HIGHLIGHTS_FOLDER, JobType.HIGHLIGHTS)):
        base = f"{layout.results_prefix}{folder}/"
        for info in store.list(base):
            rest = info.key[len(base) :]
            if _IN_RUN.search("/" + rest):
                continue
            if (match := _ERROR_RECORD.match(rest)) is not None:
                batch = BatchRef(job_type, match.group("name"))
                current = newest_error.get(batch.label)
                if current is None or (info.last_modified, info.key) > current[:2]:
                    newest_error[batch.label] = (info.last_modified, info.key, batch)
            elif (match := _TOP_VIEW.match(rest)) is not None:
                batch = BatchRef(job_type, match.group("name"))
                if (batch.label, RUN_ENTRY) in present or (record := _get_json(store, info.key)) is None:
                    continue
                write_run_entry(store, layout, batch, record, at=iso_time(info.last_modified))
                written["runs"] += 1
    for label, (_, key, batch) in newest_error.items():
        if (label, ERROR_ENTRY) in present or (document := _get_json(store, key)) is None:
            continue
        write_error_entry(store, layout, batch, record_key=key, document=document)
        written["errors"] += 1
    return written
