"""An ICE-compatible emulator for the embedded local stack (see server.py for the overview).

Public entry points: ``IceEmulator`` (start/stop, endpoint), ``EmulatorOptions``, ``CallbackDelivery``,
``Faults`` (test-only fault injection) and ``Runner`` / ``engine_runner`` (what runs a job).
"""

from __future__ import annotations

from scene_select.workstation.local.emulator.callbacks import CallbackDelivery
from scene_select.workstation.local.emulator.faults import Faults
from scene_select.workstation.local.emulator.job_runner import Runner, engine_runner
from scene_select.workstation.local.emulator.server import EmulatorOptions, IceEmulator

__all__ = ["CallbackDelivery", "EmulatorOptions", "Faults", "IceEmulator", "Runner", "engine_runner"]
