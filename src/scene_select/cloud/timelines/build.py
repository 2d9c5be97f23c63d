"""A ``selection.json`` as OpenTimelineIO timelines: one :class:`~opentimelineio.schema.Timeline` per output.

Every clip's source range is the selection's ``in``/``out`` on the frame grid of the media's own
frame rate (``30000/1001`` stays exact), offset by the media's start timecode when it is known. Its
media reference is an ``ExternalReference`` to the media's URL with the media's rate and available
range, and a ``scene_select`` metadata block (rate as a fraction, where the rate came from, still,
sound, start timecode). Stills are held clips of a reference to the image. The sentences of an
image-text output are markers on the first clip of each sentence (no adapter has subtitle tracks; a
sentence without a clip becomes a gap carrying its marker). A highlight output keeps the selected
order with the intro first, marked ``Intro``.

Imports OpenTimelineIO: import this module only when a timeline is wanted.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

import opentimelineio as otio

from scene_select.cloud.timelines.media import MediaInfo, MediaInfoFn, file_url, normalise_rate

__all__ = ["DEFAULT_RATE", "NS", "RT", "TR", "build_timelines", "rate_text", "selection_clips"]

RT = otio.opentime.RationalTime
TR = otio.opentime.TimeRange

#: Metadata namespace for everything this package adds to OTIO objects.
NS = "scene_select"
#: The rate of a timeline with no video, and of media whose rate nobody could tell.
DEFAULT_RATE = Fraction(25)

_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


def rate_text(rate: Fraction) -> str:
    """``"30000/1001"``, ``"25"``: a rate as people and metadata read it, exact."""
    return f"{rate.numerator}/{rate.denominator}" if rate.denominator != 1 else str(rate.numerator)


def selection_clips(output: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The clips of one output of a selection, in the selection's order."""
    if "sentences" in output:
        return [clip for sentence in output.get("sentences") or [] for clip in sentence.get("clips") or []]
    return list(output.get("highlights") or [])


@dataclass
class _Media:
    info: MediaInfo
    name: str
    url: str
    rate: Fraction
    tc_frames: int
    available_frames: int
    rate_assumed: bool
    duration_assumed: bool


def build_timelines(
    selection: Mapping[str, Any], media_info: MediaInfoFn, *, default_rate: Fraction = DEFAULT_RATE
) -> list[Any]:
    """One timeline per output of a ``selection.json`` (``kind`` ``text_match`` or ``highlights``).

    Each timeline has one video track. The timeline rate is the most used video rate of the output
    (``default_rate`` when it has only stills). Problems that do not stop the build (an unknown rate,
    a clip past the media's end, a clip without media) are listed in
    ``timeline.metadata["scene_select"]["warnings"]``. Selections of kind ``empty`` or
    ``unrecognised`` give no timelines. ``media_info`` is called once per media; if it raises, the
    media is taken as of unknown rate (and the reason is a warning).
    """
    kind = selection.get("kind")
    if kind not in ("text_match", "highlights"):
        return []
    outputs = [output for output in selection.get("outputs") or [] if isinstance(output, Mapping)]

    infos: dict[str, MediaInfo] = {}
    longest_use: dict[str, float] = {}
    for output in outputs:
        for clip in selection_clips(output):
            ident = _media_ident(clip)
            if ident is None:
                continue
            if ident not in infos:
                infos[ident] = _media_info_of(clip, media_info, default_rate)
            longest_use[ident] = max(longest_use.get(ident, 0.0), _seconds(clip.get("out")))

    base_name = str(selection.get("batch") or selection.get("jobId") or "selection")
    timelines: list[Any] = []
    for position, output in enumerate(outputs):
        warnings: list[str] = []
        clips = selection_clips(output)
        idents = [ident for ident in (_media_ident(c) for c in clips) if ident is not None]
        video_rates = [normalise_rate(r) for r in (infos[i].rate for i in idents if not infos[i].is_still) if r]
        rate = _timeline_rate(video_rates, default_rate)
        media = {
            ident: _media_for(
                ident,
                infos[ident],
                timeline_rate=rate,
                default_rate=default_rate,
                longest=longest_use[ident],
                warnings=warnings,
            )
            for ident in dict.fromkeys(idents)
        }
        index = _int(output.get("index"), position)
        label = f"{base_name} - output {index + 1}" if len(outputs) > 1 else base_name
        timeline = otio.schema.Timeline(name=label, global_start_time=RT(0, float(rate)))
        track = _Track(media, rate, warnings)
        if "sentences" in output:
            track.sentences(output)
        else:
            track.highlights(output)
        timeline.tracks.append(track.track)
        timeline.metadata[NS] = {
            "batch": selection.get("batch"),
            "runKey": selection.get("runKey"),
            "jobId": selection.get("jobId"),
            "kind": kind,
            "outputIndex": index,
            "scriptIndex": output.get("scriptIndex"),
            "rate": rate_text(rate),
            "warnings": warnings,
        }
        timelines.append(timeline)
    return timelines


