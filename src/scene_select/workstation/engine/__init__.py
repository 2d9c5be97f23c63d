"""The local selection engine: ICE's SubmitSceneMediaSelectionJob, offline, on the CPU.

Importing this package is cheap: av, numpy, scipy, cv2, rapidocr and jieba are imported inside the
functions that need them. Entry point: :func:`run_selection`.
"""

from scene_select.workstation.engine.api import ProgressCallback, run_selection
from scene_select.workstation.engine.resolve import MediaResolver, MediaSource

__all__ = ["MediaResolver", "MediaSource", "ProgressCallback", "run_selection"]
