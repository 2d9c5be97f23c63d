"""A running local stack for pipeline tests, and helpers to wait on what it writes.

The stack is the real one (emulator over HTTP with ACS3 signatures, handlers through the FC shim, the
bucket directory store). Pipeline tests run it with a deterministic selection runner instead of the
engine, so that what they check — exactly-once jobs, records, callbacks — does not wait on video
analysis; the end-to-end tests run the real engine.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scene_select.cloud.models.job_config import HighlightsInputConfig, SelectionJobRequest
from scene_select.cloud.models.selection import clip_id_for, media_id_for
from scene_select.cloud.storage.base import content_etag
from scene_select.workstation.local.emulator import Runner
from scene_select.workstation.local.stack import LocalStack, StackOptions


def quick_runner(request: SelectionJobRequest) -> dict[str, Any]:
    """Deterministic ICE-shaped results: one 2 s clip per sentence (or highlight), media in turn."""
    media = request.input_config.media_array

    def clip(entry: str, start: float) -> dict[str, Any]:
        media_id = media_id_for(entry)
        return {
            "clipId": clip_id_for(media_id, start, start + 2.0),
            "mediaId": media_id,
            "mediaURL": entry,
            "startTime": start,
            "endTime": start + 2.0,
            "score": 0.5,
        }

    if isinstance(request.input_config, HighlightsInputConfig):
        return {"highlightMediaOutputList": [{"duration": 2.0, "highlightClipList": [clip(media[0], 1.0)]}]}
    scripts = request.input_config.scripts()
    sentences = [
        {"text": text, "textId": str(i), "duration": 2.0, "matchClipList": [clip(media[i % len(media)], 0.0)]}
        for i, text in enumerate(scripts[0].replace("。", "。\n").split("\n"))
        if text.strip()
    ]
    return {"textMatchMediaOutputList": [{"textMatchMediaSentenceOutputList": sentences}]}


def start_stack(state_dir: Path, runner: Runner | None = quick_runner, **options: Any) -> LocalStack:
    options.setdefault("reconcile_interval_seconds", 3600.0)  # tests call reconcile_now() themselves
    options.setdefault("watch_interval_seconds", 0.05)
    return LocalStack(StackOptions(state_dir=state_dir, **options), runner=runner).start()


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[LocalStack]:
    running = start_stack(tmp_path / "state")
    try:
        yield running
    finally:
        running.stop()


def wait_for_state(stack: LocalStack, results_dir: str, states: set[str], timeout: float = 30.0) -> dict[str, Any]:
    """Poll a batch's job.json until its state is one of ``states``."""
    deadline = time.monotonic() + timeout
    record: dict[str, Any] = {}
    while time.monotonic() < deadline:
        info = stack.store.head(results_dir + "job.json")
        if info is not None:
            record = json.loads(stack.store.get(results_dir + "job.json"))
            if record["state"] in states:
                return record
        time.sleep(0.05)
    raise AssertionError(f"{results_dir}job.json never reached {states}; last: {record}")


def oss_event(
    stack: LocalStack, key: str, event_name: str = "ObjectCreated:PutObject", *, data: bytes | None = None
) -> bytes:
    """The event OSS would send for an object in the stack's bucket (read from it unless ``data`` is given:
    a hostile key the bucket directory cannot even hold still makes an event, as OSS would send it)."""
    data = stack.store.get(key) if data is None else data
    record = {
        "eventName": event_name,
        "eventSource": "acs:oss",
        "eventTime": "2026-11-24T00:00:00.000Z",
        "eventVersion": "1.0",
        "oss": {
            "bucket": {
                "arn": f"acs:oss:cn-shanghai:1:{stack.store.bucket}",
                "name": stack.store.bucket,
                "ownerIdentity": "1",
            },
            "object": {"deltaSize": len(data), "eTag": content_etag(data), "key": key, "size": len(data)},
            "ossSchemaVersion": "1.0",
            "ruleId": "rule",
        },
        "region": "cn-shanghai",
        "requestParameters": {"sourceIPAddress": "127.0.0.1"},
        "responseElements": {"requestId": "req"},
        "userIdentity": {"principalId": "1"},
    }
    return json.dumps({"events": [record]}).encode("utf-8")


def emulator_jobs(stack: LocalStack) -> list[dict[str, Any]]:
    import httpx

    assert stack.emulator is not None
    answer = httpx.get(stack.emulator.endpoint + "/_emulator/jobs", timeout=5).json()
    jobs: list[dict[str, Any]] = answer["Jobs"]
    return jobs
