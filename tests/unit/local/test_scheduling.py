"""DelayedTaskRunner: tasks run when due, a failing task does not kill its thread, stop hands back the rest."""

from __future__ import annotations

import threading
import time

import pytest

from scene_select.workstation.local.scheduling import DelayedTaskRunner
from scene_select_testkit.waiting import wait_until


def test_tasks_run_in_due_order_and_failures_do_not_kill_the_worker() -> None:
    runner = DelayedTaskRunner(threads=1, name="test-runner")
    runner.start()
    ran: list[str] = []

    def boom() -> None:
        raise RuntimeError("task failed")

    started = time.monotonic()
    runner.schedule(lambda: ran.append("late"), delay=0.15)
    runner.schedule(boom)
    runner.schedule(lambda: ran.append("early"), delay=0.05)
    wait_until(lambda: len(ran) == 2)
    assert ran == ["early", "late"]
    assert time.monotonic() - started >= 0.15
    assert runner.stop() == []
    assert not [t for t in threading.enumerate() if t.name.startswith("test-runner")]


def test_stop_returns_what_never_ran_and_refuses_new_work() -> None:
    runner = DelayedTaskRunner(threads=2, name="test-runner-2")
    runner.start()
    runner.schedule(lambda: None, delay=60, label="far future")
    left = runner.stop(timeout=1)
    assert [task.label for task in left] == ["far future"]
    assert runner.schedule(lambda: None) is False


def test_needs_a_thread() -> None:
    with pytest.raises(ValueError, match="threads"):
        DelayedTaskRunner(threads=0, name="x")
