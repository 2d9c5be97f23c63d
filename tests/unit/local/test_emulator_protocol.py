"""The emulator answers signed RPC calls over real HTTP the way ICE does: results and every error code."""

from __future__ import annotations

import json
import re
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

from scene_select.cloud.credentials import Credentials, static_credentials
from scene_select.cloud.ice.auth import AcsV3Auth
from scene_select.cloud.ice.rpc import build_rpc_request
from scene_select.cloud.models.selection import parse_extend_output
from scene_select.workstation.local.emulator import Faults, IceEmulator
from scene_select_testkit.ice import AK_ID, AK_SECRET, INPUT_CONFIG, OUTPUT_CONFIG, SMART_MIX, IceCaller, make_emulator
from scene_select_testkit.waiting import wait_until

ERROR_KEYS = {"RequestId", "HostId", "Code", "Message", "Recommend"}
ICE_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
SUBMIT = "SubmitSceneMediaSelectionJob"


def assert_error(response: httpx.Response, code: str, status: int) -> dict[str, str]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == ERROR_KEYS
    assert body["Code"] == code
    assert body["RequestId"] == response.headers["x-acs-request-id"]
    assert body["HostId"] == "ice.cn-shanghai.aliyuncs.com"
    assert code in body["Recommend"] and body["RequestId"] in body["Recommend"]
    return body  # type: ignore[no-any-return]


def submit_params(**overrides: str) -> tuple[dict[str, str], dict[str, str]]:
    query = {"JobType": SMART_MIX, "OutputConfig": OUTPUT_CONFIG}
    form = {"InputConfig": INPUT_CONFIG}
    for name, value in overrides.items():
        (form if name in ("InputConfig", "EditingConfig") else query)[name] = value
    return query, form


# ---- the happy path ----------------------------------------------------------------------------------------


def test_submit_then_get_returns_every_documented_field(caller: IceCaller) -> None:
    editing = '{"SpeechConfig":{"Volume":1}}'
    user_data = '{"NotifyAddress":"ice-callback-demo","batch":"b1"}'
    query, form = submit_params(EditingConfig=editing, UserData=user_data)
    response = caller.call(SUBMIT, query, form)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"RequestId", "JobId"}
    assert re.fullmatch(r"[0-9a-f]{32}", body["JobId"])
    assert body["RequestId"] == response.headers["x-acs-request-id"]

    job = caller.wait_terminal(body["JobId"])
    assert job["Status"] == "Finished"
    assert job["JobId"] == body["JobId"] and job["JobType"] == SMART_MIX
    # configs are echoed exactly as submitted
    assert job["InputConfig"] == INPUT_CONFIG
    assert job["OutputConfig"] == OUTPUT_CONFIG
    assert job["EditingConfig"] == editing
    assert job["UserData"] == user_data
    assert job["SubJobList"] == []
    assert "Extend" not in job
    for name in ("CreateTime", "ModifiedTime", "CompleteTime"):
        assert ICE_TIME.match(job[name]), job[name]
    result = parse_extend_output(SMART_MIX, job["ExtendOutput"])
    assert result.clip_count() == 1
    assert json.loads(job["ExtendOutput"])["textMatchMediaOutputList"][0]["textMatchMediaSentenceOutputList"][0][
        "text"
    ] == ("第一句。Second sentence.")


def test_a_signed_get_request_is_accepted_too(caller: IceCaller) -> None:
    job_id = caller.submit()
    request = caller.http.build_request(
        "GET",
        f"{caller.endpoint}/?JobId={job_id}",
        headers={"x-acs-action": "GetBatchMediaProducingJob", "x-acs-version": "2020-11-09"},
    )
    response = caller.http.send(request)
    assert response.status_code == 200, response.text
    assert response.json()["EditingBatchJob"]["JobId"] == job_id


