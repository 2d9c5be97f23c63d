"""Generated media for the render tests, and the checks a rendered video must pass.

Sources are solid colours that survive H.264 and scaling, one per clip, so the colour in the middle of an
output frame says which source it came from; they are made with the packaged ffmpeg into a temporary
directory (never committed). :func:`check_render` is what "the video is right" means in these tests:
its size, its length, an audio stream, and at each sentence's midpoint a frame from the clip the timeline
chose for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from scene_select.workstation.engine.synth import run_ffmpeg

COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (220, 40, 40),
    "green": (40, 200, 60),
    "blue": (40, 60, 220),
    "yellow": (230, 220, 40),
    "orange": (240, 140, 20),
}
TOLERANCE = 18.0  # mean absolute RGB difference allowed between the source's colour and the output's


def colour_video(path: Path, colour: str, *, width: int, height: int, fps: int, seconds: float, tone: int = 0) -> Path:
    """A solid-colour H.264 video (with a sine tone as its sound when ``tone``)."""
    r, g, b = COLOURS[colour]
    path.parent.mkdir(parents=True, exist_ok=True)
    arguments = ["-f", "lavfi", "-i", f"color=c=0x{r:02x}{g:02x}{b:02x}:s={width}x{height}:r={fps}:d={seconds}"]
    if tone:
        arguments += ["-f", "lavfi", "-i", f"sine=f={tone}:r=44100:d={seconds}", "-c:a", "aac", "-shortest"]
    run_ffmpeg(
        [*arguments, "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", str(fps), str(path)]
    )
    return path


def colour_picture(path: Path, colour: str, *, width: int = 400, height: int = 400) -> Path:
    r, g, b = COLOURS[colour]
    path.parent.mkdir(parents=True, exist_ok=True)
    run_ffmpeg(
        ["-f", "lavfi", "-i", f"color=c=0x{r:02x}{g:02x}{b:02x}:s={width}x{height}", "-frames:v", "1", str(path)]
    )
    return path


def music(path: Path, seconds: float = 3.0) -> Path:
    """A short stereo tone bed, to loop as background music."""
    path.parent.mkdir(parents=True, exist_ok=True)
    run_ffmpeg(["-f", "lavfi", "-i", f"sine=f=220:r=44100:d={seconds}", "-ac", "2", "-c:a", "aac", str(path)])
    return path


@dataclass(frozen=True)
class VideoFacts:
    width: int
    height: int
    duration: float
    audio_streams: int
    audio_duration: float


def video_facts(path: Path) -> VideoFacts:
    import av

    with av.open(str(path)) as container:
        video = container.streams.video[0]
        audio = list(container.streams.audio)

        def seconds(stream: Any) -> float:
            return float(stream.duration * stream.time_base) if stream.duration and stream.time_base else 0.0

        return VideoFacts(
            video.codec_context.width,
            video.codec_context.height,
            seconds(video),
            len(audio),
            seconds(audio[0]) if audio else 0.0,
        )


def frame_colours(path: Path, moments: list[float]) -> list[np.ndarray]:
    """The mean RGB of a central patch of the frame shown at each moment (seconds)."""
    import av

    colours = []
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        time_base = float(stream.time_base or Fraction(1, 90000))
        for moment in moments:
            container.seek(int(max(0.0, moment - 1.0) / time_base), stream=stream, backward=True)
            chosen = None
            for frame in container.decode(stream):
                if frame.pts is None:
                    continue
                if frame.pts * time_base > moment + 1e-3:
                    break
                chosen = frame
            assert chosen is not None, f"no frame at {moment:.2f} s in {path}"
            picture = chosen.to_ndarray(format="rgb24")
            h, w = picture.shape[:2]
            half = max(2, min(w, h) // 20)
            colours.append(
                picture[h // 2 - half : h // 2 + half, w // 2 - half : w // 2 + half].reshape(-1, 3).mean(axis=0)
            )
    return colours


def nearest(colour: np.ndarray) -> tuple[str, float]:
    """The palette colour nearest to ``colour`` and its distance."""
    name = min(COLOURS, key=lambda n: float(np.abs(colour - np.array(COLOURS[n])).mean()))
    return name, float(np.abs(colour - np.array(COLOURS[name])).mean())


def sentence_slots(timeline: Mapping[str, Any]) -> list[tuple[float, float]]:
    """(TimelineIn, TimelineOut) of each sentence: its voiceover clip's."""
    for track in timeline.get("AudioTracks") or []:
        clips = [c for c in track.get("AudioTrackClips") or [] if c.get("Type") == "AI_TTS"]
        if clips:
            return [(float(c["TimelineIn"]), float(c["TimelineOut"])) for c in clips]
    return []


def check_render(
    video: Path,
    *,
    width: int,
    height: int,
    slots: list[tuple[float, float]],
    expected: list[str],
    fps: float = 30.0,
) -> VideoFacts:
    """Assert ``video`` is ``width``×``height``, lasts as long as the sentences, has sound, and shows the
    ``expected`` source colour at each sentence's midpoint."""
    facts = video_facts(video)
    total = slots[-1][1]
    tolerance = 1.0 / fps + 0.05
    assert (facts.width, facts.height) == (width, height), facts
    assert abs(facts.duration - total) <= tolerance, (facts.duration, total)
    assert facts.audio_streams == 1 and abs(facts.audio_duration - total) <= tolerance + 0.05, facts
    midpoints = [(a + b) / 2 for a, b in slots]
    for moment, want, got in zip(midpoints, expected, frame_colours(video, midpoints), strict=True):
        name, distance = nearest(got)
        assert (name, distance <= TOLERANCE) == (want, True), (
            f"at {moment:.2f} s: {got.round()} is {name} ({distance:.1f})"
        )
    return facts
