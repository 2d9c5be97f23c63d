"""The batch index: ``results/_index/batches/<smart-mix|highlights>/<name>/``, what ``scene-select status`` lists.

Listing every batch from the results themselves means listing every file of every run (a dozen and more
per run). The index holds instead up to three small files per batch, one per kind of news, each written
by exactly one kind of writer with a plain PUT of what that writer knows — no read-modify-write, so
concurrent writers never lose each other's news:

* ``run.json`` — the batch's newest run as its ``job.json`` shows it (state, step, run key, JobId, times,
  source keys, retry). Written by ``RunStore.publish`` under the same condition as the batch's ``job.json``
  (the run is the batch's newest) and *before* it, so it is never behind that view: whenever the view
  says X, this file was written with X or later. That is why a publish that finds the view already saying
  what it would write saves this PUT too (only changes cost one). A writer that dies between the two
  leaves the entry ahead and the view behind; its run is still in the pending index (its entry goes
  last), so the reconcile pass publishes again, which rewrites the view (and, had anything changed, the
  entry) — both converge on the run's markers as job.json always did.
* ``waiting.json`` — the latest upload that did not complete the batch, and what the batch waits for.
* ``error.json`` — the latest refused upload of the batch: the error record's key, message, what to do.

A listing of ``results/_index/batches/`` names every batch (and each file's time: the list view sorts by
it without reading a file); a page of the list reads the files of its own batches only. The truth stays
where it was: markers and run records under ``results/<type>/<batch>/runs/``, error records in
``errors/``. ``scene-select status --reindex`` rebuilds missing entries from those (batches from
before the index existed).
"""

from __future__ import annotations

import json
from typing import Any

from scene_select.cloud.models.job_type import JobType
from scene_select.cloud.pipeline.layout import HIGHLIGHTS_FOLDER, SMART_MIX_FOLDER, BatchRef, BucketLayout
from scene_select.cloud.storage.base import ObjectStore

__all__ = [
    "ENTRY_KINDS",
    "ERROR_ENTRY",
    "RUN_ENTRY",
    "WAITING_ENTRY",
    "parse_entry_key",
    "run_entry",
    "same_run_entry",
    "write_error_entry",
    "write_run_entry",
    "write_waiting_entry",
]

RUN_ENTRY = "run.json"
WAITING_ENTRY = "waiting.json"
ERROR_ENTRY = "error.json"
ENTRY_KINDS = (RUN_ENTRY, WAITING_ENTRY, ERROR_ENTRY)
_JSON = "application/json"
_FOLDERS = {SMART_MIX_FOLDER: JobType.SMART_MIX, HIGHLIGHTS_FOLDER: JobType.HIGHLIGHTS}
_RUN_FIELDS = (
    "run_key",
    "state",
    "step",
    "produce",
    "job_id",
    "claimed_at",
    "submitted_at",
    "completed_at",
    "error",
    "note",
    "retry",
)


def _put(store: ObjectStore, key: str, document: dict[str, Any]) -> None:
    store.put(key, json.dumps(document, ensure_ascii=False, sort_keys=True).encode("utf-8"), content_type=_JSON)


def run_entry(record: dict[str, Any], *, at: str) -> dict[str, Any]:
    """What the index keeps of a run record (``job.json`` as a dict): enough for one row of the list."""
    entry: dict[str, Any] = {"batch": record.get("batch"), "updatedAt": at}
    entry.update({name: record.get(name) for name in _RUN_FIELDS if record.get(name) is not None})
    entry["sources"] = [s.get("key") for s in record.get("sources") or [] if isinstance(s, dict)]
    steps = record.get("steps")
    if isinstance(steps, dict) and steps:
        entry["steps"] = {
            str(name): {k: v for k, v in fields.items() if k in ("state", "jobId")}
            for name, fields in steps.items()
            if isinstance(fields, dict)
        }
    return entry


def same_run_entry(before: dict[str, Any], after: dict[str, Any]) -> bool:
    """Whether two run records give the same index entry (its time aside)."""
    return run_entry(before, at="") == run_entry(after, at="")


def write_run_entry(
    store: ObjectStore, layout: BucketLayout, batch: BatchRef, record: dict[str, Any], *, at: str
) -> None:
    _put(store, layout.batch_index_key(batch, RUN_ENTRY), run_entry(record, at=at))


def write_waiting_entry(
    store: ObjectStore, layout: BucketLayout, batch: BatchRef, *, key: str, reason: str, at: str
) -> None:
    entry = {"batch": batch.label, "key": key, "reason": reason, "at": at}
    _put(store, layout.batch_index_key(batch, WAITING_ENTRY), entry)


def write_error_entry(
    store: ObjectStore, layout: BucketLayout, batch: BatchRef, *, record_key: str, document: dict[str, Any]
) -> None:
    entry = {
        "batch": batch.label,
        "record": record_key,
        **{k: document.get(k) for k in ("key", "error", "message", "at", "whatToDo")},
    }
    _put(store, layout.batch_index_key(batch, ERROR_ENTRY), entry)


def parse_entry_key(layout: BucketLayout, key: str) -> tuple[BatchRef, str] | None:
    """The batch and kind of an index file's key; None for anything else under the prefix."""
    prefix = layout.batch_index_prefix()
    if not key.startswith(prefix):
        return None
    rest = key[len(prefix) :]
    folder, _, below = rest.partition("/")
    name, _, kind = below.rpartition("/")
    job_type = _FOLDERS.get(folder)
    if job_type is None or not name or kind not in ENTRY_KINDS:
        return None
    if job_type is JobType.SMART_MIX and "/" in name:
        return None
    return BatchRef(job_type, name), kind
