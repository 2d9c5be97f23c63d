"""Each interchange format through its official OTIO adapter, with what the adapter gets wrong put right.

:func:`render` turns one timeline into one file's text. Each format works on its own deep copy,
adjusted to what its adapter can carry; a timeline it cannot carry faithfully raises
:class:`FormatNotPossibleError` with the reason (the caller reports it and goes on with the other formats).

What is adjusted, and why (the adapters' behaviour as of opentimelineio 0.18.1 and the adapters 1.0.0):

* **FCP7 XML** (``fcp_xml``): rates are an integer timebase plus an NTSC flag, so only integer and
  NTSC rates are accepted (12.5 fps would be written as 13 NTSC). Stills and silent videos are
  declared picture-only (the adapter gives every file an audio stream). A drop-frame start timecode
  is kept drop-frame. Marker frames are made relative to the media's first frame, as FCP7 counts
  them. A clip identical to an earlier one would be written as a bare ``<clipitem id=…/>``
  back-reference without in/out; each clip carries its position in metadata, so none is identical.
* **FCPXML** (``fcpx_xml``): its rate table is keyed by ``int(rate)``, so NTSC rates come out with an
  empty ``frameDuration``: only 24, 25, 30, 50 and 60 fps are accepted. Names and URLs go into XPath
  f-strings, so an apostrophe is replaced (’ in names, %27 in URLs). For one timeline it writes
  ``asset-clip``s and the ``project`` side by side under ``fcpxml``, which the DTD forbids: they are
  wrapped in an ``event``; the empty ``uid``/``name`` attributes it writes are dropped.
* **CMX 3600 EDL** (``cmx_3600``): one timeline, one rate, integer or NTSC, at most 999 events. Source
  and record timecodes are rounded independently, which for clips at another rate than the EDL's
  makes events whose durations differ (its own reader then refuses the file): such clips are
  conformed to the EDL's rate (in/out stay within one frame) and a warning says so. The ``FCM:`` line
  it leaves out is added. Reel names are unique, at most 8 ASCII letters and digits (the adapter's
  default is empty for CJK names and collides for shared prefixes). A local file is named by its
  plain path, as EDLs do.

Imports OpenTimelineIO: import this module only when a timeline is wanted.
"""

from __future__ import annotations

import copy
import math
import re
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit
from xml.etree import ElementTree

import opentimelineio as otio

from scene_select.cloud.timelines.build import NS, RT, TR
from scene_select.cloud.timelines.formats import FORMATS, FormatName
from scene_select.cloud.timelines.readback import clips_of, timeline_rate_of

__all__ = ["FCPXML_RATES", "MAX_EDL_EVENTS", "FormatNotPossibleError", "refuse_assumed_rates", "render"]

FCPXML_RATES = frozenset({24.0, 25.0, 30.0, 50.0, 60.0})
MAX_EDL_EVENTS = 999


class FormatNotPossibleError(ValueError):
    """The timeline cannot be expressed faithfully in this format; the message says why."""


def render(fmt: FormatName, timeline: Any, warnings: list[str]) -> str:
    """The text of ``timeline`` in ``fmt``; adds what the reader should know to ``warnings``."""
    prepared = prepare(fmt, timeline, warnings)
    kwargs: dict[str, Any] = {"rate": timeline_rate_of(prepared)} if fmt == "edl" else {}
    text: str = otio.adapters.write_to_string(prepared, FORMATS[fmt].adapter, **kwargs)
    if fmt == "edl":
        return _edl_with_fcm(text)
    if fmt == "fcpxml":
        return _fcpxml_in_event(text, str(timeline.metadata.get(NS, {}).get("batch") or timeline.name))
    return text


def refuse_assumed_rates(timeline: Any) -> None:
    """Frame-counted formats (FCP XML, FCPXML, EDL) carry in/out as frames of the stated rate: with a
    guessed rate, an editor that trusts the file's real rate cuts at the wrong frames, silently. The
    ``.otio`` is still written (its times hold in seconds) and says which rates were assumed."""
    assumed = sorted(
        {
            clip.name
            for clip in clips_of(timeline)
            if clip.media_reference.metadata.get(NS, {}).get("rateSource") == "assumed"
        }
    )
    if assumed:
        raise FormatNotPossibleError(
            f"frame rate unknown (assumed) for {', '.join(assumed)}: not written in a frame-counted format"
        )


