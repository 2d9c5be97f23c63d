"""ICE's completion callback: trust nothing it says, verify it, then ask ICE itself.

Order matters for safety and for ICE's 3-second window: cheap refusals first (method, size,
signature, timestamp, replay), then the body, then one GetBatchMediaProducingJob, then the writes.
The callback's own body is only a hint of *which* job: status and UserData come from ICE's answer,
and the run must be one this bucket claimed. Answers: 200 for done (and for duplicates, without
rewriting), 400 malformed body, 401 bad/stale/replayed signature, 404 a job that is not ours, 405
wrong method, 413 oversized body, 503 when ICE or the job is not ready (ICE retries; reconcile is the
backstop).
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from scene_select.cloud.errors import (
    CallbackRejectedError,
    ConfigError,
    IceClientError,
    RetryableError,
)
from scene_select.cloud.ice.callback_auth import verify_callback
from scene_select.cloud.models.http_request import HttpRequest
from scene_select.cloud.models.wire import loads_untrusted
from scene_select.cloud.pipeline.complete import ReportMedia, complete_run, load_run_index
from scene_select.cloud.pipeline.follow_up_request import verify_follow_up
from scene_select.cloud.pipeline.ports import USER_DATA_KEY, ClaimPolicy, PipelineDeps
from scene_select.cloud.pipeline.report import ThumbnailLookup

if TYPE_CHECKING:
    from scene_select.cloud.config import Settings

__all__ = [
    "MAX_CALLBACK_BODY_BYTES",
    "CallbackAnswer",
    "CallbackSettings",
    "handle_callback",
    "handle_follow_up",
]

log = logging.getLogger(__name__)

MAX_CALLBACK_BODY_BYTES = 64 * 1024


@dataclass(frozen=True)
class CallbackAnswer:
    """The HTTP answer, and where the time went (milliseconds per stage that ran: verify, fetch, write)."""

    status: int
    body: dict[str, Any]
    timings: dict[str, float] = field(default_factory=dict)
    facts: dict[str, str] = field(default_factory=dict)
    """What the answer is about, for the invocation's log line (never sent): batch, run, step, jobId, state."""


@dataclass(frozen=True)
class CallbackSettings:
    """What the callback needs from Settings: the URL ICE signs, the keys, the window."""

    callback_url: str | None
    auth_keys: tuple[str, ...]
    window_seconds: int

    @classmethod
    def from_settings(cls, settings: Settings) -> CallbackSettings:
        return cls(settings.callback_url, settings.callback_auth_keys, settings.callback_window_seconds)


def _answer(status: int, message: str, **extra: Any) -> CallbackAnswer:
    return CallbackAnswer(status, {"ok": 200 <= status < 300, "message": message, **extra})


def _called_url(request: HttpRequest, configured: str | None) -> str:
    """The URL ICE signed: the configured NotifyAddress, else the one this request reached."""
    if configured:
        return configured
    return f"https://{request.domain_name}{request.path}" if request.domain_name else request.path


def handle_callback(
    request: HttpRequest,
    deps: PipelineDeps,
    *,
    settings: CallbackSettings,
    thumbnail: ThumbnailLookup | None = None,
    media: ReportMedia | None = None,
) -> CallbackAnswer:
    """Verify and act on one HTTP callback; never raises for anything a caller can send.

    The answer carries the time each stage took — verify (signature, window, replay), fetch (the job
    from ICE, the run's index entry), write (results and records) — because ICE waits 3 s at most.
    """
    stopwatch = _Stopwatch()
    answer = _handle(request, deps, settings, media or ReportMedia(thumbnail=thumbnail), stopwatch)
    return replace(answer, timings=stopwatch.laps)


def handle_follow_up(
    request: HttpRequest,
    deps: PipelineDeps,
    *,
    settings: CallbackSettings,
    claim: ClaimPolicy,
    media: ReportMedia | None = None,
) -> CallbackAnswer:
    """Run the follow-up a signed self-invocation asks for (follow_up_request.py, advance.py).

    Transient failures raise (FC retries an asynchronous invocation); a forged or malformed request is
    answered 401/400 and changes nothing.
    """
    try:
        run_key = verify_follow_up(
            request.headers, request.body, settings.auth_keys, now=deps.clock(), window_seconds=settings.window_seconds
        )
    except CallbackRejectedError as exc:
        return _answer(exc.status, str(exc))
    # Imported here: the next steps' request models are only needed by a follow-up, never by the ICE callback
    # that must answer within ICE's 3 s (it keeps ~20 ms of imports off that callback's cold start).
    from scene_select.cloud.pipeline.advance import follow_up

    done = follow_up(run_key, deps, claim, media=media)
    facts = {"run": run_key, "state": "failed" if "failed" in done else "followed-up"}
    if "failed" in done and (entry := load_run_index(deps, run_key)) is not None:
        facts["batch"] = entry.batch.label
    return replace(_answer(200, f"run {run_key}: {done}"), facts=facts)


