"""Candidate windows: the spans of media a clip may be cut from, with what is known about each.

A window is a shot, or a piece of a long shot split at speech pauses, restricted to the media's
TimeRangeList. Its in/out points therefore fall on cuts or pauses from the start. Each window carries
its text (OCR lines read inside it, subtitle cues overlapping it) and its signals (loudness, speech,
motion, faces, colour, cut density) so matching and highlight scoring never look at frames again.
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from scene_select.workstation.engine.analysis import AUDIO_HOP, LOOKS, VIDEO_BIN, MediaAnalysis, OcrLine
from scene_select.workstation.engine.resolve import Cue, MediaSource

#: Speech-pause snapping tolerance (seconds) when splitting long shots.
SNAP = 0.75


#: Words of file and folder names that say what kind of file it is or where it is in the work, not what
#: it shows: "still_03.png" (a still), "IMG_2034", "DSC0001", "clip_02", "final_v2", "footage/raw". A
#: sentence's "still river" or "final moments" must not find them.
FILE_WORDS = frozenset(
    [
        "still",
        "stills",
        "img",
        "image",
        "images",
        "photo",
        "photos",
        "pic",
        "pics",
        "picture",
        "pictures",
        "dsc",
        "dscn",
        "dscf",
        "dcim",
        "mvi",
        "vid",
        "video",
        "videos",
        "clip",
        "clips",
        "footage",
        "broll",
        "raw",
        "final",
        "edit",
        "edited",
        "copy",
        "export",
        "exported",
        "render",
        "take",
        "untitled",
        "screenshot",
        "scan",
        "version",
        "draft",
        "media",
        "file",
        "files",
    ]
)


@dataclass
class MediaItem:
    """One usable media of the job: its entry, source, analysis and allowed time ranges."""

    index: int
    source: MediaSource
    analysis: MediaAnalysis
    ranges: list[tuple[float, float]]
    cues: list[Cue] = field(default_factory=list)
    _times: list[float] = field(default_factory=list, repr=False, compare=False)

    @property
    def entry(self) -> str:
        return self.source.entry

    @property
    def is_image(self) -> bool:
        return self.analysis.info.is_image

    def ocr_between(self, start: float, end: float) -> list[OcrLine]:
        """OCR lines read in [start, end) (the lines are in time order: a binary search, not a scan)."""
        times = self._ocr_times()
        return self.analysis.ocr[bisect.bisect_left(times, start) : bisect.bisect_left(times, end)]

    def _ocr_times(self) -> list[float]:
        if len(self._times) != len(self.analysis.ocr):
            self._times = [line.t for line in self.analysis.ocr]
        return self._times

    def name_text(self) -> str:
        """File name and folder as words, without the words that say what kind of file it is, and the tags
        ("beach_sunset-01.mp4" → "beach sunset 01"; "stills/still_03.png" → "03")."""
        stem = Path(self.source.path).stem
        words = re.sub(r"([a-z])([A-Z])", r"\1 \2", stem)
        words = re.sub(r"[_\-.+]+", " ", words)
        named = " ".join(
            w for w in f"{words} {' '.join(self.source.folder_words)}".split() if w.lower() not in FILE_WORDS
        )
        return " ".join(p for p in [named, *self.source.tags] if p)


@dataclass
class Window:
    media: MediaItem
    start: float
    end: float
    text: str = ""
    flexible: bool = False  # an image: any duration
    signals: dict[str, float] = field(default_factory=dict)

    @property
    def length(self) -> float:
        return math.inf if self.flexible else self.end - self.start

    @property
    def order_key(self) -> tuple[int, float]:
        return self.media.index, self.start


def allowed_ranges(duration: float, ranges: list[tuple[float, float]] | None) -> list[tuple[float, float]]:
    """The parts of [0, duration] a clip may use: the TimeRangeList clipped to the media, or all of it."""
    if not ranges:
        return [(0.0, duration)]
    spans = sorted((max(0.0, a), min(duration, b)) for a, b in ranges)
    merged: list[tuple[float, float]] = []
    for a, b in spans:
        if b - a <= 0.05:
            continue
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def build_windows(item: MediaItem, *, max_window: float, min_window: float = 0.3) -> list[Window]:
    """Windows of ``item``: shots ∩ allowed ranges, long pieces split near pauses into ≤ ``max_window``."""
    analysis = item.analysis
    if item.is_image:
        window = Window(item, 0.0, 0.0, flexible=True)
        window.text = _window_text(item, 0.0, math.inf)
        window.signals = window_signals(analysis, 0.0, 0.0)
        return [window]
    windows: list[Window] = []
    median_db = median_loudness(analysis)
    for shot_start, shot_end in analysis.shots():
        for range_start, range_end in item.ranges:
            start, end = max(shot_start, range_start), min(shot_end, range_end)
            if end - start < min_window:
                continue
            for piece_start, piece_end in _split(start, end, max_window, analysis.pauses):
                window = Window(item, round(piece_start, 3), round(piece_end, 3))
                window.text = _window_text(item, piece_start, piece_end)
                lines = item.ocr_between(piece_start, piece_end)
                window.signals = window_signals(analysis, piece_start, piece_end, median_db, lines)
                windows.append(window)
    return windows


def _split(start: float, end: float, max_window: float, pauses: list[float]) -> list[tuple[float, float]]:
    length = end - start
    if length <= max_window * 1.25:
        return [(start, end)]
    count = math.ceil(length / max_window)
    step = length / count
    edges = [start]
    for k in range(1, count):
        target = start + k * step
        near = [p for p in pauses if abs(p - target) <= SNAP and edges[-1] + 1.0 < p < end - 1.0]
        edges.append(min(near, key=lambda p: (abs(p - target), p)) if near else target)
    edges.append(end)
    return [(a, b) for a, b in itertools.pairwise(edges) if b - a > 0.05]


def _window_text(item: MediaItem, start: float, end: float) -> str:
    seen: dict[str, None] = {}
    lines = item.analysis.ocr if item.is_image else item.ocr_between(start - 0.05, end)
    for line in lines:
        seen.setdefault(line.text, None)
    for cue in item.cues:
        if cue.start < end and cue.end > start:
            seen.setdefault(cue.text, None)
    return " ".join(seen)


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def median_loudness(analysis: MediaAnalysis) -> float:
    values = sorted(analysis.loudness_db)
    return values[len(values) // 2] if values else -70.0


def _whose_faces(analysis: MediaAnalysis, sampled: list[int]) -> dict[str, float]:
    """What the faces of a window's sampled bins say (``face_traits.TRAITS``): the mean of each trait (a bin
    whose faces were not read counts 0), the share of bins read, and how surely the window is a close-up (a
    bin without a face counts as even odds). Nothing when no bin was sampled by the face reader."""
    from scene_select.workstation.engine.face_traits import TRAITS, closeness

    if not sampled:
        return {}
    readings = [analysis.face_traits[i] for i in sampled]
    read = [r for r in readings if len(r) == len(TRAITS)]
    out = {f"faces_{trait}": round(sum(r[k] for r in read) / len(sampled), 3) for k, trait in enumerate(TRAITS)}
    out["faces_read"] = round(len(read) / len(sampled), 3)
    heights = [analysis.face_heights[i] for i in sampled]
    out["close_up"] = round(_mean([closeness(h) if h > 0 else 0.5 for h in heights]), 3)
    return out


def window_signals(
    analysis: MediaAnalysis,
    start: float,
    end: float,
    median_db: float | None = None,
    ocr_lines: list[OcrLine] | None = None,
) -> dict[str, float]:
    """Per-window evidence: loudness (dBFS), peak (dB over the file's median), speech ratio, motion,
    cut density (cuts per 10 s around the window), faces, text density, brightness, saturation, hue."""
    b0 = int(start / VIDEO_BIN)
    b1 = max(b0 + 1, math.ceil(end / VIDEO_BIN))
    motion = analysis.motion[b0:b1] or analysis.motion[-1:]
    brightness = analysis.brightness[b0:b1] or analysis.brightness[-1:]
    saturation = analysis.saturation[b0:b1] or analysis.saturation[-1:]
    hue_rows = analysis.hue[b0:b1] or analysis.hue[-1:]
    faces = [f for f in analysis.faces[b0:b1] if f >= 0]
    sampled = [i for i in range(b0, min(b1, len(analysis.face_heights))) if analysis.face_heights[i] >= 0]
    h0 = int(start / AUDIO_HOP)
    h1 = max(h0 + 1, math.ceil(end / AUDIO_HOP))
    loud = analysis.loudness_db[h0:h1]
    speech = analysis.speech[h0:h1]
    signals: dict[str, float] = {
        "motion": round(_mean(motion), 3),
        "brightness": round(_mean(brightness), 3),
        "saturation": round(_mean(saturation), 3),
        "faces": round(_mean(faces), 3),
        "speech": round(_mean(speech), 3),
    }
    signals.update(_whose_faces(analysis, sampled))
    for k, name in enumerate(("red", "yellow", "green", "cyan", "blue", "magenta")):
        signals["hue_" + name] = round(_mean([row[k] for row in hue_rows]), 3) if hue_rows else 0.0
    look_rows = analysis.looks[b0:b1] or analysis.looks[-1:]
    if look_rows:
        for k, name in enumerate(LOOKS):
            signals["look_" + name] = round(_mean([row[k] for row in look_rows]), 3)
    if loud:
        energy = _mean([10 ** (v / 10) for v in loud])
        signals["loudness"] = round(10 * math.log10(max(energy, 1e-7)), 2)
        median = median_loudness(analysis) if median_db is None else median_db
        signals["peak"] = round(max(loud) - median, 2)
    else:
        signals["loudness"] = -70.0
        signals["peak"] = 0.0
    context = 2.0
    span = (end - start) + 2 * context
    cuts = sum(1 for c in analysis.cuts if start - context <= c <= end + context)
    signals["cut_density"] = round(10.0 * cuts / max(span, 1.0), 3)
    inside = ocr_lines if ocr_lines is not None else [line for line in analysis.ocr if start <= line.t < end]
    chars = sum(len(line.text) for line in inside)
    reads = max(1, len({line.t for line in inside}))
    signals["text"] = round(chars / reads, 2)
    return signals
