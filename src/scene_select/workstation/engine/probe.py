"""Probe a media file: is it a video or an image, how long, which streams.

Probing reads headers only (no decoding beyond what FFmpeg needs to find the streams), so the engine
can check the job's limits (total duration ≤ 2 h) before it spends time decoding anything.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scene_select.cloud.errors import MediaError
from scene_select.workstation.engine.analysis import MediaInfo

#: FFmpeg demuxers that hold a single picture (or a picture sequence we treat as one image).
IMAGE_FORMATS = frozenset(
    {
        "image2",
        "png_pipe",
        "jpeg_pipe",
        "webp_pipe",
        "bmp_pipe",
        "tiff_pipe",
        "gif_pipe",
        "jpegls_pipe",
        "pam_pipe",
        "pgm_pipe",
        "ppm_pipe",
        "qoi_pipe",
        "svg_pipe",
    }
)
#: Codecs that are still-picture codecs even inside another container.
IMAGE_CODECS = frozenset({"png", "mjpeg", "webp", "bmp", "tiff", "gif", "jpegls", "qoi"})


def quarter_turns(frame: object) -> int:
    """How many quarter turns (counter-clockwise) show ``frame`` upright: a phone's JPEG says so in its EXIF
    orientation and its video in a display matrix, both of which FFmpeg reports as the frame's rotation
    (-90 for a photo taken holding the phone upright: it is stored on its side)."""
    rotation = getattr(frame, "rotation", 0) or 0
    return round(float(rotation) / 90) % 4


def upright_size(container: Any, video: Any) -> tuple[int, int]:
    """Width and height of ``video``'s pictures as they are shown: the stored size, swapped when the first
    picture is stored on its side (its rotation is only known once it is decoded; FFmpeg turns such pictures
    upright when it renders them). The stored size when the first picture does not decode."""
    import av

    width, height = int(video.codec_context.width or 0), int(video.codec_context.height or 0)
    try:
        frame = next(iter(container.decode(video)), None)
    except (av.error.FFmpegError, ValueError):
        frame = None
    return (height, width) if frame is not None and quarter_turns(frame) % 2 else (width, height)


def probe_media(path: Path) -> MediaInfo:
    """Describe ``path``; raise :class:`MediaError` when it is empty, unreadable or has no picture."""
    import av

    if not path.is_file():
        raise MediaError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise MediaError(f"{path}: the file is empty (0 bytes)")
    try:
        with av.open(str(path), mode="r", metadata_errors="ignore") as container:
            video = next(iter(container.streams.video), None)
            if video is None:
                raise MediaError(f"{path}: no video or image stream (audio-only or not a media file)")
            has_audio = any(True for _ in container.streams.audio)
            codec = video.codec_context.name if video.codec_context is not None else "unknown"
            format_names = set(container.format.name.split(","))
            width, height = upright_size(container, video)
            rate = video.average_rate or video.guessed_rate or video.base_rate
            fps = float(rate) if rate else 0.0
            frames = int(video.frames or 0)
            duration = _duration_seconds(container, video)
            is_image = bool(format_names & IMAGE_FORMATS) or (
                codec in IMAGE_CODECS and (frames <= 1) and duration < 0.5 and not has_audio
            )
            if width <= 0 or height <= 0:
                raise MediaError(f"{path}: the picture has no size (corrupt or unsupported stream {codec!r})")
            if not is_image and duration <= 0.0:
                raise MediaError(f"{path}: the video has no duration (truncated or not finalised?)")
            return MediaInfo(
                kind="image" if is_image else "video",
                duration=0.0 if is_image else round(duration, 3),
                width=width,
                height=height,
                fps=round(fps, 3),
                has_audio=has_audio and not is_image,
                video_codec=codec,
                container=container.format.name,
            )
    except MediaError:
        raise
    except (av.error.FFmpegError, OSError, UnicodeDecodeError, ValueError) as exc:
        raise MediaError(f"{path}: not a readable media file ({type(exc).__name__}: {exc})") from exc


def _duration_seconds(container: object, video: object) -> float:
    """Best duration estimate: the video stream's own, else the container's."""
    stream_duration = getattr(video, "duration", None)
    time_base = getattr(video, "time_base", None)
    if stream_duration and time_base:
        return float(stream_duration * time_base)
    container_duration = getattr(container, "duration", None)
    if container_duration:
        return float(container_duration) / 1_000_000.0
    return 0.0