def test_parameters_are_accepted_from_either_query_or_body(caller: IceCaller) -> None:
    response = caller.call(
        SUBMIT,
        {},
        {"JobType": SMART_MIX, "OutputConfig": OUTPUT_CONFIG, "InputConfig": INPUT_CONFIG},
    )
    assert response.status_code == 200, response.text


# ---- signature and gateway errors --------------------------------------------------------------------------


def test_wrong_secret_is_signature_does_not_match(emulator: IceEmulator) -> None:
    wrong = IceCaller(emulator.endpoint, secret="not-the-secret")
    assert_error(wrong.call("GetBatchMediaProducingJob", {"JobId": "0" * 32}), "SignatureDoesNotMatch", 400)


def test_a_body_changed_after_signing_is_signature_does_not_match(caller: IceCaller) -> None:
    request = caller.request(SUBMIT, *submit_params())
    AcsV3Auth(static_credentials(Credentials(AK_ID, AK_SECRET, None))).sign_request(request)
    tampered = httpx.Request(
        "POST", request.url, headers=dict(request.headers), content=request.content.replace(b"a.mp4", b"x.mp4")
    )
    with httpx.Client(trust_env=False) as plain:
        assert_error(plain.send(tampered), "SignatureDoesNotMatch", 400)


def test_an_unsigned_request_is_incomplete_signature(emulator: IceEmulator) -> None:
    with httpx.Client(trust_env=False) as plain:
        request = build_rpc_request(plain, emulator.endpoint, "GetBatchMediaProducingJob", query={"JobId": "0" * 32})
        assert_error(plain.send(request), "IncompleteSignature", 400)


def test_an_unknown_access_key_is_not_found(emulator: IceEmulator) -> None:
    stranger = IceCaller(emulator.endpoint, access_key_id="LTAI-nobody")
    response = stranger.call("GetBatchMediaProducingJob", {"JobId": "0" * 32})
    body = assert_error(response, "InvalidAccessKeyId.NotFound", 404)
    assert AK_SECRET not in json.dumps(body)


def test_a_request_signed_20_minutes_ago_is_expired(emulator: IceEmulator) -> None:
    stale = datetime.now(timezone.utc) - timedelta(minutes=20)
    auth = AcsV3Auth(static_credentials(Credentials(AK_ID, AK_SECRET, None)), clock=lambda: stale)
    with httpx.Client(auth=auth, trust_env=False) as client:
        request = build_rpc_request(client, emulator.endpoint, "GetBatchMediaProducingJob", query={"JobId": "0" * 32})
        assert_error(client.send(request), "InvalidTimeStamp.Expired", 400)


def test_a_reused_nonce_is_refused_even_after_a_restart(tmp_path: Path) -> None:
    auth = AcsV3Auth(static_credentials(Credentials(AK_ID, AK_SECRET, None)), nonce=lambda: "fixed-nonce-1")
    state = tmp_path / "state"
    with make_emulator(state) as first, httpx.Client(auth=auth, trust_env=False) as client:
        params = {"MaxResults": "1"}
        ok = client.send(build_rpc_request(client, first.endpoint, "ListBatchMediaProducingJobs", query=params))
        assert ok.status_code == 200, ok.text
        again = client.send(build_rpc_request(client, first.endpoint, "ListBatchMediaProducingJobs", query=params))
        assert_error(again, "SignatureNonceUsed", 400)
    with make_emulator(state) as second, httpx.Client(auth=auth, trust_env=False) as client:
        replay = client.send(build_rpc_request(client, second.endpoint, "ListBatchMediaProducingJobs", query=params))
        assert_error(replay, "SignatureNonceUsed", 400)


def test_sts_token_must_match_when_the_key_needs_one(tmp_path: Path) -> None:
    with make_emulator(tmp_path / "s", security_tokens={AK_ID: "token-abc"}) as emulator:
        good = IceCaller(emulator.endpoint, token="token-abc")
        assert good.call("ListBatchMediaProducingJobs").status_code == 200
        for token in (None, "token-forged"):
            bad = IceCaller(emulator.endpoint, token=token)
            assert_error(bad.call("ListBatchMediaProducingJobs"), "InvalidSecurityToken.MismatchWithAccessKey", 400)


