"""The status use case over the batch index: names, states, paging, a batch's history, the rebuilt index."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scene_select.cloud.errors import ConfigError
from scene_select.cloud.models.job_type import JobType
from scene_select.cloud.pipeline.batch_index import write_error_entry, write_run_entry, write_waiting_entry
from scene_select.cloud.pipeline.layout import BatchRef, BucketLayout
from scene_select.cloud.pipeline.status import (
    BatchNotFoundError,
    batch_history,
    list_batches,
    parse_batch_label,
    reindex_batches,
)
from scene_select.cloud.storage.local import LocalDirectoryStore

LAYOUT = BucketLayout()
NOW = 1_800_000_000.0


@pytest.fixture
def store(tmp_path: Path) -> LocalDirectoryStore:
    return LocalDirectoryStore(tmp_path / "bucket", bucket="b", region="cn-shanghai")


def record(batch: str, run: str, state: str, claimed: str = "2027-01-15T08:00:00Z", **extra: object) -> dict:
    return {"batch": batch, "run_key": run, "state": state, "claimed_at": claimed, "lease": 1, **extra}


def test_batch_names_as_the_demo_prints_them_and_clear_errors_otherwise() -> None:
    assert parse_batch_label("smart-mix/seaside") == BatchRef(JobType.SMART_MIX, "seaside")
    assert parse_batch_label("highlights/drama/ep01.mp4") == BatchRef(JobType.HIGHLIGHTS, "drama/ep01.mp4")
    assert parse_batch_label("results/smart-mix/seaside/") == BatchRef(JobType.SMART_MIX, "seaside")
    for bad, words in (
        ("seaside", "is not a batch name"),
        ("smart-mix/", "is not a batch name"),
        ("smart-mix/a/b", "without subfolders"),
        ("smart-mix/../x", "'..' segment"),
        ("highlights/drama", "named by its video file"),
        ("other/x", "is not a batch name"),
    ):
        with pytest.raises(ConfigError, match=words):
            parse_batch_label(bad)


def test_each_batch_gets_the_state_its_news_say(store: LocalDirectoryStore) -> None:
    done, failed = BatchRef(JobType.SMART_MIX, "done"), BatchRef(JobType.SMART_MIX, "broke")
    waits, refused = BatchRef(JobType.SMART_MIX, "waits"), BatchRef(JobType.HIGHLIGHTS, "a/ep1.mp4")
    write_run_entry(
        store,
        LAYOUT,
        done,
        record(
            "smart-mix/done",
            "r1",
            "finished",
            job_id="J1",
            completed_at="2027-01-15T08:01:00Z",
            sources=[{"key": "inbox/smart-mix/done/a.mp4"}],
        ),
        at="x",
    )
    # a media event processed after the run started waits for nothing the run lacks: the run's state stands
    write_waiting_entry(
        store, LAYOUT, done, key="inbox/smart-mix/done/a.mp4", reason="late event", at="2027-01-15T08:00:05Z"
    )
    write_run_entry(
        store,
        LAYOUT,
        failed,
        record(
            "smart-mix/broke",
            "r2",
            "failed",
            error={"code": "InvalidMaterial", "message": "bad media", "step": "selection"},
        ),
        at="x",
    )
    write_waiting_entry(
        store,
        LAYOUT,
        waits,
        key="inbox/smart-mix/waits/a.mp4",
        reason="waiting for job.json",
        at="2027-01-15T08:00:00Z",
    )
    write_error_entry(
        store,
        LAYOUT,
        refused,
        record_key="results/highlights/a/ep1.mp4/errors/x.json",
        document={
            "key": "inbox/highlights/a/ep1.json",
            "message": "bad sidecar",
            "whatToDo": "fix it",
            "at": "2027-01-15T08:00:00Z",
        },
    )
    page = list_batches(store, LAYOUT, now=NOW)
    rows = {row.batch: row for row in page.rows}
    assert page.total == 4
    assert rows["smart-mix/done"].state == "finished" and rows["smart-mix/done"].job_id == "J1"
    assert rows["smart-mix/broke"].state == "failed" and "bad media" in (rows["smart-mix/broke"].detail or "")
    assert rows["smart-mix/waits"].state == "waiting" and "job.json" in (rows["smart-mix/waits"].what_to_do or "")
    assert rows["highlights/a/ep1.mp4"].state == "rejected" and rows["highlights/a/ep1.mp4"].what_to_do == "fix it"
    assert rows["smart-mix/done"].since == "2027-01-15T08:01:00Z"


def test_unknown_states_and_fields_are_shown_as_they_are(store: LocalDirectoryStore) -> None:
    batch = BatchRef(JobType.SMART_MIX, "future")
    write_run_entry(store, LAYOUT, batch, record("smart-mix/future", "r9", "teleporting", step="warp"), at="x")
    row = list_batches(store, LAYOUT, now=NOW).rows[0]
    assert (row.state, row.words, row.step) == ("teleporting", "teleporting", "warp")


def test_pages_newest_first_and_a_next_token_that_continues(store: LocalDirectoryStore) -> None:
    import os

    for number in range(7):
        batch = BatchRef(JobType.SMART_MIX, f"b{number}")
        write_waiting_entry(store, LAYOUT, batch, key=f"inbox/smart-mix/b{number}/a.mp4", reason="r", at="t")
        path = store.path_for(LAYOUT.batch_index_key(batch, "waiting.json"))
        stamp = NOW - 100 + number + 0.123456789  # b6 is the newest; a cursor must not round it
        os.utime(path, (stamp, stamp))
    first = list_batches(store, LAYOUT, now=NOW, limit=3)
    assert [r.batch for r in first.rows] == ["smart-mix/b6", "smart-mix/b5", "smart-mix/b4"] and first.next
    second = list_batches(store, LAYOUT, now=NOW, limit=3, after=first.next)
    assert [r.batch for r in second.rows] == ["smart-mix/b3", "smart-mix/b2", "smart-mix/b1"]
    assert [r.batch for r in list_batches(store, LAYOUT, now=NOW, limit=3, page=3).rows] == ["smart-mix/b0"]
    with pytest.raises(ConfigError, match="not a token"):
        list_batches(store, LAYOUT, now=NOW, after="!!!")


def test_an_unknown_batch_is_said_so(store: LocalDirectoryStore) -> None:
    with pytest.raises(BatchNotFoundError, match="no batch smart-mix/nope"):
        batch_history(store, LAYOUT, BatchRef(JobType.SMART_MIX, "nope"), now=NOW)


def test_history_reads_runs_from_before_steps_and_skips_nested_batches(store: LocalDirectoryStore) -> None:
    base = "results/highlights/ep.mp4/"
    old = {
        "batch": "highlights/ep.mp4",
        "run_key": "a" * 20,
        "state": "finished",
        "job_id": "J",
        "lease": 1,
        "claimed_at": "2025-01-01T00:00:00Z",
    }  # a record written before runs had steps
    store.put(base + "runs/" + "a" * 20 + "/job.json", json.dumps(old).encode())
    store.put(base + "runs/" + "a" * 20 + "/finished.json", b"{}")
    store.put(base + "runs/" + "a" * 20 + "/selection.json", b"{}")
    store.put(base + "job.json", json.dumps(old).encode())
    store.put("results/highlights/ep.mp4/other.mp4/job.json", b"{}")  # another batch, nested below
    history = batch_history(store, LAYOUT, BatchRef(JobType.HIGHLIGHTS, "ep.mp4"), now=NOW)
    (run,) = history.runs
    assert run.newest and run.steps == [{"step": "selection", "state": "finished", "jobId": "J", "words": "finished"}]
    assert run.markers == ["finished.json"] and [f["name"] for f in run.files] == ["selection.json"]
    assert [f["name"] for f in history.files] == ["job.json"] and history.row.state == "finished"


def test_reindex_writes_entries_for_batches_from_before_the_index(store: LocalDirectoryStore) -> None:
    store.put("results/smart-mix/old/job.json", json.dumps(record("smart-mix/old", "r", "failed")).encode())
    store.put("results/smart-mix/old/runs/" + "b" * 20 + "/job.json", b"{}")
    store.put("results/highlights/x/y.mp4/errors/e.json", json.dumps({"message": "m", "at": "t"}).encode())
    assert list_batches(store, LAYOUT, now=NOW).total == 0
    assert reindex_batches(store, LAYOUT) == {"runs": 1, "errors": 1}
    rows = {r.batch: r.state for r in list_batches(store, LAYOUT, now=NOW).rows}
    assert rows == {"smart-mix/old": "failed", "highlights/x/y.mp4": "rejected"}
    assert reindex_batches(store, LAYOUT) == {"runs": 0, "errors": 0}
