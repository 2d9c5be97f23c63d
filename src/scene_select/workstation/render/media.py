"""Where a timeline's media are on this machine, what they are, and where a render may write.

A timeline names media as ICE does (``MediaURL`` = an OSS URL, or ``MediaId``); the renderer reads
files. OSS URLs of a local bucket resolve through its directory exactly as the engine resolves
MediaArray entries (:class:`~scene_select.workstation.engine.resolve.MediaResolver`: ``oss://``, OSS
https URLs, ``file://`` and paths), and MediaIds through an explicit map, since nothing local can look
an ICE media asset up.

Probing reads headers only (PyAV), and is cached per file version, because a timeline names the same
source many times (one clip per sentence) and the planner asks for each.

A render is written under a temporary name in the destination directory and renamed when complete
(:func:`temporary_beside`): the name starts with the local bucket's internal prefix, so neither its
listing nor the bucket watcher ever sees half a video.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from scene_select.cloud.errors import MediaError
from scene_select.cloud.storage.local import INTERNAL_PREFIX
from scene_select.workstation.engine.probe import IMAGE_CODECS, IMAGE_FORMATS, upright_size
from scene_select.workstation.engine.resolve import MediaResolver

__all__ = [
    "IMAGE_SUFFIXES",
    "MediaFacts",
    "Resolver",
    "cjk_font",
    "ffmpeg_path",
    "media_resolver",
    "output_location",
    "probe_facts",
    "temporary_beside",
]

Resolver = Callable[[str], Path]
"""A timeline's media reference (MediaURL or MediaId) → the local file; MediaError when there is none."""

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff", ".gif"})
"""File name endings taken for still pictures when a file cannot be probed (the timeline builder's guess)."""


@dataclass(frozen=True)
class MediaFacts:
    """What the planner needs to know about a source before it builds the filter graph."""

    kind: str  # "video" | "image" | "audio"
    duration: float  # seconds; 0.0 for images
    width: int = 0
    height: int = 0
    fps: float = 0.0
    has_audio: bool = False


@lru_cache(maxsize=1)
def ffmpeg_path() -> str:
    """The ffmpeg inside the imageio-ffmpeg wheel (the same one the engine and the test media use)."""
    from scene_select.workstation.engine.synth import ffmpeg_exe

    return ffmpeg_exe()


@lru_cache(maxsize=1)
def cjk_font() -> Path:
    """WenQuanYi Micro Hei (paperang-p2-fonts-cjk), for subtitles in Chinese and Latin alike."""
    from scene_select.workstation.engine.synth import cjk_font_path

    return cjk_font_path()


def probe_facts(path: Path) -> MediaFacts:
    """Headers of ``path`` (no decoding); MediaError naming the file when it is missing or unreadable."""
    try:
        stat = path.stat()
    except OSError:
        raise MediaError(f"{path}: no such file") from None
    if stat.st_size == 0:
        raise MediaError(f"{path}: the file is empty (0 bytes)")
    return _probe(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=256)
def _probe(path: Path, _mtime_ns: int, _size: int) -> MediaFacts:
    import av

    try:
        with av.open(str(path), mode="r", metadata_errors="ignore") as container:
            video = next(iter(container.streams.video), None)
            has_audio = any(True for _ in container.streams.audio)
            duration = float(container.duration) / 1_000_000.0 if container.duration else 0.0
            if video is None:
                if not has_audio:
                    raise MediaError(f"{path}: neither a picture nor a sound stream")
                return MediaFacts(kind="audio", duration=duration, has_audio=True)
            if video.duration and video.time_base:
                duration = float(video.duration * video.time_base)
            codec = video.codec_context.name if video.codec_context is not None else ""
            formats = set(container.format.name.split(","))
            rate = video.average_rate or video.guessed_rate or video.base_rate
            width, height = upright_size(container, video)  # FFmpeg renders pictures stored on their side upright
            is_image = (
                path.suffix.lower() in IMAGE_SUFFIXES
                or bool(formats & IMAGE_FORMATS)
                or (codec in IMAGE_CODECS and (video.frames or 0) <= 1 and not has_audio)
            )
            return MediaFacts(
                kind="image" if is_image else "video",
                duration=0.0 if is_image else duration,
                width=width,
                height=height,
                fps=float(rate) if rate else 0.0,
                has_audio=has_audio and not is_image,
            )
    except MediaError:
        raise
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        raise MediaError(f"{path}: not a readable media file ({type(exc).__name__}: {exc})") from exc


def media_resolver(
    *,
    bucket_dirs: Mapping[str, Path] | None = None,
    base_dir: Path | None = None,
    media_map: Mapping[str, Path] | None = None,
) -> Resolver:
    """A :data:`Resolver`: ``media_map`` (exact reference → file; how MediaIds are found) first, then the
    engine's rules for URLs and paths. The file must exist."""
    mapping = {key: Path(value) for key, value in (media_map or {}).items()}
    engine = MediaResolver(bucket_dirs=bucket_dirs, base_dir=base_dir)

    def resolve(reference: str) -> Path:
        if reference in mapping:
            path = mapping[reference]
            if not path.is_file():
                raise MediaError(f"{reference}: no such file ({path})")
            return path
        return engine.resolve(reference).path

    return resolve


def output_location(url: str, bucket_dirs: Mapping[str, Path]) -> Path:
    """Where an OSS URL of a local bucket lives (the file need not exist); MediaError for any other URL."""
    return MediaResolver(bucket_dirs=bucket_dirs).locate(url)


def temporary_beside(output: Path) -> Path:
    """A fresh temporary name in ``output``'s directory, hidden from the local bucket's listings."""
    return output.with_name(f"{INTERNAL_PREFIX}-tmp-render-{secrets.token_hex(8)}")