def prepare(fmt: FormatName, timeline: Any, warnings: list[str]) -> Any:
    """A copy of ``timeline`` adjusted to what one adapter can carry; raises :class:`FormatNotPossibleError`."""
    prepared = copy.deepcopy(timeline)
    if not clips_of(prepared) and fmt != "otio":
        raise FormatNotPossibleError("the timeline has no clip")
    if fmt == "fcp7xml":
        _prepare_fcp7(prepared)
    elif fmt == "fcpxml":
        _prepare_fcpx(prepared, warnings)
    elif fmt == "edl":
        _prepare_edl(prepared, warnings)
    return prepared


def _is_ntsc(rate: float) -> bool:
    base = round(rate * 1001 / 1000)
    return base > 0 and math.isclose(rate, base * 1000 / 1001, rel_tol=1e-9)


def _shown(rate: float) -> str:
    return f"{rate:.3f}".rstrip("0").rstrip(".")


def _prepare_fcp7(prepared: Any) -> None:
    clips = clips_of(prepared)
    for rate in sorted({timeline_rate_of(prepared), *(float(c.source_range.start_time.rate) for c in clips)}):
        if not (rate.is_integer() or _is_ntsc(rate)):
            raise FormatNotPossibleError(
                f"FCP7 XML writes rates as an integer timebase (and an NTSC flag); {_shown(rate)} fps is neither"
            )
    for clip in clips:
        ref_meta = clip.media_reference.metadata.get(NS, {})
        fcp_meta: dict[str, Any] = {}
        if ref_meta.get("still") or ref_meta.get("hasAudio") is False:
            fcp_meta["media"] = {"video": None}  # picture only: the adapter declares audio for every file
        if ";" in str(ref_meta.get("startTimecode") or ""):
            fcp_meta["timecode"] = {"displayformat": "DF"}  # keep a drop-frame timecode drop-frame
        if fcp_meta:
            clip.media_reference.metadata["fcp_xml"] = fcp_meta
        # The adapter writes marker in/out as raw source frames; FCP7 counts them from the media's
        # first frame (as it does the clip's in/out), so the start timecode comes off.
        offset = clip.media_reference.available_range.start_time
        for marker in clip.markers:
            marker.marked_range = TR(marker.marked_range.start_time - offset, marker.marked_range.duration)


def _prepare_fcpx(prepared: Any, warnings: list[str]) -> None:
    clips = clips_of(prepared)
    timeline_rate = timeline_rate_of(prepared)
    used = {timeline_rate, float(prepared.tracks.duration().rate)}
    used |= {float(c.source_range.start_time.rate) for c in clips}
    unsupported = sorted(rate for rate in used if rate not in FCPXML_RATES)
    if unsupported:
        raise FormatNotPossibleError(
            "the FCPXML adapter writes 24, 25, 30, 50 and 60 fps only; this timeline uses "
            f"{', '.join(_shown(r) for r in unsupported)} fps"
        )
    other = sorted({_shown(r) for r in used if r != timeline_rate})
    if other:
        warnings.append(
            f"FCPXML: clips at {', '.join(other)} fps on a {_shown(timeline_rate)} fps project: their lengths are "
            "not whole project frames, and Final Cut conforms them on import (within one frame)"
        )
    for clip in clips:
        clip.name = clip.name.replace("'", "\u2019")  # the adapter looks names up with XPath f-strings
        clip.media_reference.target_url = clip.media_reference.target_url.replace("'", "%27")


def _prepare_edl(prepared: Any, warnings: list[str]) -> None:
    clips = clips_of(prepared)
    if len(clips) > MAX_EDL_EVENTS:
        raise FormatNotPossibleError(f"CMX 3600 numbers events 001-999; this timeline has {len(clips)} clips")
    rate = timeline_rate_of(prepared)
    if not (rate.is_integer() or _is_ntsc(rate)):
        raise FormatNotPossibleError(f"EDL timecode needs an integer or NTSC rate; the timeline is {_shown(rate)} fps")
    other = sorted({_shown(float(c.source_range.start_time.rate)) for c in clips} - {_shown(rate)})
    if other:
        warnings.append(
            f"an EDL has one frame rate: sources at {', '.join(other)} fps are conformed to the timeline's "
            f"{_shown(rate)} fps (in/out within one frame)"
        )
    for track in prepared.video_tracks():
        _conform_to_rate(track, rate)
    reels = _reel_names(clips)
    for clip in clips:
        url = clip.media_reference.target_url
        clip.metadata.setdefault("cmx_3600", {})["reel"] = reels[url]
        if url.startswith("file://"):
            clip.media_reference.target_url = unquote(urlsplit(url).path)  # EDLs name local files by path


