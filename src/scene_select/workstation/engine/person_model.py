"""People, seen whole: an Open Images person detector for the people no face detector finds.

Why: a sentence about people is witnessed by a face (ImageNet-1k, which sight reads, has no person label),
but people seen from above, from behind or far away show none: a woman photographed from a balcony, walkers
crossing a lawn, a farmer behind his tractor. An SSD-MobileNetV2 trained on Open Images finds them whole.

Weights: ``object_detection_ssd_mobilenetv2_oidv4_fp16.tflite`` (300×300 input, 1917 anchors, 24 classes,
among them Person, Dog, Car, Bicycle, Chair), Google's MediaPipe Objectron detector (Apache-2.0). No PyPI
wheel carries it; the npm package ``@mediapipe/objectron`` does, packed with its label map in an Emscripten
data file (``objectron_solution_packed_assets.data``, whose loader script lists each file's byte range).
``make install`` fetches that package with npm's own client (``npm pack``) and :func:`install` unpacks the
model into the virtual environment, checking its SHA-256 against MediaPipe's published one. Runtime:
``ai-edge-litert``, as for the faces. Without either, :func:`load_person_model` says so once and returns
None: people are then witnessed by faces only, as before.

Only how surely a person shows matters here, not where: that is the highest Person score of all anchors
(each anchor's class logits through a sigmoid, as MediaPipe's ``TfLiteTensorsToDetectionsCalculator``
scores them), so the boxes are not decoded. MediaPipe's Objectron graph keeps a detection from 0.4
(``FilterDetectionCalculator``) and is sure of it from 0.6 (``min_score_thresh``); presence rises linearly
between the two.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
import tarfile
import tempfile
from pathlib import Path

import numpy as np
import numpy.typing as npt

from scene_select.workstation.engine.litert import LiteModel, ModelSlot, rgb_picture

__all__ = ["PersonDetector", "install", "load_person_model", "model_dir"]


#: The npm package that carries the weights, and the members read from it.
NPM_PACKAGE = "@mediapipe/objectron@0.4.1675468480"
PACKED = "package/objectron_solution_packed_assets.data"
LOADER = "package/objectron_solution_packed_assets_loader.js"
MODEL_MEMBER = "/third_party/mediapipe/modules/objectron/object_detection_ssd_mobilenetv2_oidv4_fp16.tflite"
LABELS_MEMBER = "/object_detection_oidv4_labelmap.txt"
#: MediaPipe's own checksum of the model file (its ``third_party/external_files.bzl``).
MODEL_SHA256 = "d0a5255bf8c4f5a0bc4240741a76c41d5e939f7655078f945f50ab53a9375da6"
MODEL_FILE = "ssd_mobilenetv2_oidv4_fp16.tflite"
LABELS_FILE = "oidv4_labelmap.txt"
SIZE = 300
#: Person scores from which a detection counts at all, and counts in full (MediaPipe's two thresholds).
SCORE_NONE, SCORE_FULL = 0.4, 0.6
INSTALL_HINT = (
    "npm pack @mediapipe/objectron@0.4.1675468480, then python -m scene_select.workstation.engine.person_model "
    "install mediapipe-objectron-0.4.1675468480.tgz (make install does both)"
)


def model_dir() -> Path:
    """Where :func:`install` puts the model: ``$SCENE_SELECT_PERSON_MODEL_DIR``, else inside the running
    Python environment (``<prefix>/share/scene-select/person-detector``), beside the packages it goes with."""
    explicit = os.environ.get("SCENE_SELECT_PERSON_MODEL_DIR")
    return Path(explicit) if explicit else Path(sys.prefix) / "share" / "scene-select" / "person-detector"


def install(tarball: Path, target: Path | None = None) -> Path:
    """Unpack the detector and its label map from the npm package ``tarball`` into ``target`` (default
    :func:`model_dir`); return the model's path. Raises ValueError when the tarball is not the expected
    package or the model's checksum differs."""
    target = target or model_dir()
    with tarfile.open(tarball, "r:gz") as archive:
        loader = _member(archive, LOADER).decode("utf-8", errors="replace")
        packed = _member(archive, PACKED)
    ranges = {
        name: (int(start), int(end))
        for name, start, end in re.findall(r'"filename":\s*"([^"]+)",\s*"start":\s*(\d+),\s*"end":\s*(\d+)', loader)
    }
    if MODEL_MEMBER not in ranges or LABELS_MEMBER not in ranges:
        raise ValueError(f"{tarball}: the packed assets list no {MODEL_MEMBER} (not {NPM_PACKAGE}?)")
    model = packed[slice(*ranges[MODEL_MEMBER])]
    digest = hashlib.sha256(model).hexdigest()
    if digest != MODEL_SHA256:
        raise ValueError(f"{tarball}: the detector's SHA-256 is {digest}, not MediaPipe's {MODEL_SHA256}")
    target.mkdir(parents=True, exist_ok=True)
    _write(target / LABELS_FILE, packed[slice(*ranges[LABELS_MEMBER])])
    _write(target / MODEL_FILE, model)
    return target / MODEL_FILE


