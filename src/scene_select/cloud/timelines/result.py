"""What an export hands back (no OpenTimelineIO here)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["TimelineExport"]


@dataclass(frozen=True)
class TimelineExport:
    """The timeline files of one selection, and what happened to each format.

    ``files`` maps a file name (``timeline.otio``; ``timeline-2.edl`` for output 2 of several) to its
    content. ``report`` is JSON-able::

        {"written":  [{"file": "timeline.xml", "format": "fcp7xml", "output": 1}, ...],
         "failed":   [{"file": "timeline.fcpxml", "format": "fcpxml", "output": 1, "reason": "..."}, ...],
         "warnings": ["v1.mov: frame rate unknown (...), assumed 25 fps", ...]}

    ``output`` is the output's number, 1-based (``outputs[output - 1]`` of ``selection.json``).
    """

    files: dict[str, bytes]
    report: dict[str, Any]

    @property
    def written(self) -> list[dict[str, Any]]:
        return list(self.report.get("written") or [])

    @property
    def failed(self) -> list[dict[str, Any]]:
        return list(self.report.get("failed") or [])

    @property
    def warnings(self) -> list[str]:
        return list(self.report.get("warnings") or [])
