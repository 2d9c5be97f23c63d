"""Scale: how a selection job's time and memory grow with the number of media and with their length.

Each point is one smart-mix job in a fresh interpreter with a cold analysis cache (bench/jobs.py), so
its peak resident memory is its own: 1, 5, 10, 25 and 50 distinct 10 s 480p clips, then one 720p video
of 1, 5, 15 and 30 minutes (the 60 s montage concatenated), and 60 minutes with ``--long``.

"No step worse than linear": each step's marginal cost — the extra seconds per extra media (or minute)
since the previous point — may be at most 1.5× the cost per unit of the series up to that previous point
(its slope from the first point), so growth never steepens. Memory must not grow with the count at
all beyond a margin: media are analysed one at a time and the heap is trimmed between them
(engine/memory.py), so 50 media may peak at most 1.5× one media. The clips come in five kinds of footage
in turn (bench/media.py), so each step from 5 media on adds the same mix; the count series is run five
times and each point is the median (its jobs are short, and one slow neighbour on this shared machine
would look like a steep step); the points are drawn in bench/scale.png.

Every job runs with sight (the engine's default for smart mix). In the same run, the fewest and the most
media and the longest video are run once more without sight, so what sight costs in time and memory is
read side by side.
"""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path

from bench.common import ROOT, Section, log
from bench.jobs import SMART_MIX, run_fresh
from bench.media import long_video, short_clip
from scene_select.workstation.engine.cache import file_sha256

COUNTS = (1, 5, 10, 25, 50)
MINUTES = (1, 5, 15, 30)
LONG_MINUTES = (*MINUTES, 60)  # `python -m bench.run --long`: the 60-minute point adds ~6 minutes
STEP_LIMIT = 1.5
COUNT_REPEATS = 5  # the count series' jobs are short (3–35 s): one slow neighbour would look like a steep step
MEMORY_LIMIT_MIB = 1.5 * 1024
MEMORY_GROWTH_LIMIT = 1.5  # media are analysed one after the other: the peak is the largest one's, not the sum
PLOT = ROOT / "bench" / "scale.png"

Point = tuple[int, float, float]  # size, seconds, peak MiB


def _distinct(media: list[Path]) -> list[Path]:
    """The clips, refused if two have the same bytes: the analysis cache would answer the second one, and
    the series would measure cache hits instead of analysis."""
    digests = {file_sha256(path) for path in media}
    if len(digests) != len(media):
        raise RuntimeError(f"scale: only {len(digests)} of {len(media)} clips differ; bench/media.py must vary them")
    return media


def _job(media: list[Path], *, sight: bool = True) -> tuple[float, float]:
    with tempfile.TemporaryDirectory(prefix="bench-cache-") as cache:
        return run_fresh(SMART_MIX, media, Path(cache), sight=sight)


def run(quick: bool = False, *, long: bool = False) -> Section:
    section = Section("scale", "Scale: time and memory against media count and duration (`bench/scale.py`)")
    counts = (1, 2, 4) if quick else COUNTS
    minutes = (1, 2) if quick else LONG_MINUTES if long else MINUTES
    repeats = 1 if quick else COUNT_REPEATS
    runs: dict[int, list[tuple[float, float]]] = {count: [] for count in counts}
    plain: dict[int, list[tuple[float, float]]] = {counts[0]: [], counts[-1]: []}  # the same jobs without sight
    clips = _distinct([short_clip(i) for i in range(max(counts))])
    for _ in range(repeats):
        for count in counts:
            runs[count].append(_job(clips[:count]))
            log(f"scale: {count} media: {runs[count][-1][0]:.1f} s, {runs[count][-1][1]:.0f} MiB")
            if count in plain:  # interleaved, so both see the same neighbours on this shared machine
                plain[count].append(_job(clips[:count], sight=False))
                log(f"scale: {count} media without sight: {plain[count][-1][0]:.1f} s")
    by_count = [(c, statistics.median(s for s, _ in r), max(m for _, m in r)) for c, r in runs.items()]
    by_minutes: list[Point] = []
    for length in minutes:
        seconds, peak = _job([long_video(length)])
        by_minutes.append((length, seconds, peak))
        log(f"scale: {length} min: {seconds:.1f} s, {peak:.0f} MiB")
    section.add(
        "One smart-mix job per point, in a fresh interpreter with a cold cache (imports and model loading, "
        "~5 s with sight, are in every point; they are the intercept, not a per-unit cost); the media counts are the "
        f"median of {repeats} runs, peak memory their maximum; the minutes are one run each. "
        "*Per unit* is seconds per media or per minute of video; *marginal* is the extra seconds per extra "
        "unit since the previous point, and *÷ slope so far* "
        "compares it with the cost per unit from the first point to the previous one.",
        "",
    )
    _series(section, "media (10 s 480p clips)", "media", by_count)
    _series(section, "minutes of 720p video", "minute", by_minutes)
    _without_sight(section, plain, by_count, by_minutes, minutes)
    fewest, most = by_count[0], by_count[-1]
    section.target(
        f"peak memory, {most[0]} media against {fewest[0]} (analysed one at a time)",
        f"{most[2]:.0f} MiB ÷ {fewest[2]:.0f} MiB = {most[2] / fewest[2]:.2f}",
        f"≤ {MEMORY_GROWTH_LIMIT}×",
        most[2] / fewest[2] <= MEMORY_GROWTH_LIMIT,
    )
    longest = by_minutes[-1]
    thirty = next((p for p in by_minutes if p[0] == 30), longest)
    section.target(
        f"peak memory, {thirty[0]}-minute video",
        f"{thirty[2]:.0f} MiB ({longest[0]} min: {longest[2]:.0f} MiB)",
        f"< {MEMORY_LIMIT_MIB:.0f} MiB",
        thirty[2] < MEMORY_LIMIT_MIB,
    )
    _plot(by_count, by_minutes, quick)
    section.add("", f"![scale]({PLOT.name if not quick else 'scale-quick.png'})")
    return section