class _Stopwatch:
    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.laps[stage] = round((now - self._last) * 1000, 1)
        self._last = now


def _handle(
    request: HttpRequest,
    deps: PipelineDeps,
    settings: CallbackSettings,
    media: ReportMedia,
    stopwatch: _Stopwatch,
) -> CallbackAnswer:
    if request.method != "POST":
        return _answer(405, "use POST")
    if len(request.body) > MAX_CALLBACK_BODY_BYTES:
        return _answer(413, f"body larger than {MAX_CALLBACK_BODY_BYTES} bytes")
    try:
        verify_callback(
            _called_url(request, settings.callback_url),
            request.headers,
            settings.auth_keys,
            now=deps.clock(),
            window_seconds=settings.window_seconds,
        )
    except CallbackRejectedError as exc:
        return _answer(exc.status, str(exc))
    except ConfigError as exc:
        log.error("callback refused: %s", exc)
        return _answer(401, "callback authentication is not configured on this deployment")
    job_id = _job_id(request.body)
    if job_id is None:
        return _answer(400, "body is not an ICE event: expected JSON with MessageBody.JobId")
    # ICE's signature covers the URL and the second, not the body: callbacks of two jobs finishing in
    # the same second carry the same signature. A replay is the same signature for the same job.
    store = deps.store
    seen_key = deps.layout.callback_seen_key(request.headers.get("x-ice-signature", ""), job_id)
    if store.head(seen_key) is not None:
        return _answer(401, "callback rejected: this signature was already used (replay)")
    stopwatch.lap("verify")
    try:
        job = deps.ice.get_batch_media_producing_job(job_id)
    except IceClientError as exc:
        return replace(
            _answer(404, f"ICE does not know job {job_id} for this account ({exc.code})"), facts={"jobId": job_id}
        )
    except RetryableError as exc:
        log.warning("callback for %s: ICE not reachable now: %s", job_id, exc)
        return _answer(503, "ICE is not reachable right now; retry")
    marker = job.user_data_dict().get(USER_DATA_KEY)
    run_key = marker.get("run") if isinstance(marker, dict) and marker.get("bucket") == store.bucket else None
    entry = load_run_index(deps, run_key) if isinstance(run_key, str) else None
    if entry is None:
        return replace(_answer(404, f"job {job_id} was not submitted by this deployment"), facts={"jobId": job_id})
    stopwatch.lap("fetch")
    outcome = complete_run(job, entry, deps, media=media)
    facts = {"batch": entry.batch.label, "run": entry.run_key, "step": outcome.step.value, "jobId": job_id}
    if outcome.kind == "not-terminal":
        return replace(_answer(503, f"job {job_id} is {outcome.state} at ICE; not complete yet"), facts=facts)
    store.put_if_absent(seen_key, json.dumps({"jobId": job_id}).encode("utf-8"), content_type="application/json")
    stopwatch.lap("write")
    answer = _answer(200, f"run {entry.run_key} {outcome.state}", jobId=job_id, outcome=outcome.kind)
    state = outcome.state if outcome.kind == "written" else "duplicate"
    return replace(answer, facts={**facts, "state": state})


def _job_id(body: bytes) -> str | None:
    try:
        envelope = loads_untrusted(body)
    except ValueError:
        return None
    message = envelope.get("MessageBody") if isinstance(envelope, dict) else None
    if isinstance(message, str):  # MNS delivers the body as a JSON string
        try:
            message = loads_untrusted(message)
        except ValueError:
            return None
    job_id = message.get("JobId") if isinstance(message, dict) else None
    if isinstance(job_id, str) and 0 < len(job_id) <= 64 and job_id.isascii() and job_id.isalnum():
        return job_id
    return None
