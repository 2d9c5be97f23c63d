"""On-screen text (burned-in captions, titles) with rapidocr-onnxruntime 1.4.x.

The 1.4.x line ships its PP-OCRv4 Chinese+English models inside the wheel (3.x downloads them), so it
works offline. Tuned as measured in docs/engine.md §1.2: ``det_limit_type="max"`` with a 640 px limit
(the default "min" rule upscales small crops and costs ~7× more), no angle classifier (captions are
upright), and the bottom third first — subtitles live there, and the crop is a third of the pixels.
Text boxes whose pixels look the same as recently recognised ones are not recognised again: captions
stay on screen for seconds, and re-reading identical pixels is the commonest waste.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scene_select.engine.analysis import OcrLine

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

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
            intra_op_num_threads=2,
            inter_op_num_threads=1,
            use_cls=False,
        )
    return _ENGINE


class LineReader:
    """Detect text boxes, then recognise only the boxes that changed since the last picture.

    Recognition is ~3/4 of rapidocr's cost; a caption that stays on screen for several samples gives
    the same box crop every time, so its text is taken from a small cache of recent crops (keyed by a
    16×64 gray miniature) instead of being recognised again.
    """

    def __init__(self) -> None:
        self._recent: list[tuple[npt.NDArray[np.float32], str, float]] = []
        self.recognised = 0

    def read(self, rgb: npt.NDArray[np.uint8], *, t: float, region: str) -> list[OcrLine]:
        import numpy as np

        if rgb.size == 0 or min(rgb.shape[:2]) < 8:
            return []
        engine = _engine()
        bgr = np.ascontiguousarray(rgb[:, :, ::-1])
        boxes, _ = engine.auto_text_det(bgr)
        if boxes is None or len(boxes) == 0:
            return []
        crops = engine.get_crop_img_list(bgr, boxes)
        results: list[tuple[str, float] | None] = []
        pending: list[int] = []
        signatures = [_signature(crop) for crop in crops]
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
        lines: list[OcrLine] = []
        for result in results:
            if result is None:
                continue
            text, confidence = result[0].strip(), result[1]
            if text and confidence >= MIN_CONFIDENCE:
                lines.append(OcrLine(t=round(t, 3), text=text, confidence=round(confidence, 3), region=region))
        return lines

    def _lookup(self, signature: npt.NDArray[np.float32]) -> tuple[str, float] | None:
        for known, text, confidence in self._recent:
            if known.shape == signature.shape and float(abs(known - signature).mean()) < 6.0:
                return text, confidence
        return None


def bottom_third(rgb: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    height = rgb.shape[0]
    return rgb[height - height // 3 :, :, :]


class OcrSampler:
    """Decides which samples to read and remembers the last crop to skip unchanged captions.

    Reading policy: the bottom third at most every ``interval`` seconds, plus right after each cut (so
    short shots get read too); the full frame (titles, signs) once per shot, at most every
    ``full_interval`` seconds, and always for still images.
    """

    def __init__(self, *, interval: float = 2.0, full_interval: float = 4.0) -> None:
        self.interval = interval
        self.full_interval = full_interval
        self.lines: list[OcrLine] = []
        self.reader = LineReader()
        self._last_bottom_t = -1e9
        self._last_full_t = -1e9
        self._shot_read = False  # the first sample starts the first shot

    def on_cut(self) -> None:
        self._shot_read = False

    def due(self, t: float) -> bool:
        return (not self._shot_read) or t - self._last_bottom_t >= self.interval

    def read(self, t: float, rgb: npt.NDArray[np.uint8], *, still: bool = False) -> None:
        full = still or (not self._shot_read and t - self._last_full_t >= self.full_interval)
        if full:
            self.lines.extend(self.reader.read(rgb, t=t, region="full"))
            self._last_full_t = t
        else:
            self.lines.extend(self.reader.read(bottom_third(rgb), t=t, region="bottom"))
        self._last_bottom_t = t
        self._shot_read = True


def _signature(crop: npt.NDArray[np.uint8]) -> npt.NDArray[np.float32]:
    """A 64×16 gray miniature of a text box: enough to tell whether its text changed."""
    import cv2
    import numpy as np

    gray = cv2.cvtColor(np.ascontiguousarray(crop), cv2.COLOR_BGR2GRAY)
    return np.asarray(cv2.resize(gray, (64, 16), interpolation=cv2.INTER_AREA), dtype=np.float32)
