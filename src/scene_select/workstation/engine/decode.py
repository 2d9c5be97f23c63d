"""One decoding pass per media file, feeding every analyser at once.

Decoding is the floor of the engine's cost (docs/engine.md#speed-and-memory), so each file is decoded exactly once:
every decoded picture becomes a tiny RGB thumbnail (cut detection, motion, colour), a sparse subset
becomes a larger RGB sample (OCR, faces, optional image embeddings), and the audio stream, demuxed in the
same loop, is resampled to 16 kHz mono for loudness and speech. B-frames are skipped by the decoder
(``skip_frame="BIDIR"``, ~1.3-2× faster on x264 output). The decoder gets every core but one
(:func:`decoder_threads`): the sample analysers (:mod:`.analyse`) keep the last one busy.
Nothing is kept beyond what the sink keeps, so memory does not grow with the video's length.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from scene_select.cloud.errors import MediaError
from scene_select.workstation.engine.analysis import MediaInfo
from scene_select.workstation.engine.probe import quarter_turns

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

THUMB_WIDTH = 64
THUMB_HEIGHT = 36
AUDIO_RATE = 16_000


@dataclass(frozen=True)
class DecodeOptions:
    """Knobs of the decoding pass (the defaults are the tuned ones; docs/engine.md#signals)."""

    sample_width: int = 640  # samples for OCR/faces are scaled down to at most this width
    skip_bidir: bool = True  # let the decoder drop B-frames (they are rarely the first frame of a shot)
    threads: int = 0  # 0 = decoder_threads(); FFmpeg's own choice would take every core


class FrameSink(Protocol):
    """Receives what the decoding pass produces, in time order."""

    def on_thumb(self, t: float, thumb: npt.NDArray[np.uint8]) -> None:
        """Every decoded picture, as a THUMB_HEIGHT × THUMB_WIDTH × 3 RGB array."""

    def want_sample(self, t: float) -> bool:
        """Whether the picture at ``t`` should also be delivered as a larger sample."""

    def on_sample(self, t: float, rgb: npt.NDArray[np.uint8]) -> None:
        """A larger RGB picture (at most ``sample_width`` wide) for OCR, faces and embeddings."""

    def on_audio(self, samples: npt.NDArray[np.float32]) -> None:
        """The next run of 16 kHz mono samples in [-1, 1]."""


@dataclass(frozen=True)
class DecodeReport:
    """What the pass saw: the last picture time (shorter than probed if the file is truncated)."""

    last_time: float
    frames: int
    seconds: float


def decoder_threads() -> int:
    """Every core but one, at least one: the sample analysers' worker threads (faces, on-screen text,
    sight) keep a core busy beside decoding.

    Why not FFmpeg's choice (every core, frame threads): with B-frames skipped each decoded picture
    references the one before, so frame threads mostly wait for each other, and on two cores they also
    take turns with the analysers. Measured on the 60 s benchmark files on two cores (bench/engine_bench.py):
    one decoding thread made the analysis 4-6 % faster at 720p and 1080p, with or without on-screen text,
    for 4-7 % less CPU (FFmpeg decodes bit-exactly with any number of threads: the pictures are the same)."""
    return max(1, (os.cpu_count() or 1) - 1)


def sample_size(info: MediaInfo, max_width: int) -> tuple[int, int]:
    """Sample picture size: the source scaled to at most ``max_width`` wide, even dimensions."""
    width = min(max_width, info.width)
    height = max(2, round(info.height * width / max(1, info.width)))
    return width - width % 2, height - height % 2


def decode_media(
    path: Path,
    info: MediaInfo,
    sink: FrameSink,
    *,
    options: DecodeOptions = DecodeOptions(),
    progress: Callable[[float], None] | None = None,
) -> DecodeReport:
    """Decode ``path`` once and feed ``sink``; raise :class:`MediaError` if no picture decodes."""
    import av
    import numpy as np

    started = time.perf_counter()
    frames = 0
    turns = 0  # quarter turns, counter-clockwise, that show the picture upright (the first frame's rotation)
    sizes: tuple[tuple[int, int], tuple[int, int]] = ((0, 0), (0, 0))
    last_time = 0.0
    try:
        with av.open(str(path), mode="r", metadata_errors="ignore") as container:
            video = container.streams.video[0]
            video.thread_type = "AUTO"
            video.codec_context.thread_count = options.threads or decoder_threads()
            if options.skip_bidir and not info.is_image:
                video.codec_context.skip_frame = "BIDIR"
            audio = container.streams.audio[0] if info.has_audio and container.streams.audio else None
            resampler = av.AudioResampler(format="s16", layout="mono", rate=AUDIO_RATE) if audio else None
            start = float(video.start_time * video.time_base) if video.start_time is not None else 0.0
            streams = [s for s in (video, audio) if s is not None]
            next_report = 0.0
            for packet in _safe_demux(container, streams):
                for frame in _safe_decode(packet):
                    if isinstance(frame, av.AudioFrame):
                        if resampler is not None:
                            for chunk in resampler.resample(frame):
                                pcm = chunk.to_ndarray().reshape(-1).astype(np.float32) / 32768.0
                                sink.on_audio(pcm)
                        continue
                    if not isinstance(frame, av.VideoFrame):
                        continue
                    if not frames:
                        turns = quarter_turns(frame)
                        sizes = _stored_sizes(info, options.sample_width, turns)
                    t = _frame_time(frame, start, frames, info.fps)
                    frames += 1
                    last_time = max(last_time, t)
                    sink.on_thumb(t, _upright(to_rgb(frame, *sizes[0]), turns))
                    if sink.want_sample(t):
                        sink.on_sample(t, _upright(to_rgb(frame, *sizes[1]), turns))
                    if info.is_image:
                        break
                    if progress is not None and info.duration > 0 and t >= next_report:
                        progress(min(1.0, t / info.duration))
                        next_report = t + max(1.0, info.duration / 50)
                if info.is_image and frames:
                    break
            if resampler is not None:
                for chunk in resampler.resample(None):
                    sink.on_audio(chunk.to_ndarray().reshape(-1).astype(np.float32) / 32768.0)
    except av.error.FFmpegError as exc:
        if frames == 0:
            raise MediaError(f"{path}: cannot be decoded ({type(exc).__name__}: {exc})") from exc
    if frames == 0:
        raise MediaError(f"{path}: no picture could be decoded (corrupt, truncated or unsupported codec)")
    return DecodeReport(last_time=last_time, frames=frames, seconds=time.perf_counter() - started)


def _stored_sizes(info: MediaInfo, max_width: int, turns: int) -> tuple[tuple[int, int], tuple[int, int]]:
    """The thumbnail's and the sample's sizes to scale the *stored* picture to, so that once turned upright
    they are :data:`THUMB_WIDTH` × :data:`THUMB_HEIGHT` and the sample size of ``info`` (whose size is the
    upright one, :func:`~scene_select.workstation.engine.probe.upright_size`)."""
    thumb, sample = (THUMB_WIDTH, THUMB_HEIGHT), sample_size(info, max_width)
    return (thumb[::-1], sample[::-1]) if turns % 2 else (thumb, sample)


def _upright(rgb: npt.NDArray[np.uint8], turns: int) -> npt.NDArray[np.uint8]:
    import numpy as np

    return rgb if not turns else np.ascontiguousarray(np.rot90(rgb, turns))


#: Planar YUV layouts whose planes can be scaled directly (4:2:0, 4:2:2, 4:4:4; limited or full range).
_PLANAR_YUV = frozenset({"yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p"})


def to_rgb(frame: object, width: int, height: int) -> npt.NDArray[np.uint8]:
    """Scale a decoded picture to ``width`` × ``height`` RGB.

    For 8-bit planar YUV (nearly all H.264/HEVC/VP9 output) each plane is area-averaged with OpenCV and
    converted once at the small size: ~4× cheaper than PyAV's swscale path, which converts at full size
    first (measured 0.7 ms vs 2.7 ms per 480p picture). Other layouts go through PyAV.
    """
    import cv2
    import numpy as np

    fmt = frame.format.name  # type: ignore[attr-defined]
    if fmt not in _PLANAR_YUV:
        return np.asarray(frame.to_ndarray(width=width, height=height, format="rgb24"))  # type: ignore[attr-defined]
    scaled = []
    for plane in frame.planes:  # type: ignore[attr-defined]
        data = np.frombuffer(plane, np.uint8).reshape(plane.height, plane.line_size)[:, : plane.width]
        scaled.append(cv2.resize(data, (width, height), interpolation=cv2.INTER_AREA))
    yuv = np.dstack(scaled)
    code = cv2.COLOR_YCrCb2RGB if fmt.startswith("yuvj") else cv2.COLOR_YUV2RGB
    if code == cv2.COLOR_YCrCb2RGB:
        yuv = yuv[:, :, [0, 2, 1]]  # OpenCV's YCrCb order
    return np.asarray(cv2.cvtColor(np.ascontiguousarray(yuv), code))


def _frame_time(frame: object, start: float, index: int, fps: float) -> float:
    t = getattr(frame, "time", None)
    if t is None:
        return index / fps if fps > 0 else 0.0
    return max(0.0, float(t) - start)


def _safe_demux(container: object, streams: list[object]):  # type: ignore[no-untyped-def]
    """Demux until the end or the first damaged packet (a truncated file ends early, it does not crash)."""
    import av

    iterator = container.demux(*streams)  # type: ignore[attr-defined]
    while True:
        try:
            packet = next(iterator)
        except StopIteration:
            return
        except av.error.FFmpegError:
            return
        yield packet


def _safe_decode(packet: object) -> list[object]:
    import av

    try:
        return list(packet.decode())  # type: ignore[attr-defined]
    except (av.error.FFmpegError, ValueError):
        return []
