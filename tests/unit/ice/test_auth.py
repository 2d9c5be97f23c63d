"""AcsV3Auth drives the httpx auth flow: headers, the official vector, STS, rotation, refusal."""

from __future__ import annotations

from datetime import datetime, timezone

import httpx
import pytest

from scene_select.cloud.credentials import Credentials, env_credentials, static_credentials
from scene_select.cloud.errors import CredentialsError
from scene_select.cloud.ice.auth import AcsV3Auth
from scene_select.cloud.ice.rpc import build_rpc_request
from scene_select.cloud.ice.signing import EMPTY_BODY_SHA256, REQUIRED_SIGNED_HEADERS, sha256_hex, verify_request

VECTOR_DATE = datetime(2023, 10, 26, 10, 22, 32, tzinfo=timezone.utc)
VECTOR_NONCE = "3156853299f313e23d1673dc12e1703d"


def _run_flow(auth: httpx.Auth, request: httpx.Request) -> httpx.Request:
    """Drive the flow by hand as httpx does: one yielded request, then the response ends it."""
    flow = auth.sync_auth_flow(request)
    signed = next(flow)
    with pytest.raises(StopIteration):
        flow.send(httpx.Response(200, request=signed))
    return signed


def _fixed(access_key_id: str = "ak-test", secret: str = "sk-test", token: str | None = None) -> AcsV3Auth:
    return AcsV3Auth(
        static_credentials(Credentials(access_key_id, secret, token)), clock=lambda: VECTOR_DATE, nonce=lambda: "n-1"
    )


def test_reproduces_the_official_vector_through_httpx() -> None:
    request = httpx.Request(
        "POST",
        "https://ecs.cn-shanghai.aliyuncs.com/?ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai",
        headers={"x-acs-action": "RunInstances", "x-acs-version": "2014-05-26"},
    )
    auth = AcsV3Auth(
        static_credentials(Credentials("YourAccessKeyId", "YourAccessKeySecret")),
        clock=lambda: VECTOR_DATE,
        nonce=lambda: VECTOR_NONCE,
    )
    signed = _run_flow(auth, request)
    assert signed.headers["x-acs-content-sha256"] == EMPTY_BODY_SHA256
    assert signed.headers["Authorization"] == (
        "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,"
        "SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,"
        "Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"
    )


def test_signed_request_passes_server_verification_and_carries_the_headers() -> None:
    with httpx.Client() as http:
        request = build_rpc_request(
            http, "http://127.0.0.1:1", "SubmitSceneMediaSelectionJob", query={"JobType": "x y"}, form={"A": "中 文"}
        )
    signed = _run_flow(_fixed(), request)
    assert signed.headers["x-acs-date"] == "2023-10-26T10:22:32Z"
    assert signed.headers["x-acs-signature-nonce"] == "n-1"
    assert signed.headers["x-acs-content-sha256"] == sha256_hex(signed.content)
    assert "x-acs-security-token" not in signed.headers
    signed_names = signed.headers["Authorization"].split("SignedHeaders=")[1].split(",")[0].split(";")
    assert signed_names == sorted(signed_names)
    assert signed_names == sorted({"content-type", *REQUIRED_SIGNED_HEADERS})  # no accept/user-agent by default
    access_key_id = verify_request(
        signed.method,
        signed.url.path,
        dict(signed.url.params.multi_items()),
        dict(signed.headers.items()),
        signed.content,
        {"ak-test": "sk-test"}.get,
        now=VECTOR_DATE,
    )
    assert access_key_id == "ak-test"


def test_extra_signed_headers_are_signed_like_the_sdk_does() -> None:
    auth = AcsV3Auth(
        static_credentials(Credentials("a", "b")), nonce=lambda: "n", extra_signed_headers=("Accept", "user-agent")
    )
    request = httpx.Request("POST", "http://h/", headers={"accept": "application/json", "user-agent": "ua"})
    assert "SignedHeaders=accept;host;user-agent;x-acs-" in _run_flow(auth, request).headers["Authorization"]


def test_sts_token_adds_token_and_key_id_headers_and_signs_them() -> None:
    signed = _run_flow(_fixed(token="sts-token"), httpx.Request("POST", "http://h/", headers={"x-acs-action": "A"}))
    assert signed.headers["x-acs-security-token"] == "sts-token"
    assert signed.headers["x-acs-accesskey-id"] == "ak-test"
    assert "x-acs-accesskey-id;x-acs-action" in signed.headers["Authorization"]
    assert "x-acs-security-token" in signed.headers["Authorization"]


def test_credentials_are_read_for_every_request() -> None:
    environ = {"ALIBABA_CLOUD_ACCESS_KEY_ID": "ak-1", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "sk-1"}
    auth = AcsV3Auth(env_credentials(environ), clock=lambda: VECTOR_DATE, nonce=lambda: "n")
    first = _run_flow(auth, httpx.Request("POST", "http://h/"))
    environ.update(ALIBABA_CLOUD_ACCESS_KEY_ID="ak-2", ALIBABA_CLOUD_SECURITY_TOKEN="t2")
    second = _run_flow(auth, httpx.Request("POST", "http://h/"))
    assert "Credential=ak-1," in first.headers["Authorization"]
    assert "Credential=ak-2," in second.headers["Authorization"]
    assert second.headers["x-acs-security-token"] == "t2"


def test_each_request_gets_a_fresh_nonce_and_date_by_default() -> None:
    auth = AcsV3Auth(static_credentials(Credentials("a", "b")))
    one = _run_flow(auth, httpx.Request("POST", "http://h/"))
    two = _run_flow(auth, httpx.Request("POST", "http://h/"))
    assert one.headers["x-acs-signature-nonce"] != two.headers["x-acs-signature-nonce"]
    assert len(one.headers["x-acs-signature-nonce"]) == 32
    parsed = datetime.strptime(one.headers["x-acs-date"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    assert abs((datetime.now(timezone.utc) - parsed).total_seconds()) < 5


def test_a_non_utc_clock_is_converted_to_utc() -> None:
    from datetime import timedelta

    shanghai = timezone(timedelta(hours=8))
    auth = AcsV3Auth(
        static_credentials(Credentials("a", "b")),
        clock=lambda: datetime(2023, 10, 26, 18, 22, 32, tzinfo=shanghai),
        nonce=lambda: "n",
    )
    assert _run_flow(auth, httpx.Request("POST", "http://h/")).headers["x-acs-date"] == "2023-10-26T10:22:32Z"


def test_missing_credentials_stop_the_request_before_it_is_sent() -> None:
    sent: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200)

    auth = AcsV3Auth(env_credentials({}))
    with httpx.Client(transport=httpx.MockTransport(record), auth=auth) as http, pytest.raises(CredentialsError):
        http.post("http://h/", content=b"x")
    assert sent == []
