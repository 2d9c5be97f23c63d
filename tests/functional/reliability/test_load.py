"""Hundreds of batches uploaded at once through the local stack: all complete, nothing lost, figures kept.

The in-suite run uploads 100 batches; ``pytest -m soak`` runs 300 (``make reliability`` runs both and
prints the figures). The quick runner stands in for the engine, so what is measured is the pipeline:
trigger, submit function, ICE API, callback function, result writes.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from scene_select_testkit.chaos import RecordWatch, events_delivered, pending, upload_batch, verify_and_tally
from scene_select_testkit.stack import start_stack
from scene_select_testkit.waiting import wait_until


def run_load(state_dir: Path, batches: int) -> None:
    stack = start_stack(state_dir)
    try:
        with RecordWatch(stack, interval=0.5) as watch:
            started = time.monotonic()
            names = [f"load-{i:04d}" for i in range(batches)]
            for name in names:
                upload_batch(stack, name)
            uploaded = time.monotonic() - started

            def finished() -> bool:
                return sum(1 for _ in stack.store.list("results/_index/runs/")) == batches and not pending(stack)

            wait_until(finished, timeout=30 + batches, what=f"{batches} batches to finish")
            elapsed = time.monotonic() - started
        assert watch.regressions == [] and watch.partial == []
        assert stack.watcher is not None and stack.watcher.failures == []
        verify_and_tally(stack, f"load: {batches} batches at once", batches=batches, seconds=round(elapsed, 1))
        print(
            f"\n{batches} batches: uploaded in {uploaded:.1f}s, all finished after {elapsed:.1f}s "
            f"({batches / elapsed:.1f} batches/s, {events_delivered(stack) / elapsed:.0f} events/s)"
        )
    finally:
        stack.stop()


def test_a_hundred_batches_at_once_all_complete(tmp_path: Path) -> None:
    run_load(tmp_path / "state", 100)


@pytest.mark.soak
def test_three_hundred_batches_at_once_all_complete(tmp_path: Path) -> None:
    run_load(tmp_path / "state", 300)