def _member(archive: tarfile.TarFile, name: str) -> bytes:
    handle = archive.extractfile(name) if name in archive.getnames() else None
    if handle is None:
        raise ValueError(f"no {name} inside the tarball (not {NPM_PACKAGE}?)")
    return handle.read()


def _write(path: Path, data: bytes) -> None:
    """Write atomically: a reader never sees half a model."""
    handle, temp = tempfile.mkstemp(dir=path.parent, suffix=".part")
    with os.fdopen(handle, "wb") as stream:
        stream.write(data)
    os.chmod(temp, 0o644)
    os.replace(temp, path)


class PersonDetector:
    """The Objectron SSD in a LiteRT interpreter, asked only how surely a person shows. Build it with
    :func:`load_person_model` (once per process); calls take turns (the interpreter is not thread-safe; a
    call costs ~25 ms on one thread)."""

    def __init__(self, directory: Path) -> None:
        labels = (directory / LABELS_FILE).read_text(encoding="utf-8").splitlines()
        if "Person" not in labels:
            raise ValueError(f"{directory / LABELS_FILE}: no Person label")
        self.person = labels.index("Person")
        self.model = LiteModel(directory / MODEL_FILE, SIZE)
        classes = [shape[-1] for shape in self.model.outputs]
        if len(labels) not in classes:
            raise ValueError(f"{directory / MODEL_FILE}: not the Objectron SSD (outputs {self.model.outputs})")
        self._scores = classes.index(len(labels))
        self.name = f"objectron-ssd-oidv4-person-{SCORE_NONE}-{SCORE_FULL}"

    def score(self, rgb: npt.NDArray[np.uint8]) -> float:
        """The best Person score in an RGB picture ``[H, W, 3]``, 0..1 (MediaPipe stretches the picture to
        300×300 and scales it to −1..1)."""
        import cv2

        scaled = cv2.resize(rgb_picture(rgb), (SIZE, SIZE), interpolation=cv2.INTER_AREA)
        logits = self.model.run(scaled.astype(np.float32) / 127.5 - 1.0)[self._scores][:, self.person]
        return float(1.0 / (1.0 + np.exp(-float(logits.max()))))

    def presence(self, rgb: npt.NDArray[np.uint8]) -> float:
        """How surely a person shows, 0..1: 0 below a score of ``SCORE_NONE``, 1 from ``SCORE_FULL``."""
        return float(np.clip((self.score(rgb) - SCORE_NONE) / (SCORE_FULL - SCORE_NONE), 0.0, 1.0))


_SLOT: ModelSlot[PersonDetector] = ModelSlot("people: the person detector", "faces alone witness people", INSTALL_HINT)


def load_person_model() -> PersonDetector | None:
    """The process-wide :class:`PersonDetector`, loaded on first use; None (said once) when the model or
    the runtime is not installed, or does not load: people are then witnessed by faces only."""
    directory = model_dir()
    return _SLOT.get(directory if (directory / MODEL_FILE).is_file() else None, PersonDetector)


def main(argv: list[str] | None = None) -> int:
    """``python -m scene_select.workstation.engine.person_model install TARBALL [--to DIR]``."""
    parser = argparse.ArgumentParser(prog="python -m scene_select.workstation.engine.person_model")
    commands = parser.add_subparsers(dest="command", required=True)
    unpack = commands.add_parser("install", help=f"unpack the person detector from {NPM_PACKAGE}'s npm tarball")
    unpack.add_argument("tarball", type=Path)
    unpack.add_argument("--to", type=Path, default=None, help="directory (default: inside this Python environment)")
    args = parser.parse_args(argv)
    try:
        path = install(args.tarball, args.to)
    except (OSError, ValueError, tarfile.TarError) as exc:
        print(f"person detector not installed: {exc}", file=sys.stderr)
        return 1
    print(json.dumps({"person_detector": str(path), "sha256": MODEL_SHA256}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
