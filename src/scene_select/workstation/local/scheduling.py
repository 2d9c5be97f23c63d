"""A few worker threads that run small tasks when they fall due.

The local stack retries things the way the cloud does — ICE re-posts a callback 1 s later, FC re-invokes a
failed async event after a backoff — and a retry must not block the thread that found the next piece of
work. So retries are *scheduled*, not slept: a task that fails schedules its next attempt and returns.
The same runner, with delay 0, is the emulator's job worker pool.

A task that raises is logged and dropped (the thread survives); tasks still waiting when ``stop()`` is called
are handed back so their owner can record them instead of losing them silently.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["DelayedTaskRunner", "PendingTask"]

log = logging.getLogger(__name__)


@dataclass(order=True)
class PendingTask:
    """One task waiting for its due time; ``label`` says what it is when it has to be reported."""

    due: float
    seq: int
    run: Callable[[], None] = field(compare=False)
    label: str = field(compare=False, default="")


class DelayedTaskRunner:
    """Runs scheduled callables on ``threads`` worker threads, each as soon as it is due."""

    def __init__(self, *, threads: int, name: str, clock: Callable[[], float] = time.monotonic) -> None:
        if threads < 1:
            raise ValueError(f"threads must be at least 1, got {threads}")
        self._threads_wanted = threads
        self._name = name
        self._clock = clock
        self._heap: list[PendingTask] = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._stopping = False
        self._threads: list[threading.Thread] = []
        self._busy = 0

    def start(self) -> None:
        """Start the worker threads (idempotent)."""
        with self._cond:
            if self._threads:
                return
            self._stopping = False
            for index in range(self._threads_wanted):
                thread = threading.Thread(target=self._work, name=f"{self._name}-{index}", daemon=True)
                self._threads.append(thread)
                thread.start()

    def schedule(self, run: Callable[[], None], *, delay: float = 0.0, label: str = "") -> bool:
        """Run ``run`` after ``delay`` seconds. Returns False (and runs nothing) once the runner is stopping."""
        with self._cond:
            if self._stopping:
                log.info("%s: not scheduling %s, the runner is stopping", self._name, label or run)
                return False
            heapq.heappush(self._heap, PendingTask(self._clock() + max(0.0, delay), next(self._seq), run, label))
            self._cond.notify()
            return True

    def idle(self) -> bool:
        """True when nothing is queued and no task is running."""
        with self._cond:
            return not self._heap and self._busy == 0

    def stop(self, timeout: float = 10.0) -> list[PendingTask]:
        """Stop the threads and return the tasks that never ran, so the owner can record them.

        A task already running is waited for up to ``timeout`` seconds in total.
        """
        with self._cond:
            self._stopping = True
            left = sorted(self._heap)
            self._heap.clear()
            self._cond.notify_all()
            threads, self._threads = self._threads, []
        deadline = self._clock() + timeout
        for thread in threads:
            thread.join(max(0.0, deadline - self._clock()))
            if thread.is_alive():
                log.warning("%s: worker %s still busy after %.1fs", self._name, thread.name, timeout)
        return left

    def _next_task(self) -> PendingTask | None:
        with self._cond:
            while not self._stopping:
                if self._heap:
                    wait = self._heap[0].due - self._clock()
                    if wait <= 0:
                        self._busy += 1
                        return heapq.heappop(self._heap)
                    self._cond.wait(wait)
                else:
                    self._cond.wait()
            return None

    def _work(self) -> None:
        while (task := self._next_task()) is not None:
            try:
                task.run()
            except Exception:
                log.exception("%s: task %s failed", self._name, task.label or task.run)
            finally:
                with self._cond:
                    self._busy -= 1
