"""ICE's HTTP callback authentication: ``X-ICE-SIGNATURE = md5("<url>|<X-ICE-TIMESTAMP>|<AuthKey>")``.

The callback endpoint is public, so anyone could post a fake "job finished" to it. ICE signs each
callback with the AuthKey configured in the console (docs/ice-api.md#callbacks); we recompute that MD5 in
constant time, refuse stale timestamps (replays), and accept the previous key too so that the key can
be rotated without dropping callbacks: add the new key here, switch it in the console, drop the old.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence

from scene_select.cloud.errors import CallbackRejectedError, ConfigError

__all__ = ["SIGNATURE_HEADER", "TIMESTAMP_HEADER", "callback_signature", "verify_callback"]

TIMESTAMP_HEADER = "x-ice-timestamp"
SIGNATURE_HEADER = "x-ice-signature"


def callback_signature(url: str, timestamp: int | str, auth_key: str) -> str:
    """Lowercase hex MD5 of ``url|timestamp|auth_key``, as ICE computes it."""
    return hashlib.md5(f"{url}|{timestamp}|{auth_key}".encode(), usedforsecurity=False).hexdigest()


def verify_callback(
    url: str,
    headers: Mapping[str, str],
    auth_keys: Sequence[str],
    *,
    now: float,
    window_seconds: int = 300,
) -> None:
    """Accept a callback signed with any of ``auth_keys`` within ``window_seconds`` of ``now``.

    ``url`` is the URL ICE called (the NotifyAddress). Raises :class:`CallbackRejectedError` (status 401)
    naming what failed — never the expected signature or a key — and :class:`ConfigError` when no key
    is configured at all, since then nothing can be verified.
    """
    keys = [key for key in auth_keys if key]
    if not keys:
        raise ConfigError(
            "callback authentication has no AuthKey: set SCENE_SELECT_CALLBACK_AUTH_KEY to the key configured "
            "in the ICE console (callback authentication)"
        )
    lowered = {name.lower(): value.strip() for name, value in headers.items()}
    timestamp = lowered.get(TIMESTAMP_HEADER)
    signature = lowered.get(SIGNATURE_HEADER)
    if not timestamp or not signature:
        missing = [
            name for name, value in (("X-ICE-TIMESTAMP", timestamp), ("X-ICE-SIGNATURE", signature)) if not value
        ]
        raise CallbackRejectedError(f"callback rejected: header {' and '.join(missing)} missing", status=401)
    if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:  # 12 digits: year 33658
        raise CallbackRejectedError(
            f"callback rejected: X-ICE-TIMESTAMP {timestamp[:32]!r} is not UNIX seconds", status=401
        )
    age = now - int(timestamp)
    if abs(age) > window_seconds:
        raise CallbackRejectedError(
            f"callback rejected: X-ICE-TIMESTAMP is {int(age)} s from now, outside the {window_seconds} s window",
            status=401,
        )
    presented = signature.lower().encode()
    matched = False
    for key in keys:  # every key is compared, so timing does not reveal which one matched
        expected = callback_signature(url, timestamp, key).encode()
        matched |= hmac.compare_digest(expected, presented)
    if not matched:
        raise CallbackRejectedError(
            "callback rejected: X-ICE-SIGNATURE does not match the configured AuthKey for this URL", status=401
        )
