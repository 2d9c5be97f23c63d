"""The four timeline formats: their names, file suffixes, OTIO adapters, and what each can hold.

No OpenTimelineIO here: knowing a format's name costs nothing at import.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import PurePath
from typing import Literal

__all__ = ["ALL_FORMATS", "FORMATS", "FormatName", "FormatSpec", "format_for_path", "timeline_file_name"]

FormatName = Literal["otio", "fcpxml", "fcp7xml", "edl"]


@dataclass(frozen=True)
class FormatSpec:
    name: FormatName
    suffix: str
    adapter: str  # the OTIO adapter that writes and reads it
    label: str


FORMATS: dict[FormatName, FormatSpec] = {
    "otio": FormatSpec("otio", ".otio", "otio_json", "OpenTimelineIO"),
    "fcpxml": FormatSpec("fcpxml", ".fcpxml", "fcpx_xml", "Final Cut Pro X XML"),
    "fcp7xml": FormatSpec("fcp7xml", ".xml", "fcp_xml", "Final Cut Pro 7 XML (Premiere Pro, DaVinci Resolve)"),
    "edl": FormatSpec("edl", ".edl", "cmx_3600", "CMX 3600 EDL"),
}
#: Every format, in the order they are written: the faithful master first.
ALL_FORMATS: tuple[FormatName, ...] = ("otio", "fcpxml", "fcp7xml", "edl")
_BY_SUFFIX: dict[str, FormatName] = {spec.suffix: spec.name for spec in FORMATS.values()}


def format_for_path(path: str | os.PathLike[str]) -> FormatName:
    """The format a file name asks for, by suffix (case-insensitive): ``.otio`` ``.fcpxml`` ``.xml`` ``.edl``.

    Raises :class:`ValueError` naming the known suffixes for any other.
    """
    suffix = PurePath(path).suffix.lower()
    try:
        return _BY_SUFFIX[suffix]
    except KeyError:
        known = ", ".join(sorted(_BY_SUFFIX))
        shown = suffix or "(none)"
        raise ValueError(f"{os.fspath(path)!r}: unknown timeline suffix {shown} (known: {known})") from None


def timeline_file_name(fmt: FormatName, output: int, outputs: int, *, stem: str = "timeline") -> str:
    """``timeline.<ext>`` when the selection has one output, ``timeline-<output>.<ext>`` (1-based) otherwise."""
    suffix = FORMATS[fmt].suffix
    return f"{stem}{suffix}" if outputs == 1 else f"{stem}-{output}{suffix}"
