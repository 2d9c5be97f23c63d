"""Editor timelines for a selection: OpenTimelineIO, FCP7 XML, FCPXML and CMX 3600 EDL (docs/editor-timelines.md).

The public API, importable without loading OpenTimelineIO (the export imports it on its first call,
so nothing on a handler's path pays for it unless it writes timelines):

* :func:`export_selection` — a normalised ``selection.json`` in, a :class:`TimelineExport` out
  (file name → bytes, plus a JSON-able report of what was written, what failed and why).
* :func:`store_media_info` — the media facts in the cloud: rates from MP4/MOV headers read by byte
  range from an object store, no FFmpeg.
* :func:`format_for_path` — the format a file suffix asks for.

Modules: ``formats`` (names, suffixes, adapters), ``media`` (MediaInfo, exact rates), ``mp4``
(container header reader), ``store_media`` (media facts from a store), ``build`` (selection →
OTIO timelines), ``adapters`` (one format's text, with the adapters' workarounds), ``readback``
(read back and verify), ``export`` (all of it, per format and output).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from scene_select.cloud.timelines.formats import ALL_FORMATS, FormatName, format_for_path
from scene_select.cloud.timelines.media import MediaInfo, MediaInfoFn, normalise_rate
from scene_select.cloud.timelines.result import TimelineExport
from scene_select.cloud.timelines.store_media import store_media_info

__all__ = [
    "ALL_FORMATS",
    "FormatName",
    "MediaInfo",
    "MediaInfoFn",
    "TimelineExport",
    "export_selection",
    "format_for_path",
    "normalise_rate",
    "store_media_info",
]


def export_selection(
    selection: dict[str, Any],
    media_info: MediaInfoFn,
    *,
    formats: Iterable[FormatName] = ALL_FORMATS,
    allow_assumed_rates: bool = False,
) -> TimelineExport:
    """The editor timelines of a normalised ``selection.json``, in memory.

    One file per output and format: ``timeline.otio`` / ``.xml`` / ``.fcpxml`` / ``.edl`` for a
    selection with one output, ``timeline-<n>.<ext>`` for output ``n`` (1-based) when there are
    several. Every text is read back through its own adapter and compared with the timeline (same
    media in order, in/out within one frame) before it is handed out. A format that cannot hold a
    timeline is listed in ``report["failed"]`` with the reason, and the other formats still appear.

    ``media_info(clip)`` gives each media's rate, duration and location (:func:`store_media_info` in
    the cloud; ``scene_select.workstation.engine.timeline_media.probe_media_info`` on a workstation).
    Media whose rate is assumed go only into the ``.otio`` unless ``allow_assumed_rates``: the
    frame-counted formats would misplace every cut, silently, if the guess were wrong.

    Never raises for a format's or a media's failure; raises :class:`ValueError` for an unknown
    format name.
    """
    from scene_select.cloud.timelines.export import export_timelines

    return export_timelines(selection, media_info, formats=formats, allow_assumed_rates=allow_assumed_rates)
