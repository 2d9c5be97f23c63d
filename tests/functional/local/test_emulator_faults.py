"""Each fault-injection knob makes the emulator misbehave exactly as documented, reproducibly."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest

from scene_select.cloud.credentials import Credentials, static_credentials
from scene_select.cloud.errors import ConfigError, SubmitOutcomeUnknownError
from scene_select.cloud.ice.client import IceClient
from scene_select.cloud.models.job_config import SelectionJobRequest
from scene_select.workstation.local.emulator import Faults, IceEmulator
from scene_select_testkit.ice import (
    AK_ID,
    AK_SECRET,
    INPUT_CONFIG,
    OUTPUT_CONFIG,
    IceCaller,
    emulator_jobs,
    make_emulator,
)
from scene_select_testkit.ice import CallbackReceiver as Receiver
from scene_select_testkit.ice import callback_receiver as serve
from scene_select_testkit.waiting import wait_until

LIST = "ListBatchMediaProducingJobs"
SUBMIT = "SubmitSceneMediaSelectionJob"


def _notify(url: str) -> str:
    return json.dumps({"NotifyAddress": url})


def test_throttling_for_a_budget_of_requests_then_normal(emulator: IceEmulator, caller: IceCaller) -> None:
    emulator.set_faults(Faults(throttle_rate=1.0, max_request_faults=2))
    codes = [caller.call(LIST).json().get("Code") for _ in range(3)]
    assert codes == ["Throttling.User", "Throttling.User", None]


def test_5xx_answers_internal_error_and_does_nothing(emulator: IceEmulator, caller: IceCaller) -> None:
    emulator.set_faults(Faults(error_5xx_rate=1.0, only_actions=(SUBMIT,)))
    response = caller.call(SUBMIT, {"JobType": "Smart_Mix_Media_Select", "OutputConfig": "{}"}, {"InputConfig": "{}"})
    assert response.status_code == 500 and response.json()["Code"] == "InternalError"
    assert caller.call(LIST).status_code == 200  # other actions are untouched
    assert emulator_jobs(emulator) == []


def test_delay_before_with_an_impatient_client_has_no_effect(emulator: IceEmulator, caller: IceCaller) -> None:
    emulator.set_faults(Faults(delay_before_seconds=0.8, only_actions=(SUBMIT,)))
    caller.http.timeout = httpx.Timeout(0.3)
    with pytest.raises(httpx.ReadTimeout):
        caller.submit()
    time.sleep(1.0)
    assert emulator_jobs(emulator) == []


def test_delay_before_with_a_patient_client_is_just_slow(emulator: IceEmulator, caller: IceCaller) -> None:
    emulator.set_faults(Faults(delay_before_seconds=0.3))
    started = time.monotonic()
    assert caller.call(LIST).status_code == 200
    assert time.monotonic() - started >= 0.3


def test_delay_after_times_out_the_client_but_the_job_exists(emulator: IceEmulator, caller: IceCaller) -> None:
    emulator.set_faults(Faults(delay_after_seconds=0.8, only_actions=(SUBMIT,)))
    caller.http.timeout = httpx.Timeout(0.3)
    with pytest.raises(httpx.ReadTimeout):
        caller.submit()
    assert len(emulator_jobs(emulator)) == 1


def test_malformed_response_is_truncated_json_after_doing_the_work(emulator: IceEmulator, caller: IceCaller) -> None:
    emulator.set_faults(Faults(malformed_response_rate=1.0, only_actions=(SUBMIT,)))
    query = {"JobType": "Smart_Mix_Media_Select", "OutputConfig": '{"Count":1}'}
    form = {"InputConfig": '{"MediaArray":["oss://b/a.mp4"],"SpeechText":"hi"}'}
    response = caller.call(SUBMIT, query, form)
    assert response.status_code == 200
    with pytest.raises(ValueError):
        json.loads(response.content)
    assert response.content.startswith(b'{"RequestId"')
    assert len(emulator_jobs(emulator)) == 1


def test_dropped_callback_is_never_sent_and_recorded(emulator: IceEmulator, caller: IceCaller) -> None:
    emulator.set_faults(Faults(drop_callbacks=1.0))
    with serve(Receiver()) as receiver:
        job_id = caller.submit(user_data=_notify(receiver.url))
        caller.wait_terminal(job_id)
        wait_until(lambda: emulator_jobs(emulator)[0]["Callback"]["State"] == "dropped")
        time.sleep(0.2)
    assert receiver.received == []


def test_duplicated_callback_arrives_twice(emulator: IceEmulator, caller: IceCaller) -> None:
    emulator.set_faults(Faults(duplicate_callbacks=1.0))
    with serve(Receiver()) as receiver:
        job_id = caller.submit(user_data=_notify(receiver.url))
        wait_until(lambda: len(receiver.received) == 2)
    assert [r.body["MessageBody"]["JobId"] for r in receiver.received] == [job_id, job_id]
    assert all(r.signature_ok for r in receiver.received)


def test_delayed_callback_waits(emulator: IceEmulator, caller: IceCaller) -> None:
    emulator.set_faults(Faults(callback_delay_seconds=0.6))
    with serve(Receiver()) as receiver:
        job_id = caller.submit(user_data=_notify(receiver.url))
        caller.wait_terminal(job_id)
        finished_at = time.monotonic()
        wait_until(lambda: len(receiver.received) == 1)
    assert receiver.received[0].at - finished_at >= 0.45


def test_reordered_callbacks_replay_an_earlier_job_after_a_later_one(emulator: IceEmulator, caller: IceCaller) -> None:
    with serve(Receiver()) as receiver:
        first = caller.submit(user_data=_notify(receiver.url))
        wait_until(lambda: len(receiver.received) == 1)
        emulator.set_faults(Faults(reorder_callbacks=1.0))
        second = caller.submit(user_data=_notify(receiver.url))
        wait_until(lambda: len(receiver.received) == 3)
    assert [r.body["MessageBody"]["JobId"] for r in receiver.received] == [first, second, first]
    assert receiver.received[2].signature_ok  # a stale message, but correctly signed (re-signed on sending)


def test_a_pending_callback_is_sent_after_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "state"
    with serve(Receiver()) as receiver:
        with make_emulator(state, faults=Faults(callback_delay_seconds=30)) as first:
            job_id = IceCaller(first.endpoint).submit(user_data=_notify(receiver.url))
            IceCaller(first.endpoint).wait_terminal(job_id)
        assert receiver.received == []
        with make_emulator(state):
            wait_until(lambda: len(receiver.received) == 1)
    assert receiver.received[0].body["MessageBody"]["JobId"] == job_id


def test_same_seed_same_faults(tmp_path: Path) -> None:
    outcomes = []
    for run in range(2):
        with make_emulator(tmp_path / f"s{run}", faults=Faults(throttle_rate=0.5, seed=7)) as emulator:
            caller = IceCaller(emulator.endpoint)
            outcomes.append([caller.call(LIST).status_code for _ in range(12)])
    assert outcomes[0] == outcomes[1]
    assert set(outcomes[0]) == {200, 400}


def test_control_endpoint_sets_reads_and_refuses(emulator: IceEmulator) -> None:
    base = f"{emulator.endpoint}/_emulator/faults"
    with httpx.Client(trust_env=False) as plain:
        set_ = plain.post(base, json={"throttle_rate": 0.25, "drop_callbacks": True, "only_actions": [SUBMIT]})
        assert set_.status_code == 200, set_.text
        current = plain.get(base).json()
        assert current["throttle_rate"] == 0.25 and current["drop_callbacks"] == 1.0
        assert current["only_actions"] == [SUBMIT]
        assert emulator.faults.faults.throttle_rate == 0.25
        for bad in ({"throttle_rate": 2}, {"no_such_fault": 1}, {"delay_after_seconds": "soon"}, [1]):
            refused = plain.post(base, json=bad)
            assert refused.status_code == 400 and refused.json()["Error"]
        assert plain.post(base, content=b"{not json").status_code == 400
        assert plain.get(f"{emulator.endpoint}/_emulator/nothing").status_code == 404
        assert plain.post(base, json={}).json()["throttle_rate"] == 0.0  # {} resets every fault


def test_fault_settings_are_validated_in_python_too() -> None:
    with pytest.raises(ConfigError, match="error_5xx_rate"):
        Faults(error_5xx_rate=-0.1)
    with pytest.raises(ConfigError, match="unknown fault"):
        Faults.from_json({"throttle": 1})


# ---- the production client against the knobs: what issue 5's reliability tests build on ----------------------


def _ice_client(emulator: IceEmulator, sleeps: list[float], timeout: float = 5.0) -> IceClient:
    return IceClient(
        region="cn-shanghai",
        credentials=static_credentials(Credentials(AK_ID, AK_SECRET, None)),
        endpoint=emulator.endpoint,
        http=httpx.Client(trust_env=False),
        timeout=timeout,
        sleep=sleeps.append,
    )


def _request() -> SelectionJobRequest:
    return SelectionJobRequest.from_wire("Smart_Mix_Media_Select", INPUT_CONFIG, OUTPUT_CONFIG)


def test_ice_client_retries_throttling_and_5xx_then_succeeds(emulator: IceEmulator) -> None:
    sleeps: list[float] = []
    with _ice_client(emulator, sleeps) as client:
        emulator.set_faults(Faults(throttle_rate=1.0, max_request_faults=2))
        job_id = client.submit_scene_media_selection_job(_request()).job_id
        emulator.set_faults(Faults(error_5xx_rate=1.0, max_request_faults=1))
        assert client.get_batch_media_producing_job(job_id).job_id == job_id
    assert len(sleeps) == 3
    assert len(emulator_jobs(emulator)) == 1


@pytest.mark.parametrize(
    ("faults", "jobs_created"),
    [
        (Faults(malformed_response_rate=1.0), 1),
        (Faults(delay_after_seconds=0.8), 1),
        (Faults(delay_before_seconds=0.8), 0),
    ],
)
def test_a_submit_without_a_usable_answer_is_outcome_unknown(
    emulator: IceEmulator, faults: Faults, jobs_created: int
) -> None:
    emulator.set_faults(faults)
    with _ice_client(emulator, [], timeout=0.3) as client, pytest.raises(SubmitOutcomeUnknownError):
        client.submit_scene_media_selection_job(_request())
    time.sleep(1.0)
    assert len(emulator_jobs(emulator)) == jobs_created
