"""ICE misbehaving — throttling, 5xx, timeouts before and after the work, garbage answers — on each action.

Throttling is retried by the client; a submit whose outcome is unknown (5xx, a timeout, a body that is
not JSON) is never resent blindly: the reconciler adopts the job ICE lists under the run key, or —
when ICE has none once the grace passed — submits it again. The stack runs with a 1 s ICE read
timeout and no grace, so that every case plays out in seconds.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from scene_select.cloud.config import ENV_ICE_READ_TIMEOUT, ENV_SUBMIT_UNKNOWN_GRACE
from scene_select.workstation.local.emulator import Faults
from scene_select.workstation.local.stack import LocalStack
from scene_select_testkit.chaos import batch_state, pending, upload_batch, verify_and_tally
from scene_select_testkit.stack import start_stack
from scene_select_testkit.waiting import wait_until

SUBMIT = "SubmitSceneMediaSelectionJob"
READ_TIMEOUT = 1.0


@pytest.fixture
def impatient_stack(tmp_path: Path) -> Iterator[LocalStack]:
    environment = {ENV_ICE_READ_TIMEOUT: str(READ_TIMEOUT), ENV_SUBMIT_UNKNOWN_GRACE: "0"}
    running = start_stack(tmp_path / "state", extra_environment=environment)
    try:
        yield running
    finally:
        running.stop()


CASES = {
    # name: (faults on the submit, the state the submit function leaves)
    "throttled twice": (Faults(throttle_rate=1.0, max_request_faults=2), "finished"),
    "throttled past every retry": (Faults(throttle_rate=1.0, max_request_faults=4), "finished"),
    "5xx": (Faults(error_5xx_rate=1.0, max_request_faults=1), "submit-unknown"),
    "timeout before the work": (Faults(delay_before_seconds=2 * READ_TIMEOUT, max_request_faults=1), "submit-unknown"),
    "timeout after the work": (Faults(delay_after_seconds=2 * READ_TIMEOUT, max_request_faults=1), "submit-unknown"),
    "malformed answer": (Faults(malformed_response_rate=1.0, max_request_faults=1), "submit-unknown"),
}


def test_each_fault_on_submit_ends_with_one_job(impatient_stack: LocalStack) -> None:
    stack = impatient_stack
    assert stack.emulator is not None
    for name, (faults, left_in) in CASES.items():
        batch = name.replace(" ", "-")
        # callbacks dropped: only the reconciler may finish what the fault left, so every case is seen
        stack.emulator.set_faults(Faults(**{**faults.to_json(), "only_actions": (SUBMIT,), "drop_callbacks": 1.0}))
        upload_batch(stack, batch)
        wait_until(lambda b=batch, s=left_in: batch_state(stack, b) in {s, "submitted"}, what=f"{name}: {left_in}")
        assert batch_state(stack, batch) == ("submitted" if left_in == "finished" else left_in), name
        settle_through_timer(stack, [batch])
        stack.emulator.set_faults(Faults())
    adopted = [json.loads(stack.store.get(key))["adopted"] for key in _markers(stack)]
    assert adopted.count(True) == 2  # timeout after the work, malformed answer: ICE had made those jobs
    verify_and_tally(stack, "ICE faults on submit", batches=len(CASES))


def settle_through_timer(stack: LocalStack, names: list[str], passes: int = 30) -> None:
    """Run the reconcile function (through the FC shim) until the batches are finished and nothing is pending."""
    for _ in range(passes):
        if all(batch_state(stack, n) == "finished" for n in names) and not pending(stack):
            return
        stack.reconcile_now()
        time.sleep(0.05)
    raise AssertionError(f"not finished after {passes} reconcile passes: {[batch_state(stack, n) for n in names]}")


def test_random_faults_on_every_action_lose_nothing(impatient_stack: LocalStack) -> None:
    stack = impatient_stack
    assert stack.emulator is not None
    stack.emulator.set_faults(
        Faults(throttle_rate=0.2, error_5xx_rate=0.15, malformed_response_rate=0.15, drop_callbacks=0.3, seed=11)
    )
    names = [f"chaos-{i}" for i in range(6)]
    for name in names:
        upload_batch(stack, name)
    wait_until(lambda: all(batch_state(stack, n) is not None for n in names), what="every batch claimed")
    settle_through_timer(stack, names)
    stack.emulator.set_faults(Faults())
    verify_and_tally(stack, "random ICE faults, every action", batches=len(names))


def _markers(stack: LocalStack) -> list[str]:
    return [info.key for info in stack.store.list("results/") if info.key.endswith("/submitted.json")]
