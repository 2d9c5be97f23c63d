"""Hard-cut detection on 64×36 RGB thumbnails, online, with a few frames of look-ahead.

Two cues, each judged against its own neighbourhood (like PySceneDetect's AdaptiveDetector, which has
the best F1 in PySceneDetect's published benchmark), so steady motion is not mistaken for a cut:

* content: mean absolute pixel difference to the previous picture, compared with the mean of the same
  quantity over the ``window`` pictures on each side;
* colour: L1 distance of per-channel 8-bin histograms, compared the same way. It catches cuts into or
  out of extremely busy footage (where every picture differs from the last one anyway) because a new
  shot changes the colour distribution while busy motion inside one shot does not.

A cut is declared at the first picture of the new shot; two cuts closer than ``min_shot`` seconds keep
only the first (flashes, strobes). As an :class:`~scene_select.workstation.engine.analyser.Analyser` it
publishes the cuts found so far and each thumbnail's content difference (the motion signal) in the
pass state, for the analysers after it.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

from scene_select.workstation.engine.analyser import Analyser, PassState

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from scene_select.workstation.engine.analysis import MediaAnalysis


@dataclass(frozen=True)
class CutParams:
    window: int = 4  # neighbours on each side
    content_ratio: float = 3.0  # content difference must exceed this × its neighbours' mean
    content_min: float = 9.0  # … and this absolute level (0..255)
    colour_ratio: float = 3.0
    colour_min: float = 0.35  # histogram L1 distance (0..2 per channel, averaged)
    min_shot: float = 0.4  # seconds


@dataclass
class _FrameDiff:
    t: float
    content: float
    colour: float


class CutDetector(Analyser):
    """Feed thumbnails in time order with :meth:`push`; read :attr:`cuts` after :meth:`finish`."""

    name = "cuts"

    def __init__(self, params: CutParams | None = None) -> None:
        self.params = params or CutParams()
        self.cuts: list[float] = []
        self._previous: npt.NDArray[np.int16] | None = None
        self._previous_hist: npt.NDArray[np.float32] | None = None
        self._diffs: deque[_FrameDiff] = deque()

    def push(self, t: float, thumb: npt.NDArray[np.uint8]) -> float | None:
        """Add the picture at ``t``; returns its content difference to the previous one (0..255)."""
        import numpy as np

        current = thumb.astype(np.int16)
        hist = _histogram(thumb)
        if self._previous is None or self._previous_hist is None:
            self._previous, self._previous_hist = current, hist
            return None
        content = float(np.mean(np.abs(current - self._previous)))
        colour = float(np.abs(hist - self._previous_hist).sum() / 3.0)
        self._previous, self._previous_hist = current, hist
        self._diffs.append(_FrameDiff(t, content, colour))
        if len(self._diffs) > 2 * self.params.window + 1:
            self._diffs.popleft()
        if len(self._diffs) == 2 * self.params.window + 1:
            self._judge(self.params.window)
        return content

    def on_thumb(self, t: float, thumb: npt.NDArray[np.uint8], state: PassState) -> None:
        state.motion = self.push(t, thumb)
        if len(self.cuts) > len(state.cuts):
            state.cuts.extend(self.cuts[len(state.cuts) :])

    def complete(self, analysis: MediaAnalysis, state: PassState) -> None:
        cuts = self.finish()
        analysis.cuts = [] if state.info.is_image else [c for c in cuts if c < state.duration]

    def finish(self) -> list[float]:
        """Judge the pictures still waiting for look-ahead (one-sided neighbourhood); return the cut times."""
        window = self.params.window
        first_unjudged = window + 1 if len(self._diffs) == 2 * window + 1 else 0
        for index in range(first_unjudged, len(self._diffs)):
            self._judge(index)
        self._diffs.clear()
        return self.cuts

    def _judge(self, index: int) -> None:
        diffs = list(self._diffs)
        candidate = diffs[index]
        neighbours = diffs[:index] + diffs[index + 1 :]
        if not neighbours:
            return
        content_base = sum(d.content for d in neighbours) / len(neighbours)
        colour_base = sum(d.colour for d in neighbours) / len(neighbours)
        p = self.params
        is_cut = (candidate.content >= p.content_min and candidate.content >= p.content_ratio * content_base) or (
            candidate.colour >= p.colour_min and candidate.colour >= p.colour_ratio * colour_base
        )
        if not is_cut:
            return
        if self.cuts and candidate.t - self.cuts[-1] < p.min_shot:
            return
        self.cuts.append(round(candidate.t, 3))


def _histogram(thumb: npt.NDArray[np.uint8]) -> npt.NDArray[np.float32]:
    """Per-channel 8-bin histograms, each normalised to sum 1 (shape 3×8)."""
    import numpy as np

    bins = (thumb >> 5).reshape(-1, 3)
    counts = np.stack([np.bincount(bins[:, c], minlength=8) for c in range(3)]).astype(np.float32)
    return counts / float(bins.shape[0])
