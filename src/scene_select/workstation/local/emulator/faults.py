"""Fault injection: make the emulator misbehave the ways real ICE can, on purpose and reproducibly.

TEST-ONLY. The reliability tests (issue 5) need ICE to throttle, fail, hang before or after doing the work,
answer garbage, and lose, repeat, delay or reorder callbacks. ``Faults`` says how often; ``FaultInjector``
draws the decisions from one seeded random generator, so a sequential test sees the same faults every run.
Set faults at construction (``IceEmulator(faults=...)``) or at runtime with ``POST /_emulator/faults``.

Request faults (apply to API calls whose action is in ``only_actions``, or to all when it is empty):
- ``delay_before_seconds``: sleep before doing anything; if the client gave up meanwhile (its read timeout
  fired and it closed the connection) the request is dropped unprocessed — a timeout *before* the request
  had any effect. A patient client just gets a slow answer.
- ``throttle_rate`` / ``error_5xx_rate``: answer Throttling.User / InternalError (500) without doing anything.
- ``delay_after_seconds``: do the work (a submit creates the job), then sleep before answering — a timeout
  *after* the request reached the server.
- ``malformed_response_rate``: do the work, then answer HTTP 200 with a truncated, invalid JSON body.
- ``max_request_faults``: stop injecting request faults after this many faulted requests (``None``: never
  stop) — "throttle the next two calls, then behave".
Callback faults (rates are probabilities in [0, 1]; ``true`` in JSON means 1.0):
- ``drop_callbacks``: the callback is never sent (recorded as dropped in the job row).
- ``duplicate_callbacks``: the callback is sent twice, independently (they may overlap).
- ``callback_delay_seconds``: wait this long before the first attempt.
- ``reorder_callbacks``: after a callback is sent, an *earlier* job's callback is sent again, so callbacks
  arrive out of order and stale.
"""

from __future__ import annotations

import dataclasses
import random
import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scene_select.cloud.errors import ConfigError

__all__ = ["CallbackFaults", "FaultInjector", "Faults", "RequestFaults"]

_RATES = (
    "throttle_rate",
    "error_5xx_rate",
    "malformed_response_rate",
    "drop_callbacks",
    "duplicate_callbacks",
    "reorder_callbacks",
)
_DURATIONS = ("delay_before_seconds", "delay_after_seconds", "callback_delay_seconds")


@dataclass(frozen=True)
class Faults:
    """How the emulator should misbehave; the default misbehaves in no way."""

    throttle_rate: float = 0.0
    throttle_http_status: int = 400
    error_5xx_rate: float = 0.0
    delay_before_seconds: float = 0.0
    delay_after_seconds: float = 0.0
    malformed_response_rate: float = 0.0
    max_request_faults: int | None = None
    only_actions: tuple[str, ...] = ()
    drop_callbacks: float = 0.0
    duplicate_callbacks: float = 0.0
    callback_delay_seconds: float = 0.0
    reorder_callbacks: float = 0.0
    seed: int = 0

    def __post_init__(self) -> None:
        for name in _RATES:
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ConfigError(f"fault {name}={value!r} must be a probability between 0 and 1")
        for name in _DURATIONS:
            value = getattr(self, name)
            if not 0.0 <= value <= 3600.0:
                raise ConfigError(f"fault {name}={value!r} must be between 0 and 3600 seconds")
        if self.max_request_faults is not None and self.max_request_faults < 0:
            raise ConfigError(f"fault max_request_faults={self.max_request_faults!r} must be >= 0 or null")

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Faults:
        """Build from the control endpoint's JSON; unknown names and wrong types are refused by name."""
        known = {f.name: f for f in dataclasses.fields(cls)}
        values: dict[str, Any] = {}
        for name, raw in data.items():
            if name not in known:
                raise ConfigError(f"unknown fault {name!r}; known faults: {', '.join(sorted(known))}")
            values[name] = _coerce(name, raw)
        return cls(**values)

    def to_json(self) -> dict[str, Any]:
        """The current settings, as the control endpoint shows them."""
        data = dataclasses.asdict(self)
        data["only_actions"] = list(self.only_actions)
        return data


