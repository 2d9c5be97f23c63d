"""IceClient over real HTTP against the signature-verifying fake ICE: happy paths, retries, refusals."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable

import httpx
import pytest
from fake_ice import GET, LIST, OUTPUT, SMART_MIX_INPUT, SUBMIT, Delay, Drop, FakeIce, Raw, Reply, Sleeps

from scene_select.cloud.credentials import Credentials, env_credentials, static_credentials
from scene_select.cloud.errors import (
    ConfigError,
    CredentialsError,
    IceClientError,
    IceConnectionError,
    IceServerError,
    IceThrottledError,
    SubmitOutcomeUnknownError,
)
from scene_select.cloud.ice.client import DEFAULT_TIMEOUT, IceClient
from scene_select.cloud.models.job_config import SelectionJobRequest

MakeClient = Callable[..., IceClient]


def _job(**overrides: object) -> SelectionJobRequest:
    return SelectionJobRequest.from_wire(
        "Smart_Mix_Media_Select",
        overrides.get("input_config", SMART_MIX_INPUT),  # type: ignore[arg-type]
        OUTPUT,
        user_data={"NotifyAddress": "https://cb.example.com/x", "Batch": "b 1"},
    )


def _throttled() -> Reply:
    return Reply(
        400, {"RequestId": "R-T", "Code": "Throttling.User", "Message": "Request was denied due to flow control."}
    )


def test_submit_get_until_finished_with_parsed_selection(fake: FakeIce, make_client: MakeClient) -> None:
    client = make_client(fake.url)
    submitted = client.submit_scene_media_selection_job(_job())
    assert submitted.job_id in fake.jobs
    assert submitted.request_id
    seen = fake.seen(SUBMIT)[0]
    assert set(seen.query) == {"JobType", "OutputConfig", "UserData"}
    assert set(seen.form) == {"InputConfig"}
    assert json.loads(seen.form["InputConfig"]) == SMART_MIX_INPUT

    first = client.get_batch_media_producing_job(submitted.job_id)
    assert (first.status, first.is_terminal, first.selection()) == ("Processing", False, None)
    done = client.get_batch_media_producing_job(submitted.job_id)
    assert done.status == "Finished" and done.is_terminal
    assert done.user_data_dict() == {"NotifyAddress": "https://cb.example.com/x", "Batch": "b 1"}
    selection = done.selection()
    assert selection is not None and selection.kind == "text_match"
    sentences = selection.text_match_outputs[0].text_match_media_sentence_output_list
    assert [s.text for s in sentences] == SMART_MIX_INPUT["SpeechTextArray"]
    assert sentences[0].match_clip_list[0].end_time == 3.5


def test_failed_job_exposes_extend_error(fake: FakeIce, make_client: MakeClient) -> None:
    client = make_client(fake.url)
    job_id = client.submit_scene_media_selection_job(_job()).job_id
    fake.fail_job_ids.add(job_id)
    fake.finish_after_polls = 1
    job = client.get_batch_media_producing_job(job_id)
    assert (job.status, job.error_code, job.error_message) == ("Failed", "InvalidMaterial.NotFound", "media not found")


def test_list_follows_next_token_across_pages(fake: FakeIce, make_client: MakeClient) -> None:
    client = make_client(fake.url)
    ids = {client.submit_scene_media_selection_job(_job()).job_id for _ in range(5)}
    listed = list(client.list_batch_media_producing_jobs(page_size=2, job_type="Smart_Mix_Media_Select"))
    assert {job.job_id for job in listed} == ids
    assert len(listed) == 5
    pages = fake.seen(LIST)
    assert [p.query.get("NextToken") for p in pages] == [None, "2", "4"]
    assert all(p.query["MaxResults"] == "2" for p in pages)
    assert list(client.list_batch_media_producing_jobs(status="Failed")) == []


def test_list_stops_when_iteration_stops(fake: FakeIce, make_client: MakeClient) -> None:
    client = make_client(fake.url)
    for _ in range(3):
        client.submit_scene_media_selection_job(_job())
    first = next(client.list_batch_media_producing_jobs(page_size=1))
    assert first.job_id in fake.jobs
    assert len(fake.seen(LIST)) == 1


def test_list_refuses_a_repeated_next_token(fake: FakeIce, make_client: MakeClient) -> None:
    loop = Reply(200, {"RequestId": "R", "NextToken": "7", "EditingBatchJobList": []})
    fake.script(LIST, loop, loop)
    with pytest.raises(IceServerError, match="NextToken"):
        list(make_client(fake.url).list_batch_media_producing_jobs())


def test_list_page_size_is_checked(make_client: MakeClient) -> None:
    with pytest.raises(ConfigError, match="1–100"):
        next(make_client("http://127.0.0.1:9").list_batch_media_producing_jobs(page_size=101))


def test_throttling_is_retried_with_backoff_then_succeeds(
    fake: FakeIce, make_client: MakeClient, sleeps: Sleeps
) -> None:
    fake.script(SUBMIT, _throttled(), _throttled())
    result = make_client(fake.url).submit_scene_media_selection_job(_job())
    assert result.job_id in fake.jobs
    attempts = fake.seen(SUBMIT)
    assert len(attempts) == 3
    assert len({a.headers["x-acs-signature-nonce"] for a in attempts}) == 3  # re-signed each time
    assert all(a.rejected is None for a in attempts)
    assert sleeps == [0.375, 0.75]  # half-jitter of 0.5 s, 1 s with jitter 0.5


def test_retry_after_header_is_honoured_within_the_cap(fake: FakeIce, make_client: MakeClient, sleeps: Sleeps) -> None:
    slow_down = Reply(503, {"Code": "ServiceUnavailable", "Message": "busy"}, headers={"x-acs-retry-after": "2500"})
    fake.script(GET, slow_down, Reply(503, {"Code": "ServiceUnavailable"}, headers={"Retry-After": "60"}))
    client = make_client(fake.url)
    job_id = client.submit_scene_media_selection_job(_job()).job_id
    client.get_batch_media_producing_job(job_id)
    assert sleeps == [2.5, 8.0]


def test_server_errors_exhaust_the_attempts(fake: FakeIce, make_client: MakeClient, sleeps: Sleeps) -> None:
    failing = Reply(500, {"RequestId": "R-500", "Code": "InternalError", "Message": "oops"})
    fake.script(GET, *[failing] * 4)
    with pytest.raises(IceServerError) as caught:
        make_client(fake.url).get_batch_media_producing_job("a" * 32)
    error = caught.value
    assert (error.code, error.ice_message, error.request_id, error.http_status) == (
        "InternalError",
        "oops",
        "R-500",
        500,
    )
    assert error.retryable
    assert len(fake.seen(GET)) == 4
    assert len(sleeps) == 3
    assert sleeps == sorted(sleeps) and max(sleeps) <= 8.0


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_submit_answered_5xx_is_outcome_unknown_never_resent(
    fake: FakeIce, make_client: MakeClient, sleeps: Sleeps, status: int
) -> None:
    fake.script(SUBMIT, Reply(status, {"RequestId": "R-5", "Code": "InternalError", "Message": "oops"}))
    with pytest.raises(SubmitOutcomeUnknownError, match="list recent jobs") as caught:
        make_client(fake.url).submit_scene_media_selection_job(_job())
    assert caught.value.request_id == "R-5"
    assert len(fake.seen(SUBMIT)) == 1 and sleeps == []  # a server error may have made the job: not resent


def test_throttling_exhaustion_raises_throttled(fake: FakeIce, make_client: MakeClient, sleeps: Sleeps) -> None:
    fake.script(SUBMIT, *[_throttled()] * 2)
    with pytest.raises(IceThrottledError) as caught:
        make_client(fake.url, max_attempts=2).submit_scene_media_selection_job(_job())
    assert caught.value.request_id == "R-T"
    assert len(sleeps) == 1
    assert fake.jobs == {}


def test_client_errors_are_not_retried(fake: FakeIce, make_client: MakeClient, sleeps: Sleeps) -> None:
    fake.script(SUBMIT, Reply(400, {"RequestId": "R-4", "Code": "InvalidParameter", "Message": "bad InputConfig"}))
    with pytest.raises(IceClientError) as caught:
        make_client(fake.url).submit_scene_media_selection_job(_job())
    assert (caught.value.code, caught.value.http_status, caught.value.retryable) == ("InvalidParameter", 400, False)
    assert "bad InputConfig" in str(caught.value) and "R-4" in str(caught.value)
    assert len(fake.seen(SUBMIT)) == 1
    assert sleeps == []


def test_unknown_job_is_a_client_error(fake: FakeIce, make_client: MakeClient) -> None:
    with pytest.raises(IceClientError, match="JobNotFound"):
        make_client(fake.url).get_batch_media_producing_job("f" * 32)


def test_a_wrong_secret_is_refused_by_signature_check_without_retry(fake: FakeIce, make_client: MakeClient) -> None:
    client = make_client(fake.url, credentials=static_credentials(Credentials("ak-test", "wrong")))
    with pytest.raises(IceClientError) as caught:
        client.submit_scene_media_selection_job(_job())
    assert caught.value.code == "SignatureDoesNotMatch"
    assert "wrong" not in str(caught.value)
    assert len(fake.seen(SUBMIT)) == 1


def test_non_json_error_body_is_still_typed(fake: FakeIce, make_client: MakeClient) -> None:
    fake.script(GET, Raw(502, b"<html>Bad Gateway</html>"), Raw(404, b"<html>no such page</html>"))
    with pytest.raises(IceClientError) as caught:
        make_client(fake.url).get_batch_media_producing_job("a" * 32)
    assert caught.value.code == "HTTP404"
    assert len(fake.seen(GET)) == 2  # 502 retried, 404 final


def test_connection_refused_is_retried_then_raised_for_every_action(make_client: MakeClient, sleeps: Sleeps) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = make_client(f"http://127.0.0.1:{port}", max_attempts=3)
    with pytest.raises(IceConnectionError, match="could not connect"):
        client.submit_scene_media_selection_job(_job())  # never sent: safe to retry even a submit
    assert len(sleeps) == 2
    with pytest.raises(IceConnectionError):
        client.get_batch_media_producing_job("a" * 32)
    assert len(sleeps) == 4


def test_read_timeout_on_submit_is_outcome_unknown_and_not_retried(
    fake: FakeIce, make_client: MakeClient, sleeps: Sleeps
) -> None:
    fake.script(SUBMIT, Delay(1.5))
    client = make_client(fake.url, timeout=httpx.Timeout(5.0, read=0.3))
    with pytest.raises(SubmitOutcomeUnknownError, match="list recent jobs") as caught:
        client.submit_scene_media_selection_job(_job())
    assert isinstance(caught.value.__cause__, httpx.ReadTimeout)
    assert not caught.value.retryable
    assert len(fake.seen(SUBMIT)) == 1
    assert sleeps == []


def test_dropped_connection_on_submit_is_outcome_unknown(fake: FakeIce, make_client: MakeClient) -> None:
    fake.script(SUBMIT, Drop())
    with pytest.raises(SubmitOutcomeUnknownError):
        make_client(fake.url).submit_scene_media_selection_job(_job())
    assert len(fake.seen(SUBMIT)) == 1


def test_read_timeout_and_drop_on_get_are_retried(fake: FakeIce, make_client: MakeClient, sleeps: Sleeps) -> None:
    client = make_client(fake.url, timeout=httpx.Timeout(5.0, read=0.3))
    job_id = client.submit_scene_media_selection_job(_job()).job_id
    fake.script(GET, Delay(1.0), Drop())
    assert client.get_batch_media_producing_job(job_id).job_id == job_id
    assert len(fake.seen(GET)) == 3
    assert len(sleeps) == 2


def test_success_without_job_id_is_outcome_unknown(fake: FakeIce, make_client: MakeClient) -> None:
    fake.script(SUBMIT, Reply(200, {"RequestId": "R-odd"}))
    with pytest.raises(SubmitOutcomeUnknownError) as caught:
        make_client(fake.url).submit_scene_media_selection_job(_job())
    assert caught.value.request_id == "R-odd"


def test_success_with_non_json_body_on_submit_is_outcome_unknown(fake: FakeIce, make_client: MakeClient) -> None:
    fake.script(SUBMIT, Raw(200, b"<html>captive portal</html>"))
    with pytest.raises(SubmitOutcomeUnknownError):
        make_client(fake.url).submit_scene_media_selection_job(_job())


def test_missing_credentials_send_nothing(fake: FakeIce, make_client: MakeClient) -> None:
    client = make_client(fake.url, credentials=env_credentials({}))
    with pytest.raises(CredentialsError, match="ALIBABA_CLOUD_ACCESS_KEY_ID"):
        client.submit_scene_media_selection_job(_job())
    assert fake.seen() == []


def test_sts_credentials_reach_the_server(fake: FakeIce, make_client: MakeClient) -> None:
    client = make_client(fake.url, credentials=static_credentials(Credentials("ak-test", "sk-test", "tok")))
    client.submit_scene_media_selection_job(_job())
    assert fake.seen(SUBMIT)[0].headers["x-acs-security-token"] == "tok"


@pytest.mark.parametrize(
    "region", ["cn-shanghai", "ap-southeast-1", "us-west-1", "cn-hangzhou-finance", "ap-northeast-2"]
)
def test_default_endpoint_from_region(region: str) -> None:
    client = IceClient(region=region, credentials=static_credentials(Credentials("a", "b")))
    try:
        assert client.endpoint == f"https://ice.{region}.aliyuncs.com"
        assert client._http.timeout == DEFAULT_TIMEOUT
    finally:
        client.close()


@pytest.mark.parametrize("region", ["Shanghai", "cn_shanghai", "cn-shanghai.evil.com/", "", "cn"])
def test_bad_region_is_a_config_error_saying_what_to_do(region: str) -> None:
    with pytest.raises(ConfigError, match="use one like cn-shanghai"):
        IceClient(region=region, credentials=static_credentials(Credentials("a", "b")))


def test_no_region_and_no_endpoint_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="FC_REGION"):
        IceClient(region=None, credentials=static_credentials(Credentials("a", "b")))


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("ice.cn-shanghai.aliyuncs.com", "https://ice.cn-shanghai.aliyuncs.com"),
        ("http://127.0.0.1:8080/", "http://127.0.0.1:8080"),
        (" https://ice-vpc.cn-beijing.aliyuncs.com ", "https://ice-vpc.cn-beijing.aliyuncs.com"),
    ],
)
def test_endpoint_is_normalised(given: str, expected: str) -> None:
    client = IceClient(region=None, endpoint=given, credentials=static_credentials(Credentials("a", "b")))
    assert client.endpoint == expected
    client.close()


@pytest.mark.parametrize("endpoint", ["ftp://h", "http://h/api", "http://h/?a=1", "http://"])
def test_bad_endpoint_is_a_config_error(endpoint: str) -> None:
    with pytest.raises(ConfigError, match="endpoint"):
        IceClient(region="cn-shanghai", endpoint=endpoint, credentials=static_credentials(Credentials("a", "b")))


def test_a_borrowed_http_client_is_used_and_not_closed(fake: FakeIce) -> None:
    with httpx.Client() as http:
        client = IceClient(
            region="cn-shanghai",
            endpoint=fake.url,
            http=http,
            credentials=static_credentials(Credentials("ak-test", "sk-test")),
        )
        client.submit_scene_media_selection_job(_job())
        client.close()
        assert not http.is_closed
