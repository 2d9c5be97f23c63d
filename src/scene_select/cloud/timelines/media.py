"""The media facts a timeline needs (:class:`MediaInfo`) and exact frame rates.

No OpenTimelineIO and no FFmpeg here: the cloud reads its facts from container headers
(:mod:`scene_select.cloud.timelines.store_media`), a workstation probes files with PyAV
(``scene_select.workstation.engine.timeline_media``); both hand the export a :data:`MediaInfoFn`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from pathlib import PurePosixPath
from typing import Any, Literal
from urllib.parse import quote, unquote, urlsplit

__all__ = [
    "IMAGE_SUFFIXES",
    "STANDARD_RATES",
    "MediaInfo",
    "MediaInfoFn",
    "RateSource",
    "file_url",
    "location_suffix",
    "normalise_rate",
]

#: Where a rate came from: probed by PyAV, read from the container header, or assumed (unknown).
RateSource = Literal["probed", "header", "assumed"]


@dataclass(frozen=True)
class MediaInfo:
    """What the export needs to know about one media file.

    ``location`` is the URL the timeline's media reference points at: an ``https://`` OSS URL, or a
    ``file://`` URL of a local file (a plain absolute path is turned into one). ``rate`` is frames per
    second, exact where known (``Fraction(30000, 1001)``); ``None`` means unknown, and the build then
    assumes 25 fps and says so. ``rate_source`` says how the rate was found; ``"assumed"`` keeps the
    media out of the frame-counted formats unless the caller allows it. ``note`` says why a fact is
    missing (it goes into the export's warnings). ``duration`` is in seconds (``None``: unknown, or a
    still). ``start_timecode`` is the media's embedded start timecode (``"01:00:00;00"``), if known.
    """

    location: str
    rate: Fraction | None
    duration: float | None
    is_still: bool = False
    start_timecode: str | None = None
    has_audio: bool | None = None
    rate_source: RateSource = "probed"
    note: str | None = None


#: ``media_info(clip) -> MediaInfo``: gets the selection's clip dict (``mediaKey``, ``mediaUrl``,
#: ``mediaId`` …); called once per media of a selection.
MediaInfoFn = Callable[[Mapping[str, Any]], MediaInfo]

#: Frame rates editors know; a rate within 0.05 % of one of them is that rate.
STANDARD_RATES: tuple[Fraction, ...] = (
    Fraction(24000, 1001),
    Fraction(24),
    Fraction(25),
    Fraction(30000, 1001),
    Fraction(30),
    Fraction(48),
    Fraction(50),
    Fraction(60000, 1001),
    Fraction(60),
    Fraction(100),
    Fraction(120000, 1001),
    Fraction(120),
)

#: File suffixes that are stills (the same images ICE and the local engine accept).
IMAGE_SUFFIXES = frozenset({".bmp", ".tiff", ".tif", ".gif", ".png", ".jpeg", ".jpg", ".webp"})

_EXACT = Fraction(5, 10000)


def normalise_rate(rate: Fraction | float | int | str, *, vfr_tolerance: float = 0.005) -> Fraction:
    """An exact frame rate: the standard rate within 0.05 % (``29.97`` → ``30000/1001``), else the
    nearest standard rate within ``vfr_tolerance`` (variable-frame-rate phone video averaging
    ``29.98``), else the value itself limited to a denominator of 1001 (``12.5`` stays ``25/2``).
    """
    value = Fraction(rate).limit_denominator(100000) if isinstance(rate, float) else Fraction(rate)
    if value <= 0:
        raise ValueError(f"frame rate must be positive, got {rate!r}")
    nearest = min(STANDARD_RATES, key=lambda standard: abs(value - standard))
    if abs(value - nearest) / nearest <= _EXACT:
        return nearest
    if abs(value - nearest) / nearest <= Fraction(vfr_tolerance).limit_denominator(100000):
        return nearest
    return value.limit_denominator(1001)


def exact_standard_rate(rate: Fraction | None) -> Fraction | None:
    """The standard rate ``rate`` is (within 0.05 %), or ``None``."""
    if not rate:
        return None
    nearest = min(STANDARD_RATES, key=lambda standard: abs(rate - standard))
    return nearest if abs(rate - nearest) / nearest <= _EXACT else None


def location_suffix(location: str) -> str:
    """The lower-case file suffix of a URL or path (``.mp4``), percent-decoded."""
    path = urlsplit(location).path if "://" in location else location
    return PurePosixPath(unquote(path)).suffix.lower()


def file_url(absolute_path: str) -> str:
    """A ``file://`` URL of an absolute POSIX path, percent-encoded (spaces, CJK, quotes), which FCPX and
    Premiere need; ``opentimelineio.url_utils.url_from_filepath`` does not encode."""
    return "file://" + quote(absolute_path, safe="/")
