"""ACS3-HMAC-SHA256, the V3 request signature of Alibaba Cloud OpenAPI, as pure functions.

Both sides of the wire use this module: the client signer (:mod:`scene_select.cloud.ice.auth`) and every
server that must check a signature (the local ICE emulator, test servers). Keeping one implementation
means a mistake cannot hide by being made the same way twice in two places — which is why the
official SDK parity test and the documented vector (docs/ice-api.md#signing) both pin it.

The algorithm, in short::

    CanonicalRequest = METHOD \\n CanonicalURI \\n CanonicalQuery \\n CanonicalHeaders \\n SignedHeaders
                       \\n hex(sha256(body))
    StringToSign     = "ACS3-HMAC-SHA256\\n" + hex(sha256(CanonicalRequest))
    Signature        = hex(hmac_sha256(AccessKeySecret, StringToSign))
    Authorization    = "ACS3-HMAC-SHA256 Credential=<AK>,SignedHeaders=<names>,Signature=<sig>"

No httpx here, no clock, no randomness: callers pass everything in.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timezone
from urllib.parse import quote

from scene_select.cloud.errors import SignatureCheckError

__all__ = [
    "ALGORITHM",
    "DATE_FORMAT",
    "EMPTY_BODY_SHA256",
    "REQUIRED_SIGNED_HEADERS",
    "SignatureCheckError",
    "authorization_header",
    "canonical_query",
    "canonical_request",
    "percent_encode",
    "sha256_hex",
    "sign",
    "verify_request",
]

ALGORITHM = "ACS3-HMAC-SHA256"
DATE_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
EMPTY_BODY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

# What a V3 request must sign for the gateway to accept it (the SDK always signs these).
REQUIRED_SIGNED_HEADERS = (
    "host",
    "x-acs-action",
    "x-acs-content-sha256",
    "x-acs-date",
    "x-acs-signature-nonce",
    "x-acs-version",
)


def percent_encode(s: str) -> str:
    """RFC 3986 encoding of UTF-8 text: only ``A-Za-z0-9-_.~`` stay as they are.

    That means space becomes ``%20`` (never ``+``), ``*`` becomes ``%2A`` and ``~`` is kept, exactly as
    the V3 signature spec demands; ``urllib.parse.quote`` with no safe characters does precisely this.
    """
    return quote(s, safe="", encoding="utf-8", errors="strict")


def sha256_hex(data: bytes) -> str:
    """Lowercase hex SHA-256, the form used for both the payload hash and the string to sign."""
    return hashlib.sha256(data).hexdigest()


def canonical_query(params: Mapping[str, str]) -> str:
    """Query parameters sorted by encoded name, each ``name=value`` percent-encoded, joined by ``&``."""
    pairs = sorted((percent_encode(name), percent_encode(value)) for name, value in params.items())
    return "&".join(f"{name}={value}" for name, value in pairs)


def _canonical_uri(path: str) -> str:
    """The path with each segment percent-encoded and the slashes kept (``/`` for RPC calls)."""
    return "/".join(percent_encode(segment) for segment in (path or "/").split("/"))


def _lowercase(headers: Mapping[str, str]) -> dict[str, str]:
    return {name.lower().strip(): value.strip() for name, value in headers.items()}


def _signable_names(headers: Mapping[str, str]) -> list[str]:
    """The headers V3 signs: every ``x-acs-*`` plus ``host`` and ``content-type`` when present."""
    return sorted(name for name in headers if name.startswith("x-acs-") or name in ("host", "content-type"))


def _canonical_request_for(
    method: str, path: str, query: Mapping[str, str], headers: Mapping[str, str], body: bytes, *, names: Iterable[str]
) -> tuple[str, str]:
    names = sorted(names)
    canonical_headers = "".join(f"{name}:{headers.get(name, '')}\n" for name in names)
    signed_headers = ";".join(names)
    text = "\n".join(
        [
            method.upper(),
            _canonical_uri(path),
            canonical_query(query),
            canonical_headers,
            signed_headers,
            sha256_hex(body),
        ]
    )
    return text, signed_headers


def canonical_request(
    method: str,
    path: str,
    query: Mapping[str, str],
    headers: Mapping[str, str],
    body: bytes,
    *,
    signed_headers: Iterable[str] | None = None,
) -> tuple[str, str]:
    """Return the canonical request text and its SignedHeaders string.

    By default the signed headers are the ones the V3 spec names: every ``x-acs-*`` header plus
    ``host`` and ``content-type`` when present. ``signed_headers`` chooses others (the gateway signs
    whatever the client lists; the official SDK also signs ``accept`` and ``user-agent``). Header names
    are matched case-insensitively and values trimmed; the payload hash is computed from ``body`` itself
    (it must equal the ``x-acs-content-sha256`` header the request carries).
    """
    lowered = _lowercase(headers)
    names = _signable_names(lowered) if signed_headers is None else {name.lower() for name in signed_headers}
    return _canonical_request_for(method, path, query, lowered, body, names=names)


def sign(canonical_request_text: str, secret: str) -> str:
    """Hex HMAC-SHA256, keyed with the raw AccessKeySecret, of ``ALGORITHM\\n + sha256hex(canonical)``."""
    string_to_sign = f"{ALGORITHM}\n{sha256_hex(canonical_request_text.encode('utf-8'))}"
    return hmac.new(secret.encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def authorization_header(access_key_id: str, signed_headers: str, signature: str) -> str:
    """The ``Authorization`` header value that carries a V3 signature."""
    return f"{ALGORITHM} Credential={access_key_id},SignedHeaders={signed_headers},Signature={signature}"


def _parse_authorization(value: str | None) -> tuple[str, list[str], str]:
    """Split an Authorization header into (AccessKeyId, signed header names, signature)."""
    if not value:
        raise SignatureCheckError("IncompleteSignature", "the request has no Authorization header", 400)
    algorithm, _, rest = value.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise SignatureCheckError(
            "IncompleteSignature", f"the Authorization header must use {ALGORITHM}, not {algorithm!r}", 400
        )
    fields: dict[str, str] = {}
    for part in rest.split(","):
        key, sep, field_value = part.strip().partition("=")
        if sep:
            fields[key] = field_value
    missing = [key for key in ("Credential", "SignedHeaders", "Signature") if not fields.get(key)]
    if missing:
        raise SignatureCheckError("IncompleteSignature", f"the Authorization header lacks {', '.join(missing)}", 400)
    names = [name.strip().lower() for name in fields["SignedHeaders"].split(";") if name.strip()]
    return fields["Credential"], names, fields["Signature"]


def _parse_date(value: str | None) -> datetime:
    if not value:
        raise SignatureCheckError("InvalidTimeStamp.Format", "the request has no x-acs-date header", 400)
    try:
        return datetime.strptime(value, DATE_FORMAT).replace(tzinfo=timezone.utc)
    except ValueError:
        raise SignatureCheckError(
            "InvalidTimeStamp.Format",
            f"x-acs-date {value!r} is not ISO 8601 UTC like 2023-10-26T10:22:32Z",
            400,
        ) from None


def verify_request(  # noqa: PLR0917 - the parts of a request in canonical_request's order
    method: str,
    path: str,
    query: Mapping[str, str],
    headers: Mapping[str, str],
    body: bytes,
    secret_for: Callable[[str], str | None],
    *,
    now: datetime,
    max_skew_seconds: int = 900,
) -> str:
    """Check a V3-signed request the way the OpenAPI gateway does; return its AccessKeyId.

    ``query`` holds the *decoded* query parameters (``dict(parse_qsl(raw_query, keep_blank_values=True))``)
    and ``body`` the raw body bytes; they are re-encoded canonically here, so a client's choice of ``+``
    or ``%20`` on the wire does not matter. ``secret_for`` maps an AccessKeyId to its secret (``None``
    if unknown). Raises
    :class:`SignatureCheckError` with the gateway's code and HTTP status. Nonce reuse
    (``SignatureNonceUsed``) is not checked here: only the server knows which nonces it has seen.
    """
    lowered = _lowercase(headers)
    access_key_id, signed_names, claimed_signature = _parse_authorization(lowered.get("authorization"))

    signed_at = _parse_date(lowered.get("x-acs-date"))
    current = now if now.tzinfo else now.replace(tzinfo=timezone.utc)
    skew = abs((current - signed_at).total_seconds())
    if skew > max_skew_seconds:
        raise SignatureCheckError(
            "InvalidTimeStamp.Expired",
            f"x-acs-date {lowered['x-acs-date']} is {int(skew)} s away from the server time "
            f"(at most {max_skew_seconds} s allowed); check the client clock",
            400,
        )

    secret = secret_for(access_key_id)
    if secret is None:
        raise SignatureCheckError("InvalidAccessKeyId.NotFound", f"the AccessKeyId {access_key_id!r} is not known", 404)

    unsigned = [name for name in REQUIRED_SIGNED_HEADERS if name not in signed_names]
    unsigned += [name for name in _signable_names(lowered) if name.startswith("x-acs-") and name not in signed_names]
    absent = [name for name in signed_names if name not in lowered]
    if unsigned or absent:
        detail = []
        if unsigned:
            detail.append(f"headers that must be signed are not: {', '.join(sorted(set(unsigned)))}")
        if absent:
            detail.append(f"signed headers are missing from the request: {', '.join(absent)}")
        raise SignatureCheckError("IncompleteSignature", "; ".join(detail), 400)

    if lowered["x-acs-content-sha256"] != sha256_hex(body):
        raise SignatureCheckError(
            "SignatureDoesNotMatch", "x-acs-content-sha256 is not the SHA-256 of the request body", 400
        )

    text, _ = _canonical_request_for(method, path, query, lowered, body, names=signed_names)
    expected = sign(text, secret)
    if not hmac.compare_digest(expected, claimed_signature.lower()):
        raise SignatureCheckError(
            "SignatureDoesNotMatch",
            "the request signature does not match the one computed by the server; "
            "check the AccessKeySecret and how the request is encoded",
            400,
        )
    return access_key_id
