"""The benchmark media, generated with ffmpeg once and kept in bench/media/ (git-ignored).

* :func:`montage` — the engine benchmark's file: 10 captioned segments with hard cuts at known times,
  speech-like audio and one loud noise burst, H.264 + AAC at a realistic bitrate;
* :func:`long_video` — N minutes of 720p made by concatenating the 60 s montage (stream copy, so a
  60-minute file costs seconds to make and little disk); every minute has its 9 cuts and 9 captions;
* :func:`short_clip` — distinct 10 s clips, five kinds of footage in turn, for the scale runs.

A file is made under a temporary name and renamed when complete, so an interrupted run never leaves a
half file that a later run would take for finished.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bench.common import MEDIA_DIR, log
from scene_select.workstation.engine.synth import Segment, make_video, run_ffmpeg

LOOKS = ["testsrc2", "smptebars", "life", "rgbtestsrc", "navy", "testsrc2", "darkgreen", "smptebars", "maroon", "life"]
CAPTIONS = [
    "附近的商场新开了一家超市",
    "A red fox jumps over the fence",
    "海边的日落非常美丽",
    "Mountain bikes race downhill",
    "图书馆里的学生正在安静地读书",
    "The orchestra tunes before the concert",
    "城市的夜景灯火辉煌",
    "",
    "Fresh bread from the village bakery",
    "春天的公园里开满了鲜花",
]
SIZES = {"480p": (854, 480, 1000), "720p": (1280, 720, 2000), "1080p": (1920, 1080, 4000)}  # w, h, max kb/s
FPS = 30


def montage_cuts(seconds: float) -> list[float]:
    """The known cut times of a montage of this length (segments are whole frames long)."""
    frames = round(seconds / len(LOOKS) * FPS)
    return [round(k * frames / FPS, 3) for k in range(1, len(LOOKS))]


def montage(size: str, seconds: float = 60.0) -> Path:
    """The captioned 10-segment montage at ``size`` (480p, 720p or 1080p)."""
    width, height, kbps = SIZES[size]
    path = MEDIA_DIR / f"montage-{size}-{seconds:g}s.mp4"
    if not path.exists():
        log(f"generating {path.name} …")
        segments = [
            Segment(seconds / len(LOOKS), look, caption, "loud" if not caption else "speech")
            for look, caption in zip(LOOKS, CAPTIONS, strict=True)
        ]
        _atomic(
            path,
            lambda tmp: make_video(
                tmp, segments, width=width, height=height, fps=FPS, crf=23, preset="veryfast", max_kbps=kbps
            ),
        )
    return path


def long_video(minutes: int, size: str = "720p") -> Path:
    """``minutes`` minutes: the 60 s montage, concatenated without re-encoding."""
    path = MEDIA_DIR / f"long-{size}-{minutes}min.mp4"
    if not path.exists():
        base = montage(size, 60.0)
        log(f"generating {path.name} …")
        listing = MEDIA_DIR / f"long-{size}-{minutes}min.txt"
        listing.write_text("".join(f"file '{base.name}'\n" for _ in range(minutes)), encoding="utf-8")

        def concat(tmp: Path) -> None:
            run_ffmpeg(
                ["-f", "concat", "-safe", "0", "-i", str(listing), "-c", "copy", "-movflags", "+faststart", str(tmp)]
            )

        _atomic(path, concat)
        listing.unlink()
    return path


CLIP_KINDS = len(LOOKS) // 2
"""short_clip cycles through this many kinds of footage (a pair of looks, a pair of captions each)."""


def short_clip(index: int, seconds: float = 10.0, size: str = "480p") -> Path:
    """A distinct short clip: two segments, the montage's looks and captions taken in pairs.

    The kinds of footage repeat every CLIP_KINDS clips, so every run of that many consecutive clips is
    the same mix — the scale series then adds like for like at each step (clips of different kinds
    differ up to 2× in analysis time). The index is written into the second caption: every clip's bytes
    differ and none is answered from the analysis cache (keyed by content hash), which would turn a
    count series into cache hits."""
    width, height, kbps = SIZES[size]
    path = MEDIA_DIR / f"clip-{size}-{seconds:g}s-{index:03d}-k{CLIP_KINDS}.mp4"
    if not path.exists():
        first, second = 2 * (index % CLIP_KINDS), 2 * (index % CLIP_KINDS) + 1
        segments = [
            Segment(seconds / 2, LOOKS[first], CAPTIONS[first], "speech"),
            Segment(seconds / 2, LOOKS[second], f"{CAPTIONS[second] or 'Clip'} {index}", "speech"),
        ]
        _atomic(path, lambda tmp: make_video(tmp, segments, width=width, height=height, fps=FPS, crf=26, max_kbps=kbps))
    return path


def _atomic(path: Path, make: Callable[[Path], object]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(".partial-" + path.name)
    temporary.unlink(missing_ok=True)
    make(temporary)
    temporary.rename(path)
