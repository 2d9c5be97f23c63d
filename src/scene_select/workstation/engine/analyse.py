"""Analyse one media file: probe facts + one decoding pass → :class:`MediaAnalysis`.

This module wires the analysers (:mod:`.analyser`: cuts, video bins, audio, faces, on-screen text,
sight, optional image embeddings) to the decoding pass. Sampling policy: one larger picture per second,
plus one shortly after every cut so that short shots get their text read and seen; each analyser says
which of those samples it wants.

The per-sample work (faces, OCR, sight, embeddings) runs beside the decoding thread, each sampling
analyser on a worker thread of its own, in the order the samples were taken: FFmpeg, OpenCV, onnxruntime
and LiteRT release the GIL, so on two cores decoding and the models overlap instead of taking turns.
One worker per analyser, not one for all: on captioned footage OCR alone costs about as much as
decoding, and faces and sight queued behind it made a 720p job wait for them (0.62 of the decode floor's
speed against 0.76, bench/engine_bench.py). Everything a sample's analysis depends on (the time, each
analyser's plan) is decided on the decoding thread, and each analyser sees its samples in order, so the
result does not depend on the timing.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from scene_select.workstation.engine import decode
from scene_select.workstation.engine.analyser import Analyser, PassState
from scene_select.workstation.engine.analysis import MediaAnalysis, MediaInfo
from scene_select.workstation.engine.ocr import OcrSampler
from scene_select.workstation.engine.shots import CutDetector
from scene_select.workstation.engine.signals import AudioFeatures, FaceCounter, VideoBins
from scene_select.workstation.engine.visual import VisualAnalyser

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from scene_select.workstation.engine.clip_scorer import ImageTextScorer
    from scene_select.workstation.engine.sight.model import Sight

SAMPLE_INTERVAL = 1.0
AFTER_CUT = 0.25
WORKER_QUEUE = 4  # samples waiting for one worker at most (640×360 RGB each: memory stays bounded)


class _SampleWorker:
    """One thread that runs ``job(*args)`` for each submitted sample, in submission order.

    A failure in the worker is raised on the decoding thread at the next submit or at :meth:`close`.
    """

    def __init__(self, job: Callable[..., None], name: str) -> None:
        self._job = job
        self._queue: queue.Queue[tuple[object, ...] | None] = queue.Queue(maxsize=WORKER_QUEUE)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            if self._error is None:
                try:
                    self._job(*item)
                except BaseException as exc:  # handed to the decoding thread
                    self._error = exc

    def submit(self, *args: object) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put(args)

    def close(self) -> None:
        """Wait for every submitted sample; raise the worker's failure, if any."""
        self._queue.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error


class _AnalysisSink:
    """The :class:`~scene_select.workstation.engine.decode.FrameSink` that feeds every analyser."""

    def __init__(self, info: MediaInfo, analysers: Sequence[Analyser]) -> None:
        self.state = PassState(info)
        self.analysers = list(analysers)
        self._thumbs = [a for a in self.analysers if _overrides(a, "on_thumb")]
        self._audio = [a for a in self.analysers if _overrides(a, "on_audio")]
        self._samplers = [a for a in self.analysers if _overrides(a, "plan_sample")]
        self._next_sample = 0.0
        self._known_cuts = 0
        self._pending_cut: float | None = None
        self._workers = [_SampleWorker(a.on_sample, f"analysis-{a.name}") for a in self._samplers]

    def on_thumb(self, t: float, thumb: npt.NDArray[np.uint8]) -> None:
        for analyser in self._thumbs:
            analyser.on_thumb(t, thumb, self.state)
        if len(self.state.cuts) > self._known_cuts:
            self._known_cuts = len(self.state.cuts)
            self._pending_cut = self.state.cuts[-1]

    def want_sample(self, t: float) -> bool:
        if t >= self._next_sample:
            return True
        return self._pending_cut is not None and t >= self._pending_cut + AFTER_CUT

    def on_sample(self, t: float, rgb: npt.NDArray[np.uint8]) -> None:
        scheduled = t >= self._next_sample
        if scheduled:
            self._next_sample = t + SAMPLE_INTERVAL
        after_cut = self._pending_cut is not None and t >= self._pending_cut + AFTER_CUT
        if after_cut:
            self._pending_cut = None
        self.state.scheduled, self.state.after_cut = scheduled, after_cut
        rgb.flags.writeable = False  # read by several workers at once: none may change it
        for analyser, worker in zip(self._samplers, self._workers, strict=True):
            plan = analyser.plan_sample(t, self.state)
            if plan is not None:
                worker.submit(t, rgb, plan)

    def close(self) -> None:
        """Wait for every worker's samples; raise the first failure, once every worker has stopped."""
        failures: list[BaseException] = []
        for worker in self._workers:
            try:
                worker.close()
            except BaseException as exc:  # joined them all first: no thread outlives the pass
                failures.append(exc)
        if failures:
            raise failures[0]

    def on_audio(self, samples: npt.NDArray[np.float32]) -> None:
        for analyser in self._audio:
            analyser.on_audio(samples, self.state)


def _overrides(analyser: Analyser, hook: str) -> bool:
    return getattr(type(analyser), hook) is not getattr(Analyser, hook)


def default_analysers(
    *, read_text: bool = True, scorer: ImageTextScorer | None = None, sight: Sight | None = None
) -> list[Analyser]:
    """The engine's analysers for one file, in the order they run: cuts first (the others read its
    motion and cuts), video bins before faces (faces are stored per bin)."""
    analysers: list[Analyser] = [CutDetector(), VideoBins(), AudioFeatures(), FaceCounter()]
    if read_text:
        analysers.append(OcrSampler())
    if sight is not None:
        analysers.append(VisualAnalyser(sight))
    if scorer is not None:
        from scene_select.workstation.engine.clip_scorer import EmbeddingAnalyser

        analysers.append(EmbeddingAnalyser(scorer))
    return analysers


def analyse_media(
    path: Path,
    info: MediaInfo,
    *,
    scorer: ImageTextScorer | None = None,
    sight: Sight | None = None,
    progress: Callable[[float], None] | None = None,
    read_text: bool = True,
    analysers: Sequence[Analyser] | None = None,
) -> MediaAnalysis:
    """Decode ``path`` once and return everything the selection steps need about it.

    ``sight`` (a loaded :class:`~scene_select.workstation.engine.sight.model.Sight`) adds what each shot
    shows; ``read_text=False`` skips OCR (the benchmark uses both to show what they cost). ``analysers``
    replaces the default set altogether.
    """
    chosen = (
        list(analysers) if analysers is not None else default_analysers(read_text=read_text, scorer=scorer, sight=sight)
    )
    sink = _AnalysisSink(info, chosen)
    try:
        report = decode.decode_media(path, info, sink, progress=progress)
    finally:
        sink.close()
    duration = info.duration
    if not info.is_image and report.last_time + 1.0 / max(info.fps, 1.0) < duration - 1.0:
        # Truncated file: only what was decoded exists.
        duration = round(report.last_time + 1.0 / max(info.fps, 1.0), 3)
    final_info = MediaInfo(**{**info.__dict__, "duration": duration})
    analysis = MediaAnalysis(info=final_info)
    sink.state.duration = duration
    for analyser in chosen:
        analyser.complete(analysis, sink.state)
    analysis.decode_seconds = round(report.seconds, 3)
    return analysis
