"""IceClient against ICE's gateway as an httpx MockTransport: what it sends, and what it makes of each answer.

Every request goes through :class:`~scene_select_testkit.fakes.ice_transport.IceGateway`, which checks its
ACS3 signature with the production verifier and refuses reused nonces before answering from the test's
script. ICE's own behaviour (job states, paging, callbacks) is the emulator's, tested over real HTTP in
tests/unit/local and tests/functional/local; the CLI runs against the emulator in test_cli_ice.py.
"""

from __future__ import annotations

import hashlib
import json
import re
import socket
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

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
from scene_select.cloud.ice.rpc import API_VERSION, FORM_CONTENT_TYPE
from scene_select.cloud.models.job_config import SelectionJobRequest
from scene_select_testkit.fakes.ice_transport import Answer, Fail, IceGateway, error, ok, raw
from scene_select_testkit.fakes.sleeps import Sleeps

MakeClient = Callable[..., IceClient]

SUBMIT = "SubmitSceneMediaSelectionJob"
GET = "GetBatchMediaProducingJob"
LIST = "ListBatchMediaProducingJobs"
JOB_ID = "0123456789abcdef0123456789abcdef"
SMART_MIX_INPUT = {
    "MediaArray": ["https://bucket-a.oss-cn-shanghai.aliyuncs.com/inbox/a.mp4"],
    "SpeechTextArray": ["第一句 脚本 🎬", "second script + more"],
}
OUTPUT = {"MediaURL": "https://bucket-a.oss-cn-shanghai.aliyuncs.com/out/{index}.mp4", "Count": 1}
USER_DATA = {"NotifyAddress": "https://cb.example.com/x", "Batch": "b 1"}


@pytest.fixture
def gateway() -> IceGateway:
    return IceGateway({"ak-test": "sk-test"})


@pytest.fixture
def make_client(gateway: IceGateway, sleeps: Sleeps) -> Iterator[MakeClient]:
    """IceClients for cn-shanghai whose requests go to ``gateway``, recording their sleeps."""
    made: list[IceClient] = []
    borrowed: list[httpx.Client] = []

    def make(**overrides: Any) -> IceClient:
        http = httpx.Client(transport=gateway.transport())
        borrowed.append(http)
        options: dict[str, Any] = {
            "region": "cn-shanghai",
            "credentials": static_credentials(Credentials("ak-test", "sk-test")),
            "http": http,
            "sleep": sleeps,
            "jitter": lambda: 0.5,
            "timeout": httpx.Timeout(2.0),
        }
        options.update(overrides)
        client = IceClient(**options)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()
    for http in borrowed:
        http.close()


def _job(**overrides: object) -> SelectionJobRequest:
    return SelectionJobRequest.from_wire(
        "Smart_Mix_Media_Select",
        overrides.get("input_config", SMART_MIX_INPUT),  # type: ignore[arg-type]
        OUTPUT,
        user_data=USER_DATA,
    )


def _editing_batch_job(job_id: str = JOB_ID, status: str = "Processing", **fields: Any) -> dict[str, Any]:
    """An EditingBatchJob as ICE answers it (Get; List items carry the same fields without ExtendOutput)."""
    return {
        "JobId": job_id,
        "JobType": "Smart_Mix_Media_Select",
        "Status": status,
        "CreateTime": "2026-11-24T00:00:00Z",
        "ModifiedTime": "2026-11-24T00:00:00Z",
        **fields,
    }


def _text_match_output(scripts: list[str], media_url: str) -> str:
    clip = {"clipId": "c-1", "mediaId": "0" * 32, "mediaURL": media_url, "startTime": 1.0, "endTime": 3.5}
    sentences = [
        {"text": text, "textId": str(i), "duration": 2.5, "matchClipList": [clip]} for i, text in enumerate(scripts)
    ]
    return json.dumps({"textMatchMediaOutputList": [{"textMatchMediaSentenceOutputList": sentences}]})


def _throttled() -> Answer:
    return error(400, "Throttling.User", "Request was denied due to flow control.", RequestId="R-T")


