"""The object-store port: the seven operations the pipeline needs from a bucket, and nothing more.

Two adapters implement it — :class:`~scene_select.cloud.storage.oss.OssStore` (Alibaba Cloud OSS through
``oss2``) and :class:`~scene_select.cloud.storage.local.LocalDirectoryStore` (a directory on disk, used by
the embedded local stack) — and the same contract test suite runs over both, so code written against
this protocol behaves the same in Function Compute and offline.

``put_if_absent`` is the one primitive the idempotency of the whole pipeline rests on (claims, job
records): it must be atomic against concurrent writers, whether threads, processes or FC instances.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

__all__ = ["ObjectInfo", "ObjectStore", "check_range", "content_etag"]


@dataclass(frozen=True)
class ObjectInfo:
    """What a listing or a HEAD tells about one object.

    ``etag`` is the store's opaque version tag (OSS: upper-case hex, no quotes; it equals the content
    MD5 only for simple uploads). ``last_modified`` is seconds since the epoch.
    """

    key: str
    size: int
    etag: str
    last_modified: float


@runtime_checkable
class ObjectStore(Protocol):
    """A bucket: flat keys mapped to bytes. Keys are validated by :mod:`scene_select.cloud.storage.keys`."""

    bucket: str

    def get(self, key: str) -> bytes:
        """The object's bytes; :class:`~scene_select.cloud.errors.ObjectNotFoundError` if absent."""
        ...

    def get_range(self, key: str, start: int, length: int) -> bytes:
        """``length`` bytes of the object from byte ``start`` (0-based), or fewer where the object ends
        (``b""`` from a ``start`` at or past its end); :class:`~scene_select.cloud.errors.ObjectNotFoundError`
        if absent. For reading a file's header without downloading it (OSS: a ranged GetObject)."""
        ...

    def put(self, key: str, data: bytes, *, content_type: str | None = None) -> ObjectInfo:
        """Write (or atomically replace) an object; readers see the old or the new bytes, never a mix."""
        ...

    def put_if_absent(self, key: str, data: bytes, *, content_type: str | None = None) -> bool:
        """Write only if no object has this key; ``False`` when one existed (nothing is changed then)."""
        ...

    def head(self, key: str) -> ObjectInfo | None:
        """The object's metadata, or ``None`` when absent."""
        ...

    def list(self, prefix: str, *, limit: int | None = None) -> Iterator[ObjectInfo]:
        """Objects whose key starts with ``prefix``, sorted by key (UTF-8 byte order, as OSS lists)."""
        ...

    def delete(self, key: str) -> None:
        """Remove the object; deleting an absent key is not an error (as in OSS)."""
        ...

    def url_for(self, key: str) -> str:
        """The public OSS URL ICE accepts: ``https://<bucket>.oss-<region>.aliyuncs.com/<key>``."""
        ...


def check_range(start: int, length: int) -> None:
    """Both adapters refuse the same ranges: a negative start or length is a caller's mistake."""
    if start < 0 or length < 0:
        raise ValueError(f"a byte range needs start >= 0 and length >= 0, got start={start}, length={length}")


def content_etag(data: bytes) -> str:
    """The ETag OSS gives an object written by one PutObject: the upper-case hex MD5 of its bytes.

    Both adapters use it, so a local object and the same bytes in OSS carry the same tag.
    """
    return hashlib.md5(data).hexdigest().upper()
