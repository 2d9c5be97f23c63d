"""The local FC runtime shim, with tiny handlers written to temporary function directories."""

from __future__ import annotations

import base64
import json
import os
import sys
import textwrap
import threading
from pathlib import Path

import httpx
import pytest

from scene_select.cloud.errors import ConfigError
from scene_select.workstation.local.fc_runtime import (
    FunctionError,
    LocalContext,
    invoke,
    invoke_raw,
    load_handler,
    serve_http_trigger,
)

ENVIRON = {
    "ALIBABA_CLOUD_ACCESS_KEY_ID": "STS.local",
    "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "local-secret",
    "ALIBABA_CLOUD_SECURITY_TOKEN": "local-token",
    "SCENE_SELECT_BUCKET": "scene-bucket",
    "FC_REGION": "cn-hangzhou",
}

ECHO = """
import base64, json, os
from scene_select.cloud.fc.http_trigger import http_response, parse_http_event

CALLS = []

def handler(event, context):
    CALLS.append(context.request_id)
    request = parse_http_event(event)
    raw = json.loads(event)
    return http_response(200, {
        "calls": len(CALLS),
        "requestId": context.request_id,
        "function": context.function.name,
        "method": request.method,
        "path": request.path,
        "rawPath": request.raw_path,
        "query": request.query,
        "headers": request.headers,
        "body": base64.b64encode(request.body).decode(),
        "isBase64Encoded": raw["isBase64Encoded"],
        "bucket": os.environ.get("SCENE_SELECT_BUCKET"),
    })
"""


def _function(root: Path, name: str, source: str) -> Path:
    directory = root / name
    directory.mkdir(parents=True)
    (directory / "index.py").write_text(textwrap.dedent(source), encoding="utf-8")
    return directory


def test_invoke_passes_bytes_and_a_python310_shaped_context(tmp_path: Path) -> None:
    function = _function(
        tmp_path,
        "submit",
        """
        import os
        def handler(event, context):
            return {
                "eventType": type(event).__name__,
                "event": event.decode(),
                "requestId": context.request_id,
                "function": [context.function.name, context.function.handler, context.function.memory],
                "service": context.service.name,
                "region": context.region,
                "credentials": [context.credentials.access_key_id, context.credentials.security_token],
                "env": {k: os.environ.get(k) for k in ("SCENE_SELECT_BUCKET", "FC_FUNCTION_NAME", "FC_REGION",
                                                        "FC_FUNC_CODE_PATH", "SCENE_SELECT_LEAKED")},
                "logger": context.getLogger().logger.name,
            }
        """,
    )
    os.environ["SCENE_SELECT_LEAKED"] = "from the developer's shell"
    try:
        result = invoke(function, b'{"events": []}', environ=ENVIRON)
        assert os.environ["SCENE_SELECT_LEAKED"] == "from the developer's shell"  # restored
        assert "SCENE_SELECT_BUCKET" not in os.environ
    finally:
        del os.environ["SCENE_SELECT_LEAKED"]
    assert result["eventType"] == "bytes"
    assert result["event"] == '{"events": []}'
    assert result["requestId"].startswith("1-")
    assert result["function"] == ["submit", "index.handler", 512]
    assert result["service"] == "submit"
    assert result["region"] == "cn-hangzhou"
    assert result["credentials"] == ["STS.local", "local-token"]
    assert result["env"] == {
        "SCENE_SELECT_BUCKET": "scene-bucket",
        "FC_FUNCTION_NAME": "submit",
        "FC_REGION": "cn-hangzhou",
        "FC_FUNC_CODE_PATH": str(function.resolve()),
        "SCENE_SELECT_LEAKED": None,  # a function sees only its own configuration
    }
    assert result["logger"] == "fc.submit"