def _media_ident(clip: Mapping[str, Any]) -> str | None:
    ident = clip.get("mediaKey") or clip.get("mediaUrl")
    return str(ident) if ident else None


def _media_info_of(clip: Mapping[str, Any], media_info: MediaInfoFn, default_rate: Fraction) -> MediaInfo:
    try:
        return media_info(clip)
    except Exception as exc:  # one media we cannot look at must not cost the timeline
        location = str(clip.get("mediaUrl") or clip.get("mediaKey") or "")
        return MediaInfo(location, default_rate, None, rate_source="assumed", note=f"{type(exc).__name__}: {exc}")


def _int(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _seconds(value: Any) -> float:
    try:
        seconds = float(value) if value is not None else 0.0
    except (TypeError, ValueError):
        return 0.0
    return seconds if math.isfinite(seconds) else 0.0


def _timeline_rate(rates: Iterable[Fraction], default_rate: Fraction) -> Fraction:
    """The most used video rate (the first seen wins a tie); ``default_rate`` when there is no video."""
    counted = Counter(rates)
    if not counted:
        return default_rate
    best = max(counted.values())
    return next(rate for rate in counted if counted[rate] == best)


def _target_url(location: str) -> str:
    """URLs stay as they are; a local path becomes an absolute, percent-encoded ``file://`` URL."""
    if _SCHEME.match(location):
        return location
    return file_url(PurePosixPath(location).as_posix()) if location.startswith("/") else location


def _file_name(ident: str, info: MediaInfo) -> str:
    for candidate in (ident, info.location):
        if candidate:
            path = urlsplit(candidate).path if "://" in candidate else candidate
            name = PurePosixPath(unquote(path)).name
            if name:
                return name
    return "media"


def _media_for(
    ident: str,
    info: MediaInfo,
    *,
    timeline_rate: Fraction,
    default_rate: Fraction,
    longest: float,
    warnings: list[str],
) -> _Media:
    name = _file_name(ident, info)
    rate_assumed = False
    if info.is_still:
        rate = timeline_rate
    elif info.rate:
        rate = normalise_rate(info.rate)
        rate_assumed = info.rate_source == "assumed"
    else:
        rate = default_rate
        rate_assumed = True
    if rate_assumed and not info.is_still:
        why = f" ({info.note})" if info.note else ""
        warnings.append(f"{name}: frame rate unknown{why}, assumed {rate_text(rate)} fps")
    elif info.note:
        warnings.append(f"{name}: {info.note}")
    tc_frames = 0
    if info.start_timecode:
        try:
            tc_frames = round(otio.opentime.from_timecode(info.start_timecode, float(rate)).value)
        except ValueError as exc:
            warnings.append(f"{name}: start timecode {info.start_timecode!r} ignored ({exc})")
    duration_assumed = info.is_still or info.duration is None
    if duration_assumed:
        whole_seconds = max(1, math.ceil(longest - 1e-9))  # covers every use of the media
        available_frames = math.ceil(whole_seconds * rate)
        if not info.is_still:
            warnings.append(f"{name}: duration unknown, available range set to its last use ({longest:.3f} s)")
    else:
        available_frames = max(1, round(Fraction(str(info.duration)) * rate))
    return _Media(
        info=info,
        name=name,
        url=_target_url(info.location),
        rate=rate,
        tc_frames=tc_frames,
        available_frames=available_frames,
        rate_assumed=rate_assumed,
        duration_assumed=duration_assumed,
    )


class _Track:
    """One output's video track, item by item; warnings go to the timeline's list."""

    def __init__(self, media: Mapping[str, _Media], rate: Fraction, warnings: list[str]) -> None:
        self.track = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
        self.media = media
        self.rate = rate
        self.warnings = warnings
        self.count = 0

    def sentences(self, output: Mapping[str, Any]) -> None:
        rate = float(self.rate)
        for s_index, sentence in enumerate(output.get("sentences") or []):
            marker = _sentence_marker(sentence, s_index)
            placed = False
            for clip in sentence.get("clips") or []:
                item = self.item(clip, {"sentenceIndex": s_index})
                if not placed and isinstance(item, otio.schema.Clip):
                    start = item.source_range.start_time
                    marker.marked_range = TR(start, RT(1, start.rate))
                    item.markers.append(marker)
                    placed = True
                self.track.append(item)
            if not placed:
                seconds = _seconds(sentence.get("duration"))
                frames = max(1, _frame_at(seconds, self.rate))
                gap = otio.schema.Gap(source_range=TR(RT(0, rate), RT(frames, rate)))
                marker.marked_range = TR(RT(0, rate), RT(1, rate))
                gap.markers.append(marker)
                self.track.append(gap)
                self.warnings.append(f"sentence {s_index + 1} has no clip: a {seconds:.3f} s gap holds its marker")

    def highlights(self, output: Mapping[str, Any]) -> None:
        selected = list(output.get("highlights") or [])
        ordered = sorted(selected, key=lambda clip: not clip.get("isIntro"))  # stable: the rest keep their order
        if ordered != selected:
            self.warnings.append("the intro clip was not first; it was moved to the start")
        for clip in ordered:
            item = self.item(clip, {})
            if clip.get("isIntro") and isinstance(item, otio.schema.Clip):
                start = item.source_range.start_time
                item.markers.append(
                    otio.schema.Marker(
                        name="Intro",
                        marked_range=TR(start, RT(1, start.rate)),
                        color=otio.schema.MarkerColor.YELLOW,
                        metadata={NS: {"isIntro": True}},
                    )
                )
            self.track.append(item)

    def item(self, clip: Mapping[str, Any], extra: Mapping[str, Any]) -> Any:
        """A clip on the media's frame grid, or a gap of the same length when its media is unknown."""
        self.count += 1
        start_s, end_s = _seconds(clip.get("in")), _seconds(clip.get("out"))
        ident = _media_ident(clip)
        if ident is None:
            rate = float(self.rate)
            frames = max(1, _frame_at(end_s, self.rate) - _frame_at(start_s, self.rate))
            self.warnings.append(f"clip {self.count} ({clip.get('mediaId')}): media unknown, a gap keeps its place")
            return otio.schema.Gap(source_range=TR(RT(0, rate), RT(frames, rate)))
        m = self.media[ident]
        fps = float(m.rate)
        first, last = _frame_at(start_s, m.rate), _frame_at(end_s, m.rate)
        if last > m.available_frames and not m.info.is_still:
            self.warnings.append(f"clip {self.count} ({m.name}): out {end_s:.3f} s is past the media's end; clamped")
            last = m.available_frames
            first = min(first, last - 1)
        if last <= first:
            self.warnings.append(f"clip {self.count} ({m.name}): empty range {start_s}-{end_s} s; one frame kept")
            last = first + 1
        reference = otio.schema.ExternalReference(
            target_url=m.url,
            available_range=TR(RT(m.tc_frames, fps), RT(m.available_frames, fps)),
        )
        reference.name = m.name
        reference.metadata[NS] = {
            "rate": rate_text(m.rate),
            "rateSource": "assumed" if m.rate_assumed else m.info.rate_source,
            "still": m.info.is_still,
            "hasAudio": m.info.has_audio,
            "durationAssumed": m.duration_assumed,
            "startTimecode": m.info.start_timecode,
        }
        item = otio.schema.Clip(
            name=m.name,
            media_reference=reference,
            source_range=TR(RT(m.tc_frames + first, fps), RT(last - first, fps)),
        )
        item.metadata[NS] = {
            "position": self.count,  # also keeps identical clips distinct (FCP7 XML back-references)
            "clipId": clip.get("clipId"),
            "mediaId": clip.get("mediaId"),
            "mediaKey": clip.get("mediaKey"),
            "mediaUrl": clip.get("mediaUrl"),
            "in": start_s,
            "out": end_s,
            "score": clip.get("score"),
            **({"isIntro": True} if clip.get("isIntro") else {}),
            **extra,
        }
        return item


def _frame_at(seconds: float, rate: Fraction) -> int:
    """The frame boundary nearest to ``seconds`` (half a frame rounds up), in exact arithmetic:
    1.234 s at 30000/1001 is frame 37, 0.5 s at 25 fps is frame 13, never the float-noise or
    banker's-rounding neighbour."""
    return math.floor(Fraction(str(seconds)) * rate + Fraction(1, 2))


def _sentence_marker(sentence: Mapping[str, Any], index: int) -> Any:
    text = " ".join(str(sentence.get("text") or "").split()) or f"Sentence {index + 1}"
    return otio.schema.Marker(
        name=text,
        color=otio.schema.MarkerColor.BLUE,
        metadata={NS: {"sentenceIndex": index, "textId": sentence.get("textId"), "duration": sentence.get("duration")}},
    )
