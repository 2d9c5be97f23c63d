"""Media with known ground truth for the engine's tests, generated with ffmpeg (never committed).

The engine's functional tests check what it finds — cuts, the loud burst, which shot matches which
sentence — against what was put into the media: the segments below. :func:`make_media_set` renders them
(captions burnt in, synthetic speech and tones) into a folder once per test session; the plugin's
``media`` fixture does that.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from scene_select.workstation.engine.synth import Segment, make_image, make_video

__all__ = [
    "HIGHLIGHT_SEGMENTS",
    "LOUD_SPAN",
    "MONTAGE_CUTS",
    "MONTAGE_SEGMENTS",
    "SEGMENT",
    "SENTENCES_BY_SEGMENT",
    "MediaSet",
    "make_media_set",
    "real_frames",
]

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
    """The generated files (see :func:`make_media_set`)."""

    root: Path
    montage: Path
    highlight: Path
    silent: Path
    image: Path
    plain: Path  # no captions; described by a .srt sidecar and job.json tags


def real_frames(key: str, every: int = 25) -> list[npt.NDArray[np.uint8]]:
    """Every ``every``-th frame of one of the real sample videos the ``samples`` extra installs (``bikes``,
    ``carphone``: :data:`scene_select.workstation.engine.real_media.PICTURES`), as RGB arrays; the test is
    skipped, saying why, when the package is missing."""
    import av
    import pytest

    from scene_select.cloud.errors import MediaError
    from scene_select.workstation.engine import real_media

    try:
        path = real_media.picture(key)
    except MediaError as exc:
        pytest.skip(str(exc))
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24") for i, f in enumerate(container.decode(video=0)) if i % every == 0]


def make_media_set(root: Path) -> MediaSet:
    """Render the montage, the highlight video, a silent clip, a captioned image and a plain clip with an
    .srt sidecar and job.json tags into ``root``."""
    montage = make_video(root / "montage.mp4", MONTAGE_SEGMENTS, width=480, height=270)
    highlight = make_video(root / "talk.mp4", HIGHLIGHT_SEGMENTS, width=320, height=180)
    silent = make_video(root / "silent.mp4", [Segment(4.0, "testsrc2")], width=320, height=180, audio=False)
    image = make_image(root / "library.png", caption="城市夜景 灯火辉煌", color="0x202040")
    plain = make_video(
        root / "clips" / "plain_footage.mp4", [Segment(8.0, "rgbtestsrc", "", "tone")], width=320, height=180
    )
    (root / "clips" / "plain_footage.srt").write_text(
        "1\n00:00:00,000 --> 00:00:04,000\n一只小猫在沙发上睡觉\n\n"
        "2\n00:00:04,000 --> 00:00:08,000\nA dog runs in the park\n",
        encoding="utf-8",
    )
    (root / "clips" / "job.json").write_text(
        json.dumps({"MediaTags": {"plain_footage.mp4": ["宠物", "pets"]}}), encoding="utf-8"
    )
    return MediaSet(root, montage, highlight, silent, image, plain)