def test_two_index_py_files_load_as_separate_modules_and_stay_warm(tmp_path: Path) -> None:
    source = """
        COUNT = 0
        NAME = __file__
        def handler(event, context):
            global COUNT
            COUNT += 1
            return [NAME, COUNT]
    """
    submit = _function(tmp_path, "submit", source)
    callback = _function(tmp_path, "callback", source)
    assert invoke(submit, b"{}", environ={}) == [str(submit / "index.py"), 1]
    assert invoke(submit, b"{}", environ={}) == [str(submit / "index.py"), 2]  # warm instance
    assert invoke(callback, b"{}", environ={}) == [str(callback / "index.py"), 1]
    fresh = load_handler(submit, fresh=True)  # cold start
    assert fresh(b"{}", LocalContext(function_name="submit")) == [str(submit / "index.py"), 1]


def test_a_raising_handler_answers_with_the_runtimes_error_document(tmp_path: Path) -> None:
    function = _function(
        tmp_path,
        "boom",
        """
        def check(event):
            raise RuntimeError("handler failed")

        def handler(event, context):
            check(event)
        """,
    )
    before = dict(os.environ)
    payload, failed = invoke_raw(function, b"{}", environ=ENVIRON)
    assert failed and dict(os.environ) == before
    document = json.loads(payload)
    assert (document["errorMessage"], document["errorType"]) == ("handler failed", "RuntimeError")
    # one frame per call below the runtime: [file, line, function, source], as FC's bootstrap formats them
    assert [frame[2:] for frame in document["stackTrace"]] == [
        ["in handler", "check(event)"],
        ["in check", 'raise RuntimeError("handler failed")'],
    ]
    assert document["stackTrace"][0][0] == f'File "{function / "index.py"}"'
    assert payload.decode() == json.dumps(document, indent=4, sort_keys=True)
    with pytest.raises(FunctionError, match="RuntimeError: handler failed") as raised:
        invoke(function, b"{}", environ=ENVIRON)
    assert raised.value.document == document


def test_results_are_serialised_as_the_runtime_serialises_them(tmp_path: Path) -> None:
    function = _function(
        tmp_path,
        "results",
        """
        import datetime, decimal, json
        class Report:
            def to_json(self):
                return {"z": 1, "a": [2]}
        def handler(event, context):
            kind = json.loads(event)["kind"]
            if kind == "dict":
                return {"b": decimal.Decimal("1.5"), "a": datetime.datetime(2026, 11, 30, 8, 0), "c": Report()}
            if kind == "text":
                return "plain text"
            if kind == "bytes":
                return b"\\x00raw"
            return {"not serialisable": object()}
        """,
    )
    payload, failed = invoke_raw(function, b'{"kind": "dict"}', environ={})
    assert not failed
    assert payload.decode() == json.dumps(
        {"a": "2026-11-30T08:00:00", "b": 1.5, "c": {"a": [2], "z": 1}}, indent=4, sort_keys=True
    )
    assert invoke_raw(function, b'{"kind": "text"}', environ={}) == (b"plain text", False)
    assert invoke_raw(function, b'{"kind": "bytes"}', environ={}) == (b"\x00raw", False)
    payload, failed = invoke_raw(function, b'{"kind": "other"}', environ={})
    assert failed and json.loads(payload)["errorType"] == "TypeError"
    assert "is not JSON serializable" in json.loads(payload)["errorMessage"]


def test_the_code_directory_comes_first_and_the_module_is_index(tmp_path: Path) -> None:
    source = """
        import sys
        import helpers
        def handler(event, context):
            import late  # a sibling imported while the function runs
            return [__name__, sys.path[0], helpers.WHO, late.WHO]
    """
    first = _function(tmp_path, "first", source)
    second = _function(tmp_path, "second", source)
    for directory in (first, second):
        (directory / "helpers.py").write_text(f"WHO = {directory.name!r}\n")
        (directory / "late.py").write_text(f"WHO = 'late ' + {directory.name!r}\n")
    path_before = list(sys.path)
    assert invoke(first, b"{}", environ={}) == ["index", str(first.resolve()), "first", "late first"]
    assert invoke(second, b"{}", environ={}) == ["index", str(second.resolve()), "second", "late second"]
    assert invoke(first, b"{}", environ={}) == ["index", str(first.resolve()), "first", "late first"]
    assert sys.path == path_before and "index" not in sys.modules and "helpers" not in sys.modules


