"""The cloud's media facts without FFmpeg: frame rates from MP4/MOV headers read by byte range.

:func:`store_media_info` gives the export a :data:`~scene_select.cloud.timelines.media.MediaInfoFn`
over an object store: a video's exact rate, duration and sound come from its ``moov`` box (one ranged
GET for a ``faststart`` file, three when ``moov`` is at the end; no media data is read), a still is a
still by its extension, and anything else (MKV, WebM, TS, a fragmented MP4, a key that maps to no
uploaded file, an object that cannot be read) gets ``default_rate`` marked *assumed*, with the reason:
the export then writes only the ``.otio`` for a timeline that uses it and says why.

References point at the clip's ``mediaUrl`` (the OSS ``https://`` URL). A store that keeps its objects
as local files (the local bucket: it has ``path_for(key)``) gives ``file://`` URLs of those files
instead, so that an editor on this machine opens them as they are.

The store is typed structurally (:class:`RangeReader`): :class:`~scene_select.cloud.storage.ObjectStore`
fits it, and this package stays a sibling of the storage adapters rather than a user of them.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from fractions import Fraction
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from scene_select.cloud.errors import ObjectNotFoundError, SceneSelectError
from scene_select.cloud.timelines.media import (
    IMAGE_SUFFIXES,
    MediaInfo,
    MediaInfoFn,
    file_url,
    location_suffix,
    normalise_rate,
)
from scene_select.cloud.timelines.mp4 import Mp4HeaderError, read_mp4_header

__all__ = ["LocalFiles", "RangeReader", "store_media_info"]

logger = logging.getLogger(__name__)


class RangeReader(Protocol):
    """What the media facts need of an object store (every ObjectStore has it)."""

    def get_range(self, key: str, start: int, length: int) -> bytes: ...

    def url_for(self, key: str) -> str: ...


@runtime_checkable
class LocalFiles(Protocol):
    """A store whose objects are files on this machine (LocalDirectoryStore)."""

    def path_for(self, key: str) -> Path: ...


def store_media_info(store: RangeReader, *, default_rate: Fraction = Fraction(25)) -> MediaInfoFn:
    """Media facts for the clips of a selection stored in ``store`` (see the module docstring).

    Each media is looked at once (by ``mediaKey``, else ``mediaUrl``). Never raises for a media it
    cannot read: the rate is then ``default_rate``, ``rate_source="assumed"``, and ``note`` says why.
    """
    cache: dict[str, MediaInfo] = {}
    local = store if isinstance(store, LocalFiles) else None

    def media_info(clip: Mapping[str, Any]) -> MediaInfo:
        key = clip.get("mediaKey") or None
        url = clip.get("mediaUrl") or None
        ident = str(key or url or "")
        if ident not in cache:
            cache[ident] = _describe(store, key, url, local=local, default_rate=default_rate)
        return cache[ident]

    return media_info


def _describe(
    store: RangeReader, key: str | None, url: str | None, *, local: LocalFiles | None, default_rate: Fraction
) -> MediaInfo:
    location = _location(store, key, url, local=local)
    if location_suffix(key or url or "") in IMAGE_SUFFIXES:
        return MediaInfo(location, None, None, is_still=True, has_audio=False, rate_source="header")
    if key is None:
        return _assumed(location, default_rate, "its object key is unknown (ICE named media this batch did not upload)")
    try:
        header = read_mp4_header(lambda start, length: store.get_range(key, start, length))
    except Mp4HeaderError as exc:
        return _assumed(location, default_rate, f"no frame rate in its container header: {exc}")
    except ObjectNotFoundError:
        return _assumed(location, default_rate, "it is not in the bucket any more")
    except SceneSelectError as exc:  # StorageError (after the adapter's retries), ObjectKeyError
        logger.warning("reading the header of %r failed: %s", key, exc)
        return _assumed(location, default_rate, f"its header could not be read: {exc}")
    rate = normalise_rate(header.rate)
    note = None
    if not header.constant_rate:
        note = f"variable frame rate, {float(header.rate):.3f} fps on average, taken as {_rate_text(rate)} fps"
    return MediaInfo(location, rate, header.duration, has_audio=header.has_audio, rate_source="header", note=note)


def _location(store: RangeReader, key: str | None, url: str | None, *, local: LocalFiles | None) -> str:
    if key is not None and local is not None:
        try:
            return file_url(Path(local.path_for(key)).absolute().as_posix())
        except SceneSelectError:  # a key the local bucket refuses (ObjectKeyError): keep the URL
            pass
    if url:
        return url
    return store.url_for(key) if key else ""


def _assumed(location: str, rate: Fraction, why: str) -> MediaInfo:
    return MediaInfo(location, rate, None, rate_source="assumed", note=why)


def _rate_text(rate: Fraction) -> str:
    return f"{rate.numerator}/{rate.denominator}" if rate.denominator != 1 else str(rate.numerator)
