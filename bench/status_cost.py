"""Status cost: what ``scene-select status`` reads on a bucket with 10,000 batches, and how long it takes.

The bucket holds what the pipeline writes for 10,000 batches (quick: 500): each batch's index entries
(``results/_index/batches/…``: ``run.json`` for the 90 % that have a run, ``waiting.json`` for a third of
them and for every batch without a run, ``error.json`` for one in twenty) and, for the batch whose
history is shown, its results folder with three runs. The status use case runs exactly as the CLI
runs it (``list_batches``, ``batch_history``) on two stores:

* the **fake OSS** (src/scene_select_testkit/fakes/oss_server.py, real HTTP, V4 signatures checked) through
  ``OssStore`` — the objects are placed in the fake's memory directly (how they got there is not what is measured);
* the **local bucket** (``LocalDirectoryStore`` on a directory), written through the store itself.

Operations are counted at the ObjectStore port (the CountingStore of bench/submit_cost.py) and, for OSS, as HTTP
requests the fake received (which shows the LIST pagination). The comparison is what an index spares:
listing every batch from the results folders themselves (``results/smart-mix/`` and
``results/highlights/`` in full: about 15 objects per finished batch).
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.common import Section, Stat, log
from bench.submit_cost import CountingStore
from scene_select.cloud.credentials import Credentials, static_credentials
from scene_select.cloud.models.job_type import JobType
from scene_select.cloud.pipeline.batch_index import run_entry
from scene_select.cloud.pipeline.layout import BatchRef, BucketLayout
from scene_select.cloud.pipeline.status import batch_history, list_batches
from scene_select.cloud.storage.base import content_etag
from scene_select.cloud.storage.local import LocalDirectoryStore
from scene_select.cloud.storage.oss import OssStore
from scene_select_testkit.fakes.oss_server import FakeOssServer, StoredObject

BATCHES = 10_000
QUICK_BATCHES = 500
REPEATS = 7
LIMIT = 20
LAYOUT = BucketLayout()
NOW = time.time()
SHOWN = BatchRef(JobType.SMART_MIX, "batch-00042")
# What a finished selection run leaves in its batch's results folder (the naive listing's work).
RUN_FILES = (
    "job.json",
    "request.json",
    "lease-0001.json",
    "submitted.json",
    "finished.json",
    "raw.json",
    "selection.json",
    "report.html",
    "timeline.otio",
    "timelines.json",
)
TOP_FILES = ("job.json", "raw.json", "selection.json", "report.html", "timeline.otio")


def _iso(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def _batch(number: int) -> BatchRef:
    if number % 4 == 3:
        return BatchRef(JobType.HIGHLIGHTS, f"show-{number // 100:03d}/ep-{number:05d}.mp4")
    return BatchRef(JobType.SMART_MIX, f"batch-{number:05d}")


def _index_objects(count: int) -> dict[str, tuple[bytes, float]]:
    """key → (bytes, last modified) of every index entry the pipeline would have written."""
    objects: dict[str, tuple[bytes, float]] = {}
    for number in range(count):
        batch = _batch(number)
        at = NOW - (count - number) * 60.0  # one batch a minute, the last one newest
        if number % 10 != 9:
            state = "failed" if number % 17 == 0 else "finished"
            record = {
                "batch": batch.label,
                "run_key": f"{number:020x}",
                "state": state,
                "step": "selection",
                "job_id": f"{number:032x}",
                "claimed_at": _iso(at),
                "completed_at": _iso(at + 30),
                "sources": [{"key": f"inbox/{batch.folder}/{batch.name}/a.mp4"}],
            }
            data = json.dumps(run_entry(record, at=_iso(at + 30))).encode()
            objects[LAYOUT.batch_index_key(batch, "run.json")] = (data, at + 30)
        if number % 3 == 0 or number % 10 == 9:  # every batch without a run waits for something
            waiting = {
                "batch": batch.label,
                "key": f"inbox/{batch.folder}/{batch.name}/a.mp4",
                "reason": "waiting for job.json or script.txt",
                "at": _iso(at - 5),
            }
            objects[LAYOUT.batch_index_key(batch, "waiting.json")] = (json.dumps(waiting).encode(), at - 5)
        if number % 20 == 0:
            error = {
                "batch": batch.label,
                "key": "k",
                "message": "job.json: bad",
                "at": _iso(at - 2),
                "whatToDo": "fix",
            }
            objects[LAYOUT.batch_index_key(batch, "error.json")] = (json.dumps(error).encode(), at - 2)
    return objects


def _results_objects(count: int) -> dict[str, tuple[bytes, float]]:
    """The results folders themselves: what a status without an index would have to list."""
    objects: dict[str, tuple[bytes, float]] = {}
    for number in range(count):
        batch = _batch(number)
        base = LAYOUT.results_dir(batch)
        for name in TOP_FILES:
            objects[base + name] = (b"{}", NOW)
        for name in RUN_FILES:
            objects[f"{base}runs/{number:020x}/{name}"] = (b"{}", NOW)
    return objects


def _shown_batch() -> dict[str, tuple[bytes, float]]:
    """The batch whose history is shown: three runs (one a retry), two refused uploads."""
    base = LAYOUT.results_dir(SHOWN)
    objects: dict[str, tuple[bytes, float]] = {}
    for generation in range(3):
        run = f"{generation:020x}"
        record = {
            "batch": SHOWN.label,
            "run_key": run,
            "state": "failed" if generation < 2 else "finished",
            "claimed_at": _iso(NOW - 3600 + generation * 600),
            "job_id": f"{generation:032x}",
            "lease": 1,
            **({"retry": {"generation": generation, "of": f"{generation - 1:020x}"}} if generation else {}),
        }
        for name in RUN_FILES:
            objects[f"{base}runs/{run}/{name}"] = (json.dumps(record).encode() if name == "job.json" else b"{}", NOW)
        if generation < 2:
            objects[f"{base}runs/{run}/retry.json"] = (json.dumps({"run": f"{generation + 1:020x}"}).encode(), NOW)
    objects[base + "job.json"] = objects[f"{base}runs/{2:020x}/job.json"]
    for number in range(2):
        error = {"key": f"inbox/smart-mix/{SHOWN.name}/x{number}.doc", "message": "not a video", "at": _iso(NOW)}
        objects[f"{base}errors/{number:016x}-x{number}.doc.json"] = (json.dumps(error).encode(), NOW)
    return objects


def _timed(act: Callable[[], object], repeats: int) -> Stat:
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        act()
        samples.append(time.perf_counter() - started)
    return Stat.of(samples)


SECONDS: list[float] = []  # the median of each measurement, in order (for the targets)


def _measure(
    store: CountingStore, name: str, act: Callable[[], object], repeats: int, requests: Callable[[], int] | None
) -> list[object]:
    store.ops.clear()
    before = requests() if requests else 0
    act()
    ops = dict(store.ops)
    http = (requests() - before) if requests else "—"
    timing = _timed(act, repeats)
    SECONDS.append(timing.median)
    log(f"status cost: {name}: {ops}, {timing.show(' s', 3)}")
    return [name, sum(ops.values()), ", ".join(f"{k} {v}" for k, v in sorted(ops.items())), http, timing.show(" s", 3)]


def _scenarios(
    store: CountingStore, repeats: int, requests: Callable[[], int] | None, count: int
) -> list[list[object]]:
    last_page = (count + LIMIT - 1) // LIMIT
    rows = [
        _measure(store, "list, page 1", lambda: list_batches(store, LAYOUT, now=NOW, limit=LIMIT), repeats, requests),
        _measure(
            store,
            f"list, page {last_page} (the oldest)",
            lambda: list_batches(store, LAYOUT, now=NOW, limit=LIMIT, page=last_page),
            repeats,
            requests,
        ),
        _measure(
            store,
            f"one batch's history ({SHOWN.label}: 3 runs, 2 refused uploads)",
            lambda: batch_history(store, LAYOUT, SHOWN, now=NOW),
            repeats,
            requests,
        ),
    ]
    return rows


def _naive(store: CountingStore, requests: Callable[[], int] | None, repeats: int) -> list[object]:
    def every_results_file() -> int:
        return sum(1 for prefix in ("results/smart-mix/", "results/highlights/") for _ in store.list(prefix))

    return _measure(
        store,
        "without an index: list results/smart-mix/ and results/highlights/ in full",
        every_results_file,
        max(1, repeats // 3),
        requests,
    )


def measure_oss(count: int, repeats: int) -> tuple[list[list[object]], int, int]:
    credentials = Credentials("bench-status", "bench-status-secret-000000", None)
    with FakeOssServer(bucket="status-bench", region="cn-shanghai") as oss:
        oss.grant(credentials.access_key_id, credentials.access_key_secret)
        objects = {**_index_objects(count), **_results_objects(count), **_shown_batch()}
        for key, (data, modified) in objects.items():
            oss.objects[key] = StoredObject(data, "application/json", content_etag(data), modified)
        store = CountingStore(
            OssStore.from_credentials(
                static_credentials(credentials), bucket_name=oss.bucket, endpoint=oss.endpoint, region="cn-shanghai"
            )
        )
        rows = _scenarios(store, repeats, lambda: len(oss.requests), count)
        rows.append(_naive(store, lambda: len(oss.requests), repeats))
        index_keys = sum(1 for key in objects if key.startswith(LAYOUT.batch_index_prefix()))
        return rows, index_keys, len(objects)


def measure_local(count: int, repeats: int) -> list[list[object]]:
    folder = Path(tempfile.mkdtemp(prefix="bench-status-"))
    try:
        local = LocalDirectoryStore(folder, bucket="status-bench", region="cn-shanghai")
        import os

        for key, (data, modified) in {**_index_objects(count), **_shown_batch()}.items():
            local.put(key, data, content_type="application/json")
            os.utime(local.path_for(key), (modified, modified))
        store = CountingStore(local)
        return _scenarios(store, repeats, None, count)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run(quick: bool = False) -> Section:
    count = QUICK_BATCHES if quick else BATCHES
    repeats = 3 if quick else REPEATS
    SECONDS.clear()
    oss_rows, index_keys, objects = measure_oss(count, repeats)
    oss_seconds = list(SECONDS)
    log("status cost: fake OSS done")
    local_rows = measure_local(count, repeats)
    section = Section("status", f"Status cost: `scene-select status` on {count:,} batches (`bench/status_cost.py`)")
    section.add(
        f"{count:,} batches ({index_keys:,} index entries: a run for 90 %, waiting for a third and those without "
        "a run, a refused upload for "
        f"one in twenty; {objects:,} objects in the fake OSS bucket with every batch's results folder). Page size "
        f"{LIMIT}. *Port ops* are counted at the ObjectStore port, *HTTP* are the requests the fake OSS received "
        "(a LIST returns at most 1000 keys). Times are the median [p25–p75] of repeated runs on this shared machine.",
        "",
        "Fake OSS (`OssStore` over HTTP):",
        "",
    )
    header = ["what", "port ops", "by kind", "HTTP", "time"]
    section.table(header, oss_rows)
    section.add("Local bucket (`LocalDirectoryStore`, the index only):", "")
    section.table(header, local_rows)
    first = oss_rows[0]
    http = int(first[3])  # type: ignore[call-overload]
    lists = -(-index_keys // 1000)
    section.target(
        "the list view reads the index, not the results",
        f"{http} HTTP requests for page 1 ({lists} LIST pages of the index + the page's entries)",
        f"≤ {lists} LISTs + 3 × {LIMIT} GETs",
        http <= lists + 3 * LIMIT,
    )
    naive = oss_rows[-1]
    section.target(
        "faster than listing the results folders",
        f"page 1 in {first[4]} ({first[3]} requests) vs {naive[4]} ({naive[3]} requests) without the index",
        "less time than the full listing",
        oss_seconds[0] < oss_seconds[-1],
    )
    history = oss_rows[2]
    section.target(
        "one batch's history costs the same whatever the bucket holds",
        f"{history[1]} port ops ({history[2]})",
        "1 listing of the batch's folder + a GET per run, refused upload and index entry",
        "list 1" in str(history[2]),
    )
    return section