def test_python312_context_has_no_credentials_and_no_service(tmp_path: Path) -> None:
    function = _function(
        tmp_path,
        "submit",
        """
        def handler(event, context):
            return {
                "fields": sorted(name for name in vars(context) if not name.startswith("_")),
                "function": vars(context.function),
            }
        """,
    )
    py312 = invoke(function, b"{}", environ=ENVIRON, runtime="python3.12")
    assert py312["fields"] == ["account_id", "function", "log_project", "log_store", "logger", "region", "request_id"]
    assert py312["function"] == {
        "handler": "index.handler",
        "memory": 512,
        "name": "submit",
        "qualifier": "LATEST",
        "timeout": "60",
        "version_id": "",
    }
    py310 = invoke(function, b"{}", environ=ENVIRON)
    assert py310["fields"] == [
        "account_id",
        "credentials",
        "function",
        "logger",
        "region",
        "request_id",
        "retry_count",
        "service",
        "tracing",
    ]


def test_events_must_be_bytes(tmp_path: Path) -> None:
    function = _function(tmp_path, "f", "def handler(event, context):\n    return event\n")
    with pytest.raises(TypeError, match="bytes"):
        invoke(function, '{"a": 1}', environ={})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("handler", "says"),
    [("index.handler", "does not exist"), ("index.nope", "has no function 'nope'"), ("handler", "must look like")],
)
def test_missing_handlers_are_config_errors(tmp_path: Path, handler: str, says: str) -> None:
    directory = tmp_path / "f"
    directory.mkdir()
    if handler != "index.handler":
        (directory / "index.py").write_text("x = 1\n")
    with pytest.raises(ConfigError, match=says):
        load_handler(directory, handler)


def test_http_trigger_turns_requests_into_fc_events(tmp_path: Path) -> None:
    function = _function(tmp_path, "callback", ECHO)
    with serve_http_trigger(function, environ=ENVIRON) as server, httpx.Client(base_url=server.url) as client:
        response = client.post(
            "/ice/%E4%B8%AD%20cb?a=1&a=2&b=",
            content=json.dumps({"JobId": "j-1"}),
            headers=[("Content-Type", "application/json"), ("X-Multi", "v1"), ("X-Multi", "v2")],
        )
        assert response.status_code == 200
        echoed = response.json()
        assert response.headers["x-fc-request-id"] == echoed["requestId"]
        assert echoed["function"] == "callback"
        assert echoed["method"] == "POST"
        assert echoed["path"] == "/ice/中 cb"
        assert echoed["rawPath"] == "/ice/%E4%B8%AD%20cb"
        assert echoed["query"] == {"a": "1,2", "b": ""}
        assert echoed["headers"]["x-multi"] == "v1,v2"
        assert echoed["headers"]["content-type"] == "application/json"
        assert echoed["isBase64Encoded"] is False
        assert json.loads(_b64(echoed["body"])) == {"JobId": "j-1"}
        assert echoed["bucket"] == "scene-bucket"

        binary = bytes(range(256))
        response = client.post("/", content=binary, headers={"Content-Type": "application/octet-stream"})
        echoed = response.json()
        assert echoed["isBase64Encoded"] is True
        assert _b64(echoed["body"]) == binary
        assert echoed["calls"] == 2  # the same warm instance served both


def test_http_trigger_refuses_unlisted_methods_before_the_handler(tmp_path: Path) -> None:
    function = _function(tmp_path, "callback", ECHO)
    with serve_http_trigger(function, environ=ENVIRON) as server, httpx.Client(base_url=server.url) as client:
        for method in ("GET", "PUT", "DELETE", "OPTIONS"):
            response = client.request(method, "/")
            assert response.status_code == 403, method
        assert client.head("/").status_code == 403
        assert client.post("/", content=b"{}").json()["calls"] == 1


