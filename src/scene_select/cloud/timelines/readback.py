"""Reading a written timeline back through its own adapter, and checking it against what was meant.

Every file the export produces is first read back through the same OTIO adapter and compared with
the timeline it came from: the same media, in order, with source in/out within one frame. A text
that differs is not handed out. "Round trip" means exactly this; no editor is involved.

Imports OpenTimelineIO: import this module only when a timeline is wanted.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

import opentimelineio as otio

from scene_select.cloud.timelines.formats import FORMATS, FormatName

__all__ = ["ClipFacts", "clips_of", "read_timelines", "timeline_clips", "timeline_rate_of", "verify"]


def read_timelines(data: bytes | str, fmt: FormatName, *, edl_rate: float | None = None) -> list[Any]:
    """The timelines in a file's content, through the format's adapter (an EDL needs its ``edl_rate``)."""
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    kwargs: dict[str, Any] = {}
    if fmt == "edl":
        if edl_rate is None:
            raise ValueError("reading an EDL needs its frame rate (edl_rate): an EDL does not carry it")
        kwargs["rate"] = edl_rate
    return as_timelines(otio.adapters.read_from_string(text, FORMATS[fmt].adapter, **kwargs))


def as_timelines(obj: Any) -> list[Any]:
    if isinstance(obj, otio.schema.Timeline):
        return [obj]
    if isinstance(obj, otio.schema.SerializableCollection):
        return [timeline for child in obj for timeline in as_timelines(child)]
    return []


def clips_of(timeline: Any) -> list[Any]:
    """The clips of the timeline's video tracks, in order."""
    return [clip for track in timeline.video_tracks() for clip in track.find_clips()]


def timeline_rate_of(timeline: Any) -> float:
    start = timeline.global_start_time
    if start is not None:
        return float(start.rate)
    return float(timeline.duration().rate)


@dataclass(frozen=True)
class ClipFacts:
    """What a round trip must keep of a clip: its media and its source in/out."""

    media: str  # the file name, from the media reference's URL (or the clip's name without one)
    start: float  # seconds from the media's first frame (absolute source time for an EDL)
    end: float
    rate: float


def timeline_clips(timeline: Any, *, absolute: bool = False) -> list[ClipFacts]:
    """The video clips in order, with source in/out in seconds from the media's first frame
    (``absolute``: as the source timecode says, which is what an EDL carries)."""
    facts = []
    for clip in clips_of(timeline):
        ref = clip.media_reference
        url = getattr(ref, "target_url", "") or ""
        media = PurePosixPath(unquote(urlsplit(url).path if "://" in url else url)).name or clip.name
        source = clip.source_range
        offset = 0.0
        if not absolute and ref is not None and ref.available_range is not None:
            offset = ref.available_range.start_time.to_seconds()
        facts.append(
            ClipFacts(
                media=media,
                start=source.start_time.to_seconds() - offset,
                end=source.end_time_exclusive().to_seconds() - offset,
                rate=float(source.start_time.rate),
            )
        )
    return facts


def verify(fmt: FormatName, text: str, expected: Any) -> str | None:
    """``None`` when ``text`` reads back as ``expected`` (same media in order, in/out within one frame
    of the coarser of the media's and the timeline's rate), else what differs."""
    edl_rate = timeline_rate_of(expected) if fmt == "edl" else None
    back = read_timelines(text, fmt, edl_rate=edl_rate)
    if len(back) != 1:
        return f"{len(back)} timelines instead of 1"
    absolute = fmt == "edl"  # EDL source timecodes are absolute: compare them as such
    want, got = timeline_clips(expected, absolute=absolute), timeline_clips(back[0], absolute=absolute)
    if len(want) != len(got):
        return f"{len(got)} clip(s) instead of {len(want)}"
    record_rate = timeline_rate_of(expected)
    for number, (w, g) in enumerate(zip(want, got, strict=True), start=1):
        tolerance = 1.0 / min(w.rate, record_rate) + 1e-6
        if w.media != g.media:
            return f"clip {number} is {g.media!r}, expected {w.media!r}"
        if abs(w.start - g.start) > tolerance or abs(w.end - g.end) > tolerance:
            return f"clip {number} ({w.media}) is {g.start:.3f}-{g.end:.3f} s, expected {w.start:.3f}-{w.end:.3f} s"
    return None
