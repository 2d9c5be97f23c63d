"""On-screen text (burned-in captions, titles) with rapidocr-onnxruntime 1.4.x.

The 1.4.x line ships its PP-OCRv4 Chinese+English models inside the wheel (3.x downloads them), so it
works offline. Tuned by measurement: ``det_limit_type="max"`` with a 640 px limit
(the default "min" rule upscales small crops and costs ~7× more), no angle classifier (captions are
upright), and the bottom third first — subtitles live there, and the crop is a third of the pixels.

OCR is most of the engine's cost, and most of it would be spent re-reading a caption that has not
changed: a caption stays on screen for seconds. So the text is read in full once per shot, and a later
read of the same shot first looks at the picture where that text was: when every text box still shows
the same pixels (or, where there was no text, the bottom third looks the same), the previous lines are
recorded again at the new time without running the models (bench/engine_bench.py measures it). Boxes
whose pixels changed are detected and recognised again, and recognition itself is skipped for any box
that looks like one recognised recently.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from scene_select.workstation.engine.analyser import Analyser, PassState
from scene_select.workstation.engine.analysis import OcrLine
from scene_select.workstation.engine.miniature import looks_the_same, miniature

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from scene_select.workstation.engine.analysis import MediaAnalysis

MIN_CONFIDENCE = 0.6
_ENGINE: Any = None


def _engine() -> Any:
    """The process-wide RapidOCR instance (loading the three models takes ~0.5 s; do it once)."""
    global _ENGINE  # noqa: PLW0603 - a lazily built, read-only model shared by every analysis
    if _ENGINE is None:
        import logging

        from rapidocr_onnxruntime import RapidOCR

        logging.getLogger("RapidOCR").setLevel(logging.WARNING)
        _ENGINE = RapidOCR(
            det_limit_type="max",
            det_limit_side_len=640,
            intra_op_num_threads=1,  # measured: 1 thread is faster for these small inputs, and decoding runs beside it
            inter_op_num_threads=1,
            use_cls=False,
        )
    return _ENGINE


@dataclass(frozen=True)
class TextBox:
    """One recognised text box: where it is in the picture it was read from, and what it says."""

    rect: tuple[int, int, int, int]  # x0, y0, x1, y1 (pixels, exclusive ends)
    text: str
    confidence: float
    signature: npt.NDArray[np.float32]  # gray miniature of the rect, to tell later whether it changed


class LineReader:
    """Detect text boxes, then recognise only the boxes that changed since the last picture.

    Recognition is ~3/4 of rapidocr's cost; a caption that stays on screen for several samples gives
    the same box crop every time, so its text is taken from a small cache of recent crops (keyed by a
    16×64 gray miniature) instead of being recognised again.
    """

    def __init__(self) -> None:
        self._recent: list[tuple[npt.NDArray[np.float32], str, float]] = []
        self.recognised = 0
        self.detected = 0

    def read(self, rgb: npt.NDArray[np.uint8]) -> list[TextBox]:
        """Every text box found in ``rgb`` with its text (possibly empty or of low confidence)."""
        import numpy as np

        if rgb.size == 0 or min(rgb.shape[:2]) < 8:
            return []
        engine = _engine()
        bgr = np.ascontiguousarray(rgb[:, :, ::-1])
        boxes, _ = engine.auto_text_det(bgr)
        self.detected += 1
        if boxes is None or len(boxes) == 0:
            return []
        crops = engine.get_crop_img_list(bgr, boxes)
        results: list[tuple[str, float] | None] = []
        pending: list[int] = []
        signatures = [miniature(crop, bgr=True) for crop in crops]
        for index, signature in enumerate(signatures):
            cached = self._lookup(signature)
            results.append(cached)
            if cached is None:
                pending.append(index)
        if pending:
            recognised, _ = engine.text_rec([crops[i] for i in pending])
            self.recognised += len(pending)
            for index, (text, score, *_rest) in zip(pending, recognised, strict=True):
                results[index] = (str(text), float(score))
        self._recent = [(signatures[i], r[0], r[1]) for i, r in enumerate(results) if r is not None] + self._recent[
            : 16 - len(results)
        ]
        found = []
        for box, result in zip(boxes, results, strict=True):
            rect = _rect(box, rgb.shape[1], rgb.shape[0])
            if result is not None and rect is not None:
                found.append(TextBox(rect, result[0].strip(), result[1], miniature(_crop(rgb, rect))))
        return found

    def _lookup(self, signature: npt.NDArray[np.float32]) -> tuple[str, float] | None:
        for known, text, confidence in self._recent:
            if looks_the_same(known, signature):
                return text, confidence
        return None


def bottom_third(rgb: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    height = rgb.shape[0]
    return rgb[height - height // 3 :, :, :]


@dataclass(frozen=True)
class OcrRequest:
    """What to read in one sample: the region, and whether it opens a shot (then it is always read)."""

    t: float
    region: str  # "full" or "bottom"
    fresh: bool


@dataclass
class _Seen:
    """The last reading of the current shot: its boxes (sample coordinates) and its bottom third."""

    boxes: list[TextBox]
    bottom: npt.NDArray[np.float32]


class OcrSampler(Analyser):
    """Which samples to read (``schedule``, in decoding order) and reading them (``read``, in the same order).

    Reading policy: the bottom third at most every ``interval`` seconds, plus right after each cut (so
    short shots get read too); the full frame (titles, signs) once per shot, at most every
    ``full_interval`` seconds, and always for still images. A read that does not open a shot reuses the
    shot's last reading when the picture shows it unchanged (see the module docstring).
    """

    name = "text"

    def __init__(self, *, interval: float = 2.0, full_interval: float = 4.0) -> None:
        self._known_cuts = 0
        self.interval = interval
        self.full_interval = full_interval
        self.lines: list[OcrLine] = []
        self.reader = LineReader()
        self.reused = 0
        self._last_bottom_t = -1e9
        self._last_full_t = -1e9
        self._shot_read = False  # the first sample starts the first shot
        self._seen: _Seen | None = None

    def plan_sample(self, t: float, state: PassState) -> object | None:
        if len(state.cuts) > self._known_cuts:
            self._known_cuts = len(state.cuts)
            self.on_cut()
        if state.info.is_image or self.due(t):
            return self.schedule(t, still=state.info.is_image)
        return None

    def on_sample(self, t: float, rgb: npt.NDArray[np.uint8], plan: object) -> None:
        assert isinstance(plan, OcrRequest)
        self.read(plan, rgb)

    def complete(self, analysis: MediaAnalysis, state: PassState) -> None:
        analysis.ocr = sorted(self.lines, key=lambda line: line.t)  # windows binary-search by time

    def on_cut(self) -> None:
        self._shot_read = False

    def due(self, t: float) -> bool:
        return (not self._shot_read) or t - self._last_bottom_t >= self.interval

    def schedule(self, t: float, *, still: bool = False) -> OcrRequest:
        """Decide what the sample at ``t`` is read for; call in decoding order, when :meth:`due` says so."""
        fresh = still or not self._shot_read
        full = still or (not self._shot_read and t - self._last_full_t >= self.full_interval)
        if full:
            self._last_full_t = t
        self._last_bottom_t = t
        self._shot_read = True
        return OcrRequest(t, "full" if full else "bottom", fresh)

    def read(self, request: OcrRequest, rgb: npt.NDArray[np.uint8]) -> None:
        """Read the sample as ``request`` says (in the order the requests were scheduled)."""
        if not request.fresh and self._seen is not None:
            unchanged = _unchanged_bottom(self._seen, rgb)
            if unchanged is not None:
                self.reused += 1
                self._record(request.t, unchanged, "bottom")
                return
        if request.region == "full":
            boxes = self.reader.read(rgb)
        else:
            offset = rgb.shape[0] - rgb.shape[0] // 3
            boxes = [_shifted(box, offset) for box in self.reader.read(bottom_third(rgb))]
        self._seen = _Seen(boxes, miniature(bottom_third(rgb)))
        self._record(request.t, boxes, request.region)

    def _record(self, t: float, boxes: list[TextBox], region: str) -> None:
        for box in boxes:
            if box.text and box.confidence >= MIN_CONFIDENCE:
                self.lines.append(
                    OcrLine(t=round(t, 3), text=box.text, confidence=round(box.confidence, 3), region=region)
                )


def _unchanged_bottom(seen: _Seen, rgb: npt.NDArray[np.uint8]) -> list[TextBox] | None:
    """The boxes of the last reading inside the bottom third, if the picture still shows them; else None.

    With no text there last time, the whole bottom third must look the same instead.
    """
    top = rgb.shape[0] - rgb.shape[0] // 3
    boxes = [box for box in seen.boxes if box.rect[1] >= top - 2]
    if not boxes:
        return [] if looks_the_same(miniature(bottom_third(rgb)), seen.bottom) else None
    for box in boxes:
        if not looks_the_same(miniature(_crop(rgb, box.rect)), box.signature):
            return None
    return boxes


def _shifted(box: TextBox, dy: int) -> TextBox:
    x0, y0, x1, y1 = box.rect
    return TextBox((x0, y0 + dy, x1, y1 + dy), box.text, box.confidence, box.signature)


def _rect(points: Any, width: int, height: int) -> tuple[int, int, int, int] | None:
    """The axis-aligned bounds of a detected quadrilateral, clipped to the picture."""
    import numpy as np

    corners = np.asarray(points, dtype=np.float32).reshape(-1, 2)
    x0, y0 = max(0, int(np.floor(corners[:, 0].min()))), max(0, int(np.floor(corners[:, 1].min())))
    x1, y1 = min(width, int(np.ceil(corners[:, 0].max()))), min(height, int(np.ceil(corners[:, 1].max())))
    return (x0, y0, x1, y1) if x1 - x0 >= 2 and y1 - y0 >= 2 else None


def _crop(rgb: npt.NDArray[np.uint8], rect: tuple[int, int, int, int]) -> npt.NDArray[np.uint8]:
    x0, y0, x1, y1 = rect
    return rgb[y0:y1, x0:x1]
