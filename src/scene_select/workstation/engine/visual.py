"""The visual analyser: what each shot shows, in ImageNet labels, from a few sample pictures per shot.

It plugs into the decoding pass beside cuts, motion, loudness, faces and on-screen text
(:mod:`.analyser`). It takes the first sample picture of every shot (the pass takes one shortly after
each cut) and then one every :data:`SIGHT_INTERVAL` seconds inside a long shot; a still image gets its
one picture. On its worker thread each picture becomes a 224×224 centre square of the ≤ 640 px sample
(which the decoder scaled from its YUV planes); every :data:`BATCH` squares go through the
EfficientNet-Lite0 graph together on one onnxruntime thread (~13 ms a picture, ~20 % less in a batch of
four), so sight overlaps decoding instead of adding to it; the last few are classified when the pass
ends. The same pictures, whole, go through the person detector (:mod:`..person_model`, ~22 ms), which
finds the people no face shows. What is stored per picture is small (the top 20 labels, a certainty and
a person's presence) and cached with the rest of the analysis. Whose faces show is the face analyser's
(:class:`..signals.FaceCounter`).

Matching turns these samples into per-window views and scores them against the sentences
(:func:`window_samples`, :mod:`.matching`); docs/engine.md#sight explains the whole chain.
"""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING

from scene_select.workstation.engine.analyser import Analyser, PassState
from scene_select.workstation.engine.analysis import SightSample

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from scene_select.workstation.engine.analysis import MediaAnalysis
    from scene_select.workstation.engine.sight.model import Sight

#: Seconds between two pictures sight looks at inside one shot (a new shot is always looked at): about one
#: picture per shot in edited footage, one per window in a long take (windows are cut at ≤ 12 s).
SIGHT_INTERVAL = 6.0
#: Pictures classified in one call (a batch of four costs ~20 % less per picture than one at a time).
BATCH = 4
#: A shot's first picture is taken at least this long after its cut (past the cut's transition frames).
AFTER_CUT = 0.2


class VisualAnalyser(Analyser):
    """Runs :class:`~scene_select.workstation.engine.sight.model.Sight` on a few samples per shot."""

    name = "sight"

    def __init__(self, sight: Sight, *, interval: float = SIGHT_INTERVAL) -> None:
        self.sight = sight
        self.interval = interval
        self.samples: list[SightSample] = []
        self._last: float | None = None
        self._pending: list[tuple[float, npt.NDArray[np.float32], float]] = []

    def plan_sample(self, t: float, state: PassState) -> object | None:
        if state.info.is_image:
            return True
        last = self._last
        new_shot = last is None or (bool(state.cuts) and state.shot_start > last and t >= state.shot_start + AFTER_CUT)
        if new_shot or (last is not None and t - last >= self.interval):
            self._last = t
            return True
        return None

    def on_sample(self, t: float, rgb: npt.NDArray[np.uint8], plan: object) -> None:
        from scene_select.workstation.engine.sight.model import square

        self._pending.append((t, square(rgb), self.sight.person_presence(rgb)))
        if len(self._pending) >= BATCH:
            self._classify()

    def _classify(self) -> None:
        seen = self.sight.classify([picture for _, picture, _ in self._pending])
        for (t, _, person), one in zip(self._pending, seen, strict=True):
            self.samples.append(SightSample(round(t, 3), one.top, one.certainty, round(person, 3)))
        self._pending = []

    def complete(self, analysis: MediaAnalysis, state: PassState) -> None:
        self._classify()
        analysis.sight = sorted(self.samples, key=lambda s: s.t)
        analysis.sight_model = self.sight.model_id


def window_samples(analysis: MediaAnalysis, start: float, end: float, *, still: bool) -> list[SightSample]:
    """The sight samples that describe the span [start, end) of a media.

    Those taken inside it; for a span too short to hold one, the nearest sample of the same shot; a
    still image has one for all of it. Empty when sight did not run on the media.
    """
    samples = analysis.sight
    if not samples:
        return []
    if still:
        return list(samples)
    times = [s.t for s in samples]
    inside = samples[bisect.bisect_left(times, start) : bisect.bisect_left(times, end)]
    if inside:
        return list(inside)
    cuts = analysis.cuts
    shot = bisect.bisect_right(cuts, start)
    shot_start = cuts[shot - 1] if shot > 0 else 0.0
    shot_end = cuts[shot] if shot < len(cuts) else analysis.info.duration
    same_shot = [s for s in samples if shot_start <= s.t < shot_end]
    if not same_shot:
        return []
    middle = (start + end) / 2
    return [min(same_shot, key=lambda s: (abs(s.t - middle), s.t))]


def shot_index(analysis: MediaAnalysis, t: float) -> int:
    """Which shot of the media ``t`` falls in (0 before the first cut)."""
    return bisect.bisect_right(analysis.cuts, t)