def _conform_to_rate(track: Any, rate: float) -> None:
    """Put every item on one frame grid, as an EDL needs: record boundaries from the exact running
    time, each source in at its nearest frame of ``rate``, and the source duration equal to the
    record duration (a CMX reader refuses an event whose two durations differ). Items already at
    ``rate`` are unchanged; the others move by less than one frame of ``rate``."""

    def on_grid(time: Any) -> Any:
        return RT(round(time.to_seconds() * rate), rate)

    elapsed = 0.0
    for item in track:
        if not isinstance(item, (otio.schema.Clip, otio.schema.Gap)):
            continue
        source = item.source_range
        record_in = round(elapsed * rate)
        elapsed += source.duration.to_seconds()
        frames = max(1, round(elapsed * rate) - record_in)
        # Centre the fixed-length range on the exact one: both ends then stay within one frame.
        exact_in = source.start_time.to_seconds() * rate
        exact_out = source.end_time_exclusive().to_seconds() * rate
        start = math.floor((exact_in + exact_out - frames) / 2 + 0.5)
        item.source_range = TR(RT(start, rate), RT(frames, rate))
        for marker in item.markers:
            marker.marked_range = TR(on_grid(marker.marked_range.start_time), RT(1, rate))
        if isinstance(item, otio.schema.Clip) and item.media_reference.available_range is not None:
            available = item.media_reference.available_range
            item.media_reference.available_range = TR(on_grid(available.start_time), on_grid(available.duration))


def _reel_names(clips: list[Any]) -> dict[str, str]:
    """A unique CMX reel name (at most 8 of [A-Za-z0-9]) per media, from its file name where possible."""
    reels: dict[str, str] = {}
    used: set[str] = set()
    for clip in clips:
        url = clip.media_reference.target_url
        if url in reels:
            continue
        stem = re.sub(r"[^A-Za-z0-9]", "", PurePosixPath(unquote(urlsplit(url).path)).stem)[:8]
        reel = stem if stem and stem not in used else ""
        if not reel:
            number = len(reels) + 1
            while f"R{number:03d}" in used:
                number += 1
            reel = f"R{number:03d}"
        reels[url] = reel
        used.add(reel)
    return reels


def _fcpxml_in_event(text: str, name: str) -> str:
    """Put the adapter's top-level ``asset-clip`` and ``project`` elements into one ``event`` (the
    FCPXML DTD allows clips or projects or events there, not a mix; inside an event both are valid,
    and the adapter's reader reads an event as its projects) and drop the empty ``uid``/``name``
    attributes it writes."""
    root = ElementTree.fromstring(text)
    loose = [child for child in root if child.tag in ("asset-clip", "project", "ref-clip", "clip")]
    if loose:
        event = ElementTree.Element("event", {"name": name})
        for child in loose:
            root.remove(child)
            event.append(child)
        root.append(event)
    for element in root.iter():
        for attribute in ("uid", "name"):
            if element.get(attribute) == "":
                del element.attrib[attribute]
        if element.text is not None and not element.text.strip():
            element.text = None
        element.tail = None
    ElementTree.indent(root, space="    ")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE fcpxml>\n'
        + ElementTree.tostring(root, encoding="unicode")
        + "\n"
    )


def _edl_with_fcm(text: str) -> str:
    """Add the frame-code-mode line the adapter leaves out (its reader ignores it; editors read it).
    OTIO writes drop-frame timecode (``;``) for 29.97 and 59.94 and non-drop for every other rate."""
    lines = text.split("\n")
    drop = any(";" in line for line in lines if re.match(r"^\d{3}\s", line))
    fcm = "FCM: DROP FRAME" if drop else "FCM: NON-DROP FRAME"
    at = 1 if lines and lines[0].startswith("TITLE:") else 0
    return "\n".join([*lines[:at], fcm, *lines[at:]])
