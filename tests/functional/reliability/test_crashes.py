"""An instance dying after any side effect of submit, callback or reconcile: one job, complete results.

Each loop gives a fresh batch to an invocation that dies right after its 1st write, then its 2nd, …,
until an invocation runs to the end without reaching its crash point: every step is covered, however
many writes the code makes. Recovery is what the platform offers — FC retrying the event (or not),
ICE's callback, the reconcile timer with a clock past the claim TTL — and the auditor then checks the
promise on every batch.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from scene_select.workstation.local.emulator import Faults
from scene_select.workstation.local.stack import LocalStack
from scene_select_testkit.chaos import (
    Crash,
    CrashingIce,
    ObservedStore,
    callback_directly,
    callbacks_sent,
    later,
    reconcile_directly,
    settle,
    stack_ice,
    submit_directly,
    upload_batch,
    verify_and_tally,
)
from scene_select_testkit.events import ice_callback_body, oss_event
from scene_select_testkit.ice import emulator_jobs
from scene_select_testkit.stack import callback_headers
from scene_select_testkit.waiting import wait_until

PAST_TTL = 3600.0  # the stack's claim TTL is 120 s: an hour later every claim has expired


def crash_at_every_write(
    stack: LocalStack, name: str, act: Callable[[str, ObservedStore], object], recover: Callable[[str], object]
) -> int:
    """For n = 1, 2, …: ``act`` on a fresh batch with a store that dies after its nth write, then ``recover``.

    Returns how many invocations died (one per write of a complete invocation).
    """
    crashes = 0
    for n in range(1, 100):
        batch = f"{name}-{n}"
        store = ObservedStore(stack.store, crash_after=n)
        try:
            act(batch, store)
        except Crash:
            crashes += 1
            recover(batch)
        else:
            assert store.crashed_after is None
            return crashes
    raise AssertionError("an invocation made 100 writes: something loops")


def no_callbacks(stack: LocalStack) -> None:
    assert stack.emulator is not None and stack.watcher is not None
    stack.watcher.stop()
    stack.emulator.set_faults(Faults(drop_callbacks=1.0))  # completion is ours to drive here


@pytest.mark.parametrize("fc_retries", [True, False], ids=["FC retries the event", "event never retried"])
def test_submit_dying_after_any_write_or_after_ice_accepted(stack: LocalStack, fc_retries: bool) -> None:
    assert stack.watcher is not None
    stack.watcher.stop()
    deliveries = 0

    def act(batch: str, store: ObservedStore) -> None:
        nonlocal deliveries
        deliveries += 1
        submit_directly(stack, oss_event(stack.store, upload_batch(stack, batch)), store=store)

    def recover(batch: str) -> None:
        nonlocal deliveries
        if fc_retries:
            deliveries += 1
            submit_directly(stack, oss_event(stack.store, f"inbox/smart-mix/{batch}/script.txt"))

    crashes = crash_at_every_write(stack, "submit", act, recover)
    assert crashes >= 6  # intent, index, pending, lease, views…, submitted marker, views

    # dying after ICE accepted the submit, before anything recorded it
    event = oss_event(stack.store, upload_batch(stack, "after-ice-accepted"))
    with pytest.raises(Crash):
        submit_directly(stack, event, ice=CrashingIce(stack_ice(stack), "submit"))
    deliveries += 1
    recover("after-ice-accepted")
    crashes += 1

    settle(stack, clock=later(PAST_TTL))  # the reconcile timer, once the dead claims expired
    batches = crashes + 1
    events = deliveries + callbacks_sent(stack)
    verify_and_tally(
        stack, "crashes in submit", batches=batches, faults=crashes, events=events, duplicates=deliveries - batches
    )


def callback(stack: LocalStack, job_id: str, *, store: object = None, ice: object = None, attempt: int = 1) -> int:
    """ICE's callback for ``job_id``; attempt n is signed n - 1 seconds later (ICE retries 1 s apart)."""
    headers = callback_headers(stack, timestamp=int(time.time()) + attempt - 1)
    return callback_directly(stack, headers, ice_callback_body(job_id), store=store, ice=ice).status  # type: ignore[arg-type]


