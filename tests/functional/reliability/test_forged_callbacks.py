"""Forged, replayed and garbage callbacks: the right status, never an exception, never a write.

The fixed cases of tests/functional/pipeline/test_callback_function.py (missing, wrong, stale and
replayed signatures, another URL, malformed and oversized bodies, an unknown job) are extended here with
jobs that exist at ICE but are not this deployment's, hostile header values, and property-based tests
that feed arbitrary requests — unsigned and validly signed — to the handler and to the whole function.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scene_select.cloud.fc.handlers import FunctionRuntime
from scene_select.cloud.models.job_config import SelectionJobRequest
from scene_select.workstation.local.fc_runtime import LocalContext
from scene_select.workstation.local.stack import LocalStack
from scene_select_testkit.chaos import (
    callback_directly,
    stack_ice,
    tally,
    upload_batch,
    wait_for_batches,
)
from scene_select_testkit.events import ice_callback_body
from scene_select_testkit.ice import emulator_jobs
from scene_select_testkit.stack import callback_headers, start_stack

EXAMPLES = 100
FORGED = {"count": 0}


@pytest.fixture(scope="module")
def fuzz_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """One stack with one finished batch of its own: the callback has real runs to protect."""
    running = start_stack(tmp_path_factory.mktemp("fuzz") / "state")
    try:
        upload_batch(running, "mine")
        wait_for_batches(running, ["mine"], {"finished"})
        running.wait_settled()  # its follow-up (editor timelines) done: nothing moves while we probe
        yield running
    finally:
        running.stop()
        tally("forged and garbage callbacks", forged=FORGED["count"], events=FORGED["count"])


def bucket_state(stack: LocalStack) -> dict[str, int]:
    """Every file in the bucket directory (sidecars included) with its mtime: any write shows."""
    return {str(path): path.stat().st_mtime_ns for path in stack.bucket_dir.rglob("*") if path.is_file()}


def post(stack: LocalStack, body: bytes, headers: dict[str, str | bytes]) -> httpx.Response:
    FORGED["count"] += 1
    return httpx.post(stack.callback_url, content=body, headers=headers, timeout=10)


def foreign_job(stack: LocalStack, user_data: dict[str, Any] | None) -> str:
    """A job in the same ICE account that this deployment never submitted."""
    request = SelectionJobRequest.from_wire(
        "Smart_Mix_Media_Select",
        {"MediaArray": [stack.store.url_for("inbox/smart-mix/mine/clip0.mp4")], "SpeechTextArray": ["别人的。"]},
        {"MediaURL": "https://other.oss-cn-shanghai.aliyuncs.com/o_{index}.mp4", "Count": 1},
        None,
        user_data,
    )
    return stack_ice(stack).submit_scene_media_selection_job(request).job_id


def test_jobs_of_other_deployments_and_hostile_headers_are_refused(fuzz_stack: LocalStack) -> None:
    stack = fuzz_stack
    ours = json.loads(stack.store.get("results/smart-mix/mine/job.json"))["run_key"]
    other_bucket = foreign_job(stack, {"SceneSelect": {"bucket": "someone-elses-bucket", "run": ours}})
    unmarked = foreign_job(stack, None)
    before = bucket_state(stack)
    for job_id in (other_bucket, unmarked):
        answer = post(stack, ice_callback_body(job_id), callback_headers(stack))
        assert answer.status_code == 404, answer.text
    foreign = ice_callback_body(other_bucket)
    future = int(time.time()) + 10_000
    hostile = [
        ({"x-ice-timestamp": "9" * 5000, "x-ice-signature": "0" * 32}, foreign, 401),
        ({"x-ice-timestamp": "１７００００００００".encode(), "x-ice-signature": "x"}, foreign, 401),
        (callback_headers(stack, timestamp=future), foreign, 401),  # from the future
        (callback_headers(stack), b"[" * 50_000, 400),  # nesting deeper than the parser's stack
        (callback_headers(stack), b'{"MessageBody": "' + b"[" * 50_000 + b'"}', 400),
        (callback_headers(stack), ice_callback_body("中文字符"), 400),
        (callback_headers(stack), ice_callback_body("a" * 65), 400),
    ]
    for headers, body, status in hostile:
        answer = post(stack, body, headers)
        assert answer.status_code == status, (headers, body[:40], answer.text)
    assert bucket_state(stack) == before
    assert len(emulator_jobs(stack.emulator)) == 3  # ours and the two foreign ones: no callback submitted anything


TEXT = st.text(max_size=80)
HEADERS = st.dictionaries(
    st.sampled_from(["x-ice-timestamp", "x-ice-signature", "content-type", "x-forwarded-for"]) | TEXT, TEXT, max_size=5
)
JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)
JOB_IDS = st.text(alphabet="0123456789abcdef", min_size=32, max_size=32) | TEXT
ENVELOPES = st.builds(
    lambda job_id, status, extra: json.dumps(
        {"EventType": "BatchProduceMediaComplete", "MessageBody": {"JobId": job_id, "Status": status, **extra}}
    ).encode(),
    JOB_IDS,
    st.sampled_from(["Finished", "Failed", "Processing"]) | TEXT,
    st.dictionaries(TEXT, JSONISH, max_size=3),
)
BODIES = st.binary(max_size=2048) | ENVELOPES | JSONISH.map(lambda value: json.dumps(value).encode())


def call_handler(stack: LocalStack, method: str, headers: dict[str, str], body: bytes) -> int:
    FORGED["count"] += 1
    answer = callback_directly(stack, headers, body, method=method)
    json.dumps(answer.body)  # always an answer that can be sent
    return answer.status


FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(method=st.sampled_from(["POST", "GET", "PUT"]) | TEXT, headers=HEADERS, body=BODIES)
def test_arbitrary_requests_never_crash_and_never_write(
    fuzz_stack: LocalStack, method: str, headers: dict[str, str], body: bytes
) -> None:
    before = bucket_state(fuzz_stack)
    assert call_handler(fuzz_stack, method, headers, body) in (400, 401, 404, 405, 413)
    assert bucket_state(fuzz_stack) == before


@FUZZ
@given(body=BODIES, extra=st.dictionaries(TEXT, TEXT, max_size=3))
def test_validly_signed_garbage_never_crashes_and_never_writes(
    fuzz_stack: LocalStack, body: bytes, extra: dict[str, str]
) -> None:
    before = bucket_state(fuzz_stack)
    status = call_handler(fuzz_stack, "POST", {**extra, **callback_headers(fuzz_stack)}, body)
    assert status in (400, 401, 404, 413)  # 401 only for a replayed signature
    assert bucket_state(fuzz_stack) == before


@FUZZ
@given(event=st.binary(max_size=1024) | JSONISH.map(lambda value: json.dumps(value).encode()))
def test_the_whole_function_answers_any_event_with_an_http_response(fuzz_stack: LocalStack, event: bytes) -> None:
    FORGED["count"] += 1
    before = bucket_state(fuzz_stack)
    runtime = FunctionRuntime(fuzz_stack.environ)
    answer = runtime.callback(event, LocalContext(function_name="callback"))
    assert 400 <= answer["statusCode"] < 500 and isinstance(answer["body"], str)
    assert bucket_state(fuzz_stack) == before
