"""`make reliability`: run the reliability scenarios (the soak included) and print what they did.

The figures are not estimated: every scenario of tests/functional/reliability adds what it really
delivered, injected and observed to a ledger (src/scene_select_testkit/chaos.py), and this script runs those
tests with ``--reliability-ledger`` (an option of the kit's pytest plugin) and prints the ledger as the
table in docs/reliability.md.

    python -m bench.reliability            # all scenarios, the 300-batch soak included
    python -m bench.reliability --quick    # the in-suite scenarios only (what `make test` runs)
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SCENARIOS = REPO / "tests" / "functional" / "reliability"
COLUMNS = [
    ("events", "events delivered"),
    ("duplicates", "duplicates injected"),
    ("faults", "faults injected"),
    ("hostile", "hostile inputs"),
    ("forged", "forged requests tried"),
    ("batches", "batches submitted"),
    ("jobs", "jobs created"),
    ("lost", "batches lost"),
]


def run_scenarios(ledger: Path, *, soak: bool) -> int:
    marker = "soak or not soak" if soak else "not soak"
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(SCENARIOS), "-m", marker]
    command += [f"--reliability-ledger={ledger}", "-s"]
    return subprocess.call(command, cwd=REPO)


def table(rows: dict[str, dict[str, float]]) -> str:
    header = "| scenario | " + " | ".join(title for _, title in COLUMNS) + " |"
    lines = [header, "|" + "---|" * (len(COLUMNS) + 1)]
    totals = dict.fromkeys((name for name, _ in COLUMNS), 0.0)
    for scenario, row in rows.items():
        cells = []
        for name, _ in COLUMNS:
            totals[name] += row.get(name, 0)
            cells.append(f"{int(row.get(name, 0)):,}")
        label = scenario + (f" ({row['seconds']:.1f} s)" if row.get("seconds") else "")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines.append("| **total** | " + " | ".join(f"**{int(totals[name]):,}**" for name, _ in COLUMNS) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="skip the opt-in soak (300 batches)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        ledger = Path(scratch) / "ledger.json"
        started = time.monotonic()
        status = run_scenarios(ledger, soak=not args.quick)
        elapsed = time.monotonic() - started
        rows = json.loads(ledger.read_text(encoding="utf-8")) if ledger.exists() else {}
    print()
    print(table(rows))
    print(f"\n{len(rows)} scenarios in {elapsed:.0f} s; tests {'passed' if status == 0 else 'FAILED'}")
    lost = sum(row.get("lost", 0) for row in rows.values())
    if status != 0 or lost or not rows:
        print("reliability run FAILED: see the test output above", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