def test_unknown_action_path_and_method_are_api_not_found(caller: IceCaller) -> None:
    assert_error(caller.call("SubmitMediaProducingJob", {}), "InvalidApi.NotFound", 404)
    with httpx.Client(trust_env=False) as plain:
        assert_error(plain.post(f"{caller.endpoint}/other/path"), "InvalidApi.NotFound", 404)
        assert_error(plain.put(f"{caller.endpoint}/"), "InvalidApi.NotFound", 404)
        query_style = plain.post(f"{caller.endpoint}/?Action=NoSuchAction&Version=2020-11-09")
        assert_error(query_style, "InvalidApi.NotFound", 404)


def test_wrong_and_missing_version(caller: IceCaller) -> None:
    request = caller.request("GetBatchMediaProducingJob", {"JobId": "0" * 32})
    request.headers["x-acs-version"] = "2017-03-21"
    body = assert_error(caller.http.send(request), "InvalidVersion", 400)
    assert "2017-03-21" in body["Message"]
    with httpx.Client(trust_env=False) as plain:
        assert_error(plain.post(f"{caller.endpoint}/", headers={"x-acs-action": SUBMIT}), "MissingVersion", 400)


# ---- parameter errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize("missing", ["JobType", "InputConfig", "OutputConfig"])
def test_a_missing_required_parameter_is_missing_param(caller: IceCaller, missing: str) -> None:
    query, form = submit_params()
    query.pop(missing, None)
    form.pop(missing, None)
    body = assert_error(caller.call(SUBMIT, query, form), f"Missing{missing}", 400)
    assert body["Message"] == f"{missing} is mandatory for this action."


@pytest.mark.parametrize(
    ("override", "named"),
    [
        ({"JobType": "Smart_Mix"}, "JobType"),
        ({"InputConfig": "{not json"}, "InputConfig"),
        ({"InputConfig": '{"MediaArray":["https://b.oss-cn-shanghai.aliyuncs.com/a.mp4"]}'}, "script"),
        ({"OutputConfig": '{"MediaURL":"ftp://x/y.mp4"}'}, "MediaURL"),
        ({"UserData": '{"NotifyAddress":"mailto:ops@example.com"}'}, "NotifyAddress"),
    ],
)
def test_an_invalid_config_is_invalid_parameter_naming_the_field(
    caller: IceCaller, override: dict[str, str], named: str
) -> None:
    body = assert_error(caller.call(SUBMIT, *submit_params(**override)), "InvalidParameter", 400)
    assert named in body["Message"]
    assert caller.call("ListBatchMediaProducingJobs").json()["EditingBatchJobList"] == []


def test_get_of_an_unknown_or_malformed_job_id(caller: IceCaller) -> None:
    assert_error(caller.call("GetBatchMediaProducingJob", {}), "MissingJobId", 400)
    assert_error(caller.call("GetBatchMediaProducingJob", {"JobId": "f" * 32}), "InvalidParameter.JobNotExist", 400)
    body = assert_error(caller.call("GetBatchMediaProducingJob", {"JobId": "../etc"}), "InvalidParameter", 400)
    assert "JobId" in body["Message"]


