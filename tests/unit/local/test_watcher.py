"""The bucket watcher turns each new or replaced inbox file into one OSS-trigger event, at least once."""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scene_select.cloud.errors import ConfigError
from scene_select.workstation.local.watcher import BucketWatcher, is_temporary_name
from scene_select_testkit.waiting import wait_until

# The native OSS trigger's sample event from docs/fc-oss.md#oss-trigger-events: our events must have exactly its shape.
DOC_SAMPLE: dict[str, Any] = {
    "events": [
        {
            "eventName": "ObjectCreated:PutObject",
            "eventSource": "acs:oss",
            "eventTime": "2022-08-13T06:45:43.000Z",
            "eventVersion": "1.0",
            "oss": {
                "bucket": {
                    "arn": "acs:oss:cn-hangzhou:123456789:testbucket",
                    "name": "testbucket",
                    "ownerIdentity": "1",
                },
                "object": {"deltaSize": 122539, "eTag": "688A7BF4F233DC9C88A80BF985AB0000", "key": "a", "size": 1},
                "ossSchemaVersion": "1.0",
                "ruleId": "9adac8e253828f4f7c0466d941fa3db811610000",
            },
            "region": "cn-hangzhou",
            "requestParameters": {"sourceIPAddress": "140.205.XX.XX"},
            "responseElements": {"requestId": "58F9FF2D3DF792092E12044C"},
            "userIdentity": {"principalId": "164901546557"},
        }
    ]
}


def _shape(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shape(v) for v in value]
    return type(value).__name__


class Recorder:
    """A deliver() that records events and fails the first ``failures`` calls."""

    def __init__(self, failures: int = 0) -> None:
        self.calls: list[bytes] = []
        self.failures = failures
        self._lock = threading.Lock()

    def __call__(self, event: bytes) -> None:
        with self._lock:
            self.calls.append(event)
            if len(self.calls) <= self.failures:
                raise RuntimeError(f"handler failed (call {len(self.calls)})")

    def records(self) -> list[dict[str, Any]]:
        return [json.loads(call)["events"][0] for call in self.calls]

    def keys(self) -> list[str]:
        return [record["oss"]["object"]["key"] for record in self.records()]


def write_atomically(root: Path, key: str, data: bytes) -> Path:
    """How LocalDirectoryStore writes: a hidden temp file in the folder, then os.replace."""
    path = root / key
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.parent / ".scene-select-tmp-test"
    temp.write_bytes(data)
    os.replace(temp, path)
    return path


@pytest.fixture
def bucket(tmp_path: Path) -> Path:
    root = tmp_path / "bucket"
    root.mkdir()
    return root


@pytest.fixture
def manual(bucket: Path) -> Iterator[tuple[BucketWatcher, Recorder]]:
    """A started watcher that never polls by itself: the test calls scan_once()."""
    recorder = Recorder()
    watcher = BucketWatcher(bucket, recorder, bucket="my-bucket", region="cn-shanghai", interval=3600)
    watcher.start()
    try:
        yield watcher, recorder
    finally:
        watcher.stop()


def settle(watcher: BucketWatcher) -> None:
    """Two polls: what is ready gets queued; then wait for the deliveries."""
    watcher.scan_once()
    watcher.scan_once()
    wait_until(watcher.idle, what="deliveries")


KEYS = [
    "inbox/smart-mix/batch 1/clip one.mp4",
    "inbox/smart-mix/批次二/视频.mp4",
    "inbox/highlights/a+b%20c.mp4",
]


def test_one_event_per_file_shaped_like_the_oss_trigger(manual: tuple[BucketWatcher, Recorder], bucket: Path) -> None:
    watcher, recorder = manual
    contents = {key: f"bytes of {key}".encode() for key in KEYS}
    for key, data in contents.items():
        write_atomically(bucket, key, data)
    settle(watcher)
    settle(watcher)  # more polls change nothing
    assert sorted(recorder.keys()) == sorted(KEYS)
    for raw in recorder.calls:
        event = json.loads(raw.decode("utf-8"))
        assert _shape(event) == _shape(DOC_SAMPLE)
        record = event["events"][0]
        key = record["oss"]["object"]["key"]
        assert record["eventName"] == "ObjectCreated:PutObject" and record["region"] == "cn-shanghai"
        assert record["oss"]["bucket"]["name"] == "my-bucket"
        assert record["oss"]["bucket"]["arn"].startswith("acs:oss:cn-shanghai:") and record["oss"]["bucket"][
            "arn"
        ].endswith(":my-bucket")
        assert record["oss"]["object"]["eTag"] == hashlib.md5(contents[key]).hexdigest().upper()
        assert record["oss"]["object"]["size"] == record["oss"]["object"]["deltaSize"] == len(contents[key])
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", record["eventTime"])
        assert re.fullmatch(r"[0-9A-F]{24}", record["responseElements"]["requestId"])
        assert key.encode("utf-8") in raw  # the key is sent as-is: UTF-8, not URL-encoded or \u-escaped


def test_a_file_is_ready_only_once_it_stops_changing(manual: tuple[BucketWatcher, Recorder], bucket: Path) -> None:
    watcher, recorder = manual
    path = bucket / "inbox/highlights/long.mp4"
    path.parent.mkdir(parents=True)
    with path.open("wb") as handle:
        handle.write(b"x" * 1000)
        handle.flush()
        assert watcher.scan_once() == 0  # first sight
        handle.write(b"y" * 1000)
        handle.flush()
        assert watcher.scan_once() == 0  # grew: not ready
    assert watcher.scan_once() == 1  # unchanged since the last poll: ready
    wait_until(watcher.idle)
    assert recorder.records()[0]["oss"]["object"]["size"] == 2000


