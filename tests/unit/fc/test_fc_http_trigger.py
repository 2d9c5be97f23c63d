from __future__ import annotations

import base64
import json
import re
from typing import Any

import pytest

from scene_select.cloud.errors import EventError
from scene_select.cloud.fc.http_trigger import http_response, parse_http_event


def _event(**overrides: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "version": "v1",
        "rawPath": "/callback/%E4%B8%AD%20x",
        "body": '{"JobId":"j1"}',
        "isBase64Encoded": False,
        "headers": {"Content-Type": "application/json", "X-ICE-SIGNATURE": "abc", "X-Multi": "v1,v2"},
        "queryParameters": {"a": "1,2"},
        "requestContext": {
            "accountId": "123",
            "domainName": "cb-abc.cn-shanghai.fcapp.run",
            "domainPrefix": "cb-abc",
            "http": {
                "method": "post",
                "path": "/callback/中 x",
                "protocol": "HTTP/1.1",
                "sourceIp": "11.11.11.11",
                "userAgent": "ice",
            },
            "requestId": "1-64f6cd87-abc",
            "time": "2023-09-05T06:41:11Z",
            "timeEpoch": "1693896071895",
        },
    }
    event.update(overrides)
    return event


def test_parses_the_documented_event() -> None:
    request = parse_http_event(json.dumps(_event()).encode())
    assert request.method == "POST"
    assert request.path == "/callback/中 x"
    assert request.raw_path == "/callback/%E4%B8%AD%20x"
    assert request.headers == {"content-type": "application/json", "x-ice-signature": "abc", "x-multi": "v1,v2"}
    assert request.header("X-Ice-Signature") == "abc"
    assert request.header("missing", "d") == "d"
    assert request.query == {"a": "1,2"}
    assert request.body == b'{"JobId":"j1"}'
    assert request.json_body() == {"JobId": "j1"}
    assert (request.request_id, request.source_ip, request.domain_name) == (
        "1-64f6cd87-abc",
        "11.11.11.11",
        "cb-abc.cn-shanghai.fcapp.run",
    )


def test_base64_bodies_are_decoded() -> None:
    binary = bytes(range(256))
    request = parse_http_event(_event(body=base64.b64encode(binary).decode(), isBase64Encoded=True))
    assert request.body == binary


def test_missing_optional_parts_default_sensibly() -> None:
    event = _event()
    for name in ("body", "headers", "queryParameters", "isBase64Encoded"):
        del event[name]
    del event["requestContext"]["http"]["path"]
    request = parse_http_event(event)
    assert (request.body, request.headers, request.query) == (b"", {}, {})
    assert request.path == "/callback/中 x"  # decoded from rawPath


@pytest.mark.parametrize(
    ("event", "says"),
    [
        (b"not json", "not valid JSON"),
        (b"\xff", "not UTF-8"),
        (b"[]", "must be a JSON object"),
        (_event(requestContext={}), "no requestContext.http object"),
        (_event(requestContext={"http": {"path": "/"}}), "no requestContext.http.method"),
        (_event(body=123), "body must be a string"),
        (_event(body="%%%", isBase64Encoded=True), "not base64"),
        (_event(isBase64Encoded="yes"), "isBase64Encoded must be true or false"),
        (_event(headers=["a"]), "headers must be an object"),
        (_event(headers={"a": 1}), "headers['a'] must be a string"),
        (_event(rawPath=5), "rawPath must be a string"),
    ],
)
def test_malformed_events_raise_event_error(event: Any, says: str) -> None:
    with pytest.raises(EventError, match=re.escape(says)):
        parse_http_event(event)


def test_json_body_errors_are_event_errors() -> None:
    with pytest.raises(EventError, match="not JSON"):
        parse_http_event(_event(body="{oops")).json_body()


def test_list_header_values_are_comma_joined() -> None:
    assert parse_http_event(_event(headers={"X-A": ["1", "2"]})).headers == {"x-a": "1,2"}


def test_http_response_shapes() -> None:
    assert http_response(200, {"ok": True, "名": "值"}) == {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json; charset=utf-8"},
        "isBase64Encoded": False,
        "body": '{"ok":true,"名":"值"}',
    }
    assert http_response(401, "bad signature")["headers"] == {"Content-Type": "text/plain; charset=utf-8"}
    binary = http_response(200, b"\x00\x01", headers={"content-type": "image/png", "X-A": "b"})
    assert binary == {
        "statusCode": 200,
        "headers": {"content-type": "image/png", "X-A": "b"},
        "isBase64Encoded": True,
        "body": "AAE=",
    }
    with pytest.raises(ValueError, match=r"100\.\.599"):
        http_response(42, "")
