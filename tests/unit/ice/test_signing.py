"""ACS3-HMAC-SHA256: the documented vector, RFC 3986 encoding, and the server-side checks."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest

from scene_select.cloud.ice.signing import (
    EMPTY_BODY_SHA256,
    SignatureCheckError,
    authorization_header,
    canonical_query,
    canonical_request,
    percent_encode,
    sha256_hex,
    sign,
    verify_request,
)

# docs/ice-api.md#signing: the official example of the V3 signature doc.
VECTOR_QUERY = {"ImageId": "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd", "RegionId": "cn-shanghai"}
VECTOR_HEADERS = {
    "host": "ecs.cn-shanghai.aliyuncs.com",
    "x-acs-action": "RunInstances",
    "x-acs-version": "2014-05-26",
    "x-acs-date": "2023-10-26T10:22:32Z",
    "x-acs-signature-nonce": "3156853299f313e23d1673dc12e1703d",
    "x-acs-content-sha256": EMPTY_BODY_SHA256,
}
VECTOR_SIGNED_HEADERS = "host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version"
VECTOR_CANONICAL_HASH = "7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259"
VECTOR_SIGNATURE = "06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"
VECTOR_NOW = datetime(2023, 10, 26, 10, 22, 40, tzinfo=timezone.utc)


def test_official_vector_is_reproduced_exactly() -> None:
    text, signed_headers = canonical_request("POST", "/", VECTOR_QUERY, VECTOR_HEADERS, b"")
    assert signed_headers == VECTOR_SIGNED_HEADERS
    assert text == (
        "POST\n/\n"
        "ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai\n"
        "host:ecs.cn-shanghai.aliyuncs.com\n"
        "x-acs-action:RunInstances\n"
        f"x-acs-content-sha256:{EMPTY_BODY_SHA256}\n"
        "x-acs-date:2023-10-26T10:22:32Z\n"
        "x-acs-signature-nonce:3156853299f313e23d1673dc12e1703d\n"
        "x-acs-version:2014-05-26\n"
        "\n"
        f"{VECTOR_SIGNED_HEADERS}\n"
        f"{EMPTY_BODY_SHA256}"
    )
    assert hashlib.sha256(text.encode()).hexdigest() == VECTOR_CANONICAL_HASH
    assert sign(text, "YourAccessKeySecret") == VECTOR_SIGNATURE


def test_header_names_are_case_insensitive_and_values_trimmed() -> None:
    shouting = {name.upper(): f"  {value} " for name, value in VECTOR_HEADERS.items()}
    shouting["User-Agent"] = "not signed"
    text, signed = canonical_request("post", "/", VECTOR_QUERY, shouting, b"")
    assert signed == VECTOR_SIGNED_HEADERS
    assert sign(text, "YourAccessKeySecret") == VECTOR_SIGNATURE


def test_content_type_is_signed_when_present() -> None:
    headers = {**VECTOR_HEADERS, "Content-Type": "application/x-www-form-urlencoded"}
    _, signed = canonical_request("POST", "/", {}, headers, b"a=1")
    assert signed.split(";")[:2] == ["content-type", "host"]


@pytest.mark.parametrize(
    ("text", "encoded"),
    [
        ("中文", "%E4%B8%AD%E6%96%87"),
        ("🎬", "%F0%9F%8E%AC"),
        ("a b", "a%20b"),
        ("a+b", "a%2Bb"),
        ("a*b", "a%2Ab"),
        ("a~b", "a~b"),
        ("a/b", "a%2Fb"),
        ("a=b", "a%3Db"),
        ("-_.", "-_."),
        ('{"K":[1]}', "%7B%22K%22%3A%5B1%5D%7D"),
    ],
)
def test_percent_encode_is_rfc3986(text: str, encoded: str) -> None:
    assert percent_encode(text) == encoded


def test_canonical_query_sorts_by_name_and_encodes_both_sides() -> None:
    assert canonical_query({"b": "2 3", "a*": "~", "A": "中"}) == "A=%E4%B8%AD&a%2A=~&b=2%203"
    assert canonical_query({}) == ""


def _signed(
    *,
    secret: str = "sk-test",
    body: bytes = b"InputConfig=%7B%7D",
    date: str = "2023-10-26T10:22:32Z",
    extra: dict[str, str] | None = None,
) -> tuple[dict[str, str], dict[str, str], bytes]:
    query = {"JobType": "Smart_Mix_Media_Select", "OutputConfig": '{"MediaURL":"x"}'}
    headers = {
        "host": "127.0.0.1:8080",
        "x-acs-action": "SubmitSceneMediaSelectionJob",
        "x-acs-version": "2020-11-09",
        "x-acs-date": date,
        "x-acs-signature-nonce": "n-1",
        "x-acs-content-sha256": sha256_hex(body),
        "content-type": "application/x-www-form-urlencoded",
        **(extra or {}),
    }
    text, signed_headers = canonical_request("POST", "/", query, headers, body)
    headers["Authorization"] = authorization_header("ak-test", signed_headers, sign(text, secret))
    return query, headers, body


def _secrets(access_key_id: str) -> str | None:
    return {"ak-test": "sk-test"}.get(access_key_id)


def test_verify_request_returns_the_access_key_id() -> None:
    query, headers, body = _signed()
    assert verify_request("POST", "/", query, headers, body, _secrets, now=VECTOR_NOW) == "ak-test"


def test_verify_request_accepts_the_official_vector() -> None:
    text, signed = canonical_request("POST", "/", VECTOR_QUERY, VECTOR_HEADERS, b"")
    assert sign(text, "YourAccessKeySecret") == VECTOR_SIGNATURE
    headers = {**VECTOR_HEADERS, "authorization": authorization_header("YourAccessKeyId", signed, VECTOR_SIGNATURE)}
    secret_for = {"YourAccessKeyId": "YourAccessKeySecret"}.get
    assert verify_request("POST", "/", VECTOR_QUERY, headers, b"", secret_for, now=VECTOR_NOW) == "YourAccessKeyId"


def _code_of(
    query: dict[str, str], headers: dict[str, str], body: bytes, now: datetime = VECTOR_NOW
) -> tuple[str, int]:
    with pytest.raises(SignatureCheckError) as caught:
        verify_request("POST", "/", query, headers, body, _secrets, now=now)
    assert "sk-test" not in str(caught.value)
    return caught.value.code, caught.value.http_status


def test_missing_authorization_is_incomplete_signature() -> None:
    query, headers, body = _signed()
    del headers["Authorization"]
    assert _code_of(query, headers, body) == ("IncompleteSignature", 400)


@pytest.mark.parametrize(
    "authorization",
    [
        "HMAC-SHA1 Credential=ak-test,SignedHeaders=host,Signature=00",
        "ACS3-HMAC-SHA256 Credential=ak-test,SignedHeaders=host",
        "ACS3-HMAC-SHA256",
    ],
)
def test_malformed_authorization_is_incomplete_signature(authorization: str) -> None:
    query, headers, body = _signed()
    headers["Authorization"] = authorization
    assert _code_of(query, headers, body) == ("IncompleteSignature", 400)


def _unsign_nonce(headers: dict[str, str]) -> None:
    headers["Authorization"] = headers["Authorization"].replace("x-acs-signature-nonce;", "")


def _smuggle_token(headers: dict[str, str]) -> None:
    headers["x-acs-security-token"] = "smuggled"


def _other_key(headers: dict[str, str]) -> None:
    headers["Authorization"] = headers["Authorization"].replace("Credential=ak-test", "Credential=ak-other")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (_unsign_nonce, ("IncompleteSignature", 400)),  # a required header left unsigned
        (_smuggle_token, ("IncompleteSignature", 400)),  # an x-acs-* header added after signing
        (_other_key, ("InvalidAccessKeyId.NotFound", 404)),
    ],
)
def test_header_problems_have_the_gateway_codes(
    change: Callable[[dict[str, str]], None], expected: tuple[str, int]
) -> None:
    query, headers, body = _signed()
    change(headers)
    assert _code_of(query, headers, body) == expected


def test_wrong_secret_does_not_match() -> None:
    query, headers, body = _signed(secret="sk-wrong")
    assert _code_of(query, headers, body) == ("SignatureDoesNotMatch", 400)


@pytest.mark.parametrize("tamper", ["query", "body", "header"])
def test_tampering_after_signing_does_not_match(tamper: str) -> None:
    query, headers, body = _signed()
    if tamper == "query":
        query["JobType"] = "Screen_Media_Highlights_Media_Select"
    elif tamper == "body":
        body = b"InputConfig=%7B%22x%22%7D"
        headers["x-acs-content-sha256"] = sha256_hex(body)
    else:
        headers["x-acs-action"] = "GetBatchMediaProducingJob"
    assert _code_of(query, headers, body) == ("SignatureDoesNotMatch", 400)


def test_body_not_matching_its_declared_hash_does_not_match() -> None:
    query, headers, body = _signed()
    assert _code_of(query, headers, body + b"&x=1") == ("SignatureDoesNotMatch", 400)


@pytest.mark.parametrize("date", ["2023/10/26 10:22:32", "2023-10-26T10:22:32+08:00", ""])
def test_bad_date_format(date: str) -> None:
    query, headers, body = _signed(date=date)
    assert _code_of(query, headers, body) == ("InvalidTimeStamp.Format", 400)


@pytest.mark.parametrize("offset", [timedelta(minutes=16), -timedelta(minutes=16)])
def test_date_outside_fifteen_minutes_is_expired(offset: timedelta) -> None:
    query, headers, body = _signed()
    assert _code_of(query, headers, body, VECTOR_NOW + offset) == ("InvalidTimeStamp.Expired", 400)


def test_date_inside_the_window_passes_at_the_edge() -> None:
    query, headers, body = _signed()
    edge = datetime(2023, 10, 26, 10, 37, 32, tzinfo=timezone.utc)
    assert verify_request("POST", "/", query, headers, body, _secrets, now=edge) == "ak-test"
