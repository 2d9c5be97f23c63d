"""Jobs run to a terminal state, post ICE's signed callback with ICE's retries, and survive a restart."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest

from scene_select.cloud.errors import MediaError
from scene_select.cloud.models.job_config import SelectionJobRequest
from scene_select.workstation.local.emulator import CallbackDelivery, EmulatorOptions, IceEmulator
from scene_select_testkit.ice import (
    AK_SECRET,
    AUTH_KEY,
    GatedRunner,
    IceCaller,
    emulator_job,
    make_emulator,
    selection_runner,
)
from scene_select_testkit.ice import CallbackReceiver as Receiver
from scene_select_testkit.ice import callback_receiver as serve
from scene_select_testkit.waiting import wait_until


def _user_data(url: str, **extra: str) -> str:
    return json.dumps({"NotifyAddress": url, **extra}, ensure_ascii=False)


def _callback_settled(emulator: IceEmulator, job_id: str) -> bool:
    return bool(emulator_job(emulator, job_id)["Callback"]["State"] != "pending")


def test_finished_job_posts_a_signed_callback_in_ices_envelope(emulator: IceEmulator, caller: IceCaller) -> None:
    with serve(Receiver()) as receiver:
        user_data = _user_data(receiver.url, batch="批次 1")
        job_id = caller.submit(user_data=user_data)
        wait_until(lambda: len(receiver.received) == 1, what="the callback")
        wait_until(lambda: _callback_settled(emulator, job_id), what="the callback state")
    got = receiver.received[0]
    assert got.signature_ok, got.headers
    assert got.path == "/ice/callback?src=test"
    assert got.body == {
        "EventType": "BatchProduceMediaComplete",
        "UserId": 1234567890123456,
        "EventTime": got.body["EventTime"],
        "MessageBody": {"Status": "Finished", "JobId": job_id, "UserData": user_data},
    }
    job = caller.get(job_id)
    assert got.body["EventTime"] == job["CompleteTime"]
    row = emulator_job(emulator, job_id)
    assert row["Callback"]["State"] == "delivered" and row["Callback"]["Attempts"] == 1
    assert AUTH_KEY not in json.dumps(row) and AK_SECRET not in json.dumps(row)


def _raise(error: Exception) -> Any:
    def run(request: SelectionJobRequest) -> dict[str, Any]:
        raise error

    return run


def _missing_file_error() -> MediaError:
    try:
        try:
            open("/nonexistent/clip.mp4", "rb")  # noqa: SIM115
        except FileNotFoundError as exc:
            raise MediaError("cannot open media 'clip.mp4': not found") from exc
    except MediaError as error:
        return error
    raise AssertionError("unreachable")


@pytest.mark.parametrize(
    ("error", "code", "message_part"),
    [
        (_missing_file_error(), "InvalidMaterial.NotFound", "clip.mp4"),
        (MediaError("cannot decode media 'x.mp4'"), "InvalidMaterial.ResourceContentBad", "x.mp4"),
        (RuntimeError("engine exploded"), "InternalError", "RuntimeError: engine exploded"),
    ],
)
def test_an_engine_exception_becomes_a_failed_job_with_extend(
    tmp_path: Path, error: Exception, code: str, message_part: str
) -> None:
    with make_emulator(tmp_path / "s", runner=_raise(error)) as emulator, serve(Receiver()) as receiver:
        caller = IceCaller(emulator.endpoint)
        job_id = caller.submit(user_data=_user_data(receiver.url))
        job = caller.wait_terminal(job_id)
        assert job["Status"] == "Failed"
        assert "ExtendOutput" not in job and "CompleteTime" in job
        extend = json.loads(job["Extend"])
        assert extend["ErrorCode"] == code and message_part in extend["ErrorMessage"]
        wait_until(lambda: len(receiver.received) == 1, what="the Failed callback")
        assert receiver.received[0].body["MessageBody"]["Status"] == "Failed"
        # the worker survived: the next job still runs
        second = caller.submit()
        assert caller.wait_terminal(second)["Status"] == "Failed"


def test_callback_retries_twice_one_second_apart_like_ice(tmp_path: Path) -> None:
    with make_emulator(tmp_path / "s", retry_interval=1.0) as emulator, serve(Receiver([500, 500, 200])) as receiver:
        caller = IceCaller(emulator.endpoint)
        job_id = caller.submit(user_data=_user_data(receiver.url))
        wait_until(lambda: len(receiver.received) == 3, timeout=10, what="three attempts")
        wait_until(lambda: _callback_settled(emulator, job_id), what="the callback state")
        row = emulator_job(emulator, job_id)
    gaps = [b.at - a.at for a, b in zip(receiver.received, receiver.received[1:], strict=False)]
    assert all(0.9 <= gap <= 1.6 for gap in gaps), gaps
    assert all(r.signature_ok for r in receiver.received)
    assert row["Callback"]["State"] == "delivered" and row["Callback"]["Attempts"] == 3
    assert [entry["Outcome"] for entry in row["Callback"]["Log"]] == ["HTTP 500", "HTTP 500", "HTTP 200"]


def test_callback_is_dropped_after_three_failed_attempts(emulator: IceEmulator, caller: IceCaller) -> None:
    with serve(Receiver([500])) as receiver:
        job_id = caller.submit(user_data=_user_data(receiver.url))
        wait_until(lambda: _callback_settled(emulator, job_id), what="the callback to be dropped")
        assert len(receiver.received) == 3
    row = emulator_job(emulator, job_id)
    assert row["Callback"]["State"] == "dropped" and row["Callback"]["Attempts"] == 3


def test_a_non_200_success_or_a_slow_answer_counts_as_failure(tmp_path: Path) -> None:
    options = EmulatorOptions(
        callback=CallbackDelivery(auth_key=AUTH_KEY, timeout_seconds=0.3, retry_interval_seconds=0.05)
    )
    emulator = IceEmulator(tmp_path / "s", {"LTAI-test-emulator": AK_SECRET}, runner=selection_runner, options=options)
    with (
        emulator,
        serve(Receiver([204, 200], delay_seconds=0.0)) as quick,
        serve(Receiver([200], delay_seconds=0.6)) as slow,
    ):
        caller = IceCaller(emulator.endpoint)
        first = caller.submit(user_data=_user_data(quick.url))
        second = caller.submit(user_data=_user_data(slow.url))
        wait_until(lambda: _callback_settled(emulator, first) and _callback_settled(emulator, second), timeout=10)
        assert [entry["Outcome"] for entry in emulator_job(emulator, first)["Callback"]["Log"]] == [
            "HTTP 204",
            "HTTP 200",
        ]
        slow_row = emulator_job(emulator, second)
        assert slow_row["Callback"]["State"] == "dropped"
        assert all("no answer within 0.3s" in entry["Outcome"] for entry in slow_row["Callback"]["Log"])


def test_mns_notify_address_is_recorded_not_delivered_locally(emulator: IceEmulator, caller: IceCaller) -> None:
    job_id = caller.submit(user_data=_user_data("ice-callback-demo"))
    caller.wait_terminal(job_id)
    row = emulator_job(emulator, job_id)
    assert row["Callback"] == {"State": "not-delivered-locally", "Attempts": 0, "Log": []}


def test_without_an_auth_key_callbacks_carry_no_signature(tmp_path: Path) -> None:
    with make_emulator(tmp_path / "s", auth_key=None) as emulator, serve(Receiver()) as receiver:
        IceCaller(emulator.endpoint).submit(user_data=_user_data(receiver.url))
        wait_until(lambda: len(receiver.received) == 1)
    headers = {name.lower() for name in receiver.received[0].headers}
    assert "x-ice-signature" not in headers and "x-ice-timestamp" not in headers


def test_jobs_survive_a_restart_and_unfinished_ones_are_finished(tmp_path: Path) -> None:
    state = tmp_path / "state"
    gated = GatedRunner()
    with serve(Receiver()) as receiver:
        first = make_emulator(state, runner=gated).start()
        caller = IceCaller(first.endpoint)
        done_release = gated.release
        done_release.set()
        finished = caller.submit()
        assert caller.wait_terminal(finished)["Status"] == "Finished"
        done_release.clear()
        gated.started.clear()
        running = caller.submit(user_data=_user_data(receiver.url))
        queued = caller.submit()
        assert gated.started.wait(5)
        assert caller.get(running)["Status"] == "Processing"
        assert caller.get(queued)["Status"] == "Init"
        first.stop(timeout=0.5)  # the job is still running in the (gated) engine
        gated.release.set()  # its result arrives after stop: discarded, the job stays Processing on disk
        wait_until(
            lambda: gated.calls == 2 and not any(t.name.startswith("ice-emulator") for t in threading.enumerate())
        )
        assert receiver.received == []

        second = make_emulator(state).start()
        try:
            caller = IceCaller(second.endpoint)
            assert caller.get(finished)["Status"] == "Finished"
            assert caller.wait_terminal(running)["Status"] == "Finished"
            assert caller.wait_terminal(queued)["Status"] == "Finished"
            wait_until(lambda: len(receiver.received) == 1, what="the restarted job's callback")
            assert receiver.received[0].body["MessageBody"]["JobId"] == running
        finally:
            second.stop()