def test_submit_is_signed_and_splits_query_and_form_body(gateway: IceGateway, make_client: MakeClient) -> None:
    gateway.script(SUBMIT, ok(JobId=JOB_ID))
    submitted = make_client().submit_scene_media_selection_job(_job())
    assert submitted.job_id == JOB_ID and submitted.request_id
    (sent,) = gateway.seen(SUBMIT)
    assert sent.rejected is None  # the production verifier accepted the signature
    assert set(sent.query) == {"JobType", "OutputConfig", "UserData"}
    assert set(sent.form) == {"InputConfig"}
    assert json.loads(sent.form["InputConfig"]) == SMART_MIX_INPUT
    assert json.loads(sent.query["UserData"]) == USER_DATA
    headers = sent.headers
    assert (headers["x-acs-action"], headers["x-acs-version"]) == (SUBMIT, API_VERSION)
    assert headers["content-type"] == FORM_CONTENT_TYPE
    assert headers["x-acs-content-sha256"] == hashlib.sha256(sent.body).hexdigest()
    assert re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z", headers["x-acs-date"])
    authorization = re.fullmatch(
        r"ACS3-HMAC-SHA256 Credential=ak-test,SignedHeaders=([a-z0-9;-]+),Signature=[0-9a-f]{64}",
        headers["authorization"],
    )
    assert authorization is not None, headers["authorization"]
    signed = authorization.group(1).split(";")
    assert signed == sorted(signed)
    assert {"host", "content-type", "x-acs-action", "x-acs-version", "x-acs-date"} <= set(signed)
    assert {"x-acs-signature-nonce", "x-acs-content-sha256"} <= set(signed)


def test_get_until_finished_with_parsed_selection(gateway: IceGateway, make_client: MakeClient) -> None:
    client = make_client()
    gateway.script(SUBMIT, ok(JobId=JOB_ID))
    client.submit_scene_media_selection_job(_job())
    submitted = gateway.seen(SUBMIT)[0]
    echoed = {"InputConfig": submitted.form["InputConfig"], "UserData": submitted.query["UserData"]}
    finished = _editing_batch_job(
        status="Finished",
        ExtendOutput=_text_match_output(SMART_MIX_INPUT["SpeechTextArray"], SMART_MIX_INPUT["MediaArray"][0]),
        CompleteTime="2026-11-24T00:01:00Z",
        **echoed,
    )
    gateway.script(GET, ok(EditingBatchJob=_editing_batch_job(**echoed)), ok(EditingBatchJob=finished))

    first = client.get_batch_media_producing_job(JOB_ID)
    assert (first.status, first.is_terminal, first.selection()) == ("Processing", False, None)
    done = client.get_batch_media_producing_job(JOB_ID)
    assert done.status == "Finished" and done.is_terminal
    assert done.user_data_dict() == USER_DATA
    selection = done.selection()
    assert selection is not None and selection.kind == "text_match"
    sentences = selection.text_match_outputs[0].text_match_media_sentence_output_list
    assert [s.text for s in sentences] == SMART_MIX_INPUT["SpeechTextArray"]
    assert sentences[0].match_clip_list[0].end_time == 3.5
    assert [sent.query for sent in gateway.seen(GET)] == [{"JobId": JOB_ID}] * 2
    assert [sent.form for sent in gateway.seen(GET)] == [{}, {}]  # Get sends no body


def test_failed_job_exposes_extend_error(gateway: IceGateway, make_client: MakeClient) -> None:
    extend = json.dumps({"ErrorCode": "InvalidMaterial.NotFound", "ErrorMessage": "media not found"})
    gateway.script(GET, ok(EditingBatchJob=_editing_batch_job(status="Failed", Extend=extend)))
    job = make_client().get_batch_media_producing_job(JOB_ID)
    assert (job.status, job.error_code, job.error_message) == ("Failed", "InvalidMaterial.NotFound", "media not found")


def _page(ids: list[str], next_token: str | None = None) -> Answer:
    page: dict[str, Any] = {"MaxResults": 2, "EditingBatchJobList": [_editing_batch_job(i) for i in ids]}
    if next_token is not None:
        page["NextToken"] = next_token
    return ok(**page)


