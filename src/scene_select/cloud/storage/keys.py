"""The one place that decides whether a string may be used as an object key.

OSS itself accepts almost any UTF-8 string of 1–1023 bytes, but our keys end up as filesystem paths
(the local store), in URLs handed to ICE, and in log lines. Both adapters call :func:`validate_key`
before any I/O, so a key that could escape a directory (``..``), address the filesystem root, smuggle a
Windows separator or a control character into a log, or exceed OSS's limit is refused with an
:class:`~scene_select.cloud.errors.ObjectKeyError` that names the rule — identically offline and in the cloud.

Rules for a key: non-empty; at most 1023 bytes of UTF-8; no leading ``/`` (absolute); no ``\\``; no
control characters (Unicode category Cc: C0, DEL, C1); no empty segment (``a//b``, trailing ``/``);
no ``.`` or ``..`` segment. A *prefix* (for listing) may also be empty or end with ``/``.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

from scene_select.cloud.errors import ObjectKeyError

__all__ = ["MAX_KEY_BYTES", "object_url", "validate_key", "validate_prefix"]

MAX_KEY_BYTES = 1023
"""OSS's limit on an object name, in bytes of UTF-8."""


def validate_key(key: object) -> str:
    """Return ``key`` unchanged if it is a safe object key, else raise :class:`ObjectKeyError`."""
    if not isinstance(key, str):
        raise ObjectKeyError(f"object key must be a string, got {type(key).__name__}", key=repr(key))
    if not key:
        raise ObjectKeyError("object key is empty; name the object, e.g. 'inbox/batch/clip.mp4'", key=key)
    _check_characters(key, what="object key")
    segments = key.split("/")
    if segments[0] == "":
        raise ObjectKeyError(f"object key {_shown(key)} is absolute (starts with '/'); drop the leading '/'", key=key)
    if segments[-1] == "":
        raise ObjectKeyError(f"object key {_shown(key)} ends with '/', which names a folder, not an object", key=key)
    _check_segments(key, segments, what="object key")
    return key


def validate_prefix(prefix: object) -> str:
    """Return ``prefix`` if it may be used to list keys ('' and a trailing '/' are allowed)."""
    if not isinstance(prefix, str):
        raise ObjectKeyError(f"key prefix must be a string, got {type(prefix).__name__}", key=repr(prefix))
    if not prefix:
        return prefix
    _check_characters(prefix, what="key prefix")
    segments = prefix.split("/")
    if segments[0] == "":
        raise ObjectKeyError(
            f"key prefix {_shown(prefix)} is absolute (starts with '/'); drop the leading '/'", key=prefix
        )
    if segments[-1] == "":
        segments = segments[:-1]
    _check_segments(prefix, segments, what="key prefix")
    return prefix


def object_url(bucket: str, key: str, *, host: str) -> str:
    """``https://<bucket>.<host>/<key>`` with the key percent-encoded as UTF-8 ('/' kept).

    ``host`` is the public OSS endpoint host, e.g. ``oss-cn-shanghai.aliyuncs.com``. Percent-encoding
    is what OSS's own object URLs use; an ASCII-safe key (``[A-Za-z0-9/_.-]``) comes out unchanged.
    """
    return f"https://{bucket}.{host}/{quote(validate_key(key), safe='/')}"


def _check_characters(value: str, *, what: str) -> None:
    try:
        size = len(value.encode("utf-8"))
    except UnicodeEncodeError as exc:
        raise ObjectKeyError(f"{what} {_shown(value)} is not valid UTF-8 (lone surrogate)", key=value) from exc
    if size > MAX_KEY_BYTES:
        raise ObjectKeyError(
            f"{what} {_shown(value)} is {size} bytes of UTF-8; OSS allows at most {MAX_KEY_BYTES}", key=value
        )
    if "\\" in value:
        raise ObjectKeyError(f"{what} {_shown(value)} contains a backslash; use '/' between folders", key=value)
    for index, char in enumerate(value):
        if unicodedata.category(char) == "Cc":
            raise ObjectKeyError(
                f"{what} {_shown(value)} contains control character U+{ord(char):04X} at position {index}",
                key=value,
            )


def _check_segments(value: str, segments: list[str], *, what: str) -> None:
    for segment in segments:
        if segment == "":
            raise ObjectKeyError(f"{what} {_shown(value)} has an empty segment ('//')", key=value)
        if segment in (".", ".."):
            raise ObjectKeyError(f"{what} {_shown(value)} has a {segment!r} segment; name folders plainly", key=value)


def _shown(value: str, limit: int = 80) -> str:
    """The value for an error message: repr'd (control characters visible) and cut to a readable length."""
    return repr(value if len(value) <= limit else value[:limit] + "…")