def test_http_trigger_allows_configured_methods(tmp_path: Path) -> None:
    function = _function(tmp_path, "callback", ECHO)
    with serve_http_trigger(function, environ=ENVIRON, methods=["get", "POST"]) as server:
        assert httpx.get(server.url + "/x").json()["method"] == "GET"


def test_http_trigger_maps_the_response_struct_back(tmp_path: Path) -> None:
    function = _function(
        tmp_path,
        "callback",
        """
        import base64
        def handler(event, context):
            return {"statusCode": 201, "headers": {"Content-Type": "image/png", "Set-Cookie": ["a=1", "b=2"]},
                    "isBase64Encoded": True, "body": base64.b64encode(b"\\x89PNG").decode()}
        """,
    )
    with serve_http_trigger(function, environ={}) as server:
        response = httpx.post(server.url)
    assert response.status_code == 201
    assert response.content == b"\x89PNG"
    assert response.headers["content-type"] == "image/png"
    assert response.headers.get_list("set-cookie") == ["a=1", "b=2"]


def test_http_trigger_reports_a_raising_handler_as_fc_does(tmp_path: Path) -> None:
    function = _function(
        tmp_path,
        "callback",
        """
        def handler(event, context):
            raise ValueError("cannot verify")
        """,
    )
    with serve_http_trigger(function, environ={}) as server:
        response = httpx.post(server.url, content=b"{}")
    assert response.status_code == 500
    assert response.headers["x-fc-error-type"] == "UnhandledInvocationError"
    body = response.json()
    assert (body["errorMessage"], body["errorType"]) == ("cannot verify", "ValueError")
    assert any("in handler" in part for frame in body["stackTrace"] for part in frame)


@pytest.mark.parametrize(
    ("returned", "status", "body"),
    [
        ('"plain text"', 200, b"plain text"),
        ('{"statusCode": "200", "body": "x"}', 502, b"malformed function response: statusCode must be an integer"),
        ('{"statusCode": 200, "body": "%%%", "isBase64Encoded": True}', 502, b"malformed function response: "),
        ('{"statusCode": 200, "body": {"a": 1}}', 502, b"malformed function response: body must be a string"),
    ],
)
def test_http_trigger_handles_non_struct_and_malformed_returns(
    tmp_path: Path, returned: str, status: int, body: bytes
) -> None:
    function = _function(tmp_path, "callback", f"def handler(event, context):\n    return {returned}\n")
    with serve_http_trigger(function, environ={}) as server:
        response = httpx.post(server.url)
    assert response.status_code == status
    assert response.content.startswith(body)


def test_invocations_are_serialised_like_one_fc_instance(tmp_path: Path) -> None:
    function = _function(
        tmp_path,
        "callback",
        """
        import os, threading, time
        from scene_select.cloud.fc.http_trigger import http_response
        ACTIVE = []
        def handler(event, context):
            ACTIVE.append(1)
            overlap = len(ACTIVE)
            time.sleep(0.05)
            ACTIVE.pop()
            return http_response(200, {"overlap": overlap, "env": os.environ.get("SCENE_SELECT_BUCKET")})
        """,
    )
    results: list[dict[str, object]] = []
    with serve_http_trigger(function, environ=ENVIRON) as server:
        threads = [threading.Thread(target=lambda: results.append(httpx.post(server.url).json())) for _ in range(4)]
        for thread in threads:
            thread.start()
        other = invoke(
            _function(
                tmp_path, "other", "import os\ndef handler(e, c):\n    return os.environ.get('SCENE_SELECT_BUCKET')\n"
            ),
            b"{}",
            environ={},
        )
        for thread in threads:
            thread.join()
    assert other is None  # never saw the HTTP function's environment
    assert results == [{"overlap": 1, "env": "scene-bucket"}] * 4


def test_a_missing_handler_fails_when_serving_starts(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        serve_http_trigger(tmp_path, environ={})


def _b64(text: str) -> bytes:
    return base64.b64decode(text)
