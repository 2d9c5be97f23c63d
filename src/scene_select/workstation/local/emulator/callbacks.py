"""Job-completion callbacks, posted the way ICE posts them (docs/ice-api.md#callbacks).

When a job ends and its UserData has an http(s) ``NotifyAddress``, the emulator POSTs ICE's envelope
``{"EventType": "BatchProduceMediaComplete", "UserId", "EventTime", "MessageBody": {"Status", "JobId",
"UserData"}}``. With an auth key configured it adds ``X-ICE-TIMESTAMP`` and ``X-ICE-SIGNATURE`` (md5 of
"<url actually called>|<timestamp>|<key>", re-signed on every attempt). Success is HTTP 200 within the
timeout (3 s); otherwise it tries twice more, ``retry_interval`` (1 s) apart, then drops the message — as ICE
does — logging it and recording every attempt in the job row (``GET /_emulator/jobs``).

An ``ice-callback*`` NotifyAddress names an MNS queue; there is no MNS here, so such a callback is recorded
as ``not-delivered-locally`` and never sent. Fault injection (faults.py) can drop, duplicate, delay and
replay callbacks.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from scene_select.cloud.ice.callback_auth import callback_signature
from scene_select.cloud.models.wire import compact_json
from scene_select.workstation.local.emulator.faults import FaultInjector
from scene_select.workstation.local.emulator.job_store import JobRow, JobStore, format_time, utc_now
from scene_select.workstation.local.scheduling import DelayedTaskRunner

__all__ = ["CallbackDelivery", "CallbackDispatcher", "initial_callback_state", "notify_address"]

log = logging.getLogger(__name__)

EVENT_TYPE = "BatchProduceMediaComplete"
MNS_QUEUE_PREFIX = "ice-callback"
_HISTORY_LIMIT = 100


@dataclass(frozen=True)
class CallbackDelivery:
    """How callbacks are posted. The defaults are ICE's: 3 attempts, 1 s apart, 3 s to answer 200."""

    user_id: int = 1234567890123456
    auth_key: str | None = None
    timeout_seconds: float = 3.0
    attempts: int = 3
    retry_interval_seconds: float = 1.0


def notify_address(user_data: str | None) -> str | None:
    """The NotifyAddress inside a UserData JSON string, if there is one."""
    if not user_data:
        return None
    try:
        parsed = json.loads(user_data)
    except ValueError:
        return None
    address = parsed.get("NotifyAddress") if isinstance(parsed, dict) else None
    return address if isinstance(address, str) and address else None


def initial_callback_state(user_data: str | None) -> str:
    """The callback state a new job starts in: none, pending (http/https) or not-delivered-locally (MNS)."""
    address = notify_address(user_data)
    if address is None:
        return "none"
    if address.startswith(MNS_QUEUE_PREFIX):
        return "not-delivered-locally"
    return "pending"


@dataclass(frozen=True)
class _Delivery:
    job_id: str
    url: str
    envelope: bytes
    replay: bool = False


