"""The object-store port on Alibaba Cloud OSS, through ``oss2``.

Credentials. In Function Compute the function role's STS credentials rotate under a warm instance,
so :meth:`OssStore.from_credentials` builds a fresh ``oss2.Bucket`` (with a V4 ``ProviderAuthV4`` over
the credentials of the moment) for every call, sharing one HTTP connection pool. OSS is retiring V1
signatures (no V1 for new accounts since 2025-03, none for new buckets since 2025-09), so V4 it is; V4
signs with the region, which is therefore required.

Conditional put. ``put_if_absent`` is a PutObject with ``x-oss-forbid-overwrite: true``; OSS answers
``409 FileAlreadyExists`` when the key is taken, which becomes ``False``. One subtlety: if an earlier
attempt of the *same* call failed ambiguously (connection dropped, 5xx) it may have written the
object, and the retry then meets our own write. So after an ambiguous failure a 409 is checked
against the existing object's ETag: equal to our bytes' MD5 means our write landed (``True``). Callers
write unique content (a claim carries its owner) so that this cannot mistake another writer's
identical bytes for ours.

Retries. ``oss2`` retries nothing for object operations. Network errors (``RequestError``), CRC
mismatches and 5xx answers are retried here with exponential backoff; other answers are final.
``NoSuchKey`` becomes :class:`~scene_select.cloud.errors.ObjectNotFoundError`; anything else (including a
failure that outlived the retries) becomes :class:`~scene_select.cloud.errors.StorageError` carrying OSS's
code, HTTP status and request id.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import oss2
import oss2.exceptions

from scene_select.cloud.credentials import CredentialsProvider
from scene_select.cloud.errors import ObjectKeyError, ObjectNotFoundError, StorageError
from scene_select.cloud.storage.base import ObjectInfo, check_range, content_etag
from scene_select.cloud.storage.keys import object_url, validate_key, validate_prefix

__all__ = ["BucketFactory", "OssStore"]

logger = logging.getLogger(__name__)

BucketFactory = Callable[[], Any]
"""Returns a ready ``oss2.Bucket``; called once per operation attempt."""

T = TypeVar("T")

_FORBID_OVERWRITE = {"x-oss-forbid-overwrite": "true"}
# HTTP's range semantics: a range that runs past the end gives what there is (206), one that starts past
# it 416 InvalidRange. Without it OSS ignores such a range and answers 200 with the whole object.
_STANDARD_RANGE = {"x-oss-range-behavior": "standard"}
_LIST_PAGE_SIZE = 1000  # OSS's maximum max-keys
SIGNED_URL_SECONDS = 7 * 24 * 3600  # the longest a V4 signature may live


class OssStore:
    """:class:`~scene_select.cloud.storage.base.ObjectStore` on an OSS bucket; see the module docstring."""

    NAME = "oss"

    def __init__(
        self,
        bucket: Any,
        *,
        region: str,
        public_endpoint: str | None = None,
        bucket_name: str | None = None,
        max_attempts: int = 4,
        backoff_seconds: float = 0.2,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """``bucket`` is an ``oss2.Bucket`` or a :data:`BucketFactory` (called per attempt).

        ``public_endpoint`` is the host (or URL) that :meth:`url_for` uses, default
        ``oss-<region>.aliyuncs.com`` — the public endpoint even when the client talks to the internal
        one, because ICE fetches media through the public name. ``bucket_name`` spares a factory call
        to learn the bucket's name.
        """
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self._factory: BucketFactory = bucket if callable(bucket) else (lambda: bucket)
        self.bucket: str = bucket_name or self._factory().bucket_name
        self.region = region
        self._public_host = _host_of(public_endpoint) if public_endpoint else f"oss-{region}.aliyuncs.com"
        self._max_attempts = max_attempts
        self._backoff_seconds = backoff_seconds
        self._sleep = sleep
        self._signing_factory: BucketFactory = self._factory

    @classmethod
    def from_credentials(
        cls,
        credentials: CredentialsProvider,
        *,
        bucket_name: str,
        endpoint: str,
        region: str,
        public_endpoint: str | None = None,
        timeout_seconds: float = 30.0,
        max_attempts: int = 4,
        sleep: Callable[[float], None] = time.sleep,
    ) -> OssStore:
        """A store that signs every request with the credentials ``credentials()`` returns right then.

        ``endpoint`` is e.g. ``https://oss-cn-shanghai-internal.aliyuncs.com`` (an endpoint without a
        scheme would make oss2 use plain http, so https is added).
        """
        if "://" not in endpoint:
            endpoint = "https://" + endpoint
        session = oss2.Session()

        def make_bucket() -> Any:
            current = credentials()
            provider = oss2.credentials.StaticCredentialsProvider(
                current.access_key_id, current.access_key_secret, current.security_token or ""
            )
            return oss2.Bucket(
                oss2.ProviderAuthV4(provider),
                endpoint,
                bucket_name,
                session=session,
                connect_timeout=timeout_seconds,
                region=region,
            )

        store = cls(
            make_bucket,
            region=region,
            public_endpoint=public_endpoint,
            bucket_name=bucket_name,
            max_attempts=max_attempts,
            sleep=sleep,
        )
        public_url = "https://" + store._public_host

        def make_public_bucket() -> Any:
            current = credentials()
            provider = oss2.credentials.StaticCredentialsProvider(
                current.access_key_id, current.access_key_secret, current.security_token or ""
            )
            return oss2.Bucket(oss2.ProviderAuthV4(provider), public_url, bucket_name, session=session, region=region)

        store._signing_factory = make_public_bucket
        return store

    # -- the ObjectStore protocol ------------------------------------------------------------------

    def get(self, key: str) -> bytes:
        validate_key(key)

        def read(bucket: Any) -> bytes:
            return bytes(bucket.get_object(key).read())

        try:
            return self._call("GetObject", key, read)
        except oss2.exceptions.OssError as exc:
            if _is_missing_object(exc):
                raise ObjectNotFoundError(key) from None
            raise _storage_error("GetObject", key, exc) from exc

    def get_range(self, key: str, start: int, length: int) -> bytes:
        validate_key(key)
        check_range(start, length)
        if length == 0:
            if self.head(key) is None:
                raise ObjectNotFoundError(key)
            return b""

        def read(bucket: Any) -> bytes:
            result = bucket.get_object(key, byte_range=(start, start + length - 1), headers=_STANDARD_RANGE)
            data = bytes(result.read())
            if result.status == 200:  # the range was ignored (a proxy, an old endpoint): cut it here
                return data[start : start + length]
            return data

        try:
            return self._call("GetObject", key, read)
        except oss2.exceptions.OssError as exc:
            if _is_missing_object(exc):
                raise ObjectNotFoundError(key) from None
            if exc.status == 416:  # InvalidRange: the range starts at or past the end
                return b""
            raise _storage_error("GetObject", key, exc) from exc

    def put(self, key: str, data: bytes, *, content_type: str | None = None) -> ObjectInfo:
        validate_key(key)
        headers = _content_headers(content_type)
        try:
            result = self._call("PutObject", key, lambda bucket: bucket.put_object(key, data, headers=headers))
        except oss2.exceptions.OssError as exc:
            raise _storage_error("PutObject", key, exc) from exc
        return ObjectInfo(key=key, size=len(data), etag=result.etag, last_modified=_response_time(result))

    def put_if_absent(self, key: str, data: bytes, *, content_type: str | None = None) -> bool:
        validate_key(key)
        headers = {**_content_headers(content_type), **_FORBID_OVERWRITE}
        ambiguous_attempts = 0

        def on_retry(exc: oss2.exceptions.OssError) -> None:
            nonlocal ambiguous_attempts
            ambiguous_attempts += 1

        try:
            self._call(
                "PutObject", key, lambda bucket: bucket.put_object(key, data, headers=headers), on_retry=on_retry
            )
        except oss2.exceptions.ServerError as exc:
            if exc.status == 409 and exc.code == "FileAlreadyExists":
                if ambiguous_attempts and self._holds_exactly(key, data):
                    logger.info("put_if_absent %r: an earlier attempt of this call had written it", key)
                    return True
                return False
            raise _storage_error("PutObject", key, exc) from exc
        except oss2.exceptions.OssError as exc:
            raise _storage_error("PutObject", key, exc) from exc
        return True

    def head(self, key: str) -> ObjectInfo | None:
        validate_key(key)
        try:
            result = self._call("HeadObject", key, lambda bucket: bucket.head_object(key))
        except oss2.exceptions.OssError as exc:
            if _is_missing_object(exc):
                return None
            raise _storage_error("HeadObject", key, exc) from exc
        return ObjectInfo(
            key=key, size=int(result.content_length), etag=result.etag, last_modified=float(result.last_modified)
        )

    def list(self, prefix: str, *, limit: int | None = None) -> Iterator[ObjectInfo]:
        validate_prefix(prefix)
        if limit is not None and limit <= 0:
            return
        token = ""
        count = 0
        while True:
            page_size = _LIST_PAGE_SIZE if limit is None else min(_LIST_PAGE_SIZE, limit - count)

            def fetch(bucket: Any, token: str = token, page_size: int = page_size) -> Any:
                return bucket.list_objects_v2(prefix=prefix, continuation_token=token, max_keys=page_size)

            try:
                page = self._call("ListObjectsV2", prefix, fetch)
            except oss2.exceptions.OssError as exc:
                raise _storage_error("ListObjectsV2", prefix, exc) from exc
            for item in page.object_list:
                if not _listable(item.key):
                    continue
                yield ObjectInfo(
                    key=item.key, size=int(item.size), etag=item.etag, last_modified=float(item.last_modified)
                )
                count += 1
                if limit is not None and count >= limit:
                    return
            if not page.is_truncated:
                return
            token = page.next_continuation_token

    def delete(self, key: str) -> None:
        validate_key(key)
        try:
            self._call("DeleteObject", key, lambda bucket: bucket.delete_object(key))
        except oss2.exceptions.OssError as exc:
            if not _is_missing_object(exc):
                raise _storage_error("DeleteObject", key, exc) from exc

    def url_for(self, key: str) -> str:
        return object_url(self.bucket, key, host=self._public_host)

    # -- extras of this adapter --------------------------------------------------------------------

    def signed_url(self, key: str, *, expires_seconds: int = SIGNED_URL_SECONDS, process: str | None = None) -> str:
        """A pre-signed GET URL on the public endpoint, optionally through OSS's media processing.

        Signing is local (no request is sent). With STS credentials the URL also stops working when
        the token expires, whatever ``expires_seconds`` says (docs/troubleshooting.md#results).
        """
        validate_key(key)
        params = {"x-oss-process": process} if process else None
        url: str = self._signing_factory().sign_url("GET", key, expires_seconds, params=params, slash_safe=True)
        return url

    # -- internals ---------------------------------------------------------------------------------

    def _call(
        self,
        operation: str,
        key: str,
        action: Callable[[Any], T],
        *,
        on_retry: Callable[[oss2.exceptions.OssError], None] | None = None,
    ) -> T:
        """Run ``action`` on a fresh bucket, retrying transient failures with exponential backoff.

        The last transient failure and every final answer propagate as oss2 exceptions; the public
        methods map them.
        """
        for attempt in range(1, self._max_attempts + 1):
            try:
                return action(self._factory())
            except oss2.exceptions.OssError as exc:
                if not _transient(exc) or attempt == self._max_attempts:
                    raise
                delay = self._backoff_seconds * 2 ** (attempt - 1)
                logger.warning(
                    "OSS %s %r failed (%s), retrying in %.1fs (attempt %d of %d)",
                    operation,
                    key,
                    _describe(exc),
                    delay,
                    attempt,
                    self._max_attempts,
                )
                if on_retry is not None:
                    on_retry(exc)
                self._sleep(delay)
        raise AssertionError("unreachable")

    def _holds_exactly(self, key: str, data: bytes) -> bool:
        info = self.head(key)
        return info is not None and info.etag.upper() == content_etag(data) and info.size == len(data)


def _is_missing_object(exc: oss2.exceptions.OssError) -> bool:
    """NoSuchKey — or a bare 404 from a HEAD, whose body is empty and, on older OSS, carries no
    ``x-oss-err`` header to name the code (oss2 then raises ``NotFound`` with an empty code)."""
    return isinstance(exc, oss2.exceptions.NotFound) and exc.code in ("NoSuchKey", "")


def _transient(exc: oss2.exceptions.OssError) -> bool:
    if isinstance(exc, (oss2.exceptions.RequestError, oss2.exceptions.InconsistentError)):
        return True
    return isinstance(exc, oss2.exceptions.ServerError) and exc.status >= 500


def _storage_error(operation: str, key: str, exc: oss2.exceptions.OssError) -> StorageError:
    return StorageError(
        f"OSS {operation} {key!r} failed: {_describe(exc)}",
        code=exc.code or None,
        status=exc.status if exc.status > 0 else None,
        request_id=exc.request_id or None,
    )


def _describe(exc: oss2.exceptions.OssError) -> str:
    """A log-safe one-liner: OSS's code, status and message (never request headers or credentials)."""
    if isinstance(exc, oss2.exceptions.RequestError):
        return f"network error ({type(exc.exception).__name__})"
    if isinstance(exc, oss2.exceptions.InconsistentError):
        return "CRC64 mismatch between sent and stored bytes"
    if exc.status < 0:
        return f"client error: {exc.message or exc.body!r}"
    return f"{exc.code or 'HTTP error'} (HTTP {exc.status}): {exc.message or ''} [RequestId {exc.request_id or '-'}]"


def _content_headers(content_type: str | None) -> dict[str, str]:
    return {"Content-Type": content_type} if content_type else {}


def _response_time(result: Any) -> float:
    """The server's Date of a write, which is when OSS stamped the object (local clock as a fallback)."""
    date = result.headers.get("date") if result.headers is not None else None
    if date:
        try:
            return parsedate_to_datetime(date).timestamp()
        except (TypeError, ValueError):
            pass
    return time.time()


def _listable(key: str) -> bool:
    """Folder markers (``a/``) and keys our own validation would refuse are skipped, with a note."""
    if key.endswith("/"):
        return False
    try:
        validate_key(key)
    except ObjectKeyError as exc:
        logger.warning("skipping a listed object whose key is not usable: %s", exc)
        return False
    return True


def _host_of(endpoint: str) -> str:
    return endpoint.split("://", 1)[-1].strip("/")
