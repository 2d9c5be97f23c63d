"""A gray miniature of a picture or of a region of it: enough to tell whether it changed.

Why: a caption or a face stays on screen for seconds, and reading it again from a picture that shows the same
pixels is work spent for nothing. On-screen text (:mod:`.ocr`) and the face count (:mod:`.signals`) compare
miniatures before they run their models.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

#: Mean absolute difference (0..255) of two miniatures that still "look the same".
SAME_PIXELS = 6.0


def miniature(picture: npt.NDArray[np.uint8], *, bgr: bool = False) -> npt.NDArray[np.float32]:
    """A 64×16 gray miniature of an RGB (or BGR) picture or region."""
    import cv2
    import numpy as np

    gray = cv2.cvtColor(np.ascontiguousarray(picture), cv2.COLOR_BGR2GRAY if bgr else cv2.COLOR_RGB2GRAY)
    return np.asarray(cv2.resize(gray, (64, 16), interpolation=cv2.INTER_AREA), dtype=np.float32)


def looks_the_same(a: npt.NDArray[np.float32], b: npt.NDArray[np.float32]) -> bool:
    """Whether two miniatures show the same pixels, give or take noise and compression."""
    return a.shape == b.shape and float(abs(a - b).mean()) < SAME_PIXELS
