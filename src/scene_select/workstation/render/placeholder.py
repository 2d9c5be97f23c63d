"""A fast stand-in for the renderer: a real, playable MP4 of the timeline's length and size, in one colour.

Tests of the pipeline check what happens around a render — exactly-once jobs, callbacks, records — not
its pictures, and a real render of a few sentences costs seconds of CPU on a small machine. This writes
what those tests need in a fraction of that: H.264 + AAC at Width×Height, as long as the timeline
(computed from its fields alone, no media probed), a solid colour over silence, written atomically like
the real one. It never reads the timeline's media, so a test with a stand-in selection needs none.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from scene_select.workstation.render.ffmpeg import run_ffmpeg
from scene_select.workstation.render.media import temporary_beside
from scene_select.workstation.render.spec import OutputSpec, ProgressCallback, Renderer, RenderError, RenderResult
from scene_select.workstation.render.timeline import timeline_duration

__all__ = ["placeholder_renderer"]


def placeholder_renderer(colour: str = "0x2050a0") -> Renderer:
    """A :class:`~scene_select.workstation.render.spec.Renderer` writing ``colour`` over silence."""

    def render(
        timeline: Mapping[str, Any], output: Path, spec: OutputSpec, *, progress: ProgressCallback | None = None
    ) -> RenderResult:
        duration = timeline_duration(timeline)
        if duration <= 0:
            raise RenderError("the timeline has nothing to play: no clip with a length on any track")
        frames = max(1, round(duration * spec.fps))
        seconds = float(frames / spec.fps)
        rate = f"{spec.fps.numerator}/{spec.fps.denominator}"
        output = output.absolute()
        output.parent.mkdir(parents=True, exist_ok=True)
        partial = temporary_beside(output)
        arguments = [
            "-hide_banner",
            "-nostdin",
            "-loglevel",
            "error",
            "-y",
            "-progress",
            "pipe:1",
            "-nostats",
            "-f",
            "lavfi",
            "-i",
            f"color=c={colour}:s={spec.width}x{spec.height}:r={rate}",
            "-f",
            "lavfi",
            "-i",
            "anullsrc=r=44100:cl=stereo",
            "-frames:v",
            str(frames),
            "-t",
            f"{seconds:.6f}",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-tune",
            "stillimage",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-aac_coder",
            "fast",
            "-b:a",
            "32k",
            "-movflags",
            "+faststart",
            "-f",
            "mp4",
            str(partial),
        ]
        try:
            wall, cpu = run_ffmpeg(arguments, duration=seconds, progress=progress)
            partial.chmod(0o644)
            os.replace(partial, output)
        finally:
            partial.unlink(missing_ok=True)
        return RenderResult(
            output=output,
            duration=seconds,
            width=spec.width,
            height=spec.height,
            size=output.stat().st_size,
            voice=False,
            warnings=("placeholder render: one colour over silence, not the timeline's media",),
            wall_seconds=wall,
            ffmpeg_seconds=wall,
            ffmpeg_cpu_seconds=cpu,
        )

    return render
