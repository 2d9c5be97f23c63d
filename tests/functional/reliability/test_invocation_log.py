"""Every invocation of every function writes one JSON line SLS can index — and never a secret.

The chain runs with temporary (STS) credentials through the local stack, which gathers the lines in
``logs/invocations.jsonl`` (in Function Compute they go to stdout): uploads that submit, wait and are
refused, a job ICE fails, forged and real callbacks, the follow-ups, reconcile passes. Then each line is
parsed, its fields checked, and the three secrets searched for.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from scene_select.cloud.errors import MediaError
from scene_select.cloud.fc.handlers import FunctionRuntime
from scene_select.cloud.models.job_config import SelectionJobRequest
from scene_select.workstation.local.fc_runtime import LocalContext
from scene_select_testkit.chaos import upload_batch, wait_for_batches
from scene_select_testkit.events import ice_callback_body
from scene_select_testkit.stack import callback_headers, quick_runner, start_stack
from scene_select_testkit.waiting import wait_until

FIELDS = {"function", "requestId", "outcome", "durationMs"}


def failing(request: SelectionJobRequest) -> dict:  # type: ignore[type-arg]
    if any("ice-fails" in url for url in request.input_config.media_array):
        raise MediaError("undecodable (test)")
    return quick_runner(request)


def test_one_json_line_per_invocation_with_its_facts_and_no_secret(tmp_path: Path) -> None:
    stack = start_stack(tmp_path / "state", runner=failing, sts_credentials=True)
    assert stack.security_token
    secrets = [stack.access_key_secret, stack.auth_key, stack.security_token]
    try:
        upload_batch(stack, "good")
        upload_batch(stack, "ice-fails")
        stack.store.put("inbox/smart-mix/broken/job.json", b'{"Nope": 1}')
        wait_for_batches(stack, ["good"], {"finished"})
        wait_for_batches(stack, ["ice-fails"], {"failed"})
        wait_until(lambda: bool(list(stack.store.list("results/smart-mix/broken/errors/"))), what="an error record")
        good_job = json.loads(stack.store.get("results/smart-mix/good/job.json"))["job_id"]
        httpx.post(
            stack.callback_url, content=ice_callback_body(good_job), headers={"x-ice-signature": "0" * 32}, timeout=10
        )
        again = httpx.post(
            stack.callback_url, content=ice_callback_body(good_job), headers=callback_headers(stack), timeout=10
        )
        stack.reconcile_now()
        stack.wait_settled()
    finally:
        stack.stop()
    lines = [json.loads(line) for line in stack.invocation_log.read_text("utf-8").splitlines()]
    assert all(set(line) >= FIELDS for line in lines) and all(isinstance(line["durationMs"], float) for line in lines)
    by_function: dict[str, list[dict]] = {}  # type: ignore[type-arg]
    for line in lines:
        by_function.setdefault(line["function"], []).append(line)
    assert set(by_function) == {"submit", "callback", "reconcile"}
    outcomes = {(line["function"], line["outcome"]) for line in lines}
    assert {
        ("submit", "submitted"),
        ("submit", "waiting"),
        ("submit", "rejected"),
        ("callback", "finished"),
        ("callback", "failed"),
        ("callback", "refused"),
        ("reconcile", "ok"),
    } <= outcomes
    if again.status_code == 200:  # a signed callback of a finished job: written once, then duplicates
        assert ("callback", "duplicate") in outcomes, again.text
    failed = [line for line in lines if line["outcome"] == "failed"]
    assert {line["batch"] for line in failed} == {"smart-mix/ice-fails"}
    assert all(line["run"] and line["jobId"] and line["step"] == "selection" for line in failed)
    submitted = next(line for line in lines if line["outcome"] == "submitted")
    assert submitted["batch"] and submitted["run"] and submitted["jobId"] and submitted["key"].startswith("inbox/")
    text = stack.invocation_log.read_text("utf-8")
    for secret in secrets:
        assert secret not in text


def test_in_function_compute_the_line_goes_to_stdout_also_when_the_handler_raises(
    capsys: pytest.CaptureFixture[str],
) -> None:
    runtime = FunctionRuntime(environ={"FC_REGION": "cn-shanghai"})  # no bucket: the settings are refused
    with pytest.raises(Exception, match="SCENE_SELECT_BUCKET"):
        runtime.submit(b"{}", LocalContext(function_name="submit", request_id="req-1"))
    (line,) = [json.loads(text) for text in capsys.readouterr().out.splitlines()]
    assert line["function"] == "submit" and line["requestId"] == "req-1" and line["outcome"] == "error"
    assert "SCENE_SELECT_BUCKET" in line["error"]
