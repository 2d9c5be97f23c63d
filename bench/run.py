"""`make bench`: run every benchmark of the project; each writes its section of bench/RESULTS.md."""

from __future__ import annotations

import sys

from bench import engine_bench


def main() -> int:
    return engine_bench.main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
