"""Waiting for work done in another thread or process: one ``wait_until``, one timeout policy.

The local stack, the ICE emulator, the bucket watcher and the callback receivers all work in threads (or
processes) of their own, so a test sees their effect only by polling for it. Every waiting helper of the kit
(``wait_for_state``, ``wait_for_batches``, ``settle``, ``IceCaller.wait_terminal``, …) and every test that
waits goes through :func:`wait_until`, so waiting means one thing everywhere:

* **one default**: :data:`DEFAULT_TIMEOUT_SECONDS` when the caller does not say; a helper passes a longer
  timeout only when what it waits for is known to take longer (a whole batch, a reconcile loop);
* **one knob for slow machines**: ``SCENE_SELECT_TEST_TIMEOUT_SCALE`` multiplies *every* timeout, the default
  and the explicit ones alike (``=3`` on a loaded CI runner). It does not stretch pytest-timeout's per-test
  limit (``timeout`` in pyproject.toml); pass ``--timeout`` as well when scaling far;
* **one failure**: :class:`WaitTimeoutError`, an ``AssertionError`` (pytest reports a failed test, not an error)
  saying what was awaited, for how long, and — when the caller describes it — what was seen last.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from typing import TypeVar

__all__ = [
    "DEFAULT_INTERVAL_SECONDS",
    "DEFAULT_TIMEOUT_SECONDS",
    "ENV_TIMEOUT_SCALE",
    "WaitTimeoutError",
    "scaled_timeout",
    "timeout_scale",
    "wait_until",
]

T = TypeVar("T")

#: The environment variable that multiplies every wait's timeout (a positive number; 1 when unset).
ENV_TIMEOUT_SCALE = "SCENE_SELECT_TEST_TIMEOUT_SCALE"
#: How long a wait lasts when its caller does not say (before scaling).
DEFAULT_TIMEOUT_SECONDS = 30.0
#: How often a condition is checked when its caller does not say.
DEFAULT_INTERVAL_SECONDS = 0.02


class WaitTimeoutError(AssertionError):
    """A condition did not become true in time."""


def timeout_scale(environ: Mapping[str, str] | None = None) -> float:
    """The factor ``SCENE_SELECT_TEST_TIMEOUT_SCALE`` sets (1.0 when unset); a malformed value is refused loudly."""
    raw = (os.environ if environ is None else environ).get(ENV_TIMEOUT_SCALE, "").strip()
    if not raw:
        return 1.0
    try:
        scale = float(raw)
    except ValueError:
        scale = 0.0
    if not scale > 0:  # also refuses nan
        raise ValueError(f"{ENV_TIMEOUT_SCALE}={raw!r}: use a positive number, e.g. 2 to double every test timeout")
    return scale


def scaled_timeout(seconds: float | None = None) -> float:
    """``seconds`` (or the default) times the scale: the timeout a wait really gets."""
    return (DEFAULT_TIMEOUT_SECONDS if seconds is None else seconds) * timeout_scale()


def wait_until(
    condition: Callable[[], T | None],
    *,
    timeout: float | None = None,
    interval: float = DEFAULT_INTERVAL_SECONDS,
    what: str | Callable[[], str] = "the condition",
) -> T:
    """Call ``condition`` every ``interval`` seconds until it returns something truthy, and return that.

    Raises :class:`WaitTimeoutError` after ``timeout`` seconds (default :data:`DEFAULT_TIMEOUT_SECONDS`), scaled
    by ``SCENE_SELECT_TEST_TIMEOUT_SCALE``. ``what`` names what is awaited in that message; a callable is
    asked only then, so it can describe the last state seen.
    """
    limit = scaled_timeout(timeout)
    deadline = time.monotonic() + limit
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            described = what() if callable(what) else what
            raise WaitTimeoutError(f"timed out after {limit:g} s waiting for {described}")
        time.sleep(interval)
