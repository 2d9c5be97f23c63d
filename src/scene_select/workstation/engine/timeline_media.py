"""Media facts for editor timelines on a workstation: exact frame rates, durations and timecodes by PyAV.

The cloud reads rates from MP4/MOV headers (:func:`scene_select.cloud.timelines.store_media_info`); on
this machine the files are at hand, so :func:`probe_media_info` probes them with FFmpeg through PyAV:
every container FFmpeg reads, the nominal rate where it is a standard one, the MOV/MP4 start timecode.
Media references are ``file://`` URLs of the files, so a local editor opens them as they are.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from fractions import Fraction
from pathlib import Path
from typing import Any

from scene_select.cloud.errors import MediaError
from scene_select.cloud.models.ice_api import IceJob
from scene_select.cloud.models.job_config import SelectionJobRequest
from scene_select.cloud.models.selection import parse_extend_output
from scene_select.cloud.pipeline.normalise import normalise_selection
from scene_select.cloud.timelines.media import (
    MediaInfo,
    MediaInfoFn,
    exact_standard_rate,
    file_url,
    normalise_rate,
)
from scene_select.workstation.engine.probe import IMAGE_CODECS, IMAGE_FORMATS
from scene_select.workstation.engine.resolve import MediaResolver

__all__ = ["local_selection", "probe_media_info", "probe_timeline_media"]


def probe_timeline_media(path: Path) -> MediaInfo:
    """Probe one local file. The rate is the stream's nominal rate (``r_frame_rate``) when it is a
    standard one, else its average rate, normalised (``29.97`` → ``30000/1001``). Raises
    :class:`~scene_select.cloud.errors.MediaError` for a file FFmpeg cannot read or without a picture."""
    import av

    location = file_url(path.absolute().as_posix())
    try:
        with av.open(str(path), mode="r", metadata_errors="ignore") as container:
            video = next(iter(container.streams.video), None)
            if video is None:
                raise MediaError(f"{path}: no video or image stream")
            has_audio = any(True for _ in container.streams.audio)
            formats = set(container.format.name.split(","))
            codec = video.codec_context.name if video.codec_context is not None else ""
            frames = int(video.frames or 0)
            if formats & IMAGE_FORMATS or (codec in IMAGE_CODECS and frames <= 1 and not has_audio):
                return MediaInfo(location, None, None, is_still=True, has_audio=False, rate_source="probed")
            base = Fraction(video.base_rate) if video.base_rate else None
            average = Fraction(video.average_rate) if video.average_rate else None
            rate = exact_standard_rate(base) or exact_standard_rate(average) or average or base
            if video.duration and video.time_base:
                duration: float | None = float(video.duration * video.time_base)
            elif container.duration:
                duration = container.duration / 1_000_000
            else:
                duration = None
            timecode = video.metadata.get("timecode") or container.metadata.get("timecode")
            for stream in container.streams:  # MOV keeps it on the tmcd data stream
                timecode = timecode or stream.metadata.get("timecode")
    except MediaError:
        raise
    except (av.error.FFmpegError, OSError, UnicodeDecodeError, ValueError) as exc:
        raise MediaError(f"{path}: not a readable media file ({type(exc).__name__}: {exc})") from exc
    if not rate:
        return MediaInfo(location, None, duration, has_audio=has_audio, rate_source="assumed", note="no frame rate")
    return MediaInfo(
        location,
        normalise_rate(rate),
        duration,
        start_timecode=str(timecode) if timecode else None,
        has_audio=has_audio,
        rate_source="probed",
    )


def probe_media_info(resolver: MediaResolver | None = None) -> MediaInfoFn:
    """``media_info`` for :func:`~scene_select.cloud.timelines.export_selection` on this machine: each
    clip's ``mediaUrl`` (else ``mediaKey``) is resolved to a local file by ``resolver`` (paths,
    ``file://``, OSS URLs of buckets mapped to directories) and probed once. A media that cannot be
    resolved or read raises; the export then takes its rate as unknown and says why."""
    resolver = resolver or MediaResolver()
    cache: dict[str, MediaInfo] = {}

    def media_info(clip: Mapping[str, Any]) -> MediaInfo:
        entry = str(clip.get("mediaUrl") or clip.get("mediaKey") or "")
        if not entry:
            raise MediaError(f"clip {clip.get('clipId')!r} names no media")
        if entry not in cache:
            cache[entry] = probe_timeline_media(resolver.resolve(entry).path)
        return cache[entry]

    return media_info


def local_selection(request: SelectionJobRequest, extend_output: Mapping[str, Any], *, name: str) -> dict[str, Any]:
    """The normalised ``selection.json`` of a selection run on this machine (``scene-select select``), as the
    callback writes it in the cloud; ``name`` stands for the batch (it names the timelines)."""
    parsed = parse_extend_output(request.job_type.value, json.dumps(extend_output, ensure_ascii=False))
    job = IceJob(
        job_id="local",
        job_type=request.job_type.value,
        input_config=json.dumps({"MediaArray": list(request.input_config.media_array)}, ensure_ascii=False),
    )
    return normalise_selection(job, parsed, batch=name, run_key="local")
