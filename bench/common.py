"""What every benchmark shares: robust statistics, the machine description, and RESULTS.md sections.

The machine is shared and noisy, so a figure is always a **median with its spread** (the interquartile
range, p25–p75) over several repetitions, and a peer is measured in the same run, interleaved with the
figure it is compared to — a ratio of two medians taken minutes apart on a loaded machine says little.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MEDIA_DIR = ROOT / "bench" / "media"  # generated media, cached between runs (git-ignored)
OUT_DIR = ROOT / "bench" / "out"  # scratch output of a run (git-ignored)


@dataclass(frozen=True)
class Stat:
    """Median and interquartile range of repeated measurements."""

    median: float
    low: float  # 25th percentile
    high: float  # 75th percentile
    n: int

    @classmethod
    def of(cls, samples: Sequence[float]) -> Stat:
        if not samples:
            raise ValueError("no samples to summarise")
        ordered = sorted(samples)
        if len(ordered) < 4:
            return cls(statistics.median(ordered), ordered[0], ordered[-1], len(ordered))
        quartiles = statistics.quantiles(ordered, n=4, method="inclusive")
        return cls(statistics.median(ordered), quartiles[0], quartiles[2], len(ordered))

    def show(self, unit: str = "", digits: int = 1, scale: float = 1.0) -> str:
        """``123.4 ms [118.0–130.2]`` — the median, then p25–p75 (min–max below four samples)."""
        fmt = f"{{:.{digits}f}}"
        median, low, high = (fmt.format(v * scale) for v in (self.median, self.low, self.high))
        return f"{median}{unit} [{low}–{high}]"


@dataclass(frozen=True)
class Target:
    """One line of the summary: what was promised, what was measured, whether it holds."""

    name: str
    measured: str
    goal: str
    met: bool


@dataclass
class Section:
    """A benchmark's part of RESULTS.md."""

    key: str
    title: str
    lines: list[str] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    seconds: float = 0.0
    started: str = ""  # when, and the load average then (set by bench/run.py)

    def add(self, *lines: str) -> None:
        self.lines.extend(lines)

    def table(self, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
        self.lines.append("| " + " | ".join(header) + " |")
        self.lines.append("|" + "---|" * len(header))
        self.lines.extend("| " + " | ".join(str(c) for c in row) + " |" for row in rows)
        self.lines.append("")

    def target(self, name: str, measured: str, goal: str, met: bool) -> None:
        self.targets.append(Target(name, measured, goal, met))

    def markdown(self) -> str:
        body = [f"## {self.title}", "", *self.lines]
        if self.targets:
            body += ["", "Targets:", ""]
            body += [
                f"- {'met' if t.met else '**MISSED**'}: {t.name} — {t.measured} (goal {t.goal})" for t in self.targets
            ]
        body.append("")
        body.append(f"_Ran {self.started}; took {self.seconds:.0f} s._")
        return "\n".join([f"<!-- bench:{self.key}:start -->", *body, f"<!-- bench:{self.key}:end -->"])


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def memory_gib() -> float:
    try:
        return int(Path("/proc/meminfo").read_text().split()[1]) / 1024 / 1024
    except (OSError, ValueError, IndexError):
        return float("nan")


def load_average() -> str:
    return " / ".join(f"{v:.2f}" for v in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"


def machine_lines() -> list[str]:
    return [
        f"- Date: {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- CPU: {cpu_model()}, {os.cpu_count()} cores; RAM {memory_gib():.0f} GiB; {platform.system()} "
        f"{platform.release()}",
        f"- Python {platform.python_version()} ({sys.executable.replace(str(ROOT) + '/', '')})",
        f"- Load average (1/5/15 min) at start: {load_average()} — the machine is shared with other jobs",
    ]


def child_environ(extra: dict[str, str]) -> dict[str, str]:
    """The environment of a benchmark's child interpreter: ``extra`` (a deployment's variables) and one
    bytecode cache for every module, written by the first child.

    Without it comparisons are unfair both ways: site-packages ship .pyc files while src/ may have none
    (PYTHONDONTWRITEBYTECODE), and compiling from source costs several times the import itself.
    """
    skip = ("SCENE_SELECT_", "ALIBABA_CLOUD_", "FC_", "PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")
    base = {k: v for k, v in os.environ.items() if not k.startswith(skip)}
    return {**base, **extra, "PYTHONPYCACHEPREFIX": str(OUT_DIR / "pycache")}


def replace_section(text: str, section: Section) -> str:
    start, end = f"<!-- bench:{section.key}:start -->", f"<!-- bench:{section.key}:end -->"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        return before + section.markdown() + rest.split(end, 1)[1]
    return text.rstrip() + "\n\n" + section.markdown() + "\n"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
