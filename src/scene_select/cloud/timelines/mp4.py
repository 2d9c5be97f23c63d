"""Frame rate and duration of an MP4/MOV video track from its container header, without FFmpeg.

For the cloud: a Function Compute function has no PyAV, but it can read a few byte ranges of an object
(OSS ``GetObject`` with a ``Range`` header). The header of an ISO-BMFF file (MP4, MOV, M4V, 3GP) holds
everything needed: the video track's media timescale and its sample-to-time table (``stts``), so the
frame rate is exact (``30000/1001``, not ``29.97``) and no frame is decoded.

Reads: the first 64 KiB, the top-level box headers beyond it (skipping ``mdat`` without reading it),
then the whole ``moov`` box (typically tens of KB; about 1 MB for an hour of 30 fps video). A
``faststart`` file costs one range request, one with ``moov`` at the end three.

Not handled (the caller treats the rate as unknown): other containers (MKV, WebM, AVI, TS, FLV),
fragmented MP4 without sample tables (``moof``), edit lists that shift the start (``elst``), and the
start timecode of a ``tmcd`` track (its value lives in ``mdat``).
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

__all__ = ["HeaderInfo", "Mp4HeaderError", "ReadRange", "read_mp4_header"]

#: ``read(offset, size) -> bytes``; may return fewer bytes at the end of the object.
ReadRange = Callable[[int, int], bytes]

FIRST_READ_BYTES = 64 * 1024
_MAX_MOOV_BYTES = 64 * 1024 * 1024
_FIRST_BOXES = (b"ftyp", b"moov", b"wide", b"free", b"mdat", b"skip")


class Mp4HeaderError(ValueError):
    """The bytes are not an ISO-BMFF file with a readable video track header."""


@dataclass(frozen=True)
class HeaderInfo:
    """What the header says about the first video track (and whether any track is sound)."""

    rate: Fraction  # frames per second: samples / (track duration in seconds), exact
    duration: float  # seconds, from the video track's media header
    frames: int
    constant_rate: bool  # True when every sample has the same duration (one stts entry)
    has_audio: bool


def read_mp4_header(read: ReadRange, size: int | None = None, *, first_read: int = FIRST_READ_BYTES) -> HeaderInfo:
    """Find ``moov`` among the top-level boxes, read it, and describe its first video track.

    ``size`` is the object's length, or ``None`` when unknown: then the end is where ``read`` returns
    less than asked (an object store's ranged GET past the end does), which spares a HEAD request.
    The first ``first_read`` bytes are read in one go: a ``faststart`` file (``moov`` first) costs
    one request; a file with ``moov`` after ``mdat`` costs three (start, ``moov`` header, ``moov``).
    """
    chunk = read(0, first_read if size is None else min(size, first_read))
    if size is None and len(chunk) < first_read:
        size = len(chunk)

    def bytes_at(offset: int, length: int) -> bytes:
        if offset + length <= len(chunk):
            return chunk[offset : offset + length]
        return read(offset, length)

    offset = 0
    while size is None or offset + 8 <= size:
        head = bytes_at(offset, 16 if size is None else min(16, size - offset))
        if len(head) < 8:
            break
        box_size, kind = struct.unpack(">I4s", head[:8])
        header = 8
        if box_size == 1:
            if len(head) < 16:
                raise Mp4HeaderError("truncated 64-bit box header")
            box_size = struct.unpack(">Q", head[8:16])[0]
            header = 16
        elif box_size == 0:  # the last box: it runs to the end of the file
            box_size = (size - offset) if size is not None else header + _MAX_MOOV_BYTES
        if box_size < header:
            raise Mp4HeaderError(f"invalid box size {box_size} at {offset}")
        if offset == 0 and kind not in _FIRST_BOXES:
            raise Mp4HeaderError("not an ISO-BMFF (MP4/MOV) file")
        if kind == b"moov":
            if box_size > header + _MAX_MOOV_BYTES:
                raise Mp4HeaderError(f"moov box too large ({box_size} bytes)")
            moov = bytes_at(offset + header, box_size - header)
            return _describe_moov(moov)
        offset += box_size
    raise Mp4HeaderError("no moov box (not an MP4/MOV file, or a fragmented one)")


def _boxes(data: bytes, start: int = 0, end: int | None = None) -> list[tuple[bytes, int, int]]:
    """(kind, payload start, payload end) of the boxes directly inside ``data[start:end]``."""
    end = len(data) if end is None else end
    found: list[tuple[bytes, int, int]] = []
    offset = start
    while offset + 8 <= end:
        box_size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        header = 8
        if box_size == 1:
            if offset + 16 > end:
                break
            box_size = struct.unpack(">Q", data[offset + 8 : offset + 16])[0]
            header = 16
        elif box_size == 0:
            box_size = end - offset
        if box_size < header or offset + box_size > end:
            break
        found.append((kind, offset + header, offset + box_size))
        offset += box_size
    return found


def _child(data: bytes, parent: tuple[int, int], kind: bytes) -> tuple[int, int] | None:
    for found_kind, start, end in _boxes(data, *parent):
        if found_kind == kind:
            return start, end
    return None


def _handler(moov: bytes, mdia: tuple[int, int]) -> bytes:
    hdlr = _child(moov, mdia, b"hdlr")
    return moov[hdlr[0] + 8 : hdlr[0] + 12] if hdlr is not None else b""


def _describe_moov(moov: bytes) -> HeaderInfo:
    tracks = [_child(moov, (start, end), b"mdia") for kind, start, end in _boxes(moov) if kind == b"trak"]
    media = [mdia for mdia in tracks if mdia is not None]
    has_audio = any(_handler(moov, mdia) == b"soun" for mdia in media)
    for mdia in media:
        if _handler(moov, mdia) != b"vide":
            continue
        mdhd = _child(moov, mdia, b"mdhd")
        minf = _child(moov, mdia, b"minf")
        stbl = _child(moov, minf, b"stbl") if minf else None
        stts = _child(moov, stbl, b"stts") if stbl else None
        if mdhd is None or stts is None:
            raise Mp4HeaderError("video track without mdhd/stts (fragmented MP4?)")
        timescale, media_duration = _mdhd(moov[mdhd[0] : mdhd[1]])
        entries = _stts(moov[stts[0] : stts[1]])
        frames = sum(count for count, _ in entries)
        ticks = sum(count * delta for count, delta in entries)
        if timescale <= 0 or frames <= 0 or ticks <= 0:
            raise Mp4HeaderError("video track has no samples")
        return HeaderInfo(
            rate=Fraction(frames * timescale, ticks),
            duration=(media_duration or ticks) / timescale,
            frames=frames,
            constant_rate=len({delta for _, delta in entries}) == 1,
            has_audio=has_audio,
        )
    raise Mp4HeaderError("no video track")


def _mdhd(payload: bytes) -> tuple[int, int]:
    if len(payload) < (32 if payload[:1] == b"\x01" else 20):
        raise Mp4HeaderError("truncated mdhd")
    if payload[0] == 1:
        timescale, duration = struct.unpack(">IQ", payload[20:32])
    else:
        timescale, duration = struct.unpack(">II", payload[12:20])
    return int(timescale), int(duration)


def _stts(payload: bytes) -> list[tuple[int, int]]:
    if len(payload) < 8:
        raise Mp4HeaderError("truncated stts")
    (count,) = struct.unpack(">I", payload[4:8])
    if 8 + 8 * count > len(payload):
        raise Mp4HeaderError("truncated stts")
    values = struct.unpack(f">{2 * count}I", payload[8 : 8 + 8 * count])
    return list(zip(values[0::2], values[1::2], strict=True))
