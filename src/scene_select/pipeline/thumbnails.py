"""Which frame shows a clip, and the cloud's way of showing it: an OSS media-processing URL.

The report needs one picture per clip. In the cloud OSS renders it on request (``video/snapshot`` for
videos, ``image/resize`` for images) from a pre-signed URL, so the callback stays fast and writes no
thumbnail files; the local stack extracts frames itself (scene_select.local.thumbnails). The signer is
passed in, so this module knows nothing of oss2.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scene_select.models.media import media_kind
from scene_select.pipeline.report import ThumbnailLookup

__all__ = ["THUMB_WIDTH", "clip_frame", "clip_span", "oss_snapshot_lookup"]

THUMB_WIDTH = 320

SignedUrl = Callable[[str, str], str]
"""(object key, x-oss-process value) → a pre-signed GET URL."""


def clip_span(clip: dict[str, Any]) -> tuple[str, float, float] | None:
    """(media key, in, out) seconds of a normalised clip; None when it names no media."""
    key, start, end = clip.get("mediaKey"), clip.get("in"), clip.get("out")
    if not isinstance(key, str) or not isinstance(start, (int, float)):
        return None
    stop = end if isinstance(end, (int, float)) else start
    return key, float(start), float(stop)


def clip_frame(clip: dict[str, Any]) -> tuple[str, float] | None:
    """(media key, seconds) of the frame that best shows a normalised clip: its middle."""
    span = clip_span(clip)
    return None if span is None else (span[0], (span[1] + span[2]) / 2)


def oss_snapshot_lookup(signed_url: SignedUrl) -> ThumbnailLookup:
    """A thumbnail lookup that answers with OSS snapshot (or resized image) URLs."""

    def lookup(clip: dict[str, Any]) -> str | None:
        frame = clip_frame(clip)
        if frame is None:
            return None
        key, middle = frame
        if media_kind(key) == "image":
            return signed_url(key, f"image/resize,w_{THUMB_WIDTH}")
        return signed_url(key, f"video/snapshot,t_{int(middle * 1000)},f_jpg,w_{THUMB_WIDTH},m_fast")

    return lookup
