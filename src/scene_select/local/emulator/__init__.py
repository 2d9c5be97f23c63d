"""An ICE-compatible emulator for the embedded local stack (see server.py for the overview).

Public entry points: ``IceEmulator`` (start/stop, endpoint), ``EmulatorOptions``, ``CallbackSettings``,
``Faults`` (test-only fault injection) and ``Runner`` / ``engine_runner`` (what runs a job).
"""

from __future__ import annotations

from scene_select.local.emulator.callbacks import CallbackSettings
from scene_select.local.emulator.faults import Faults
from scene_select.local.emulator.job_runner import Runner, engine_runner
from scene_select.local.emulator.server import EmulatorOptions, IceEmulator

__all__ = ["CallbackSettings", "EmulatorOptions", "Faults", "IceEmulator", "Runner", "engine_runner"]
