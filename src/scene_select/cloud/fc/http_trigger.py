"""FC 3.0 HTTP-trigger events in, FC response structs out (docs/fc-oss.md#http-trigger-events).

Request event (bytes of JSON)::

    {"version": "v1", "rawPath": "/a%20b", "body": "...", "isBase64Encoded": false,
     "headers": {"Content-Type": "application/json", "X-Multi": "v1,v2"},
     "queryParameters": {"k": "v1,v2"},
     "requestContext": {"requestId": "...", "domainName": "...", "http": {"method": "POST",
                        "path": "/a b", "protocol": "HTTP/1.1", "sourceIp": "...", "userAgent": "..."}, ...}}

``rawPath`` is URL-encoded and ``requestContext.http.path`` decoded; repeated headers and query
parameters arrive comma-joined in one string; a binary body arrives base64 with ``isBase64Encoded``.
Header-name casing is not documented (samples show mixed case), so names are lower-cased here and
:meth:`HttpRequest.header` looks them up case-insensitively.

A handler answers with ``{"statusCode", "headers", "isBase64Encoded", "body"}`` — what
:func:`http_response` builds. (What FC does with any other return value is undocumented; always return
the struct.)
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any
from urllib.parse import unquote

from scene_select.cloud.errors import EventError
from scene_select.cloud.models.http_request import HttpRequest
from scene_select.cloud.models.trigger_event import load_event_object

__all__ = ["http_response", "parse_http_event"]


def parse_http_event(event: bytes | str | dict[str, Any]) -> HttpRequest:
    """Decode an FC 3.0 HTTP-trigger event; :class:`EventError` naming the fault when it is malformed."""
    payload = load_event_object(event, "HTTP trigger event")
    context = _object(payload.get("requestContext"), "requestContext")
    http = _object(context.get("http"), "requestContext.http")
    method = http.get("method")
    if not isinstance(method, str) or not method.strip():
        raise EventError("HTTP trigger event has no requestContext.http.method")
    raw_path = payload.get("rawPath", "/")
    if not isinstance(raw_path, str):
        raise EventError(f"HTTP trigger event rawPath must be a string, got {type(raw_path).__name__}")
    path = http.get("path")
    if path is None:
        path = unquote(raw_path)
    elif not isinstance(path, str):
        raise EventError(f"HTTP trigger event requestContext.http.path must be a string, got {type(path).__name__}")
    return HttpRequest(
        method=method.strip().upper(),
        path=path,
        raw_path=raw_path,
        headers={name.lower(): value for name, value in _string_map(payload.get("headers"), "headers").items()},
        query=_string_map(payload.get("queryParameters"), "queryParameters"),
        body=_body(payload),
        request_id=_optional_string(context.get("requestId")),
        source_ip=_optional_string(http.get("sourceIp")),
        domain_name=_optional_string(context.get("domainName")),
    )


def http_response(
    status: int, body: dict[str, Any] | list[Any] | str | bytes = "", headers: dict[str, str] | None = None
) -> dict[str, Any]:
    """The response struct an FC 3.0 HTTP trigger turns into an HTTP response.

    A dict or list body is sent as compact UTF-8 JSON, a str as UTF-8 text, bytes as base64 with
    ``isBase64Encoded: true``; the Content-Type follows unless ``headers`` sets one.
    """
    if not 100 <= status <= 599:
        raise ValueError(f"HTTP status must be 100..599, got {status}")
    if isinstance(body, (dict, list)):
        text = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
        content_type, encoded, is_base64 = "application/json; charset=utf-8", text, False
    elif isinstance(body, bytes):
        content_type = "application/octet-stream"
        encoded, is_base64 = base64.b64encode(body).decode("ascii"), True
    else:
        content_type, encoded, is_base64 = "text/plain; charset=utf-8", body, False
    out_headers = {"Content-Type": content_type}
    if headers:
        if any(name.lower() == "content-type" for name in headers):
            del out_headers["Content-Type"]
        out_headers.update(headers)
    return {"statusCode": status, "headers": out_headers, "isBase64Encoded": is_base64, "body": encoded}


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise EventError(f"HTTP trigger event has no {where} object (is this an HTTP-trigger event?)")
    return value


def _string_map(value: Any, where: str) -> dict[str, str]:
    """Header or query map: values are strings; a list (not FC's form, but seen in other gateways) is joined."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise EventError(f"HTTP trigger event {where} must be an object, got {type(value).__name__}")
    out: dict[str, str] = {}
    for name, item in value.items():
        if isinstance(item, str):
            out[name] = item
        elif isinstance(item, list) and all(isinstance(part, str) for part in item):
            out[name] = ",".join(item)
        else:
            raise EventError(f"HTTP trigger event {where}[{name!r}] must be a string, got {type(item).__name__}")
    return out


def _body(payload: dict[str, Any]) -> bytes:
    body = payload.get("body")
    if body is None:
        return b""
    if not isinstance(body, str):
        raise EventError(f"HTTP trigger event body must be a string, got {type(body).__name__}")
    is_base64 = payload.get("isBase64Encoded", False)
    if not isinstance(is_base64, bool):
        raise EventError(f"HTTP trigger event isBase64Encoded must be true or false, got {is_base64!r}")
    if not is_base64:
        return body.encode("utf-8")
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise EventError(f"HTTP trigger event body is marked isBase64Encoded but is not base64 ({exc})") from exc


def _optional_string(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
