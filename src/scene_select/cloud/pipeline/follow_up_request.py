"""The request that runs a run's follow-up after the callback answered ICE: built, signed and verified.

The callback function cannot work after it has answered (FC freezes the instance), and a follow-up —
the next step's submit, the editor timelines, the ICE timelines of the editing projects — does not
belong in ICE's 3-second window. So the callback asks Function Compute to invoke *itself* again,
asynchronously (an HTTP request to its own trigger with ``X-Fc-Invocation-Type: Async``; FC queues it
and retries it on failure), carrying the run key. Anyone can reach an anonymous HTTP trigger, so the
request is signed with the callback AuthKey (HMAC-SHA256 over the timestamp and the body) and refused
unless it verifies inside the callback window. A follow-up is idempotent, so a replay changes nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence

from scene_select.cloud.errors import CallbackRejectedError

__all__ = [
    "FOLLOW_UP_HEADER",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "follow_up_request",
    "is_follow_up",
    "verify_follow_up",
]

FOLLOW_UP_HEADER = "x-scene-select-follow-up"
TIMESTAMP_HEADER = "x-scene-select-timestamp"
SIGNATURE_HEADER = "x-scene-select-signature"
ASYNC_HEADER = "X-Fc-Invocation-Type"


def _signature(key: str, timestamp: str, body: bytes) -> str:
    return hmac.new(key.encode("utf-8"), timestamp.encode("ascii") + b"\n" + body, hashlib.sha256).hexdigest()


def follow_up_request(run_key: str, auth_key: str, *, now: float) -> tuple[dict[str, str], bytes]:
    """(headers, body) of the asynchronous self-invocation that runs ``run_key``'s follow-up."""
    body = json.dumps({"runKey": run_key}, separators=(",", ":")).encode("utf-8")
    timestamp = str(int(now))
    headers = {
        ASYNC_HEADER: "Async",
        FOLLOW_UP_HEADER: "1",
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: _signature(auth_key, timestamp, body),
        "Content-Type": "application/json",
    }
    return headers, body


def is_follow_up(headers: Mapping[str, str]) -> bool:
    """Whether an HTTP request to the callback function asks for a follow-up (not an ICE callback)."""
    return FOLLOW_UP_HEADER in headers


def verify_follow_up(
    headers: Mapping[str, str], body: bytes, auth_keys: Sequence[str], *, now: float, window_seconds: float
) -> str:
    """The run key a genuine follow-up request names; CallbackRejectedError (401/400) otherwise."""
    timestamp = headers.get(TIMESTAMP_HEADER, "")
    signature = headers.get(SIGNATURE_HEADER, "")
    if not timestamp.isdigit() or len(timestamp) > 12 or not signature:
        raise CallbackRejectedError("follow-up rejected: timestamp or signature missing", status=401)
    if abs(now - int(timestamp)) > window_seconds:
        raise CallbackRejectedError(
            f"follow-up rejected: timestamp outside the {window_seconds:.0f} s window", status=401
        )
    if not any(hmac.compare_digest(_signature(key, timestamp, body), signature) for key in auth_keys if key):
        raise CallbackRejectedError("follow-up rejected: the signature does not match the AuthKey", status=401)
    try:
        run_key = json.loads(body)["runKey"]
    except (ValueError, KeyError, TypeError):
        raise CallbackRejectedError("follow-up rejected: the body names no runKey", status=400) from None
    if not (isinstance(run_key, str) and run_key.isalnum() and len(run_key) <= 64):
        raise CallbackRejectedError("follow-up rejected: runKey is not a run key", status=400)
    return run_key
