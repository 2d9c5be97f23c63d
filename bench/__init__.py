"""The benchmarks of issue 6: `python -m bench.run` (see bench/run.py).

tests/ is put on sys.path here, once, because the benchmarks reuse two test doubles as they are: the fake
OSS server (tests/fakes/oss_server.py) and the deterministic ICE job runner (tests/support/stack.py).
"""

import sys
from pathlib import Path

_TESTS = str(Path(__file__).resolve().parent.parent / "tests")
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)
