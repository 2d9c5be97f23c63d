"""The benchmarks of issue 6: `python -m bench.run` (see bench/run.py).

They reuse the test kit's doubles as they are — the fake OSS server, the deterministic ICE job runner, the
callback receiver — imported like any package from ``scene_select_testkit`` (installed with the project).
"""