def test_ignores_outside_prefix_hidden_temp_and_symlinks(manual: tuple[BucketWatcher, Recorder], bucket: Path) -> None:
    watcher, recorder = manual
    write_atomically(bucket, "results/smart-mix/b/selection.json", b"{}")
    write_atomically(bucket, "inboxed/x.mp4", b"x")
    write_atomically(bucket, "inbox/.scene-select/meta/inbox/a.mp4.json", b"{}")
    write_atomically(bucket, "inbox/.hidden.mp4", b"x")
    for name in ("a.mp4.tmp", "a.mp4.part", "a.mp4~", "~$doc.docx", "a.mp4.crdownload"):
        write_atomically(bucket, f"inbox/{name}", b"x")
    (bucket / "outside.mp4").write_bytes(b"secret")
    (bucket / "inbox/link.mp4").symlink_to(bucket / "outside.mp4")
    (bucket / "inbox/dirlink").symlink_to(bucket / "results", target_is_directory=True)
    write_atomically(bucket, "inbox/real.mp4", b"real")
    settle(watcher)
    assert recorder.keys() == ["inbox/real.mp4"]


def test_replaced_file_is_a_new_event_and_a_recreated_one_too(
    manual: tuple[BucketWatcher, Recorder], bucket: Path
) -> None:
    watcher, recorder = manual
    write_atomically(bucket, "inbox/a.mp4", b"first")
    settle(watcher)
    write_atomically(bucket, "inbox/a.mp4", b"second version")
    settle(watcher)
    (bucket / "inbox/a.mp4").unlink()
    settle(watcher)
    write_atomically(bucket, "inbox/a.mp4", b"third")
    settle(watcher)
    objects = [record["oss"]["object"] for record in recorder.records()]
    assert [o["eTag"] for o in objects] == [
        hashlib.md5(d).hexdigest().upper() for d in (b"first", b"second version", b"third")
    ]
    assert [o["deltaSize"] for o in objects] == [5, 9, 5]


def test_existing_files_are_baseline_unless_asked(bucket: Path) -> None:
    write_atomically(bucket, "inbox/old.mp4", b"old")
    for emit_existing, expected in ((False, []), (True, ["inbox/old.mp4"])):
        recorder = Recorder()
        with BucketWatcher(
            bucket, recorder, bucket="b", region="cn-shanghai", interval=3600, emit_existing=emit_existing
        ) as watcher:
            settle(watcher)
        assert recorder.keys() == expected


def _deliver_one_file(bucket: Path, recorder: Recorder, done: str) -> BucketWatcher:
    """Write inbox/a.mp4 and let a manual watcher with 10-20 ms retries deliver it until ``done`` holds."""
    watcher = BucketWatcher(
        bucket, recorder, bucket="b", region="cn-shanghai", interval=3600, retry_delays=(0.01, 0.02, 0.01)
    )
    with watcher:
        write_atomically(bucket, "inbox/a.mp4", b"a")
        settle(watcher)
        checks = {"delivered": lambda: watcher.delivered == 1, "failed": lambda: len(watcher.failures) == 1}
        wait_until(checks[done], what=done)
    return watcher


def test_a_failing_deliver_is_retried_with_the_same_bytes(bucket: Path) -> None:
    recorder = Recorder(failures=2)
    watcher = _deliver_one_file(bucket, recorder, "delivered")
    assert len(recorder.calls) == 3 and len(set(recorder.calls)) == 1
    assert watcher.failures == []


def test_a_delivery_that_keeps_failing_is_reported_not_lost(bucket: Path, caplog: pytest.LogCaptureFixture) -> None:
    recorder = Recorder(failures=100)
    watcher = _deliver_one_file(bucket, recorder, "failed")
    failure = watcher.failures[0]
    assert failure.key == "inbox/a.mp4" and failure.attempts == 4 and "handler failed" in failure.error
    assert failure.event == recorder.calls[0] and len(recorder.calls) == 4
    assert "NOT delivered" in caplog.text


def test_stop_leaves_no_thread_and_reports_undelivered_events(bucket: Path) -> None:
    recorder = Recorder(failures=1)
    watcher = BucketWatcher(bucket, recorder, bucket="b", region="cn-shanghai", interval=0.02, retry_delays=(30.0,))
    watcher.start()
    write_atomically(bucket, "inbox/a.mp4", b"a")
    wait_until(lambda: len(recorder.calls) == 1, what="the first (failing) delivery")
    watcher.stop()
    assert not [t for t in threading.enumerate() if t.name.startswith("bucket-watcher")]
    assert [(f.key, f.attempts) for f in watcher.failures] == [("inbox/a.mp4", 1)]
    assert "stopped" in watcher.failures[0].error


def test_polling_thread_delivers_by_itself(bucket: Path) -> None:
    recorder = Recorder()
    with BucketWatcher(bucket, recorder, bucket="b", region="cn-shanghai", interval=0.02):
        write_atomically(bucket, "inbox/smart-mix/b/script.txt", "第一句。".encode())
        wait_until(lambda: len(recorder.calls) == 1, timeout=5)


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ConfigError, match="interval"):
        BucketWatcher(Path("."), Recorder(), bucket="b", region="r", interval=0)
    with pytest.raises(ConfigError, match="prefix"):
        BucketWatcher(Path("."), Recorder(), bucket="b", region="r", prefix="../inbox/")
    assert is_temporary_name(".scene-select-tmp-1") and not is_temporary_name("clip.mp4")