def test_list_follows_next_token_across_pages(gateway: IceGateway, make_client: MakeClient) -> None:
    ids = [f"{n:032x}" for n in range(5)]
    gateway.script(LIST, _page(ids[:2], "t-2"), _page(ids[2:4], "t-4"), _page(ids[4:]))
    client = make_client()
    listed = list(client.list_batch_media_producing_jobs(page_size=2, job_type="Smart_Mix_Media_Select"))
    assert [job.job_id for job in listed] == ids
    pages = gateway.seen(LIST)
    assert [p.query.get("NextToken") for p in pages] == [None, "t-2", "t-4"]
    assert all(p.query["MaxResults"] == "2" and p.query["JobType"] == "Smart_Mix_Media_Select" for p in pages)
    assert all(p.form == {} and p.body == b"" for p in pages)

    gateway.script(LIST, _page([]))
    assert list(client.list_batch_media_producing_jobs(status="Failed")) == []
    assert gateway.seen(LIST)[-1].query == {"Status": "Failed", "MaxResults": "100"}


def test_list_stops_when_iteration_stops(gateway: IceGateway, make_client: MakeClient) -> None:
    gateway.script(LIST, _page([JOB_ID], "t-1"), _page(["f" * 32], "t-2"), _page(["e" * 32]))
    first = next(make_client().list_batch_media_producing_jobs(page_size=1))
    assert first.job_id == JOB_ID
    assert len(gateway.seen(LIST)) == 1


def test_list_refuses_a_repeated_next_token(gateway: IceGateway, make_client: MakeClient) -> None:
    gateway.script(LIST, _page([], "7"), _page([], "7"))
    with pytest.raises(IceServerError, match="NextToken"):
        list(make_client().list_batch_media_producing_jobs())


def test_list_page_size_is_checked(make_client: MakeClient) -> None:
    with pytest.raises(ConfigError, match="1–100"):
        next(make_client().list_batch_media_producing_jobs(page_size=101))


def test_throttling_is_retried_with_backoff_then_succeeds(
    gateway: IceGateway, make_client: MakeClient, sleeps: Sleeps
) -> None:
    gateway.script(SUBMIT, _throttled(), _throttled(), ok(JobId=JOB_ID))
    assert make_client().submit_scene_media_selection_job(_job()).job_id == JOB_ID
    attempts = gateway.seen(SUBMIT)
    assert len(attempts) == 3
    assert len({a.headers["x-acs-signature-nonce"] for a in attempts}) == 3  # re-signed each time
    assert all(a.rejected is None for a in attempts)
    assert sleeps == [0.375, 0.75]  # half-jitter of 0.5 s, 1 s with jitter 0.5


def test_retry_after_header_is_honoured_within_the_cap(
    gateway: IceGateway, make_client: MakeClient, sleeps: Sleeps
) -> None:
    slow_down = error(503, "ServiceUnavailable", "busy", headers={"x-acs-retry-after": "2500"})
    gateway.script(
        GET,
        slow_down,
        error(503, "ServiceUnavailable", headers={"Retry-After": "60"}),
        ok(EditingBatchJob=_editing_batch_job()),
    )
    make_client().get_batch_media_producing_job(JOB_ID)
    assert sleeps == [2.5, 8.0]


def test_server_errors_exhaust_the_attempts(gateway: IceGateway, make_client: MakeClient, sleeps: Sleeps) -> None:
    gateway.script(GET, *[error(500, "InternalError", "oops", RequestId="R-500")] * 4)
    with pytest.raises(IceServerError) as caught:
        make_client().get_batch_media_producing_job(JOB_ID)
    error_ = caught.value
    assert (error_.code, error_.ice_message, error_.request_id, error_.http_status) == (
        "InternalError",
        "oops",
        "R-500",
        500,
    )
    assert error_.retryable
    assert len(gateway.seen(GET)) == 4
    assert len(sleeps) == 3
    assert sleeps == sorted(sleeps) and max(sleeps) <= 8.0


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_submit_answered_5xx_is_outcome_unknown_never_resent(
    gateway: IceGateway, make_client: MakeClient, sleeps: Sleeps, status: int
) -> None:
    gateway.script(SUBMIT, error(status, "InternalError", "oops", RequestId="R-5"))
    with pytest.raises(SubmitOutcomeUnknownError, match="list recent jobs") as caught:
        make_client().submit_scene_media_selection_job(_job())
    assert caught.value.request_id == "R-5"
    assert len(gateway.seen(SUBMIT)) == 1 and sleeps == []  # a server error may have made the job: not resent


