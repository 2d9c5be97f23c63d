"""The one protocol every analyser of the decoding pass follows (as PySceneDetect's detectors share
``SceneDetector``): cuts, motion and colour, loudness and speech, faces, on-screen text, sight, and the
optional image-text embeddings are each an :class:`Analyser` that plugs into :mod:`.analyse`.

The pass decodes each file once and offers every analyser what it produces, in time order:

* :meth:`Analyser.on_thumb`: every decoded picture as a 64×36 RGB thumbnail (decoding thread);
* :meth:`Analyser.on_audio`: the 16 kHz mono audio (decoding thread);
* about one larger sample picture per second, plus one shortly after every cut: on the decoding thread
  each analyser says with :meth:`Analyser.plan_sample` whether (and how) it wants that sample; the
  samples it wants go to its own worker thread, which calls :meth:`Analyser.on_sample` with that plan,
  in the order the samples were taken, while decoding and the other analysers go on (FFmpeg, OpenCV,
  onnxruntime and LiteRT release the GIL, so on two cores they overlap);
* :meth:`Analyser.complete`: after the pass, on the decoding thread, the analyser writes its results
  into the :class:`~scene_select.workstation.engine.analysis.MediaAnalysis` (in the order the
  analysers were given, so one may read what an earlier one wrote).

Everything a sample's analysis depends on (its time, the plan) is decided on the decoding thread, so
the result never depends on thread timing. The analysers share a :class:`PassState`: what the pass
knows so far (the cuts found, the last thumbnail's motion, why the current sample was taken).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from scene_select.workstation.engine.analysis import MediaAnalysis, MediaInfo


@dataclass
class PassState:
    """What the decoding pass knows so far; written by the pass and by the cut analyser (decoding thread)."""

    info: MediaInfo
    cuts: list[float] = field(default_factory=list)  # cuts found so far, in time order
    motion: float | None = None  # the last thumbnail's content difference to the one before (0..255)
    scheduled: bool = False  # the current sample is one of the once-a-second samples
    after_cut: bool = False  # the current sample was taken because a shot just started
    duration: float = 0.0  # set before ``complete``: the decoded duration (shorter for a truncated file)

    @property
    def shot_start(self) -> float:
        """Start of the shot the pass is in (0 before the first cut)."""
        return self.cuts[-1] if self.cuts else 0.0


class Analyser:
    """Base class of the analysers: override the hooks you need; the others do nothing.

    ``name`` labels the analyser (benchmarks, errors). An analyser holds per-media state, so a new
    instance is made for every file; models it uses are loaded once per process and shared.
    """

    name: ClassVar[str] = "analyser"

    def on_thumb(self, t: float, thumb: npt.NDArray[np.uint8], state: PassState) -> None:
        """Every decoded picture at ``t`` as a 64×36 RGB thumbnail (decoding thread)."""

    def on_audio(self, samples: npt.NDArray[np.float32], state: PassState) -> None:
        """The next run of 16 kHz mono samples in [-1, 1] (decoding thread)."""

    def plan_sample(self, t: float, state: PassState) -> object | None:
        """Whether the sample picture at ``t`` is wanted, and what for; None: not wanted (decoding thread)."""
        return None

    def on_sample(self, t: float, rgb: npt.NDArray[np.uint8], plan: object) -> None:
        """A sample this analyser planned for, with that plan (its own worker thread, in sampling order)."""

    def complete(self, analysis: MediaAnalysis, state: PassState) -> None:
        """Write the results into ``analysis`` after the pass (decoding thread, in analyser order)."""