def _without_sight(
    section: Section,
    plain: dict[int, list[tuple[float, float]]],
    by_count: list[Point],
    by_minutes: list[Point],
    minutes: tuple[int, ...],
) -> None:
    """The fewest and most media (run beside the series) and the longest video without sight, side by side."""
    longest_seconds, longest_peak = _job([long_video(minutes[-1])], sight=False)
    log(f"scale: {minutes[-1]} min without sight: {longest_seconds:.1f} s, {longest_peak:.0f} MiB")
    without = {
        f"{count} media": (statistics.median(s for s, _ in runs), max(m for _, m in runs))
        for count, runs in plain.items()
    }
    without[f"{minutes[-1]} minutes of 720p"] = (longest_seconds, longest_peak)
    with_sight = [by_count[0], by_count[-1], by_minutes[-1]]
    rows = []
    for (label, (plain_seconds, plain_peak)), (_, seconds, peak) in zip(without.items(), with_sight, strict=True):
        rows.append(
            [
                label,
                f"{plain_seconds:.1f} s",
                f"{seconds:.1f} s",
                f"{seconds - plain_seconds:+.1f} s",
                f"{plain_peak:.0f} MiB",
                f"{peak:.0f} MiB",
                f"{peak - plain_peak:+.0f} MiB",
            ]
        )
    section.add(
        "",
        "Without and with sight: the fewest and the most media run without sight right after the same job "
        "with it, in every repeat (medians; peak memory the maximum); the longest video once each. Sight's "
        "models (image model, sentence encoder, CC-CEDICT) are loaded once per process, so their time and "
        "memory are in the intercept, not per media:",
        "",
    )
    section.table(["job", "time without", "with sight", "difference", "peak without", "with sight", "difference"], rows)


def _series(section: Section, what: str, unit: str, points: list[Point]) -> None:
    rows = []
    worst = 0.0
    first_size, first_time, _ = points[0]
    for index, (size, seconds, peak) in enumerate(points):
        marginal, ratio = "—", "—"
        if index:
            previous_size, previous_time, _ = points[index - 1]
            step = (seconds - previous_time) / (size - previous_size)
            marginal = f"{step:.2f} s"
            if index >= 2:
                slope = (previous_time - first_time) / (previous_size - first_size)
                worst = max(worst, step / slope)
                ratio = f"{step / slope:.2f}"
        rows.append([size, f"{seconds:.1f} s", f"{seconds / size:.2f} s", marginal, ratio, f"{peak:.0f} MiB"])
    section.table([what, "job time", f"per {unit}", f"marginal per {unit}", "÷ slope so far", "peak memory"], rows)
    section.target(
        f"time vs {what}: no step worse than linear",
        f"steepest step {worst:.2f}× the slope before it",
        f"≤ {STEP_LIMIT}×",
        worst <= STEP_LIMIT,
    )


def _plot(by_count: list[Point], by_minutes: list[Point], quick: bool) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 2, figsize=(10, 4), dpi=100)
    for axis, points, label in (
        (axes[0], by_count, "media (10 s 480p clips)"),
        (axes[1], by_minutes, "minutes of 720p"),
    ):
        sizes = [p[0] for p in points]
        axis.plot(sizes, [p[1] for p in points], "o-", color="tab:blue", label="job time (s)")
        axis.set_xlabel(label)
        axis.set_ylabel("seconds", color="tab:blue")
        memory = axis.twinx()
        memory.plot(sizes, [p[2] for p in points], "s--", color="tab:orange", label="peak memory (MiB)")
        memory.set_ylabel("peak MiB", color="tab:orange")
        memory.set_ylim(bottom=0)
        axis.set_ylim(bottom=0)
        axis.grid(alpha=0.3)
    figure.suptitle("scene-select smart-mix job: time and peak memory (fresh process, cold cache)")
    figure.tight_layout()
    target = PLOT if not quick else ROOT / "bench" / "out" / "scale-quick.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(target)
    plt.close(figure)
