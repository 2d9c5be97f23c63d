"""release_freed_memory gives freed heap pages back: the scale benchmark's flat memory depends on it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from scene_select.workstation.engine.memory import _malloc_trim, release_freed_memory


def _resident_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


@pytest.mark.skipif(not sys.platform.startswith("linux") or _malloc_trim() is None, reason="needs glibc")
def test_freed_heap_holes_go_back_to_the_system() -> None:
    # 64 KiB blocks come from the heap (below glibc's mmap threshold); keeping every tenth leaves the
    # freed ones as holes that free() alone never returns.
    blocks = [bytearray(b"x" * (64 * 1024)) for _ in range(3000)]
    kept = blocks[::10]
    del blocks
    before = _resident_mib()
    release_freed_memory()
    after = _resident_mib()
    assert len(kept) == 300
    assert before - after > 60, f"resident memory went from {before:.0f} to {after:.0f} MiB"


def test_it_is_harmless_to_call_repeatedly() -> None:
    for _ in range(3):
        release_freed_memory()
