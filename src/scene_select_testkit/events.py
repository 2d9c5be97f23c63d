"""What the functions receive, for tests and benchmarks: the sample events and builders for the three inputs.

The submit function is triggered by OSS events, the callback function by ICE's callback arriving through
an FC HTTP trigger. Tests used to build these in several places, each a little differently; here is one
of each, shaped as the cloud sends them:

* :func:`load_event` / :func:`event_bytes`: the hand-written samples in ``tests/events/`` (see the README
  there; ``scene-select invoke --event`` takes the same files);
* :func:`oss_event`: the OSS-trigger event for an object that is in a bucket (its real size and ETag);
* :func:`ice_callback_body`: the JSON body ICE posts when a job ends;
* :func:`http_trigger_event`: the FC 3.0 HTTP-trigger event wrapping one HTTP request, as FC hands it to
  the callback handler.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote

from scene_select.cloud.storage.base import ObjectStore, content_etag

__all__ = [
    "EVENTS_DIR",
    "event_bytes",
    "http_trigger_event",
    "ice_callback_body",
    "load_event",
    "oss_event",
]

#: The sample events (the kit is used from a checkout: ``pip install -e``, as ``make install`` does).
EVENTS_DIR = Path(__file__).resolve().parents[2] / "tests" / "events"


def event_bytes(name: str) -> bytes:
    """A sample event's bytes, exactly as FC would hand them to the handler."""
    return (EVENTS_DIR / name).read_bytes()


def load_event(name: str) -> Any:
    """A sample event from ``tests/events/``, parsed (``load_event("oss_put_object.json")``)."""
    return json.loads(event_bytes(name).decode("utf-8"))


def oss_event(
    store: ObjectStore,
    key: str,
    event_name: str = "ObjectCreated:PutObject",
    *,
    data: bytes | None = None,
    region: str = "cn-shanghai",
) -> bytes:
    """The event OSS sends for ``key`` in ``store``'s bucket, with the object's real size and ETag.

    The object is read from the store unless ``data`` is given: a hostile key the bucket directory cannot
    even hold still makes an event, as OSS would send it.
    """
    data = store.get(key) if data is None else data
    record = {
        "eventName": event_name,
        "eventSource": "acs:oss",
        "eventTime": "2026-11-24T00:00:00.000Z",
        "eventVersion": "1.0",
        "oss": {
            "bucket": {"arn": f"acs:oss:{region}:1:{store.bucket}", "name": store.bucket, "ownerIdentity": "1"},
            "object": {"deltaSize": len(data), "eTag": content_etag(data), "key": key, "size": len(data)},
            "ossSchemaVersion": "1.0",
            "ruleId": "rule",
        },
        "region": region,
        "requestParameters": {"sourceIPAddress": "127.0.0.1"},
        "responseElements": {"requestId": "req"},
        "userIdentity": {"principalId": "1"},
    }
    return json.dumps({"events": [record]}).encode("utf-8")


def ice_callback_body(
    job_id: str, status: str = "Finished", *, user_data: str = "{}", event_time: datetime | None = None
) -> bytes:
    """The body ICE posts to a job's callback URL when the job ends (``BatchProduceMediaComplete``)."""
    moment = event_time or datetime.now(timezone.utc)
    message = {"Status": status, "JobId": job_id, "UserData": user_data}
    body = {
        "EventType": "BatchProduceMediaComplete",
        "UserId": 1,
        "EventTime": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "MessageBody": message,
    }
    return json.dumps(body).encode("utf-8")


def http_trigger_event(
    *,
    body: bytes | str,
    headers: Mapping[str, str],
    method: str = "POST",
    path: str = "/ice-callback",
    query: Mapping[str, str] | None = None,
    request_id: str = "test-request",
) -> bytes:
    """The FC 3.0 HTTP-trigger event for one request, as FC hands it to the handler.

    ``path`` is the decoded path (``requestContext.http.path``); ``rawPath`` is its percent-encoded form. A
    body that is not UTF-8 text travels base64-encoded, as FC sends it.
    """
    if isinstance(body, bytes):
        try:
            text, encoded = body.decode("utf-8"), False
        except UnicodeDecodeError:
            text, encoded = base64.b64encode(body).decode("ascii"), True
    else:
        text, encoded = body, False
    event: dict[str, Any] = {
        "version": "v1",
        "rawPath": quote(path),
        "body": text,
        "isBase64Encoded": encoded,
        "headers": dict(headers),
        "queryParameters": dict(query or {}),
        "requestContext": {
            "requestId": request_id,
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1"},
        },
    }
    return json.dumps(event).encode("utf-8")
