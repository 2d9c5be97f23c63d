"""LiteRT (TFLite) models: one interpreter, ready to run, and one loaded model per process.

Why a module: the face and the person detectors build their interpreter the same way, on one thread, run
it once at once and take turns on it; and each is loaded on first use, shared by every analysis of the process, and said
missing once (with what to do) when it cannot load, the engine then doing without it.

The first run of an interpreter builds LiteRT's CPU delegate (XNNPACK: 6 ms a picture instead of 19 for
BlazeFace), which announces itself on the process's stderr ("INFO: Created TensorFlow Lite XNNPACK
delegate"), no place for it in a command's output: it is built here, once, with stderr silenced.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Generic, TypeVar

import numpy as np
import numpy.typing as npt

__all__ = ["LiteModel", "ModelSlot", "rgb_picture"]

logger = logging.getLogger(__name__)
Model = TypeVar("Model")


class ModelSlot(Generic[Model]):
    """The process-wide instance of one model: built by :meth:`get` on first use, then shared; when it is
    not installed or does not load, None, and one warning that says what the engine does instead
    (``without``) and how to install it (``hint``)."""

    def __init__(self, what: str, without: str, hint: str) -> None:
        self.what, self.without, self.hint = what, without, hint
        self._model: Model | None = None
        self._tried = False
        self._lock = threading.Lock()

    def get(self, installed: Path | None, build: Callable[[Path], Model]) -> Model | None:
        """The model, built once from ``installed`` (its file or directory; None: not installed)."""
        with self._lock:
            if self._tried:
                return self._model
            self._tried = True
            if installed is None:
                logger.warning("%s is not installed, %s; %s", self.what, self.without, self.hint)
                return None
            try:
                self._model = build(installed)
            except (ImportError, OSError, ValueError, RuntimeError) as exc:
                logger.warning(
                    "%s does not load (%s: %s), %s; %s", self.what, type(exc).__name__, exc, self.without, self.hint
                )
            return self._model


class LiteModel:
    """One model in a LiteRT interpreter on one thread, its input a ``side`` × ``side`` RGB picture. The
    interpreter is not thread-safe, so :meth:`run` calls take turns (each costs a few milliseconds)."""

    def __init__(self, path: Path, side: int) -> None:
        """Raises ImportError without ``ai-edge-litert``; ValueError or RuntimeError for a file it cannot
        read or whose input is not one ``side`` × ``side`` × 3 picture."""
        from ai_edge_litert.interpreter import Interpreter

        self.path = path
        self._interpreter: Any = Interpreter(model_path=str(path), num_threads=1)
        details = self._interpreter.get_input_details()
        if [int(v) for v in details[0]["shape"]] != [1, side, side, 3]:
            raise ValueError(f"{path}: takes an input of shape {details[0]['shape']}, not a {side}×{side} picture")
        self._input = details[0]["index"]
        outputs = self._interpreter.get_output_details()
        #: Each output's shape without its batch dimension, in the order :meth:`run` returns them.
        self.outputs = [tuple(int(v) for v in d["shape"][1:]) for d in outputs]
        self._outputs = [d["index"] for d in outputs]
        self._lock = threading.Lock()
        _silently(lambda: self._warm_up(side))

    def _warm_up(self, side: int) -> None:
        self._interpreter.allocate_tensors()
        self._interpreter.set_tensor(self._input, np.zeros((1, side, side, 3), dtype=np.float32))
        self._interpreter.invoke()

    def run(self, picture: npt.NDArray[np.float32]) -> list[npt.NDArray[np.float32]]:
        """The model's outputs (their first, batch, row) for one ``[side, side, 3]`` picture already scaled
        to the model's range."""
        with self._lock:
            self._interpreter.set_tensor(self._input, np.ascontiguousarray(picture, dtype=np.float32)[np.newaxis])
            self._interpreter.invoke()
            return [np.array(self._interpreter.get_tensor(index)[0], dtype=np.float32) for index in self._outputs]


def rgb_picture(rgb: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    """``rgb`` itself, after checking it is one RGB picture ``[H, W, 3]`` (ValueError otherwise)."""
    if rgb.ndim != 3 or rgb.shape[2] != 3 or min(rgb.shape[:2]) < 1:
        raise ValueError(f"expected an RGB picture [H, W, 3], got shape {rgb.shape}")
    return np.ascontiguousarray(rgb)


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
