"""Analyse one media file: probe facts + one decoding pass → :class:`MediaAnalysis`.

This module wires the analysers (cuts, video bins, audio, faces, OCR, optional image embeddings) to the
decoding pass. Sampling policy: one larger picture per second for faces (and embeddings), plus one
shortly after every detected cut so that short shots get their text read.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from scene_select.engine import decode
from scene_select.engine.analysis import VIDEO_BIN, MediaAnalysis, MediaInfo
from scene_select.engine.ocr import OcrSampler
from scene_select.engine.shots import CutDetector
from scene_select.engine.signals import AudioFeatures, FaceCounter, VideoBins

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from scene_select.engine.clip_scorer import ImageTextScorer

SAMPLE_INTERVAL = 1.0
AFTER_CUT = 0.25


class _AnalysisSink:
    """The :class:`~scene_select.engine.decode.FrameSink` that feeds every analyser."""

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
            count = self.faces.count(rgb)
            if count >= 0:
                self.face_counts[int(t / VIDEO_BIN)] = float(count)
            if self.scorer is not None:
                vector = self.scorer.embed_images([rgb])[0]
                self.embeddings.append((round(t, 3), [round(float(v), 5) for v in vector]))
        if self._pending_cut is not None and t >= self._pending_cut + AFTER_CUT:
            self._pending_cut = None
        if self.read_text and (self.info.is_image or self.ocr.due(t)):
            self.ocr.read(t, rgb, still=self.info.is_image)

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
    report = decode.decode_media(path, info, sink, progress=progress)
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
