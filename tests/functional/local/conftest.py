"""Fixtures for the local-stack tests: a started ICE emulator and a signed caller."""

from __future__ import annotations

from support.ice_emulator import caller, emulator

__all__ = ["caller", "emulator"]
