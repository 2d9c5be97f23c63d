"""Plain-text views of jobs and selections for people at a terminal (``--json`` is for programs).

Scripts are often Chinese, so column widths count East Asian wide characters as two cells; otherwise
the tables would drift apart exactly on the text users care about most.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from scene_select.cloud.models.ice_api import IceJob
from scene_select.cloud.models.selection import MatchClip, SelectionResult

__all__ = [
    "display_width",
    "job_lines",
    "jobs_table_lines",
    "render_summary_lines",
    "selection_lines",
    "sight_lines",
    "table_lines",
]

_TEXT_CELLS = 28
_MEDIA_CELLS = 32


def display_width(text: str) -> int:
    """Terminal cells ``text`` occupies (wide and full-width characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _fit(text: str, cells: int) -> str:
    """``text`` cut to ``cells`` terminal cells, with an ellipsis when cut; newlines flattened."""
    flat = " ".join(text.split())
    if display_width(flat) <= cells:
        return flat
    out, used = "", 0
    for ch in flat:
        width = display_width(ch)
        if used + width > cells - 1:
            break
        out, used = out + ch, used + width
    return out + "…"


def _media_name(clip: MatchClip) -> str:
    """The end of the media URL (the file name people recognise), else the media id."""
    if clip.media_url:
        return _fit(clip.media_url.rstrip("/").rsplit("/", 1)[-1], _MEDIA_CELLS)
    return (clip.media_id or "?")[:_MEDIA_CELLS]


def table_lines(header: Sequence[str], rows: Iterable[Sequence[str]], *, indent: str = "") -> list[str]:
    """Left-aligned columns separated by two spaces, padded by display width."""
    materialised = [list(header), *[list(row) for row in rows]]
    widths = [max(display_width(row[i]) for row in materialised) for i in range(len(header))]
    lines = []
    for row in materialised:
        cells = [cell + " " * (widths[i] - display_width(cell)) for i, cell in enumerate(row)]
        lines.append((indent + "  ".join(cells)).rstrip())
    return lines


def _score(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def selection_lines(result: SelectionResult) -> list[str]:
    """Per output, one row per sentence/clip: what was said, which media, in/out seconds, score."""
    lines: list[str] = []
    if result.kind == "empty":
        return ["Selection: (empty)"]
    if result.kind == "unrecognised":
        return [f"Selection: kept verbatim, shape not recognised ({result.parse_problem}); use --json to see it"]
    if result.kind == "text_match":
        lines.append(f"Selection: smart mix, {len(result.text_match_outputs)} output(s), {result.clip_count()} clip(s)")
        for number, output in enumerate(result.text_match_outputs, start=1):
            rows = []
            for sentence_no, sentence in enumerate(output.text_match_media_sentence_output_list, start=1):
                clips: list[MatchClip | None] = [*sentence.match_clip_list] or [None]
                for clip_no, clip in enumerate(clips):
                    text = _fit(sentence.text, _TEXT_CELLS) if clip_no == 0 else ""
                    if clip is None:
                        rows.append([str(sentence_no), text, "(no clip)", "", "", ""])
                        continue
                    rows.append(
                        [
                            str(sentence_no) if clip_no == 0 else "",
                            text,
                            _media_name(clip),
                            f"{clip.start_time:.2f}",
                            f"{clip.end_time:.2f}",
                            _score(clip.score),
                        ]
                    )
            lines.append(f"  output {number}")
            lines += table_lines(["#", "sentence", "media", "in", "out", "score"], rows, indent="    ")
    else:
        lines.append(f"Selection: highlights, {len(result.highlight_outputs)} output(s), {result.clip_count()} clip(s)")
        for number, highlight in enumerate(result.highlight_outputs, start=1):
            rows = [
                [
                    str(i),
                    _media_name(clip),
                    f"{clip.start_time:.2f}",
                    f"{clip.end_time:.2f}",
                    _score(clip.score),
                    "intro" if clip.is_intro else "",
                ]
                for i, clip in enumerate(highlight.highlight_clip_list, start=1)
            ]
            total = "" if highlight.duration is None else f" ({highlight.duration:.1f} s)"
            lines.append(f"  output {number}{total}")
            lines += table_lines(["#", "media", "in", "out", "score", ""], rows, indent="    ")
    for error in result.media_errors:
        lines.append(f"  media error: {error.media_url or error.media_id}: {error.code} {error.message}".rstrip())
    return lines


def sight_lines(result: SelectionResult) -> list[str]:
    """Per sentence whose first clip sight chose with no text naming it: the sentence, the clip, what was
    seen (``explain.sees``) and how sure sight was."""
    lines: list[str] = []
    for output in result.text_match_outputs:
        for sentence in output.text_match_media_sentence_output_list:
            clip = sentence.match_clip_list[0] if sentence.match_clip_list else None
            explain = (clip.explain or {}) if clip is not None else {}
            signals = explain.get("signals") or {}
            seen = explain.get("sees") or []
            if clip is None or not seen or signals.get("textMatch") or signals.get("nameMatch"):
                continue
            sees = ", ".join(f"{s['label']} {s['p']:.2f}" for s in seen)
            confidence = signals.get("sightConfidence", 0.0)
            lines.append(f"{_fit(sentence.text, 40)} → {_media_name(clip)} {clip.start_time:.1f}–{clip.end_time:.1f} s")
            lines.append(f"    by sight alone: sees: {sees} (confidence {confidence:.2f})")
    return lines


def job_lines(job: IceJob) -> list[str]:
    """A job's identity, status and times, its error when it failed, its selection when finished."""
    lines = [
        f"Job       {job.job_id}",
        f"Type      {job.job_type or '-'}",
        f"Status    {job.status or '-'}",
        f"Created   {job.create_time or '-'}",
    ]
    if job.complete_time:
        lines.append(f"Completed {job.complete_time}")
    if job.error_code or job.error_message:
        lines.append(f"Error     {job.error_code or '-'}: {job.error_message or ''}".rstrip())
    selection = job.selection()
    if selection is not None:
        lines += selection_lines(selection)
    return lines


def jobs_table_lines(jobs: Sequence[IceJob]) -> list[str]:
    """One row per job, newest first as ICE lists them."""
    if not jobs:
        return ["no jobs"]
    rows = [[job.job_id, job.job_type or "-", job.status or "-", job.create_time or "-"] for job in jobs]
    return table_lines(["JobId", "JobType", "Status", "Created"], rows)


def _size(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{size / 1024:.0f} KB"


def render_summary_lines(results: Sequence[dict[str, Any]], *, voice_note: str) -> list[str]:
    """What ``scene-select render`` made: each video's path, duration, size and size on screen, or why not."""
    lines = []
    for video in results:
        if video["status"] != "rendered":
            lines.append(f"output {video['output']}: FAILED {video['path']}")
            lines.append(f"  {video['error']}")
            continue
        voice = "voiceover" if video["voice"] else "no voiceover (subtitles over silence)"
        lines.append(
            f"output {video['output']}: {video['path']}  {video['duration']:.2f} s, {_size(video['size'])}, "
            f"{video['width']}x{video['height']}, {voice}, rendered in {video['seconds']:.1f} s"
        )
        lines.extend(f"  warning: {warning}" for warning in video["warnings"])
    lines.append(f"voice: {voice_note}")
    return lines


def video_lines(results_dir: Path, bucket_dir: Path | None) -> list[str]:
    """The rendered videos of a batch (its videos.json): file, duration, size — nothing when it made none."""
    try:
        videos = json.loads((results_dir / "videos.json").read_text(encoding="utf-8")).get("videos", [])
    except (OSError, ValueError):
        return []
    lines = [f"Videos: {len(videos)}"]
    for video in videos:
        where = bucket_dir / video["key"] if bucket_dir is not None and video.get("key") else video.get("url")
        duration = video.get("duration")
        size = video.get("size")
        facts = ", ".join(
            fact
            for fact in (
                f"{float(duration):.1f} s" if isinstance(duration, (int, float)) else "",
                f"{size / 1e6:.2f} MB" if isinstance(size, (int, float)) else "",
                "" if str(video.get("status", "")).lower() == "success" else str(video.get("status")),
            )
            if fact
        )
        lines.append(f"  output {video.get('output')}  {where}  ({facts})")
    return lines
