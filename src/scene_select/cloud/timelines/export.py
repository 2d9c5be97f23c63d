"""``export_selection``: a selection in, every timeline file out, in memory, each one verified.

One file per output and format (``timeline.<ext>``, or ``timeline-<n>.<ext>`` for output ``n`` when
there are several). Each text is read back through its own adapter before it is handed out; a format
that cannot hold a timeline is reported in ``failed`` with the reason and the other formats still
appear. Nothing is written to disk here.

Imports OpenTimelineIO: :func:`scene_select.cloud.timelines.export_selection` imports this module
when it is first called.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import Any

from scene_select.cloud.timelines.adapters import FormatNotPossibleError, refuse_assumed_rates, render
from scene_select.cloud.timelines.build import DEFAULT_RATE, NS, build_timelines
from scene_select.cloud.timelines.formats import ALL_FORMATS, FORMATS, FormatName, timeline_file_name
from scene_select.cloud.timelines.media import MediaInfoFn
from scene_select.cloud.timelines.readback import verify
from scene_select.cloud.timelines.result import TimelineExport

__all__ = ["export_timelines"]

logger = logging.getLogger(__name__)


def export_timelines(
    selection: Mapping[str, Any],
    media_info: MediaInfoFn,
    *,
    formats: Iterable[FormatName] = ALL_FORMATS,
    allow_assumed_rates: bool = False,
    default_rate: Fraction = DEFAULT_RATE,
) -> TimelineExport:
    """See :func:`scene_select.cloud.timelines.export_selection`."""
    wanted = list(dict.fromkeys(formats))
    for fmt in wanted:
        if fmt not in FORMATS:
            raise ValueError(f"unknown timeline format {fmt!r} (known: {', '.join(FORMATS)})")
    files: dict[str, bytes] = {}
    written: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    warnings: list[str] = []

    timelines = build_timelines(selection, media_info, default_rate=default_rate)
    if not timelines:
        warnings.append(_nothing_to_export(selection))
    numbers = [int(t.metadata[NS]["outputIndex"]) + 1 for t in timelines]
    if len(set(numbers)) != len(numbers):  # outputs without distinct indexes: number them in order
        numbers = list(range(1, len(timelines) + 1))
    for timeline, number in zip(timelines, numbers, strict=True):
        prefix = f"output {number}: " if len(timelines) > 1 else ""
        warnings.extend(prefix + warning for warning in timeline.metadata[NS]["warnings"])
    for fmt in wanted:
        for timeline, number in zip(timelines, numbers, strict=True):
            name = timeline_file_name(fmt, number, len(timelines))
            entry: dict[str, Any] = {"file": name, "format": fmt, "output": number}
            format_warnings: list[str] = []
            try:
                if fmt != "otio" and not allow_assumed_rates:
                    refuse_assumed_rates(timeline)
                text = render(fmt, timeline, format_warnings)
                problem = verify(fmt, text, timeline)
                if problem is not None:
                    raise FormatNotPossibleError(f"it does not read back through {FORMATS[fmt].adapter}: {problem}")
            except FormatNotPossibleError as exc:
                failed.append({**entry, "reason": str(exc)})
                continue
            except Exception as exc:  # one adapter's failure must not cost the other formats
                logger.warning("writing %s failed", name, exc_info=True)
                failed.append(
                    {**entry, "reason": f"the {FORMATS[fmt].adapter} adapter failed: {type(exc).__name__}: {exc}"}
                )
                continue
            files[name] = text.encode("utf-8")
            written.append(entry)
            warnings.extend(f"{name}: {warning}" for warning in format_warnings)
    return TimelineExport(files=files, report={"written": written, "failed": failed, "warnings": warnings})


def _nothing_to_export(selection: Mapping[str, Any]) -> str:
    kind = selection.get("kind")
    if kind in ("text_match", "highlights"):
        return "the selection has no outputs: no timeline"
    return f"a selection of kind {kind!r} has no clips to put on a timeline"
