"""What a render is asked for and what it answers: the renderer's contract with its callers.

The emulator's batch-editing job, ``scene-select render`` and the benchmark all call a :class:`Renderer`
with an ICE Timeline, an output path and an :class:`OutputSpec`; the real one
(:func:`scene_select.workstation.render.render.timeline_renderer`) and the fast stand-in for tests
(:func:`scene_select.workstation.render.placeholder.placeholder_renderer`) share this contract, so the
emulator cannot tell them apart.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, Protocol

from scene_select.cloud.errors import PermanentError

__all__ = [
    "DEFAULT_HEIGHT",
    "DEFAULT_WIDTH",
    "OutputSpec",
    "Progress",
    "ProgressCallback",
    "RenderError",
    "RenderResult",
    "Renderer",
]

DEFAULT_WIDTH, DEFAULT_HEIGHT = 1080, 1920
"""ICE's examples render portrait 1080×1920 when OutputConfig gives no size; so do we."""

MIN_SIDE, MAX_SIDE = 16, 4096


class RenderError(PermanentError):
    """A timeline could not be rendered; the message says which clip or media, or carries ffmpeg's last lines."""


@dataclass(frozen=True)
class OutputSpec:
    """How to encode. The size comes from OutputConfig; the rest is ours, with ICE's ``Video.Fps`` and
    ``Video.Crf`` honoured when given.

    H.264 in 4:2:0 needs even sizes: an odd Width or Height is rendered one pixel smaller and the
    render's warnings say so. ``aac_coder`` "fast" costs a third of FFmpeg's default "twoloop" coder
    (measured: docs/rendering.md#speed), which matters more than all burned-in text together.
    """

    width: int = DEFAULT_WIDTH
    height: int = DEFAULT_HEIGHT
    fps: Fraction = Fraction(30)
    preset: str = "veryfast"
    crf: int = 23
    audio_bitrate: str = "128k"
    aac_coder: str = "fast"
    threads: int = 0  # 0: ffmpeg and x264 decide

    def __post_init__(self) -> None:
        for name, value in (("Width", self.width), ("Height", self.height)):
            if not MIN_SIDE <= value <= MAX_SIDE:
                raise RenderError(f"output {name} {value} px is outside {MIN_SIDE}–{MAX_SIDE} px")
            if value % 2:
                raise RenderError(f"output {name} {value} px must be even (H.264 4:2:0)")
        if self.fps <= 0 or self.fps > 120:
            raise RenderError(f"output frame rate {self.fps} is outside (0, 120]")

    @classmethod
    def from_output_config(cls, config: Mapping[str, Any], **overrides: Any) -> tuple[OutputSpec, list[str]]:
        """The spec for an ICE OutputConfig (``Width``, ``Height``, ``Video.Fps``, ``Video.Crf``) and the
        warnings about what had to change (an odd size made even)."""
        warnings: list[str] = []
        video = config.get("Video") if isinstance(config.get("Video"), Mapping) else {}
        assert isinstance(video, Mapping)
        values: dict[str, Any] = {}
        for name, key, default in (("width", "Width", DEFAULT_WIDTH), ("height", "Height", DEFAULT_HEIGHT)):
            try:
                size = int(config.get(key) or default)
            except (TypeError, ValueError):
                raise RenderError(f"OutputConfig.{key} {config.get(key)!r} is not a number of pixels") from None
            if size % 2:
                warnings.append(f"OutputConfig.{key} {size} is odd; rendered at {size - 1} (H.264 4:2:0 needs even)")
                size -= 1
            values[name] = size
        try:
            if video.get("Fps"):
                values["fps"] = Fraction(str(video["Fps"])).limit_denominator(1001)
            if video.get("Crf") is not None:
                values["crf"] = int(video["Crf"])
        except (TypeError, ValueError, ZeroDivisionError):
            raise RenderError(f"OutputConfig.Video {dict(video)!r}: Fps and Crf must be numbers") from None
        values.update(overrides)
        return cls(**values), warnings


@dataclass(frozen=True)
class Progress:
    """How far ffmpeg is: ``fraction`` of the output written (0–1, never going back), in seconds, and
    ffmpeg's own speed figure (``"1.8x"``)."""

    fraction: float
    out_seconds: float
    speed: str


ProgressCallback = Callable[[Progress], None]


@dataclass(frozen=True)
class RenderResult:
    """One finished render: where, how long, how big, how it went."""

    output: Path
    duration: float
    width: int
    height: int
    size: int  # bytes
    voice: bool  # a voiceover was synthesised and mixed in
    warnings: tuple[str, ...] = ()
    wall_seconds: float = 0.0  # the whole call
    prepare_seconds: float = 0.0  # probing, voices, text pictures, the graph
    ffmpeg_seconds: float = 0.0
    ffmpeg_cpu_seconds: float = 0.0  # user + system time of the ffmpeg process


class Renderer(Protocol):
    """Render one ICE Timeline into an MP4 at ``output``, atomically: the file appears whole or not at all.

    Raises :class:`RenderError` (or :class:`~scene_select.cloud.errors.MediaError` for media that cannot be
    found or read) with a message a person can act on.
    """

    def __call__(
        self,
        timeline: Mapping[str, Any],
        output: Path,
        spec: OutputSpec,
        *,
        progress: ProgressCallback | None = None,
    ) -> RenderResult: ...
