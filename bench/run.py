"""`make bench` = `python -m bench.run`: every benchmark of issue 6, results in bench/RESULTS.md.

    python -m bench.run                  the full run (≈ 20 min on 2 cores), rewrites bench/RESULTS.md
    python -m bench.run --quick          a smoke run of every benchmark (small sizes, few repetitions),
                                         written to bench/out/RESULTS-quick.md
    python -m bench.run --only cold-start submit-cost
                                         some benchmarks; their sections of the results file are replaced
    python -m bench.run --long           also the 60-minute point of the scale series (~6 more minutes)

Each benchmark module has ``run(quick) -> Section``; a section holds its table, its targets (met or
missed) and how long it took. The summary at the top of RESULTS.md lists every target of the run.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from bench.common import OUT_DIR, ROOT, Section, cpu_model, load_average, log, machine_lines, replace_section

BENCHMARKS = {
    "cold-start": "bench.cold_start",
    "callback-latency": "bench.callback_latency",
    "submit-cost": "bench.submit_cost",
    "artifact-size": "bench.artifact_size",
    "engine": "bench.engine_bench",
    "scale": "bench.scale",
    "status": "bench.status_cost",
    "render": "bench.render_bench",
}
RESULTS = ROOT / "bench" / "RESULTS.md"


def run(names: list[str], *, quick: bool, long: bool = False) -> list[Section]:
    sections = []
    for name in names:
        log(f"== {name}{' (quick)' if quick else ''}")
        # The machine too: a section re-run alone (--only) may come from another machine than the header's.
        when = (
            f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC on {cpu_model()} ({os.cpu_count()} cores), "
            f"load average {load_average()}"
        )
        started = time.perf_counter()
        options = {"long": True} if long and name == "scale" else {}
        section: Section = importlib.import_module(BENCHMARKS[name]).run(quick=quick, **options)
        section.seconds = time.perf_counter() - started
        section.started = when
        log(f"== {name} done in {section.seconds:.0f} s")
        sections.append(section)
    return sections


def header(*, quick: bool, command: str) -> str:
    note = " (quick mode: small sizes, few repetitions — not the figures of record)." if quick else "."
    return "\n".join(["# Benchmark results", "", f"Command: `{command}`" + note, "", *machine_lines(), ""])


_SECTION = re.compile(r"<!-- bench:([a-z-]+):start -->(.*?)<!-- bench:\1:end -->", re.S)
_TARGET = re.compile(r"^- (met|\*\*MISSED\*\*): (.+) — (.+) \(goal (.+)\)$", re.M)
SUMMARY_START, SUMMARY_END = "<!-- bench:summary:start -->", "<!-- bench:summary:end -->"


def with_summary(text: str) -> str:
    """(Re)write the table of every target found in the file's sections, after the machine lines."""
    lines = ["## Targets", "", "| benchmark | target | measured | goal | |", "|---|---|---|---|---|"]
    for key, body in _SECTION.findall(text):
        for verdict, name, measured, goal in _TARGET.findall(body):
            lines.append(f"| {key} | {name} | {measured} | {goal} | {verdict} |")
    block = "\n".join([SUMMARY_START, *lines, SUMMARY_END])
    if SUMMARY_START in text:
        before, rest = text.split(SUMMARY_START, 1)
        return before + block + rest.split(SUMMARY_END, 1)[1]
    first_section = text.find("<!-- bench:")
    position = first_section if first_section >= 0 else len(text)
    return text[:position] + block + "\n\n" + text[position:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the scene-select benchmarks (issue 6).")
    parser.add_argument("--quick", action="store_true", help="smoke run: small sizes, few repetitions")
    parser.add_argument("--only", nargs="+", choices=sorted(BENCHMARKS), help="run only these benchmarks")
    parser.add_argument("--long", action="store_true", help="scale: add the 60-minute video (~6 minutes more)")
    parser.add_argument("--out", type=Path, help="results file (default bench/RESULTS.md, quick: bench/out/)")
    args = parser.parse_args(argv)
    names = args.only or list(BENCHMARKS)
    out = args.out or (OUT_DIR / "RESULTS-quick.md" if args.quick else RESULTS)
    started = time.perf_counter()
    sections = run(names, quick=args.quick, long=args.long)
    only = f" --only {' '.join(names)}" if args.only else ""
    command = "python -m bench.run" + (" --quick" if args.quick else "") + (" --long" if args.long else "") + only
    out.parent.mkdir(parents=True, exist_ok=True)
    if args.only and out.exists():
        text = out.read_text(encoding="utf-8")  # keep the other sections; the header says when each ran
    else:
        text = header(quick=args.quick, command=command)
        text += f"\n_Whole run: {time.perf_counter() - started:.0f} s._\n"
    for section in sections:
        text = replace_section(text, section)
    text = with_summary(text)
    out.write_text(text, encoding="utf-8")
    log(f"results written to {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
    missed = [t for s in sections for t in s.targets if not t.met]
    for target in missed:
        log(f"MISSED: {target.name}: {target.measured} (goal {target.goal})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
