"""One LiteRT (TFLite) interpreter, ready to run: the runtime of the face and person detectors.

Why a module: both detectors build their interpreter the same way, on one thread, and run it once at once.
The first run builds LiteRT's CPU delegate (XNNPACK: 6 ms a picture instead of 19 for BlazeFace), which
announces itself on the process's stderr ("INFO: Created TensorFlow Lite XNNPACK delegate"), no place for
it in a command's output: it is built here, once, with stderr silenced.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["interpreter"]


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
