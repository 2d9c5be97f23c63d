"""Analyse one media file: probe facts + one decoding pass → :class:`MediaAnalysis`.

This module wires the analysers (cuts, video bins, audio, faces, OCR, optional image embeddings) to the
decoding pass. Sampling policy: one larger picture per second for faces (and embeddings), plus one
shortly after every detected cut so that short shots get their text read.

The per-sample analysers (faces, OCR, embeddings) run on a worker thread, in the order the samples were
taken, while the decoding thread goes on: FFmpeg, OpenCV and onnxruntime release the GIL, so on two
cores the two overlap instead of taking turns. Everything a sample's analysis depends on (the time, the
OCR schedule) is decided on the decoding thread, so the result does not depend on the timing.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from scene_select.workstation.engine import decode
from scene_select.workstation.engine.analysis import VIDEO_BIN, MediaAnalysis, MediaInfo
from scene_select.workstation.engine.ocr import OcrRequest, OcrSampler
from scene_select.workstation.engine.shots import CutDetector
from scene_select.workstation.engine.signals import AudioFeatures, FaceCounter, VideoBins

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from scene_select.workstation.engine.clip_scorer import ImageTextScorer

SAMPLE_INTERVAL = 1.0
AFTER_CUT = 0.25
WORKER_QUEUE = 4  # samples waiting for the worker at most (640×360 RGB each: memory stays bounded)


class _SampleWorker:
    """One thread that runs ``job(*args)`` for each submitted sample, in submission order.

    A failure in the worker is raised on the decoding thread at the next submit or at :meth:`close`.
    """

    def __init__(self, job: Callable[..., None]) -> None:
        self._job = job
        self._queue: queue.Queue[tuple[object, ...] | None] = queue.Queue(maxsize=WORKER_QUEUE)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="sample-analysis", daemon=True)
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

    def __init__(self, info: MediaInfo, scorer: ImageTextScorer | None, *, read_text: bool = True) -> None:
        self.info = info
        self.read_text = read_text
        self.cuts = CutDetector()
        self.bins = VideoBins()
        self.audio = AudioFeatures()
        self.faces = FaceCounter()
        self.ocr = OcrSampler()
        self.scorer = scorer
        self.face_counts: dict[int, float] = {}
        self.embeddings: list[tuple[float, list[float]]] = []
        self._next_sample = 0.0
        self._known_cuts = 0
        self._pending_cut: float | None = None
        self.worker = _SampleWorker(self._analyse_sample)

    def on_thumb(self, t: float, thumb: npt.NDArray[np.uint8]) -> None:
        motion = self.cuts.push(t, thumb)
        self.bins.push(t, thumb, motion)
        if len(self.cuts.cuts) > self._known_cuts:
            self._known_cuts = len(self.cuts.cuts)
            self._pending_cut = self.cuts.cuts[-1]
            self.ocr.on_cut()

    def want_sample(self, t: float) -> bool:
        if t >= self._next_sample:
            return True
        return self._pending_cut is not None and t >= self._pending_cut + AFTER_CUT

    def on_sample(self, t: float, rgb: npt.NDArray[np.uint8]) -> None:
        scheduled = t >= self._next_sample
        if scheduled:
            self._next_sample = t + SAMPLE_INTERVAL
        if self._pending_cut is not None and t >= self._pending_cut + AFTER_CUT:
            self._pending_cut = None
        request = None
        if self.read_text and (self.info.is_image or self.ocr.due(t)):
            request = self.ocr.schedule(t, still=self.info.is_image)
        if scheduled or request is not None:
            self.worker.submit(t, rgb, scheduled, request)

    def _analyse_sample(self, t: float, rgb: npt.NDArray[np.uint8], scheduled: bool, text: OcrRequest | None) -> None:
        """On the worker thread: faces and embeddings for the once-a-second samples, OCR when scheduled."""
        if scheduled:
            count = self.faces.count(rgb)
            if count >= 0:
                self.face_counts[int(t / VIDEO_BIN)] = float(count)
            if self.scorer is not None:
                vector = self.scorer.embed_images([rgb])[0]
                self.embeddings.append((round(t, 3), [round(float(v), 5) for v in vector]))
        if text is not None:
            self.ocr.read(text, rgb)

    def on_audio(self, samples: npt.NDArray[np.float32]) -> None:
        self.audio.push(samples)


def analyse_media(
    path: Path,
    info: MediaInfo,
    *,
    scorer: ImageTextScorer | None = None,
    progress: Callable[[float], None] | None = None,
    read_text: bool = True,
) -> MediaAnalysis:
    """Decode ``path`` once and return everything the selection steps need about it.

    ``read_text=False`` skips OCR (the benchmark uses it to show what on-screen text costs).
    """
    sink = _AnalysisSink(info, scorer, read_text=read_text)
    try:
        report = decode.decode_media(path, info, sink, progress=progress)
    finally:
        sink.worker.close()
    duration = info.duration
    if not info.is_image and report.last_time + 1.0 / max(info.fps, 1.0) < duration - 1.0:
        # Truncated file: only what was decoded exists.
        duration = round(report.last_time + 1.0 / max(info.fps, 1.0), 3)
    final_info = MediaInfo(**{**info.__dict__, "duration": duration})
    analysis = MediaAnalysis(info=final_info)
    analysis.cuts = [] if info.is_image else [c for c in sink.cuts.finish() if c < duration]
    sink.bins.finish(analysis, duration)
    analysis.faces = [sink.face_counts.get(i, -1.0) for i in range(len(analysis.motion))]
    if info.has_audio:
        sink.audio.finish(analysis)
    analysis.ocr = sorted(sink.ocr.lines, key=lambda line: line.t)  # windows binary-search by time
    if scorer is not None:
        analysis.embeddings[scorer.scorer_id] = sink.embeddings
    analysis.decode_seconds = round(report.seconds, 3)
    return analysis
