"""The callback function behind the shim's HTTP trigger: verified, idempotent, and a backstop timer."""

from __future__ import annotations

import time

import httpx

from scene_select.workstation.local.emulator import Faults
from scene_select.workstation.local.stack import LocalStack
from scene_select_testkit.events import ice_callback_body
from scene_select_testkit.ice import emulator_jobs
from scene_select_testkit.stack import callback_headers, placeholder_video, wait_for_state
from scene_select_testkit.waiting import wait_until

VIDEO = placeholder_video("y")
RESULTS = "results/smart-mix/cb/"


def submitted_without_callback(stack: LocalStack) -> str:
    assert stack.emulator is not None
    stack.emulator.set_faults(Faults(drop_callbacks=1.0))
    stack.store.put("inbox/smart-mix/cb/a.mp4", VIDEO)
    stack.store.put("inbox/smart-mix/cb/script.txt", "一句话。".encode())
    record = wait_for_state(stack, RESULTS, {"submitted"})
    # the emulator finishes the job; its callback is dropped
    wait_until(
        lambda: emulator_jobs(stack.emulator)[0]["Status"] == "Finished", interval=0.05, what="ICE to finish the job"
    )
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
    sent = callback_headers(stack, timestamp=timestamp, url=url, auth_key=key) if headers is None else headers
    return httpx.post(stack.callback_url, content=body, headers=sent, timeout=10)


def written(stack: LocalStack) -> list[str]:
    return sorted(info.key for info in stack.store.list("results/") if "/errors/" not in info.key)


def test_forged_stale_replayed_and_malformed_callbacks_write_nothing(stack: LocalStack) -> None:
    job_id = submitted_without_callback(stack)
    before = written(stack)
    assert post(stack, ice_callback_body(job_id), key="WrongKey123").status_code == 401
    assert post(stack, ice_callback_body(job_id), headers={}).status_code == 401
    assert post(stack, ice_callback_body(job_id), timestamp=int(time.time()) - 3600).status_code == 401
    assert post(stack, ice_callback_body(job_id), url="https://attacker.example/cb").status_code == 401
    assert post(stack, b"{not json").status_code == 400
    assert post(stack, b'{"MessageBody": {"JobId": "../../etc"}}').status_code == 400
    assert post(stack, b"x" * (65 * 1024)).status_code == 413
    assert post(stack, ice_callback_body("0123456789abcdef0123456789abcdef")).status_code == 404
    assert httpx.get(stack.callback_url, timeout=10).status_code in (403, 405)
    assert written(stack) == before


def test_a_verified_callback_completes_once_and_duplicates_answer_200(stack: LocalStack) -> None:
    job_id = submitted_without_callback(stack)
    ts = int(time.time())
    first = post(stack, ice_callback_body(job_id), timestamp=ts)
    assert first.status_code == 200, first.text
    record = wait_for_state(stack, RESULTS, {"finished"})
    selection_key = f"{RESULTS}runs/{record['run_key']}/selection.json"
    stamp = stack.store.head(selection_key)
    replay = post(stack, ice_callback_body(job_id), timestamp=ts)
    assert replay.status_code == 401 and "replay" in replay.text
    duplicate = post(stack, ice_callback_body(job_id), timestamp=ts + 1)
    assert duplicate.status_code == 200 and duplicate.json()["outcome"] == "already-complete"
    assert stack.store.head(selection_key) == stamp


def test_callbacks_of_different_jobs_in_the_same_second_are_not_replays(stack: LocalStack) -> None:
    """ICE signs url|timestamp|key, not the body: two jobs finishing in one second share a signature."""
    job_id = submitted_without_callback(stack)
    ts = int(time.time())
    assert post(stack, ice_callback_body(job_id), timestamp=ts).status_code == 200
    other = post(stack, ice_callback_body("0123456789abcdef0123456789abcdef"), timestamp=ts)
    assert other.status_code == 404, other.text  # judged on its own job, not refused as a replay


def test_reconcile_finishes_jobs_whose_callbacks_were_lost(stack: LocalStack) -> None:
    submitted_without_callback(stack)
    answer = stack.reconcile_now()
    assert answer["ok"], answer
    record = wait_for_state(stack, RESULTS, {"finished"}, timeout=5)
    assert record["results"]["selection.json"].endswith("selection.json")
    assert list(stack.store.list("results/_index/pending/")) == []
    assert stack.reconcile_now()["summary"].startswith("reconciled 0")