def finished_job(stack: LocalStack, batch: str) -> str:
    """Upload and submit a batch; return its ICE job id once ICE finished it (its callback is dropped)."""
    report = submit_directly(stack, oss_event(stack.store, upload_batch(stack, batch)))
    job_id = report.outcomes[0].job_id
    assert job_id is not None

    def done() -> bool:
        return any(j["JobId"] == job_id and j["Status"] == "Finished" for j in emulator_jobs(stack.emulator))

    wait_until(done, what=f"ICE to finish {batch}")
    return job_id


@pytest.mark.parametrize("path", ["callback", "reconcile"])
def test_completion_dying_after_fetching_or_after_any_write(stack: LocalStack, path: str) -> None:
    no_callbacks(stack)
    job_ids: dict[str, str] = {}
    events = 0

    def complete(batch: str, store: ObservedStore | None = None, ice: object = None, attempt: int = 1) -> None:
        nonlocal events
        if path == "callback":
            events += 1
            assert callback(stack, job_ids[batch], store=store, ice=ice, attempt=attempt) == 200
        else:
            report = reconcile_directly(stack, store=store, ice=ice)  # type: ignore[arg-type]
            assert report.errors == []

    def act(batch: str, store: ObservedStore) -> None:
        nonlocal events
        events += 1
        job_ids[batch] = finished_job(stack, batch)
        complete(batch, store)

    def recover(batch: str) -> None:
        complete(batch, attempt=2)  # ICE's next callback attempt, or the next timer tick

    crashes = crash_at_every_write(stack, f"complete-{path}", act, recover)
    assert crashes >= 6  # three result files, the marker, the batch copies, the views, the pending entry

    job_ids["after-fetch"] = finished_job(stack, "after-fetch")
    events += 1
    with pytest.raises(Crash):
        complete("after-fetch", ice=CrashingIce(stack_ice(stack), "get"))
    recover("after-fetch")
    crashes += 1

    settle(stack)
    verify_and_tally(stack, f"crashes in {path}", batches=crashes + 1, faults=crashes, events=events)


def test_reconcile_dying_while_adopting_or_resubmitting_a_dead_claim(stack: LocalStack) -> None:
    no_callbacks(stack)
    dead_claims = 0

    def dead_claim(batch: str, *, after_ice: bool) -> None:
        """A submit that died right after its lease (or right after ICE accepted it)."""
        nonlocal dead_claims
        dead_claims += 1
        event = oss_event(stack.store, upload_batch(stack, batch))
        lease_only = ObservedStore(stack.store, crash_after=1, matching=r"/lease-\d+\.json$")
        ice = CrashingIce(stack_ice(stack), "submit") if after_ice else None
        with pytest.raises(Crash):
            submit_directly(stack, event, store=stack.store if after_ice else lease_only, ice=ice)

    def act(batch: str, store: ObservedStore) -> None:
        dead_claim(batch, after_ice=batch.endswith(("1", "3", "5", "7", "9")))
        reconcile_directly(stack, store=store, clock=later(PAST_TTL))

    def recover(_batch: str) -> None:
        reconcile_directly(stack, clock=later(PAST_TTL))

    crashes = crash_at_every_write(stack, "takeover", act, recover)
    dead_claim("list-then-die", after_ice=True)
    with pytest.raises(Crash):  # found the job at ICE, died before recording the adoption
        reconcile_directly(stack, ice=CrashingIce(stack_ice(stack), "list"), clock=later(PAST_TTL))
    crashes += 1 + dead_claims

    settle(stack, clock=later(PAST_TTL))
    verify_and_tally(stack, "crashes in reconcile", batches=dead_claims, faults=crashes, events=dead_claims)
