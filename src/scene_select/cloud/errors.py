"""Every error scene-select raises, and whether retrying can help.

The one question every caller asks of an error is "will trying again change anything?". FC's async
retries, the ICE client's backoff and the reconciler all act on that answer, so it is a property of
the class (``retryable``) and never guessed from a message::

    SceneSelectError                      base of everything below; .retryable
    ├── PermanentError                    retrying cannot help: report it, keep the input, stop
    │   ├── ConfigError                   settings / environment are wrong or missing
    │   ├── CredentialsError              no usable access key (what to set is in the message)
    │   ├── JobConfigError                an Input/Editing/Output config or UserData breaks a documented rule
    │   ├── EventError                    a trigger event (OSS or HTTP) is malformed
    │   ├── BatchError                    an upload batch cannot become a job (non-media, over limit, bad manifest)
    │   ├── CallbackRejectedError         a callback failed verification (signature, timestamp, body)
    │   ├── SignatureCheckError           an incoming OpenAPI request failed ACS3 signature checks (server side)
    │   ├── MediaError                    the local engine cannot read or use a media file
    │   ├── ObjectNotFoundError           the object store has no such key
    │   ├── ObjectKeyError                an object key is unusable (`..`, absolute, control chars, too long)
    │   └── IceClientError (+IceError)    ICE answered 4xx (not throttling): the request itself is wrong
    ├── RetryableError                    transient: raise so FC (or the client's backoff) tries again
    │   ├── StorageError                  the object store failed transiently
    │   ├── ClaimHeldError                another live invocation owns this batch right now
    │   ├── IceThrottledError (+IceError) Throttling.* from ICE
    │   ├── IceServerError (+IceError)    ICE answered 5xx
    │   └── IceConnectionError            the request never reached ICE (connect failed): safe to resend
    └── SubmitOutcomeUnknownError         a submit may or may not have reached ICE (read timeout, broken
                                          connection after sending). Submits are not idempotent, so this is
                                          neither retried blindly nor dropped: the caller reconciles it.

Wrapping always keeps the cause (``raise X(...) from exc``). Messages name what was wrong and what to
do next, and never contain credentials, signatures or tokens.
"""

from __future__ import annotations

__all__ = [
    "BatchError",
    "CallbackRejectedError",
    "ClaimHeldError",
    "ConfigError",
    "CredentialsError",
    "EventError",
    "IceClientError",
    "IceConnectionError",
    "IceError",
    "IceServerError",
    "IceThrottledError",
    "JobConfigError",
    "MediaError",
    "ObjectKeyError",
    "ObjectNotFoundError",
    "PermanentError",
    "RetryableError",
    "SceneSelectError",
    "SignatureCheckError",
    "StorageError",
    "SubmitOutcomeUnknownError",
]


class SceneSelectError(Exception):
    """Base of every scene-select error; ``retryable`` says whether trying again can help."""

    retryable: bool = False


class PermanentError(SceneSelectError):
    """Retrying cannot help; the input or the configuration must change."""

    retryable = False


class RetryableError(SceneSelectError):
    """Transient; the same call may succeed later."""

    retryable = True


class ConfigError(PermanentError):
    """Settings or environment variables are wrong or missing."""


class CredentialsError(PermanentError):
    """No usable Alibaba Cloud credentials were found."""


class JobConfigError(PermanentError):
    """A job config breaks a documented ICE rule; the message names field, value and rule."""


class EventError(PermanentError):
    """A trigger event could not be decoded."""


class BatchError(PermanentError):
    """An uploaded batch cannot become a job (bad manifest, non-media file, over a limit)."""


class CallbackRejectedError(PermanentError):
    """A callback failed verification. ``status`` is the HTTP status to answer with."""

    def __init__(self, message: str, *, status: int = 401) -> None:
        super().__init__(message)
        self.status = status


class SignatureCheckError(PermanentError):
    """A request failed ACS3-HMAC-SHA256 verification; ``code`` and ``http_status`` are what the gateway answers."""

    def __init__(self, code: str, message: str, http_status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.check_message = message
        self.http_status = http_status


class MediaError(PermanentError):
    """The local engine cannot read or use a media file."""


class ObjectNotFoundError(PermanentError):
    """The object store has no object under this key."""

    def __init__(self, key: str) -> None:
        super().__init__(f"no object at key {key!r}")
        self.key = key


class ObjectKeyError(PermanentError):
    """An object key cannot be used safely (``..`` segment, absolute, control characters, too long).

    Raised before any I/O by both object-store adapters, so a hostile or mistyped key never reaches a
    filesystem path or an OSS request. ``key`` is the refused key.
    """

    def __init__(self, message: str, *, key: str) -> None:
        super().__init__(message)
        self.key = key


class StorageError(RetryableError):
    """The object store failed in a way that may pass (network, 5xx).

    ``code``/``status``/``request_id`` carry the store's answer when there was one (an OSS error code
    such as ``AccessDenied``, the HTTP status, the OSS request id) so logs can name it.
    """

    def __init__(
        self, message: str, *, code: str | None = None, status: int | None = None, request_id: str | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.status = status
        self.request_id = request_id


class ClaimHeldError(RetryableError):
    """Another invocation holds a live claim on this batch; retry after it expires or finishes."""


class SubmitOutcomeUnknownError(SceneSelectError):
    """A submit may have reached ICE but no answer came back; reconcile, never resubmit blindly."""

    retryable = False

    def __init__(self, message: str, *, request_id: str | None = None) -> None:
        super().__init__(message)
        self.request_id = request_id


class IceConnectionError(RetryableError):
    """The request never reached ICE (DNS, connect refused, connect timeout): safe to send again."""


class IceError(SceneSelectError):
    """ICE answered with an error body. Carries ICE's Code, Message, RequestId and the HTTP status."""

    def __init__(self, *, code: str, message: str, request_id: str | None, http_status: int) -> None:
        super().__init__(f"ICE error {code} (HTTP {http_status}): {message} [RequestId {request_id or '-'}]")
        self.code = code
        self.ice_message = message
        self.request_id = request_id
        self.http_status = http_status


class IceClientError(IceError, PermanentError):
    """ICE rejected the request (4xx, not throttling): fix the request, do not retry."""


class IceThrottledError(IceError, RetryableError):
    """ICE throttled the request (Throttling.*): back off and retry."""


class IceServerError(IceError, RetryableError):
    """ICE failed on its side (5xx): retry with backoff."""
