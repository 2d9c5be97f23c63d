"""No credential, callback key or security token in any log line, file or error a run produces.

A whole chain runs with temporary (STS) credentials: a good batch, a broken batch, a job ICE fails, a
throttled submit, forged and replayed callbacks, a lost callback finished by the timer, and errors
provoked on purpose (a wrong secret, settings refused). Then every log record of every logger at DEBUG
(tracebacks included), every file the run left in the state directory, and every exception message are
searched for the three secret values. ``stack.json`` is the one exception, by design: it is the file
that hands the local stack's credentials to other tools (mode 0600, deleted when the stack stops).
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from scene_select.cloud.config import Settings
from scene_select.cloud.credentials import Credentials, static_credentials
from scene_select.cloud.errors import IceClientError, MediaError, SceneSelectError
from scene_select.cloud.ice.client import IceClient
from scene_select.cloud.models.job_config import SelectionJobRequest
from scene_select.workstation.local.emulator import Faults
from scene_select_testkit.chaos import audit, upload_batch, wait_for_batches
from scene_select_testkit.events import ice_callback_body
from scene_select_testkit.ice import emulator_jobs
from scene_select_testkit.stack import callback_headers, quick_runner, start_stack
from scene_select_testkit.waiting import wait_until


def failing_runner(request: SelectionJobRequest) -> dict[str, Any]:
    if any("ice-fails" in url for url in request.input_config.media_array):
        raise MediaError("the media of this batch cannot be decoded (test)")
    return quick_runner(request)


def run_the_chain(state_dir: Path) -> tuple[dict[str, str], list[str]]:
    """Everything a deployment's functions do, good and bad; returns the secrets used and error messages."""
    stack = start_stack(state_dir, runner=failing_runner, sts_credentials=True)
    assert stack.emulator is not None and stack.security_token
    secrets = {
        "access key secret": stack.access_key_secret,
        "callback auth key": stack.auth_key,
        "security token": stack.security_token,
    }
    messages: list[str] = []
    try:
        stack.emulator.set_faults(
            Faults(throttle_rate=1.0, max_request_faults=1, only_actions=("SubmitSceneMediaSelectionJob",))
        )
        upload_batch(stack, "good")
        wait_for_batches(stack, ["good"], {"finished"})
        stack.emulator.set_faults(Faults(drop_callbacks=1.0))
        upload_batch(stack, "ice-fails")
        stack.store.put("inbox/smart-mix/broken/a.mp4", b"x")
        stack.store.put("inbox/smart-mix/broken/job.json", b'{"SpeechTextArray": [1, 2]}')
        wait_until(lambda: list(stack.store.list("results/smart-mix/broken/errors/")), what="the error record")
        wait_until(
            lambda: "Failed" in {job["Status"] for job in emulator_jobs(stack.emulator)}, what="ICE to fail a job"
        )
        good_job = json.loads(stack.store.get("results/smart-mix/good/job.json"))["job_id"]
        headers = callback_headers(stack)
        for sent in (headers, headers, {**headers, "x-ice-signature": "0" * 32}):
            messages.append(
                httpx.post(stack.callback_url, content=ice_callback_body(good_job), headers=sent, timeout=10).text
            )
        messages.append(str(stack.reconcile_now()))
        wait_for_batches(stack, ["ice-fails"], {"failed"}, timeout=5)
        messages += provoked_errors(stack, secrets)
        assert audit(stack).problems == []
    finally:
        stack.stop()
    return secrets, messages


def provoked_errors(stack: Any, secrets: dict[str, str]) -> list[str]:
    """Error messages of failures that involve the secrets directly."""
    messages = []
    wrong = Credentials(stack.access_key_id, secrets["access key secret"][::-1], secrets["security token"])
    with (
        IceClient(
            region="cn-shanghai", endpoint=stack.emulator.endpoint, credentials=static_credentials(wrong)
        ) as client,
        pytest.raises(IceClientError) as refused,
    ):
        client.get_batch_media_producing_job("0" * 32)
    messages.append(str(refused.value))
    for environ in (
        {**stack.environ, "SCENE_SELECT_CALLBACK_AUTH_KEY": secrets["callback auth key"] * 3},  # too long
        {**stack.environ, "SCENE_SELECT_CLAIM_TTL_SECONDS": secrets["access key secret"]},
    ):
        with pytest.raises(SceneSelectError) as bad:
            Settings.from_env(environ)
        messages.append(str(bad.value))
    messages += [repr(Settings.from_env(stack.environ)), repr(Credentials("id", secrets["access key secret"], "t"))]
    return messages


def test_no_secret_in_logs_files_or_errors(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, httpx and httpcore included
    secrets, messages = run_the_chain(tmp_path / "state")
    time.sleep(0.1)
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    log_text = "\n".join(formatter.format(record) for record in caplog.records)  # tracebacks included
    assert len(caplog.records) > 100 and "httpx" in log_text  # the logs really were captured at DEBUG
    files = [p for p in (tmp_path / "state").rglob("*") if p.is_file() and p.name != "stack.json"]
    assert any(p.name == "jobs.sqlite" for p in files) and any(p.name == "selection.json" for p in files)
    assert any("/errors/" in str(p) for p in files) and any(p.name == "report.html" for p in files)
    for name, value in secrets.items():
        assert value not in log_text, f"the {name} is in the logs"
        leaking = [str(p) for p in files if value.encode() in p.read_bytes()]
        assert leaking == [], f"the {name} is in {leaking}"
        assert not [m for m in messages if value in m], f"the {name} is in an error message"
