"""ICE callback signature: the documented md5 vector, the window, and key rotation."""

from __future__ import annotations

import pytest

from scene_select.cloud.errors import CallbackRejectedError, ConfigError
from scene_select.cloud.ice.callback_auth import callback_signature, verify_callback

URL = "https://www.example.com/your/callback"
TS = 1519375990


def test_documented_vector() -> None:
    # docs/ice-api.md#callbacks: the printed result matches the lowercase key.
    assert callback_signature(URL, TS, "test123") == "c72b60894140fa98920f1279219b7ed4"
    assert callback_signature(URL, str(TS), "Test123") == "c587b80d2d0ede300e8967937da7219b"


def _headers(key: str = "test123", ts: int = TS, *, upper: bool = False) -> dict[str, str]:
    sig = callback_signature(URL, ts, key)
    return {"X-ICE-TIMESTAMP": str(ts), "X-ICE-SIGNATURE": sig.upper() if upper else sig}


def test_accepts_a_fresh_signed_callback_any_header_case() -> None:
    verify_callback(URL, _headers(), ["test123"], now=TS + 10)
    lowered = {k.lower(): v for k, v in _headers(upper=True).items()}
    verify_callback(URL, lowered, ["test123"], now=TS - 10)


def test_previous_key_still_accepted_during_rotation() -> None:
    verify_callback(URL, _headers("OldKey1"), ["NewKey2", "OldKey1"], now=TS)
    verify_callback(URL, _headers("NewKey2"), ["NewKey2", "OldKey1"], now=TS)


def test_dropped_key_is_rejected() -> None:
    with pytest.raises(CallbackRejectedError) as caught:
        verify_callback(URL, _headers("OldKey1"), ["NewKey2"], now=TS)
    assert caught.value.status == 401
    assert "NewKey2" not in str(caught.value)
    assert callback_signature(URL, TS, "NewKey2") not in str(caught.value)


def test_signature_for_another_url_is_rejected() -> None:
    with pytest.raises(CallbackRejectedError):
        verify_callback(URL + "/other", _headers(), ["test123"], now=TS)


@pytest.mark.parametrize("offset", [301, -301, 10_000])
def test_outside_the_window_is_rejected(offset: int) -> None:
    with pytest.raises(CallbackRejectedError, match="window"):
        verify_callback(URL, _headers(), ["test123"], now=TS + offset)


def test_window_edge_is_accepted_and_configurable() -> None:
    verify_callback(URL, _headers(), ["test123"], now=TS + 300)
    with pytest.raises(CallbackRejectedError):
        verify_callback(URL, _headers(), ["test123"], now=TS + 61, window_seconds=60)


@pytest.mark.parametrize(
    ("headers", "fragment"),
    [
        ({}, "X-ICE-TIMESTAMP and X-ICE-SIGNATURE missing"),
        ({"X-ICE-TIMESTAMP": str(TS)}, "X-ICE-SIGNATURE missing"),
        ({"X-ICE-TIMESTAMP": "soon", "X-ICE-SIGNATURE": "00"}, "not UNIX seconds"),
        ({"X-ICE-TIMESTAMP": "-5", "X-ICE-SIGNATURE": "00"}, "not UNIX seconds"),
    ],
)
def test_malformed_headers_are_rejected(headers: dict[str, str], fragment: str) -> None:
    with pytest.raises(CallbackRejectedError, match=fragment):
        verify_callback(URL, headers, ["test123"], now=TS)


def test_no_configured_key_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="SCENE_SELECT_CALLBACK_AUTH_KEY"):
        verify_callback(URL, _headers(), ["", ""], now=TS)
