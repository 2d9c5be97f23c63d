"""Workstation code: what runs on a person's machine or in CI, never in a Function Compute artifact.

- :mod:`~scene_select.workstation.cli` — the ``scene-select`` command;
- :mod:`~scene_select.workstation.local` — the embedded local stack: the ICE emulator, the bucket
  directory's watcher, the FC runtime stand-in, the demo;
- :mod:`~scene_select.workstation.engine` — the CPU selection engine behind the emulator.

It may use everything in :mod:`scene_select.cloud` (the stack runs the very same handlers); the cloud
never imports it.
"""
