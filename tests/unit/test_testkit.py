"""The test kit's own promises: one waiting policy, and events the product parses as the cloud's."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from scene_select.cloud.fc.http_trigger import parse_http_event
from scene_select.cloud.models.oss_event import parse_oss_event
from scene_select.cloud.storage.base import content_etag
from scene_select.cloud.storage.local import LocalDirectoryStore
from scene_select_testkit.events import event_bytes, http_trigger_event, ice_callback_body, load_event, oss_event
from scene_select_testkit.waiting import ENV_TIMEOUT_SCALE, WaitTimeoutError, scaled_timeout, timeout_scale, wait_until


def test_wait_until_returns_the_first_truthy_answer() -> None:
    answers = iter([None, [], {"state": "finished"}])
    assert wait_until(lambda: next(answers), interval=0) == {"state": "finished"}


def test_wait_until_says_what_it_waited_for_and_what_it_saw_last(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_TIMEOUT_SCALE, "0.5")
    seen: list[int] = []
    started = time.monotonic()
    with pytest.raises(WaitTimeoutError, match=r"after 0\.1 s waiting for the batch \(polled \d+ times\)"):
        wait_until(
            lambda: seen.append(1), timeout=0.2, interval=0.01, what=lambda: f"the batch (polled {len(seen)} times)"
        )
    assert 0.1 <= time.monotonic() - started < 5
    assert isinstance(WaitTimeoutError("x"), AssertionError)  # pytest reports a failed test, not an error


def test_one_default_timeout_scaled_by_one_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_TIMEOUT_SCALE, raising=False)
    assert timeout_scale() == 1.0 and scaled_timeout() == 30.0 and scaled_timeout(5) == 5.0
    monkeypatch.setenv(ENV_TIMEOUT_SCALE, "3")
    assert scaled_timeout() == 90.0 and scaled_timeout(5) == 15.0
    for bad in ("0", "-1", "slow", "nan"):
        with pytest.raises(ValueError, match=ENV_TIMEOUT_SCALE):
            timeout_scale({ENV_TIMEOUT_SCALE: bad})


def test_no_scene_select_setting_but_the_timeout_scale_reaches_a_test() -> None:
    assert not [name for name in os.environ if name.startswith("SCENE_SELECT_") and name != ENV_TIMEOUT_SCALE]


def test_sample_events_load_as_parsed_json_and_as_raw_bytes() -> None:
    raw = event_bytes("oss_put_object.json")
    assert load_event("oss_put_object.json") == json.loads(raw)
    assert parse_oss_event(raw)[0].key == load_event("oss_put_object.json")["events"][0]["oss"]["object"]["key"]


def test_oss_event_describes_the_object_in_the_bucket(tmp_path: Path) -> None:
    store = LocalDirectoryStore(tmp_path / "bucket", bucket="media", region="cn-shanghai")
    store.put("inbox/smart-mix/批次 1/script.txt", "第一句。".encode())
    (record,) = parse_oss_event(oss_event(store, "inbox/smart-mix/批次 1/script.txt"))
    data = "第一句。".encode()
    assert (record.bucket, record.key, record.size, record.etag) == (
        "media",
        "inbox/smart-mix/批次 1/script.txt",
        len(data),
        content_etag(data),
    )
    assert record.event_name == "ObjectCreated:PutObject"


def test_http_trigger_event_carries_one_callback_request() -> None:
    body = ice_callback_body("f" * 32, "Failed")
    event = http_trigger_event(body=body, headers={"X-ICE-SIGNATURE": "s"}, path="/ice callback", query={"a": "1"})
    request = parse_http_event(event)
    assert (request.method, request.path, request.raw_path) == ("POST", "/ice callback", "/ice%20callback")
    assert request.headers == {"x-ice-signature": "s"} and request.query == {"a": "1"}
    message = request.json_body()["MessageBody"]
    assert (message["JobId"], message["Status"]) == ("f" * 32, "Failed")
    binary = parse_http_event(http_trigger_event(body=b"\xff\x00", headers={}))
    assert binary.body == b"\xff\x00"
