"""The steps after a selection under the same faults as the selection: crashes after every write, callbacks
lost, doubled and late, forged follow-ups, approvals uploaded over and over — one ICE job per step, every
video once, nothing lost."""

from __future__ import annotations

import json
import threading
import time

import httpx

from scene_select.cloud.pipeline.follow_up_request import follow_up_request
from scene_select.workstation.local.emulator import Faults
from scene_select.workstation.local.stack import LocalStack
from scene_select_testkit.chaos import (
    Crash,
    ObservedStore,
    callbacks_sent,
    later,
    reconcile_directly,
    settle,
    submit_directly,
    upload_batch,
    verify_and_tally,
)
from scene_select_testkit.events import oss_event
from scene_select_testkit.ice import emulator_jobs
from scene_select_testkit.stack import wait_for_state

PAST_TTL = 3600.0
STEPS = 3  # a video batch: selection, timeline, render


def _done(stack: LocalStack, name: str) -> bool:
    key = f"results/smart-mix/{name}/job.json"
    return stack.store.head(key) is not None and json.loads(stack.store.get(key))["state"] in ("finished", "failed")


def _drive(stack: LocalStack, name: str, store: ObservedStore | None = None) -> None:
    """Reconcile passes (as the timer would run them, a claim TTL apart) until the batch is done."""
    for _ in range(40):
        if _done(stack, name):
            return
        stack.wait_settled()
        reconcile_directly(stack, store=store, clock=later(PAST_TTL))
    raise AssertionError(f"{name} never got done")


def test_a_video_run_dying_after_any_write_of_any_step(stack: LocalStack) -> None:
    assert stack.emulator is not None and stack.watcher is not None
    stack.watcher.stop()
    stack.emulator.set_faults(Faults(drop_callbacks=1.0))  # every step is moved on by the timer, here by hand
    crashes = 0
    for n in range(1, 200):
        name = f"video-crash-{n}"
        submit_directly(stack, oss_event(stack.store, upload_batch(stack, name, produce="video")))
        store = ObservedStore(stack.store, crash_after=n)
        try:
            _drive(stack, name, store)
        except Crash:
            crashes += 1
            _drive(stack, name)
        else:
            assert store.crashed_after is None
            break
    else:
        raise AssertionError("a video run made 200 writes: something loops")
    assert crashes >= 12  # results, markers and views of three steps, projects.json, videos.json, timelines
    settle(stack, clock=later(PAST_TTL))
    batches = crashes + 1
    verify_and_tally(
        stack, "crashes in the video steps", batches=batches, jobs=batches * STEPS, faults=crashes, events=batches
    )


def test_callbacks_of_every_step_lost_late_and_doubled(stack: LocalStack) -> None:
    assert stack.emulator is not None
    stack.emulator.set_faults(
        Faults(drop_callbacks=0.3, duplicate_callbacks=0.5, reorder_callbacks=0.3, callback_delay_seconds=0.3, seed=7)
    )
    names = [f"video-callbacks-{i}" for i in range(4)]
    for name in names:
        upload_batch(stack, name, produce="video")
    for name in names:
        _drive(stack, name)
    settle(stack)
    verify_and_tally(stack, "video steps: callbacks lost, late, doubled", batches=4, jobs=4 * STEPS)
    for name in names:
        videos = json.loads(stack.store.get(f"results/smart-mix/{name}/videos.json"))["videos"]
        assert [v["output"] for v in videos] == [1]


def test_approvals_uploaded_over_and_over_render_once(stack: LocalStack) -> None:
    names = [f"review-{i}" for i in range(3)]
    for name in names:
        upload_batch(stack, name, produce="review")
    for name in names:
        wait_for_state(stack, f"results/smart-mix/{name}/", {"waiting-for-review"}, timeout=60)
    threads = []
    for name in names:
        for copy in range(4):  # the same approval, and changed ones, uploaded at once
            body = json.dumps({"Approve": True, "Note": f"copy {copy}"}).encode()
            key = f"inbox/smart-mix/{name}/approval.json"
            threads.append(threading.Thread(target=stack.store.put, args=(key, body)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for name in names:
        wait_for_state(stack, f"results/smart-mix/{name}/", {"finished", "failed"}, timeout=120)
    settle(stack)
    verify_and_tally(stack, "approvals uploaded over and over", batches=3, jobs=3 * STEPS, duplicates=len(threads) - 3)


def test_forged_follow_ups_change_nothing(stack: LocalStack) -> None:
    upload_batch(stack, "forged-follow-up", produce="review")
    record = wait_for_state(stack, "results/smart-mix/forged-follow-up/", {"waiting-for-review"}, timeout=60)
    stack.wait_settled()
    before = {info.key: info.etag for info in stack.store.list("results/")}
    forged = 0
    for key in ("wrong-key", ""):
        headers, body = follow_up_request(record["run_key"], key or "x", now=time.time())
        if not key:
            headers.pop("x-scene-select-signature")
        headers.pop("X-Fc-Invocation-Type")  # synchronously, to read the answer
        answer = httpx.post(stack.callback_url, content=body, headers=headers, timeout=10)
        assert answer.status_code == 401, answer.text
        forged += 1
    stale_headers, stale_body = follow_up_request(record["run_key"], stack.auth_key, now=time.time() - 3600)
    stale_headers.pop("X-Fc-Invocation-Type")
    assert httpx.post(stack.callback_url, content=stale_body, headers=stale_headers, timeout=10).status_code == 401
    forged += 1
    assert {info.key: info.etag for info in stack.store.list("results/")} == before
    assert len(emulator_jobs(stack.emulator)) == 1  # still waiting for a person: nothing forged moved it
    verify_and_tally(
        stack, "forged follow-ups", batches=1, jobs=1, forged=forged, events=callbacks_sent(stack) + forged
    )