class CallbackDispatcher:
    """Sends completion callbacks on its own threads so a slow receiver never holds up a job."""

    def __init__(
        self,
        store: JobStore,
        settings: CallbackDelivery,
        faults: FaultInjector,
        *,
        threads: int = 2,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._settings = settings
        self._faults = faults
        self._wall_clock = wall_clock
        self._runner = DelayedTaskRunner(threads=threads, name="ice-emulator-callback")
        self._http = httpx.Client(timeout=settings.timeout_seconds, trust_env=False, follow_redirects=False)
        self._history: list[_Delivery] = []
        self._history_lock = threading.Lock()

    def start(self) -> None:
        self._runner.start()

    def idle(self) -> bool:
        """True when no callback is due or being posted."""
        return self._runner.idle()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop sending; callbacks still queued stay ``pending`` in the store and are sent after a restart."""
        for task in self._runner.stop(timeout):
            log.warning("emulator stopping: callback %s not sent now, it stays pending", task.label)
        self._http.close()

    def job_completed(self, row: JobRow) -> None:
        """Start delivering the callback of a job that just reached Finished or Failed."""
        if row.callback_state == "not-delivered-locally":
            log.info("job %s: NotifyAddress is an MNS queue; no MNS locally, callback not delivered", row.job_id)
            return
        address = notify_address(row.user_data)
        if row.callback_state != "pending" or address is None:
            return
        delivery = _Delivery(row.job_id, address, self._envelope(row))
        plan = self._faults.for_callback()
        if plan.drop:
            log.warning("job %s: callback dropped by fault injection", row.job_id)
            self._store.record_callback(
                row.job_id, state="dropped", attempt=self._log_entry(delivery, 0, "dropped by fault injection")
            )
            return
        copies = 2 if plan.duplicate else 1
        for _ in range(copies):
            self._runner.schedule(
                lambda: self._attempt(delivery, 1, plan.reorder, plan.replay_pick),
                delay=plan.delay,
                label=f"callback of job {row.job_id}",
            )

    def _envelope(self, row: JobRow) -> bytes:
        envelope: dict[str, Any] = {
            "EventType": EVENT_TYPE,
            "UserId": self._settings.user_id,
            "EventTime": row.complete_time or format_time(utc_now()),
            "MessageBody": {"Status": row.status, "JobId": row.job_id, "UserData": row.user_data or ""},
        }
        return compact_json(envelope).encode("utf-8")

    def _attempt(self, delivery: _Delivery, attempt: int, reorder: bool, replay_pick: float) -> None:
        outcome = self._post(delivery)
        delivered = outcome == "HTTP 200"
        self._store.record_callback(
            delivery.job_id,
            state="delivered" if delivered and not delivery.replay else None,
            attempt=self._log_entry(delivery, attempt, outcome),
        )
        if delivery.replay:
            return
        if not delivered and attempt < self._settings.attempts:
            self._runner.schedule(
                lambda: self._attempt(delivery, attempt + 1, reorder, replay_pick),
                delay=self._settings.retry_interval_seconds,
                label=f"callback of job {delivery.job_id} (attempt {attempt + 1})",
            )
            return
        if not delivered:
            log.warning("job %s: callback to NotifyAddress dropped after %d attempts", delivery.job_id, attempt)
            current = self._store.get(delivery.job_id)
            if current is not None and current.callback_state == "pending":
                self._store.record_callback(delivery.job_id, state="dropped")
        self._after_delivery(delivery, reorder, replay_pick)

    def _after_delivery(self, delivery: _Delivery, reorder: bool, replay_pick: float) -> None:
        """Remember this callback, and with the reorder fault re-send an earlier one after it."""
        with self._history_lock:
            earlier = list(self._history)
            self._history = [*self._history, delivery][-_HISTORY_LIMIT:]
        if reorder and earlier:
            old = earlier[min(int(replay_pick * len(earlier)), len(earlier) - 1)]
            replay = _Delivery(old.job_id, old.url, old.envelope, replay=True)
            self._runner.schedule(
                lambda: self._attempt(replay, 1, False, 0.0), label=f"stale replay of job {old.job_id}'s callback"
            )

    def _post(self, delivery: _Delivery) -> str:
        headers = {"Content-Type": "application/json"}
        if self._settings.auth_key:
            timestamp = str(int(self._wall_clock()))
            headers["X-ICE-TIMESTAMP"] = timestamp
            headers["X-ICE-SIGNATURE"] = callback_signature(delivery.url, timestamp, self._settings.auth_key)
        try:
            response = self._http.post(delivery.url, content=delivery.envelope, headers=headers)
        except httpx.TimeoutException:
            return f"no answer within {self._settings.timeout_seconds:g}s"
        except httpx.HTTPError as exc:
            return f"{type(exc).__name__}: {exc}"
        return f"HTTP {response.status_code}"

    def _log_entry(self, delivery: _Delivery, attempt: int, outcome: str) -> dict[str, Any]:
        return {
            "Time": format_time(utc_now()),
            "At": round(self._wall_clock(), 3),
            "Url": delivery.url,
            "Attempt": attempt,
            "Replay": delivery.replay,
            "Outcome": outcome,
        }
