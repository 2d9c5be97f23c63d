"""An ICE-compatible emulator for the embedded local stack (see server.py for the overview).

Public entry points: ``IceEmulator`` (start/stop, endpoint), ``EmulatorOptions``, ``CallbackDelivery``,
``Faults`` (test-only fault injection), ``Runner`` / ``engine_runner`` (what runs a selection job) and
``Renderer`` (what renders a batch-editing job's timelines; the real one unless a test passes another).
"""

from __future__ import annotations

from scene_select.workstation.local.emulator.callbacks import CallbackDelivery
from scene_select.workstation.local.emulator.faults import Faults
from scene_select.workstation.local.emulator.job_runner import Runner, engine_runner
from scene_select.workstation.local.emulator.server import EmulatorOptions, IceEmulator
from scene_select.workstation.render.spec import Renderer

__all__ = ["CallbackDelivery", "EmulatorOptions", "Faults", "IceEmulator", "Renderer", "Runner", "engine_runner"]
