"""ACS3-HMAC-SHA256 as an ``httpx.Auth``: every request leaving an :class:`~scene_select.cloud.ice.client.IceClient`
is signed here, right before it is sent.

Signing lives in the auth hook rather than in the client so that each attempt of a retried request gets a
fresh date, nonce and — for rotating STS keys — fresh credentials, and so that the exact bytes httpx
sends are the bytes that were hashed (``requires_request_body``).

The headers follow docs/ice-api.md#signing and what the official SDK sends: ``x-acs-date``,
``x-acs-signature-nonce``, ``x-acs-content-sha256``, and with an STS key ``x-acs-security-token`` plus
``x-acs-accesskey-id``. We sign what the V3 spec names — ``host``, ``content-type`` and every ``x-acs-*``
header — so any verifier accepts the request, whether it follows the request's SignedHeaders list or the
spec's rule. The official SDK also signs ``accept`` and ``user-agent``; ``extra_signed_headers`` does the
same, and the parity test (tests/unit/ice/test_sdk_parity.py) uses it to match the SDK's signature exactly.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Generator, Iterable
from datetime import datetime, timezone

import httpx

from scene_select.cloud.credentials import CredentialsProvider
from scene_select.cloud.ice.signing import DATE_FORMAT, authorization_header, canonical_request, sha256_hex, sign

__all__ = ["SDK_EXTRA_SIGNED_HEADERS", "SIGNED_PLAIN_HEADERS", "AcsV3Auth", "random_nonce", "utc_now"]

# Headers outside x-acs-* that the V3 spec signs. Transport headers httpx adds (accept-encoding,
# connection, content-length) stay unsigned: proxies may rewrite them.
SIGNED_PLAIN_HEADERS = frozenset({"host", "content-type"})
# What the official SDK signs in addition.
SDK_EXTRA_SIGNED_HEADERS = ("accept", "user-agent")


def utc_now() -> datetime:
    """The current time in UTC (the default clock)."""
    return datetime.now(timezone.utc)


def random_nonce() -> str:
    """32 hex characters from the OS's CSPRNG: the gateway refuses a nonce it has seen before."""
    return secrets.token_hex(16)


class AcsV3Auth(httpx.Auth):
    """Sign each request with the V3 signature, reading credentials anew for every request."""

    requires_request_body = True

    def __init__(
        self,
        credentials: CredentialsProvider,
        *,
        clock: Callable[[], datetime] = utc_now,
        nonce: Callable[[], str] = random_nonce,
        extra_signed_headers: Iterable[str] = (),
    ) -> None:
        self._credentials = credentials
        self._clock = clock
        self._nonce = nonce
        self._plain_signed = SIGNED_PLAIN_HEADERS | {name.lower() for name in extra_signed_headers}

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        self.sign_request(request)
        yield request

    def sign_request(self, request: httpx.Request) -> None:
        """Set the x-acs-* headers and Authorization on ``request`` in place."""
        credentials = self._credentials()  # may raise CredentialsError: nothing is sent then
        body = request.content
        request.headers["x-acs-date"] = self._clock().astimezone(timezone.utc).strftime(DATE_FORMAT)
        request.headers["x-acs-signature-nonce"] = self._nonce()
        request.headers["x-acs-content-sha256"] = sha256_hex(body)
        if credentials.security_token:
            request.headers["x-acs-accesskey-id"] = credentials.access_key_id
            request.headers["x-acs-security-token"] = credentials.security_token
        else:
            request.headers.pop("x-acs-accesskey-id", None)
            request.headers.pop("x-acs-security-token", None)
        names = [name for name in request.headers if name.startswith("x-acs-") or name in self._plain_signed]
        text, signed_headers = canonical_request(
            request.method,
            request.url.path,
            dict(request.url.params.multi_items()),
            dict(request.headers.items()),
            body,
            signed_headers=names,
        )
        request.headers["Authorization"] = authorization_header(
            credentials.access_key_id, signed_headers, sign(text, credentials.access_key_secret)
        )
