"""Highlights: the most energetic, eventful stretches of long videos, assembled to a target duration.

Score. Every candidate window (a shot or a 2-6 s piece of one, split at speech pauses) gets a weighted
sum of z-scores (computed over all windows of the job, so videos compete fairly) of: loudness, loudness
peak over the video's median, motion, cut density, speech presence, faces and on-screen text density.
The weights (``WEIGHTS``) favour what makes a trailer-style mashup: loud, moving, fast-cut moments, and
people talking. Black windows and near-silent windows are pushed down.

Select. Windows are taken best first, without overlap, until their total reaches the target (the last
one trimmed at a pause if it would overshoot); adjacent picks merge into one clip. Clips are played in
source order. With ``IntroConfig.Mode == "Auto"`` the single strongest window is cut out first and put at
the front as the hook (``isIntro``); ICE documents TargetDuration as excluding the intro, so the body is
still filled to the full target from the other windows.

Default TargetDuration (when HighlightStrategy gives none): 15 % of the usable material, at least 10 s and
at most 90 s, never more than the material itself — a trailer-like length for both a 1-minute clip and a
2-hour film.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from scene_select.workstation.engine.windows import Window

WEIGHTS: dict[str, float] = {
    "loudness": 1.0,
    "peak": 1.0,
    "motion": 1.0,
    "cut_density": 0.6,
    "speech": 0.6,
    "faces": 0.4,
    "text": 0.3,
}
DEFAULT_SHARE = 0.15
DEFAULT_MIN = 10.0
DEFAULT_MAX = 90.0
MIN_CLIP = 1.5
OUTPUT_REUSE_PENALTY = 1.0


def default_target(total_usable: float) -> float:
    """The documented auto rule for TargetDuration (see the module docstring)."""
    return round(min(total_usable, max(DEFAULT_MIN, min(DEFAULT_MAX, DEFAULT_SHARE * total_usable))), 2)


@dataclass
class ScoredWindow:
    window: Window
    score: float
    contributions: dict[str, float]


@dataclass
class HighlightClipChoice:
    window: Window
    start: float
    end: float
    score: float
    contributions: dict[str, float]
    is_intro: bool = False
    merged: list[ScoredWindow] = field(default_factory=list)

    @property
    def duration(self) -> float:
        return self.end - self.start


def score_windows(windows: Sequence[Window]) -> list[ScoredWindow]:
    """Weighted z-score of each window's signals (see module docstring)."""
    stats: dict[str, tuple[float, float]] = {}
    for name in WEIGHTS:
        values = [w.signals.get(name, 0.0) for w in windows]
        mean = sum(values) / len(values) if values else 0.0
        variance = sum((v - mean) ** 2 for v in values) / len(values) if values else 0.0
        stats[name] = (mean, math.sqrt(variance))
    scored: list[ScoredWindow] = []
    for window in windows:
        contributions: dict[str, float] = {}
        for name, weight in WEIGHTS.items():
            mean, std = stats[name]
            z = (window.signals.get(name, 0.0) - mean) / std if std > 1e-9 else 0.0
            contributions[name] = round(weight * max(-3.0, min(3.0, z)), 3)
        total = sum(contributions.values())
        if window.signals.get("brightness", 1.0) < 0.06:
            total -= 3.0
            contributions["black"] = -3.0
        if window.signals.get("loudness", -70.0) < -60.0:
            total -= 1.0
            contributions["silent"] = -1.0
        if window.length < MIN_CLIP:
            total -= 0.5 * (MIN_CLIP - window.length)
        scored.append(ScoredWindow(window, round(total, 4), contributions))
    return scored


def select_highlights(
    scored: Sequence[ScoredWindow],
    target: float,
    *,
    intro: bool,
    usage: dict[int, int] | None = None,
) -> list[HighlightClipChoice]:
    """Pick non-overlapping windows to ``target`` seconds (+ an intro when asked); source order after it."""
    usage = usage or {}

    def rank_key(item: tuple[int, ScoredWindow]) -> tuple[float, int, float]:
        index, sw = item
        return (-(sw.score - OUTPUT_REUSE_PENALTY * usage.get(index, 0)), sw.window.media.index, sw.window.start)

    ranked = sorted(enumerate(scored), key=rank_key)
    picks: list[tuple[int, ScoredWindow, float, float]] = []
    intro_pick: HighlightClipChoice | None = None
    total = 0.0
    for index, sw in ranked:
        window = sw.window
        if window.length < 0.5:
            continue
        if intro and intro_pick is None:
            intro_pick = HighlightClipChoice(
                window, window.start, window.end, sw.score, sw.contributions, is_intro=True, merged=[sw]
            )
            continue
        if total >= target - 0.25:
            break
        length = window.length
        end = window.end
        if total + length > target + 0.5 * MIN_CLIP:
            wanted = target - total
            if wanted < MIN_CLIP:
                continue
            end = _trim_point(window, window.start + wanted)
            length = end - window.start
        picks.append((index, sw, window.start, end))
        total += length
    clips = _merge_adjacent(picks)
    return ([intro_pick] if intro_pick else []) + clips


def _trim_point(window: Window, wanted_end: float) -> float:
    """An out-point near ``wanted_end``: the closest pause within ±0.75 s, else the exact time."""
    pauses = [p for p in window.media.analysis.pauses if window.start + MIN_CLIP <= p < window.end]
    near = [p for p in pauses if abs(p - wanted_end) <= 0.75]
    chosen = min(near, key=lambda p: (abs(p - wanted_end), p)) if near else wanted_end
    return round(chosen, 3)


def _merge_adjacent(picks: list[tuple[int, ScoredWindow, float, float]]) -> list[HighlightClipChoice]:
    ordered = sorted(picks, key=lambda p: (p[1].window.media.index, p[2]))
    clips: list[HighlightClipChoice] = []
    for _, sw, start, end in ordered:
        previous = clips[-1] if clips else None
        if previous is not None and previous.window.media is sw.window.media and abs(previous.end - start) < 0.05:
            previous.end = end
            previous.merged.append(sw)
            previous.score = max(previous.score, sw.score)
            for name, value in sw.contributions.items():
                previous.contributions[name] = max(previous.contributions.get(name, value), value)
            continue
        clips.append(HighlightClipChoice(sw.window, start, end, sw.score, dict(sw.contributions), merged=[sw]))
    return clips
