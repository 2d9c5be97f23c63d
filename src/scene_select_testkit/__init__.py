"""scene-select's test kit: what the tests and the benchmarks share, importable like any package.

It ships in the same distribution as ``scene_select`` (both live in ``src/``) but is never imported by it —
an import-linter contract in pyproject.toml forbids that — and the FC artifacts carry only
``scene_select/cloud``, so none of it reaches Function Compute. Modules, one job each:

* :mod:`.waiting` — ``wait_until``: the one way to wait for another thread, with one timeout policy;
* :mod:`.events` — the sample events in ``tests/events/`` and builders for OSS, ICE-callback and
  HTTP-trigger events;
* :mod:`.stack` — a running local stack with the deterministic quick runner, and waiting on its records;
* :mod:`.ice` — the ICE emulator in tests: deterministic and gated runners, a recording emulator, a signed
  caller, a callback receiver;
* :mod:`.chaos` — the reliability scenarios' tools: crash doubles, direct use-case calls, the end-state
  audit and the ledger of figures;
* :mod:`.media` — generated media with known ground truth for the engine's tests;
* :mod:`.fakes` — fake cloud edges (OSS server, ICE gateway transport, credentials, store races, sleeps);
* :mod:`.fc_bootstrap` — a faithful copy of FC's python runtime, run as
  ``python -m scene_select_testkit.fc_bootstrap``, to hold the FC shim against;
* :mod:`.plugin` — the pytest fixtures and options, registered once by ``tests/conftest.py``.

This module imports nothing, so that ``python -m scene_select_testkit.fc_bootstrap`` starts as bare as FC's
own bootstrap does.
"""
