"""The signed request with which the callback function runs a run's follow-up after answering ICE."""

from __future__ import annotations

import pytest

from scene_select.cloud.errors import CallbackRejectedError
from scene_select.cloud.pipeline.follow_up_request import follow_up_request, is_follow_up, verify_follow_up

KEY = "SkAuthKey0123456789abcdefXY7Q"
NOW = 1_764_489_600.0


def _lower(headers: dict[str, str]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


def test_a_follow_up_request_is_asynchronous_signed_and_verifies() -> None:
    headers, body = follow_up_request("0123abcd0123abcd0123", KEY, now=NOW)
    assert headers["X-Fc-Invocation-Type"] == "Async"  # FC answers at once and runs it later
    received = _lower(headers)
    assert is_follow_up(received)
    assert verify_follow_up(received, body, [KEY], now=NOW + 5, window_seconds=300) == "0123abcd0123abcd0123"
    assert verify_follow_up(received, body, ["old-key", KEY], now=NOW, window_seconds=300)  # during a rotation


@pytest.mark.parametrize(
    ("change", "status", "says"),
    [
        ({"key": "another key"}, 401, "does not match"),
        ({"now": NOW + 301}, 401, "outside the 300 s window"),
        ({"body": b'{"runKey":"ffff"}'}, 401, "does not match"),
        ({"drop": "x-scene-select-signature"}, 401, "missing"),
    ],
)
def test_forged_stale_or_altered_follow_ups_are_refused(change: dict[str, object], status: int, says: str) -> None:
    headers, body = follow_up_request("0123abcd0123abcd0123", KEY, now=NOW)
    received = _lower(headers)
    received.pop(str(change.get("drop", "-")), None)
    with pytest.raises(CallbackRejectedError, match=says) as refused:
        verify_follow_up(
            received,
            change.get("body", body),  # type: ignore[arg-type]
            [str(change.get("key", KEY))],
            now=float(change.get("now", NOW)),  # type: ignore[arg-type]
            window_seconds=300,
        )
    assert refused.value.status == status


def test_a_signed_request_naming_no_run_is_a_bad_request() -> None:
    import hashlib
    import hmac

    body = b'{"runKey": "../../etc"}'
    signature = hmac.new(KEY.encode(), b"1764489600\n" + body, hashlib.sha256).hexdigest()
    headers = {"x-scene-select-timestamp": "1764489600", "x-scene-select-signature": signature}
    with pytest.raises(CallbackRejectedError, match="not a run key") as refused:
        verify_follow_up(headers, body, [KEY], now=NOW, window_seconds=300)
    assert refused.value.status == 400
