"""Approvals that make no sense are refused with an error record, and start no job."""

from __future__ import annotations

import json

import pytest

from scene_select.workstation.local.stack import LocalStack
from scene_select_testkit.ice import emulator_jobs
from scene_select_testkit.stack import wait_for_state
from scene_select_testkit.waiting import wait_until

VIDEO = b"\x00\x00\x00\x18ftypmp42" + b"a" * 64  # the quick runner never decodes


def _batch(stack: LocalStack, name: str, produce: str | None) -> str:
    prefix = f"inbox/smart-mix/{name}/"
    stack.store.put(prefix + "beach.mp4", VIDEO)
    manifest = {"SpeechTextArray": ["海边的日落。"], **({"Produce": produce} if produce else {})}
    stack.store.put(prefix + "job.json", json.dumps(manifest).encode())
    wait_for_state(stack, f"results/smart-mix/{name}/", {"finished", "waiting-for-review", "queued", "submitted"})
    return prefix


def _error_for(stack: LocalStack, name: str, what: str) -> dict[str, object]:
    def found() -> dict[str, object] | None:
        for info in stack.store.list(f"results/smart-mix/{name}/errors/"):
            record: dict[str, object] = json.loads(stack.store.get(info.key))
            if what in str(record["message"]):
                return record
        return None

    record = wait_until(found, what=f"an error record of {name} that says {what!r}")
    stack.wait_settled()
    return record


def test_an_approval_for_a_batch_that_does_not_wait_for_review_is_refused(stack: LocalStack) -> None:
    prefix = _batch(stack, "plain", None)
    jobs = len(emulator_jobs(stack.emulator))
    stack.store.put(prefix + "approval.json", b'{"Approve": true}')
    record = _error_for(stack, "plain", "does not wait for review")
    assert record["key"] == prefix + "approval.json" and record["whatToDo"]
    assert len(emulator_jobs(stack.emulator)) == jobs  # no job
    assert json.loads(stack.store.get("results/smart-mix/plain/job.json"))["state"] == "finished"


@pytest.mark.parametrize(
    ("approval", "says"),
    [
        (b"not json", "the approval is not JSON"),
        (b"[true]", "must be a JSON object"),
        (b'{"Approve": "yes"}', 'must say "Approve": true'),
        (b'{"Approve": true, "Aprove": 1}', "unknown key(s) ['Aprove']"),
        (b'{"Approve": true, "RunKey": "nosuchrun"}', "has no run nosuchrun"),
        (b'{"Approve": true, "RunKey": "../x"}', "RunKey must be the run's key"),
    ],
)
def test_malformed_approvals_are_refused_clearly(stack: LocalStack, approval: bytes, says: str) -> None:
    stack.store.put("inbox/smart-mix/malformed/approval.json", approval)
    assert _error_for(stack, "malformed", says)
    assert emulator_jobs(stack.emulator) == []


def test_an_approval_before_any_run_exists_is_refused(stack: LocalStack) -> None:
    stack.store.put("inbox/smart-mix/early/approval.json", b'{"Approve": true}')
    assert _error_for(stack, "early", "has no run to approve yet")


def test_a_manifest_asking_for_something_unknown_is_refused(stack: LocalStack) -> None:
    stack.store.put("inbox/smart-mix/what/beach.mp4", VIDEO)
    stack.store.put("inbox/smart-mix/what/job.json", b'{"SpeechTextArray": ["x"], "Produce": "movie"}')
    assert _error_for(stack, "what", "Produce must be selection, video or review")
    assert emulator_jobs(stack.emulator) == []


def test_a_video_batch_without_a_place_for_its_videos_is_refused(stack: LocalStack) -> None:
    stack.store.put("inbox/smart-mix/nowhere/beach.mp4", VIDEO)
    manifest = {"SpeechTextArray": ["x"], "Produce": "video", "OutputConfig": {"MediaURL": None}}
    stack.store.put("inbox/smart-mix/nowhere/job.json", json.dumps(manifest).encode())
    assert _error_for(stack, "nowhere", "asks for videos (Produce video) but its OutputConfig.MediaURL is empty")
    assert emulator_jobs(stack.emulator) == []
