"""Running ffmpeg with readable progress, and an error that carries ffmpeg's own words.

``-progress pipe:1`` prints key=value blocks; each ``progress=`` line closes one, and becomes a
:class:`~scene_select.workstation.render.spec.Progress`. ``out_time_us`` (``out_time_ms`` is in µs too, a
historical misnomer) can be ``N/A`` or lag between streams, so progress is kept monotonic. stderr is
drained on its own thread — a full pipe would block ffmpeg — and its last lines become the error message
when ffmpeg fails.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import threading
import time
from collections import deque
from collections.abc import Sequence
from pathlib import Path

from scene_select.workstation.render.media import ffmpeg_path
from scene_select.workstation.render.spec import Progress, ProgressCallback, RenderError

__all__ = ["run_ffmpeg"]

_TAIL_LINES = 15


def run_ffmpeg(
    arguments: Sequence[str],
    *,
    duration: float,
    cwd: Path | None = None,
    progress: ProgressCallback | None = None,
) -> tuple[float, float]:
    """Run ffmpeg; (wall seconds, CPU seconds of the process). RenderError with its last lines if it fails."""
    command = [ffmpeg_path(), *arguments]
    started = time.perf_counter()
    before = os.times()
    process = subprocess.Popen(
        command,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        errors="replace",
    )
    tail: deque[str] = deque(maxlen=40)

    def drain() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            tail.append(line.rstrip())

    reader = threading.Thread(target=drain, name="ffmpeg-stderr", daemon=True)
    reader.start()
    assert process.stdout is not None
    block: dict[str, str] = {}
    done = 0.0
    try:
        for line in process.stdout:
            key, _, value = line.strip().partition("=")
            block[key] = value
            if key != "progress":
                continue
            with contextlib.suppress(ValueError):
                done = max(done, int(block.get("out_time_us") or block.get("out_time_ms") or "0") / 1e6)
            if progress is not None:
                fraction = 1.0 if value == "end" else min(1.0, done / duration if duration > 0 else 0.0)
                progress(
                    Progress(fraction, min(done, duration) if duration > 0 else done, block.get("speed", "").strip())
                )
            block = {}
    except BaseException:
        process.kill()
        raise
    finally:
        code = process.wait()
        reader.join(timeout=5)
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    if code != 0:
        last = "\n".join(list(tail)[-_TAIL_LINES:]) or "(ffmpeg printed nothing)"
        raise RenderError(f"ffmpeg failed with exit code {code}:\n{last}")
    return time.perf_counter() - started, cpu
