"""ICE's callback is the one edge that drops: lost, late, doubled and stale callbacks change nothing."""

from __future__ import annotations

import time

from scene_select.workstation.local.emulator import Faults
from scene_select.workstation.local.stack import LocalStack
from scene_select_testkit.chaos import (
    RecordWatch,
    batch_state,
    callbacks_sent,
    jobs_terminal,
    pending,
    upload_batch,
    verify_and_tally,
    wait_for_batches,
)
from scene_select_testkit.ice import emulator_jobs
from scene_select_testkit.waiting import wait_until

BATCHES = 6


def test_every_callback_dropped_reconcile_completes_every_job(stack: LocalStack) -> None:
    assert stack.emulator is not None
    stack.emulator.set_faults(Faults(drop_callbacks=1.0))
    names = [f"dropped-{i}" for i in range(BATCHES)]
    for name in names:
        upload_batch(stack, name)
    wait_for_batches(stack, names, {"submitted"})
    wait_until(lambda: len(emulator_jobs(stack.emulator)) == BATCHES and jobs_terminal(stack), what="ICE to finish")
    assert all(job["Callback"]["State"] == "dropped" for job in emulator_jobs(stack.emulator))
    assert {batch_state(stack, name) for name in names} == {"submitted"}  # no callback came

    answer = stack.reconcile_now()  # the timer's pass, through the FC shim
    assert answer["ok"], answer
    wait_for_batches(stack, names, {"finished"}, timeout=5)
    assert pending(stack) == []
    assert stack.emulator.faults.injected() == {"drop_callback": BATCHES}
    verify_and_tally(stack, "callbacks lost", batches=BATCHES)


def test_delayed_duplicated_and_reordered_callbacks_write_results_once(stack: LocalStack) -> None:
    assert stack.emulator is not None
    stack.emulator.set_faults(Faults(duplicate_callbacks=1.0, reorder_callbacks=1.0, callback_delay_seconds=0.3))
    names = [f"noisy-{i}" for i in range(BATCHES)]
    with RecordWatch(stack) as watch:
        for name in names:
            upload_batch(stack, name)
        wait_for_batches(stack, names, {"finished"})
        # every callback copy and every stale replay has been answered once the count stops moving
        settled: list[int] = []
        wait_until(lambda: settled.append(callbacks_sent(stack)) or settled[-3:] == [settled[-1]] * 3, what="quiet")
        time.sleep(0.1)
    assert watch.regressions == []
    assert watch.rewritten == [] and watch.partial == []
    assert watch.observations > 10
    logs = [entry for job in emulator_jobs(stack.emulator) for entry in job["Callback"]["Log"]]
    assert sum(entry["Replay"] for entry in logs) >= BATCHES - 1  # stale callbacks of earlier jobs arrived late
    assert all(entry["Outcome"] in ("HTTP 200", "HTTP 401") for entry in logs), logs
    verify_and_tally(stack, "callbacks late, doubled, reordered", batches=BATCHES, duplicates=len(logs) - BATCHES)