def test_throttling_exhaustion_raises_throttled(gateway: IceGateway, make_client: MakeClient, sleeps: Sleeps) -> None:
    gateway.script(SUBMIT, *[_throttled()] * 2)
    with pytest.raises(IceThrottledError) as caught:
        make_client(max_attempts=2).submit_scene_media_selection_job(_job())
    assert caught.value.request_id == "R-T"
    assert len(sleeps) == 1
    assert len(gateway.seen(SUBMIT)) == 2


def test_client_errors_are_not_retried(gateway: IceGateway, make_client: MakeClient, sleeps: Sleeps) -> None:
    gateway.script(SUBMIT, error(400, "InvalidParameter", "bad InputConfig", RequestId="R-4"))
    with pytest.raises(IceClientError) as caught:
        make_client().submit_scene_media_selection_job(_job())
    assert (caught.value.code, caught.value.http_status, caught.value.retryable) == ("InvalidParameter", 400, False)
    assert "bad InputConfig" in str(caught.value) and "R-4" in str(caught.value)
    assert len(gateway.seen(SUBMIT)) == 1
    assert sleeps == []


def test_unknown_job_is_a_client_error_naming_ices_code(gateway: IceGateway, make_client: MakeClient) -> None:
    gateway.script(GET, error(400, "InvalidParameter.JobNotExist", "The specified job does not exist."))
    with pytest.raises(IceClientError, match="JobNotExist") as caught:
        make_client().get_batch_media_producing_job("f" * 32)
    assert caught.value.http_status == 400
    assert len(gateway.seen(GET)) == 1


def test_a_wrong_secret_is_refused_by_signature_check_without_retry(
    gateway: IceGateway, make_client: MakeClient
) -> None:
    client = make_client(credentials=static_credentials(Credentials("ak-test", "wrong")))
    with pytest.raises(IceClientError) as caught:
        client.submit_scene_media_selection_job(_job())
    assert caught.value.code == "SignatureDoesNotMatch"
    assert "wrong" not in str(caught.value)
    assert [sent.rejected for sent in gateway.seen(SUBMIT)] == ["SignatureDoesNotMatch"]


def test_non_json_error_body_is_still_typed(gateway: IceGateway, make_client: MakeClient) -> None:
    gateway.script(GET, raw(502, b"<html>Bad Gateway</html>"), raw(404, b"<html>no such page</html>"))
    with pytest.raises(IceClientError) as caught:
        make_client().get_batch_media_producing_job(JOB_ID)
    assert caught.value.code == "HTTP404"
    assert len(gateway.seen(GET)) == 2  # 502 retried, 404 final


def test_connection_refused_is_retried_then_raised_for_every_action(make_client: MakeClient, sleeps: Sleeps) -> None:
    with socket.socket() as probe:  # a real port nobody listens on: the request never leaves
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = make_client(endpoint=f"http://127.0.0.1:{port}", http=None, max_attempts=3)
    with pytest.raises(IceConnectionError, match="could not connect"):
        client.submit_scene_media_selection_job(_job())  # never sent: safe to retry even a submit
    assert len(sleeps) == 2
    with pytest.raises(IceConnectionError):
        client.get_batch_media_producing_job(JOB_ID)
    assert len(sleeps) == 4


