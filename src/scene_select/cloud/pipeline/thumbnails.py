"""Which frame shows a clip, and the two ways of showing it in a report.

The report needs one picture per clip. In the cloud OSS renders it on request (``video/snapshot`` for
videos, ``image/resize`` for images) from a pre-signed URL, so the callback stays fast and writes no
thumbnail files (:func:`oss_snapshot_lookup`). The local bucket has no image service: the local stack
extracts frames itself (:mod:`scene_select.cloud.storage.local_previews`) within a time budget
(:func:`budgeted_frame_lookup`). The signer and the extractor are passed in, so this module knows
nothing of oss2 or PyAV.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from scene_select.cloud.models.media import media_kind
from scene_select.cloud.pipeline.report import ThumbnailLookup

__all__ = ["THUMB_WIDTH", "budgeted_frame_lookup", "clip_frame", "clip_span", "oss_snapshot_lookup"]

log = logging.getLogger(__name__)

THUMB_WIDTH = 320
DEFAULT_BUDGET_SECONDS = 1.2
"""How long one report may spend extracting previews, so the callback answers well inside ICE's 3 s."""

SignedUrl = Callable[[str, str], str]
"""(object key, x-oss-process value) → a pre-signed GET URL."""

FrameExtractor = Callable[[str, float, float, int], "str | None"]
"""(object key, start s, end s, width px) → a data URI of the frame that opens the span, or None."""


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


def budgeted_frame_lookup(
    extract: FrameExtractor, *, budget_seconds: float = DEFAULT_BUDGET_SECONDS
) -> ThumbnailLookup:
    """A thumbnail lookup that extracts frames itself, within ``budget_seconds`` per report.

    One lookup serves a warm instance; lookups more than 10 s after the previous report's first one
    start a new budget. Clips past the budget show "no preview" in the report; a failed extraction is a
    missing preview, never a failed callback. Repeated spans are answered from memory.
    """
    cache: dict[tuple[str, int, int], str | None] = {}
    window = {"start": 0.0, "spent": 0.0}

    def lookup(clip: dict[str, Any]) -> str | None:
        span = clip_span(clip)
        if span is None:
            return None
        key, start, end = span
        cache_key = (key, round(start * 10), round(end * 10))
        if cache_key in cache:
            return cache[cache_key]
        now = time.monotonic()
        if now - window["start"] > 10:  # a new report: a fresh budget
            window["start"], window["spent"] = now, 0.0
        if window["spent"] >= budget_seconds:
            return None
        try:
            uri = extract(key, start, end, THUMB_WIDTH)
        except Exception as exc:  # a preview is a nicety: never fail a callback for it
            log.info("no thumbnail for %s at %.2f–%.2fs: %s", key, start, end, exc)
            uri = None
        window["spent"] += time.monotonic() - now
        cache[cache_key] = uri
        return uri

    return lookup
