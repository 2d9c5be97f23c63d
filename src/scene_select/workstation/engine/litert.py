"""LiteRT (TFLite) models: one interpreter, ready to run, and one loaded model per process.

Why a module: the face and the person detectors build their interpreter the same way, on one thread, and
run it once at once; and each is loaded on first use, shared by every analysis of the process, and said
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

__all__ = ["ModelSlot", "interpreter"]

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


def interpreter(path: Path, example: npt.NDArray[np.float32]) -> Any:
    """A LiteRT interpreter for the model at ``path`` on one thread, its tensors allocated and run once on
    ``example`` (an input of the model's shape). Raises ImportError without ``ai-edge-litert``, ValueError
    or RuntimeError for a file it cannot read."""
    from ai_edge_litert.interpreter import Interpreter

    loaded: Any = Interpreter(model_path=str(path), num_threads=1)

    def warm_up() -> None:
        loaded.allocate_tensors()
        loaded.set_tensor(loaded.get_input_details()[0]["index"], example)
        loaded.invoke()

    _silently(warm_up)
    return loaded


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