def test_read_timeout_on_submit_is_outcome_unknown_and_not_retried(
    gateway: IceGateway, make_client: MakeClient, sleeps: Sleeps
) -> None:
    gateway.script(SUBMIT, Fail(httpx.ReadTimeout))
    with pytest.raises(SubmitOutcomeUnknownError, match="list recent jobs") as caught:
        make_client().submit_scene_media_selection_job(_job())
    assert isinstance(caught.value.__cause__, httpx.ReadTimeout)
    assert not caught.value.retryable
    assert len(gateway.seen(SUBMIT)) == 1
    assert sleeps == []


def test_dropped_connection_on_submit_is_outcome_unknown(gateway: IceGateway, make_client: MakeClient) -> None:
    gateway.script(SUBMIT, Fail(httpx.RemoteProtocolError))  # what httpx raises when the server hangs up
    with pytest.raises(SubmitOutcomeUnknownError):
        make_client().submit_scene_media_selection_job(_job())
    assert len(gateway.seen(SUBMIT)) == 1


def test_read_timeout_and_drop_on_get_are_retried(gateway: IceGateway, make_client: MakeClient, sleeps: Sleeps) -> None:
    gateway.script(
        GET, Fail(httpx.ReadTimeout), Fail(httpx.RemoteProtocolError), ok(EditingBatchJob=_editing_batch_job())
    )
    assert make_client().get_batch_media_producing_job(JOB_ID).job_id == JOB_ID
    assert len(gateway.seen(GET)) == 3
    assert len(sleeps) == 2


def test_success_without_job_id_is_outcome_unknown(gateway: IceGateway, make_client: MakeClient) -> None:
    gateway.script(SUBMIT, ok(RequestId="R-odd"))
    with pytest.raises(SubmitOutcomeUnknownError) as caught:
        make_client().submit_scene_media_selection_job(_job())
    assert caught.value.request_id == "R-odd"


def test_success_with_non_json_body_on_submit_is_outcome_unknown(gateway: IceGateway, make_client: MakeClient) -> None:
    gateway.script(SUBMIT, raw(200, b"<html>captive portal</html>"))
    with pytest.raises(SubmitOutcomeUnknownError):
        make_client().submit_scene_media_selection_job(_job())


def test_missing_credentials_send_nothing(gateway: IceGateway, make_client: MakeClient) -> None:
    client = make_client(credentials=env_credentials({}))
    with pytest.raises(CredentialsError, match="ALIBABA_CLOUD_ACCESS_KEY_ID"):
        client.submit_scene_media_selection_job(_job())
    assert gateway.seen() == []


def test_sts_credentials_are_sent_and_signed(gateway: IceGateway, make_client: MakeClient) -> None:
    gateway.script(SUBMIT, ok(JobId=JOB_ID))
    client = make_client(credentials=static_credentials(Credentials("ak-test", "sk-test", "tok")))
    client.submit_scene_media_selection_job(_job())
    (sent,) = gateway.seen(SUBMIT)
    assert sent.rejected is None
    assert sent.headers["x-acs-security-token"] == "tok"
    assert "x-acs-security-token" in sent.headers["authorization"].split("SignedHeaders=")[1].split(",")[0]


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


def test_requests_go_to_the_regional_endpoint(gateway: IceGateway, make_client: MakeClient) -> None:
    gateway.script(GET, ok(EditingBatchJob=_editing_batch_job()))
    seen: list[httpx.URL] = []

    def spy(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        return gateway(request)

    with httpx.Client(transport=httpx.MockTransport(spy)) as http:
        make_client(region="ap-southeast-1", http=http).get_batch_media_producing_job(JOB_ID)
    assert [(url.scheme, url.host, url.path) for url in seen] == [("https", "ice.ap-southeast-1.aliyuncs.com", "/")]


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


def test_a_borrowed_http_client_is_used_and_not_closed(gateway: IceGateway) -> None:
    gateway.script(SUBMIT, ok(JobId=JOB_ID))
    with httpx.Client(transport=gateway.transport()) as http:
        client = IceClient(
            region="cn-shanghai",
            http=http,
            credentials=static_credentials(Credentials("ak-test", "sk-test")),
        )
        client.submit_scene_media_selection_job(_job())
        client.close()
        assert not http.is_closed
    assert len(gateway.seen(SUBMIT)) == 1
