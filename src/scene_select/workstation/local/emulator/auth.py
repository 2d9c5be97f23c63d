"""Who sent this request, and may they: ACS3 signature, STS token and nonce replay checks.

The signature arithmetic is the ``scene_select.cloud.ice.signing`` module's (the same code our client signs with,
tested against Alibaba's official vector); this module adds what a gateway adds around it: which access keys
exist, which of them need a security token, and refusing a ``x-acs-signature-nonce`` seen before
(``SignatureNonceUsed``). Nonces are kept in the job store for twice the allowed clock skew, so a captured
request cannot be replayed even across an emulator restart.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable, Mapping
from datetime import datetime

from scene_select.cloud.ice.signing import SignatureCheckError, verify_request
from scene_select.workstation.local.emulator.api_errors import ApiError, missing_parameter
from scene_select.workstation.local.emulator.job_store import JobStore, utc_now
from scene_select.workstation.local.emulator.requests import ApiRequest

__all__ = ["RequestAuthenticator"]


class RequestAuthenticator:
    """Checks a request against ``credentials`` (AccessKeyId → secret) and optional STS tokens."""

    def __init__(
        self,
        credentials: Mapping[str, str],
        store: JobStore,
        *,
        security_tokens: Mapping[str, str] | None = None,
        max_skew_seconds: int = 900,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._credentials = dict(credentials)
        self._security_tokens = dict(security_tokens or {})
        self._store = store
        self._max_skew = max_skew_seconds
        self._clock = clock

    def authenticate(self, request: ApiRequest) -> str:
        """The caller's AccessKeyId, or an ApiError with the gateway's code."""
        try:
            access_key_id = verify_request(
                request.method,
                request.path,
                request.query,
                request.headers,
                request.body,
                self._credentials.get,
                now=self._clock(),
                max_skew_seconds=self._max_skew,
            )
        except SignatureCheckError as exc:
            raise ApiError(exc.code, exc.check_message, exc.http_status) from exc
        self._check_security_token(access_key_id, request.headers.get("x-acs-security-token"))
        nonce = request.headers.get("x-acs-signature-nonce", "")
        if not nonce:
            raise missing_parameter("SignatureNonce")
        if not self._store.remember_nonce(access_key_id, nonce, now=time.time(), keep_seconds=2.0 * self._max_skew):
            raise ApiError("SignatureNonceUsed", "Specified signature nonce was used already.", 400)
        return access_key_id

    def _check_security_token(self, access_key_id: str, sent: str | None) -> None:
        expected = self._security_tokens.get(access_key_id)
        if expected is None:
            return
        if sent is None or not hmac.compare_digest(sent.encode(), expected.encode()):
            raise ApiError(
                "InvalidSecurityToken.MismatchWithAccessKey",
                "Specified SecurityToken is missing or does not match the AccessKeyId.",
                400,
            )
