"""The callback function behind the shim's HTTP trigger: verified, idempotent, and a backstop timer."""

from __future__ import annotations

import json
import time

import httpx
from support.stack import emulator_jobs, wait_for_state

from scene_select.cloud.ice.callback_auth import callback_signature
from scene_select.workstation.local.emulator import Faults
from scene_select.workstation.local.stack import LocalStack

VIDEO = b"\x00\x00\x00\x18ftypmp42" + b"y" * 64
RESULTS = "results/smart-mix/cb/"


def submitted_without_callback(stack: LocalStack) -> str:
    assert stack.emulator is not None
    stack.emulator.set_faults(Faults(drop_callbacks=1.0))
    stack.store.put("inbox/smart-mix/cb/a.mp4", VIDEO)
    stack.store.put("inbox/smart-mix/cb/script.txt", "一句话。".encode())
    record = wait_for_state(stack, RESULTS, {"submitted"})
    for _ in range(200):  # the emulator finishes the job; its callback is dropped
        if emulator_jobs(stack)[0]["Status"] == "Finished":
            break
        time.sleep(0.05)
    return str(record["job_id"])


def post(
    stack: LocalStack,
    body: bytes,
    *,
    url: str | None = None,
    timestamp: int | None = None,
    key: str | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    ts = int(time.time()) if timestamp is None else timestamp
    signed_url = url or stack.callback_url
    sent = {"X-ICE-TIMESTAMP": str(ts), "X-ICE-SIGNATURE": callback_signature(signed_url, ts, key or stack.auth_key)}
    if headers is not None:
        sent = headers
    return httpx.post(stack.callback_url, content=body, headers=sent, timeout=10)


def envelope(job_id: str) -> bytes:
    message = {"Status": "Finished", "JobId": job_id, "UserData": "{}"}
    return json.dumps(
        {"EventType": "BatchProduceMediaComplete", "UserId": 1, "EventTime": "x", "MessageBody": message}
    ).encode()


def written(stack: LocalStack) -> list[str]:
    return sorted(info.key for info in stack.store.list("results/") if "/errors/" not in info.key)


def test_forged_stale_replayed_and_malformed_callbacks_write_nothing(stack: LocalStack) -> None:
    job_id = submitted_without_callback(stack)
    before = written(stack)
    assert post(stack, envelope(job_id), key="WrongKey123").status_code == 401
    assert post(stack, envelope(job_id), headers={}).status_code == 401
    assert post(stack, envelope(job_id), timestamp=int(time.time()) - 3600).status_code == 401
    assert post(stack, envelope(job_id), url="https://attacker.example/cb").status_code == 401
    assert post(stack, b"{not json").status_code == 400
    assert post(stack, b'{"MessageBody": {"JobId": "../../etc"}}').status_code == 400
    assert post(stack, b"x" * (65 * 1024)).status_code == 413
    assert post(stack, envelope("0123456789abcdef0123456789abcdef")).status_code == 404
    assert httpx.get(stack.callback_url, timeout=10).status_code in (403, 405)
    assert written(stack) == before


def test_a_verified_callback_completes_once_and_duplicates_answer_200(stack: LocalStack) -> None:
    job_id = submitted_without_callback(stack)
    ts = int(time.time())
    first = post(stack, envelope(job_id), timestamp=ts)
    assert first.status_code == 200, first.text
    record = wait_for_state(stack, RESULTS, {"finished"})
    selection_key = f"{RESULTS}runs/{record['run_key']}/selection.json"
    stamp = stack.store.head(selection_key)
    replay = post(stack, envelope(job_id), timestamp=ts)
    assert replay.status_code == 401 and "replay" in replay.text
    duplicate = post(stack, envelope(job_id), timestamp=ts + 1)
    assert duplicate.status_code == 200 and duplicate.json()["outcome"] == "already-complete"
    assert stack.store.head(selection_key) == stamp


def test_callbacks_of_different_jobs_in_the_same_second_are_not_replays(stack: LocalStack) -> None:
    """ICE signs url|timestamp|key, not the body: two jobs finishing in one second share a signature."""
    job_id = submitted_without_callback(stack)
    ts = int(time.time())
    assert post(stack, envelope(job_id), timestamp=ts).status_code == 200
    other = post(stack, envelope("0123456789abcdef0123456789abcdef"), timestamp=ts)
    assert other.status_code == 404, other.text  # judged on its own job, not refused as a replay


def test_reconcile_finishes_jobs_whose_callbacks_were_lost(stack: LocalStack) -> None:
    submitted_without_callback(stack)
    answer = stack.reconcile_now()
    assert answer["ok"], answer
    record = wait_for_state(stack, RESULTS, {"finished"}, timeout=5)
    assert record["results"]["selection.json"].endswith("selection.json")
    assert list(stack.store.list("results/_index/pending/")) == []
    assert stack.reconcile_now()["summary"].startswith("reconciled 0")