def test_an_unexpected_server_failure_is_internal_error(
    caller: IceCaller, emulator: IceEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert emulator.store is not None

    def broken(job_id: str) -> None:
        raise OSError("disk on fire")

    monkeypatch.setattr(emulator.store, "get", broken)
    body = assert_error(caller.call("GetBatchMediaProducingJob", {"JobId": "a" * 32}), "InternalError", 500)
    assert "disk on fire" not in body["Message"]


def test_throttling_fault_answers_throttling_user(emulator: IceEmulator, caller: IceCaller) -> None:
    emulator.set_faults(Faults(throttle_rate=1.0))
    assert_error(caller.call("ListBatchMediaProducingJobs"), "Throttling.User", 400)
    emulator.set_faults(Faults(throttle_rate=1.0, throttle_http_status=429))
    assert_error(caller.call("ListBatchMediaProducingJobs"), "Throttling.User", 429)


# ---- listing -----------------------------------------------------------------------------------------------


def _list(caller: IceCaller, **params: str) -> dict[str, object]:
    response = caller.call("ListBatchMediaProducingJobs", params)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_list_pages_with_next_token_in_both_orders(caller: IceCaller) -> None:
    created = [caller.submit() for _ in range(23)]
    for sort, expected in (("desc", created[::-1]), ("asc", created)):
        seen: list[str] = []
        pages = 0
        token = ""
        while True:
            params = {"SortBy": sort, **({"NextToken": token} if token else {})}
            page = _list(caller, **params)
            pages += 1
            assert page["MaxResults"] == 10
            items = page["EditingBatchJobList"]
            assert isinstance(items, list)
            for item in items:
                assert "ExtendOutput" not in item and "SubJobList" not in item
            seen += [item["JobId"] for item in items]
            token = str(page.get("NextToken") or "")
            if not token:
                break
        assert seen == expected
        assert pages == 3


def test_list_filters(caller: IceCaller, emulator: IceEmulator) -> None:
    job_ids = [caller.submit() for _ in range(3)]
    for job_id in job_ids:
        caller.wait_terminal(job_id)
    assert len(_list(caller, Status="Finished", MaxResults="100")["EditingBatchJobList"]) == 3  # type: ignore[arg-type]
    assert _list(caller, Status="Processing")["EditingBatchJobList"] == []
    assert _list(caller, JobType="Screen_Media_Highlights_Media_Select")["EditingBatchJobList"] == []
    one = _list(caller, JobId=job_ids[1])["EditingBatchJobList"]
    assert [item["JobId"] for item in one] == [job_ids[1]]  # type: ignore[attr-defined]
    assert _list(caller, StartTime="2099-01-01T00:00:00Z")["EditingBatchJobList"] == []
    assert _list(caller, EndTime="2000-01-01T00:00:00Z")["EditingBatchJobList"] == []
    window = _list(caller, StartTime="2000-01-01T00:00:00Z", EndTime="2099-01-01T00:00:00Z", MaxResults="2")
    assert len(window["EditingBatchJobList"]) == 2 and window["NextToken"]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "params",
    [
        {"MaxResults": "0"},
        {"MaxResults": "101"},
        {"MaxResults": "ten"},
        {"Status": "Done"},
        {"SortBy": "random"},
        {"StartTime": "yesterday"},
        {"NextToken": "not-a-token"},
    ],
)
def test_list_rejects_bad_parameters(caller: IceCaller, params: dict[str, str]) -> None:
    body = assert_error(caller.call("ListBatchMediaProducingJobs", params), "InvalidParameter", 400)
    assert next(iter(params)) in body["Message"]


def test_a_next_token_of_the_other_sort_order_is_refused(caller: IceCaller) -> None:
    for _ in range(3):
        caller.submit()
    token = _list(caller, MaxResults="1", SortBy="desc")["NextToken"]
    assert_error(
        caller.call("ListBatchMediaProducingJobs", {"NextToken": str(token), "SortBy": "asc"}), "InvalidParameter", 400
    )


def test_stop_leaves_no_thread_even_with_an_idle_keep_alive_connection(tmp_path: Path) -> None:
    before = set(threading.enumerate())
    emulator = make_emulator(tmp_path / "s").start()
    caller = IceCaller(emulator.endpoint)
    assert caller.call("ListBatchMediaProducingJobs").status_code == 200  # the connection stays open (keep-alive)
    emulator.stop()
    wait_until(lambda: not (set(threading.enumerate()) - before), timeout=5, what="emulator threads to end")
    caller.close()
