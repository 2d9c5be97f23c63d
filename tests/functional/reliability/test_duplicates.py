"""The same OSS event many times — in sequence, from racing threads, from racing processes: one job."""

from __future__ import annotations

import multiprocessing
import threading
from pathlib import Path

from scene_select.cloud.storage.local import LocalDirectoryStore
from scene_select.workstation.local.stack import LocalStack
from scene_select_testkit.chaos import (
    callbacks_sent,
    deliver_in_process,
    settle,
    stack_ice,
    submit_directly,
    upload_batch,
    verify_and_tally,
)
from scene_select_testkit.events import oss_event

SEQUENTIAL = 10
THREADS, PER_THREAD = 8, 3
PROCESSES, PER_PROCESS = 4, 3


def race_threads(stack: LocalStack, event: bytes) -> list[str]:
    """Threads, each with its own store instance on the bucket directory and its own ICE client."""
    start = threading.Barrier(THREADS)
    outcomes: list[str] = []

    def deliver() -> None:
        store = LocalDirectoryStore(stack.bucket_dir, bucket=stack.store.bucket, region=stack.options.region)
        ice = stack_ice(stack)
        start.wait(timeout=30)
        for _ in range(PER_THREAD):
            report = submit_directly(stack, event, store=store, ice=ice)
            outcomes.extend(o.outcome for o in report.outcomes)

    threads = [threading.Thread(target=deliver) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def race_processes(stack: LocalStack, event: bytes) -> list[object]:
    """Spawned processes, each invoking the submit function through the FC shim with the stack's environment."""
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(PROCESSES)
    out = context.Queue()
    args = (str(stack.functions_dir), dict(stack.environ), event, PER_PROCESS, start, out)
    workers = [context.Process(target=deliver_in_process, args=args) for _ in range(PROCESSES)]
    for worker in workers:
        worker.start()
    results = [out.get(timeout=120) for _ in range(PROCESSES * PER_PROCESS)]
    for worker in workers:
        worker.join(timeout=30)
        assert worker.exitcode == 0
    return results


def test_one_event_delivered_many_times_every_way_makes_one_job_per_batch(stack: LocalStack, tmp_path: Path) -> None:
    assert stack.watcher is not None
    stack.watcher.stop()  # this test delivers every event itself
    events = {
        name: oss_event(stack.store, upload_batch(stack, name)) for name in ("sequential", "threads", "processes")
    }

    sequential = [stack.deliver_upload_event(events["sequential"]) for _ in range(SEQUENTIAL)]
    thread_outcomes = race_threads(stack, events["threads"])
    process_outcomes = race_processes(stack, events["processes"])

    assert len(sequential) == SEQUENTIAL
    assert thread_outcomes.count("submitted") == 1, thread_outcomes
    assert set(thread_outcomes) <= {"submitted", "duplicate", "in-progress"}, thread_outcomes
    flat = [outcome for result in process_outcomes for outcome in (result if isinstance(result, list) else [result])]
    assert flat.count("submitted") == 1 and set(flat) <= {"submitted", "duplicate", "in-progress"}, flat

    settle(stack)
    delivered = SEQUENTIAL + THREADS * PER_THREAD + PROCESSES * PER_PROCESS
    verify_and_tally(
        stack, "duplicates and races", batches=3, events=delivered + callbacks_sent(stack), duplicates=delivered - 3
    )