def _coerce(name: str, raw: Any) -> Any:
    if name in _RATES and isinstance(raw, bool):
        return 1.0 if raw else 0.0
    if name in _RATES or name in _DURATIONS:
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            raise ConfigError(f"fault {name} must be a number, got {raw!r}")
        return float(raw)
    if name == "only_actions":
        if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
            raise ConfigError(f"fault only_actions must be a list of action names, got {raw!r}")
        return tuple(raw)
    if name == "max_request_faults" and raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise ConfigError(f"fault {name} must be an integer, got {raw!r}")
    return raw


@dataclass(frozen=True)
class RequestFaults:
    """What to do to one API request, decided before it is processed."""

    delay_before: float = 0.0
    reject_code: str | None = None  # "Throttling.User" or "InternalError": answer that, do nothing
    delay_after: float = 0.0
    malformed: bool = False

    @property
    def any(self) -> bool:
        return bool(self.delay_before or self.reject_code or self.delay_after or self.malformed)


@dataclass(frozen=True)
class CallbackFaults:
    """What to do to one job-completion callback; ``replay_pick`` in [0, 1) chooses the earlier one to replay."""

    drop: bool = False
    duplicate: bool = False
    delay: float = 0.0
    reorder: bool = False
    replay_pick: float = 0.0


class FaultInjector:
    """Draws fault decisions from a seeded generator; thread-safe; replaceable at runtime."""

    def __init__(self, faults: Faults | None = None) -> None:
        self._lock = threading.Lock()
        self._faults = faults or Faults()
        self._random = random.Random(self._faults.seed)
        self._request_faults_used = 0
        self._injected: Counter[str] = Counter()

    def injected(self) -> dict[str, int]:
        """How many faults of each kind were injected since the emulator started (never reset by
        ``replace``), so a test or benchmark can report what it really did to the system."""
        with self._lock:
            return dict(self._injected)

    @property
    def faults(self) -> Faults:
        with self._lock:
            return self._faults

    def replace(self, faults: Faults) -> None:
        """Install new settings and restart the generator from their seed and the fault budget from 0."""
        with self._lock:
            self._faults = faults
            self._random = random.Random(faults.seed)
            self._request_faults_used = 0

    def for_request(self, action: str) -> RequestFaults:
        """Decide the faults for one API request of ``action``."""
        with self._lock:
            f = self._faults
            if f.only_actions and action not in f.only_actions:
                return RequestFaults()
            if f.max_request_faults is not None and self._request_faults_used >= f.max_request_faults:
                return RequestFaults()
            reject: str | None = None
            if self._random.random() < f.throttle_rate:
                reject = "Throttling.User"
            elif self._random.random() < f.error_5xx_rate:
                reject = "InternalError"
            malformed = reject is None and self._random.random() < f.malformed_response_rate
            decided = RequestFaults(
                delay_before=f.delay_before_seconds,
                reject_code=reject,
                delay_after=0.0 if reject else f.delay_after_seconds,
                malformed=malformed,
            )
            if decided.any:
                self._request_faults_used += 1
                self._injected.update(
                    name
                    for name, on in (
                        ("delay_before", decided.delay_before),
                        ("throttle", reject == "Throttling.User"),
                        ("error_5xx", reject == "InternalError"),
                        ("delay_after", decided.delay_after),
                        ("malformed_response", malformed),
                    )
                    if on
                )
            return decided

    def for_callback(self) -> CallbackFaults:
        """Decide the faults for one job-completion callback."""
        with self._lock:
            f = self._faults
            decided = CallbackFaults(
                drop=self._random.random() < f.drop_callbacks,
                duplicate=self._random.random() < f.duplicate_callbacks,
                delay=f.callback_delay_seconds,
                reorder=self._random.random() < f.reorder_callbacks,
                replay_pick=self._random.random(),
            )
            self._injected.update(
                name
                for name, on in (
                    ("drop_callback", decided.drop),
                    ("duplicate_callback", decided.duplicate),
                    ("delay_callback", decided.delay),
                    ("reorder_callback", decided.reorder),
                )
                if on
            )
            return decided

    def throttle_status(self) -> int:
        with self._lock:
            return self._faults.throttle_http_status
