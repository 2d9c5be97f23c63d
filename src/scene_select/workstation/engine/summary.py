"""Human-readable output of ``scene-select select``: a summary of the result and a progress display."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import PurePosixPath
from typing import Any, TextIO

from scene_select.workstation.engine.api import ProgressCallback


def _name(entry: str) -> str:
    return PurePosixPath(entry.split("?", 1)[0]).name or entry


def _clip_line(clip: dict[str, Any], explain: bool) -> list[str]:
    tags = " [intro]" if clip.get("isIntro") else ""
    lines = [
        f"    {_name(clip['mediaURL'])}  {clip['startTime']:8.3f} – {clip['endTime']:8.3f} s  "
        f"score {clip['score']:.3f}{tags}"
    ]
    if explain and "explain" in clip:
        why = clip["explain"]
        lines.append(f"      why: {why['reason']}")
        if why.get("sees"):
            lines.append("      sees: " + ", ".join(f"{s['label']} {s['p']:.2f}" for s in why["sees"]))
        if why.get("matchedTerms"):
            lines.append(f"      matched: {', '.join(why['matchedTerms'])}")
    return lines


def summary_lines(result: dict[str, Any], *, explain: bool) -> list[str]:
    """Per output, per sentence (or highlight clip): file, in–out, score; with ``explain`` the why."""
    lines: list[str] = []
    for k, output in enumerate(result.get("textMatchMediaOutputList", [])):
        lines.append(f"Output {k + 1} (script {output.get('scriptIndex', 0) + 1}):")
        for sentence in output["textMatchMediaSentenceOutputList"]:
            lines.append(f"  [{sentence['textId']}] {sentence['text']}  ({sentence['duration']:.2f} s)")
            if not sentence["matchClipList"]:
                lines.append("    (no free material left for this sentence)")
            for clip in sentence["matchClipList"]:
                lines.extend(_clip_line(clip, explain))
    for k, output in enumerate(result.get("highlightMediaOutputList", [])):
        lines.append(f"Highlight {k + 1} ({output['duration']:.2f} s):")
        for clip in output["highlightClipList"]:
            lines.extend(_clip_line(clip, explain))
    errors = result.get("mediaErrorList", [])
    if errors:
        lines.append("Media errors:")
        lines.extend(f"  {e['mediaURL']}: {e['code']}: {e['message']}" for e in errors)
    return lines


def selection_problem(result: dict[str, Any], media_count: int) -> tuple[str, bool] | None:
    """Why a result is not what was asked for, in one line, or None when it is.

    Returns (message, unusable): ``unusable`` is True when no media could be used at all — then the
    result holds nothing worth showing. A result where some sentence (or highlight output) got no clip
    is incomplete too. Media errors beside a complete result are warnings the summary shows.
    """
    errors = result.get("mediaErrorList", [])
    if media_count and len({e.get("mediaURL") for e in errors}) >= media_count:
        reasons = "; ".join(f"{e['mediaURL']} — {e['message'].split(': ', 1)[-1]}" for e in errors[:5])
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        return (
            f"none of the {media_count} media could be used: {reasons}{more}. Fix the paths (relative to the "
            "current directory), map buckets with --bucket-dir BUCKET=DIR, or replace unreadable files",
            True,
        )
    empty = [
        sentence["text"]
        for output in result.get("textMatchMediaOutputList", [])
        for sentence in output["textMatchMediaSentenceOutputList"]
        if not sentence["matchClipList"]
    ]
    if empty:
        return (
            f"{len(empty)} sentence(s) got no clip (first: {empty[0]!r}): there is not enough usable footage "
            "for the script; add media or shorten the script",
            False,
        )
    if any(not output["highlightClipList"] for output in result.get("highlightMediaOutputList", [])):
        return "a highlight output got no clip: the material has no usable moment; check the media", False
    return None


@contextmanager
def terminal_progress(stream: TextIO | None = None) -> Iterator[ProgressCallback]:
    """A progress callback: a rich progress bar on a terminal, otherwise one plain line per stage.

    The stream defaults to ``sys.stderr`` as it is when called (not when this module was imported).
    """
    stream = stream if stream is not None else sys.stderr
    if stream.isatty():
        try:
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
        except ImportError:
            pass
        else:
            from rich.console import Console

            columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"))
            with Progress(*columns, TimeElapsedColumn(), console=Console(file=stream), transient=True) as bar:
                task = bar.add_task("starting", total=1.0)

                def update(stage: str, fraction: float) -> None:
                    bar.update(task, description=stage, completed=fraction)

                yield update
            return
    last: list[str] = []

    def plain(stage: str, fraction: float) -> None:
        if not last or last[-1] != stage:
            last.append(stage)
            print(f"[{fraction * 100:5.1f}%] {stage}", file=stream, flush=True)

    yield plain
