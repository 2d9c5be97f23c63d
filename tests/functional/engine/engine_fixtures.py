"""Ground truth of the generated test media, shared by the engine's functional tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from scene_select.workstation.engine.synth import Segment

SEGMENT = 3.0

#: The montage: five 3-second shots with hard cuts at 3, 6, 9, 12 s, each with its own caption.
MONTAGE_SEGMENTS = [
    Segment(SEGMENT, "testsrc2", "附近的商场新开了一家超市", "speech"),
    Segment(SEGMENT, "navy", "A red fox jumps over the fence", "speech"),
    Segment(SEGMENT, "mandelbrot", "海边的日落非常美丽", "speech"),
    Segment(SEGMENT, "smptebars", "Mountain bikes race downhill", "speech"),
    Segment(SEGMENT, "darkgreen", "图书馆里的学生正在安静地读书", "speech"),
]
MONTAGE_CUTS = [3.0, 6.0, 9.0, 12.0]

#: One sentence per segment (index = segment), worded differently from the captions.
SENTENCES_BY_SEGMENT = [
    "附近新开了一家商场。",
    "The fox jumps over the fence.",
    "海边的日落美丽极了。",
    "Mountain bikes race down the hill!",
    "学生们在图书馆里读书。",
]

#: The highlight video: calm talking footage with one loud, high-motion burst at 14-17 s.
HIGHLIGHT_SEGMENTS = [
    Segment(6.0, "smptebars", "", "speech"),
    Segment(4.0, "navy", "", "speech"),
    Segment(4.0, "gray", "", "speech"),
    Segment(3.0, "noise", "", "loud"),
    Segment(7.0, "darkgreen", "", "speech"),
]
LOUD_SPAN = (14.0, 17.0)


@dataclass(frozen=True)
class MediaSet:
    root: Path
    montage: Path
    highlight: Path
    silent: Path
    image: Path
    plain: Path  # no captions; described by a .srt sidecar and job.json tags
