"""What every FC handler in functions/ shares: settings once per warm instance, adapters, outcome mapping.

A handler module does no work at import (cold start is billed and a missing variable must not crash
the import), and each function pays only for what it uses: the use case, the adapters and their
dependencies are imported on the first invocation that needs them (bench/cold_start.py measures it).
The first invocation reads Settings; credentials are read on every invocation, because FC rotates the
function role's STS token. The outcome mapping is the platform contract:

* permanent problems (bad events, bad input) are logged and the handler returns — FC must not retry;
* transient failures are raised — FC's async retries apply, then the configured failure destination.

The store is OSS unless SCENE_SELECT_LOCAL_BUCKET_DIR names a directory (the embedded local stack),
and that choice is logged loudly: the cloud never falls back to local storage.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scene_select.cloud.errors import ConfigError, EventError, PermanentError

if TYPE_CHECKING:
    import httpx

    from scene_select.cloud.config import Settings
    from scene_select.cloud.credentials import Credentials, CredentialsProvider
    from scene_select.cloud.ice.client import IceClient
    from scene_select.cloud.pipeline.callback import CallbackAnswer
    from scene_select.cloud.pipeline.complete import ReportMedia
    from scene_select.cloud.pipeline.ports import FollowUps, PipelineDeps
    from scene_select.cloud.storage.base import ObjectStore

__all__ = ["CALLBACK_ICE_ATTEMPTS", "DEFAULT_ICE_ATTEMPTS", "FunctionRuntime", "ice_timeout"]

DEFAULT_ICE_ATTEMPTS = 4
CALLBACK_ICE_ATTEMPTS = 2

log = logging.getLogger("scene_select")


class FunctionRuntime:
    """One per handler module; holds what a warm instance may keep between invocations."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self._environ = environ
        self._settings: Settings | None = None
        self._store: ObjectStore | None = None
        self._ice: IceClient | None = None
        self._media: ReportMedia | None = None
        self._follow_ups: FollowUps | None = None
        self._credentials: CredentialsProvider | None = None
        self._fingerprint: tuple[tuple[str, str], ...] = ()

    # ------------------------------------------------------------------------------------ wiring

    def _env(self) -> Mapping[str, str]:
        return self._environ if self._environ is not None else os.environ

    def _current_credentials(self) -> Credentials:
        if self._credentials is None:
            raise RuntimeError("credentials are read per invocation; none is running")
        return self._credentials()

    def _prepare(self, context: Any, *, within_callback_window: bool = False) -> tuple[Settings, PipelineDeps]:
        from scene_select.cloud.config import Settings
        from scene_select.cloud.fc.context import credentials_from_context
        from scene_select.cloud.ice.client import IceClient
        from scene_select.cloud.pipeline.layout import BucketLayout
        from scene_select.cloud.pipeline.ports import PipelineDeps

        environ = self._env()
        self._credentials = credentials_from_context(context, environ)
        fingerprint = _settings_fingerprint(environ)
        if self._settings is None or fingerprint != self._fingerprint:
            # In FC the environment never changes under an instance; the local shim may run several
            # stacks in one process, so a changed environment means new settings and new adapters.
            runtime_region = getattr(context, "region", None)
            self._settings = Settings.from_env(
                environ, runtime_region=runtime_region if isinstance(runtime_region, str) else None
            )
            self._fingerprint = fingerprint
            self._store = self._ice = self._media = self._follow_ups = None
        settings = self._settings
        if self._store is None:
            self._store, self._media = _build_store(settings, environ, self._current_credentials)
            self._follow_ups = _follow_ups(settings)
        if self._ice is None:
            # The callback must answer inside ICE's 3 s: fewer, shorter tries (ICE retries the callback
            # and the reconciler is the backstop); the other functions can wait for a slow ICE.
            self._ice = IceClient(
                region=settings.region,
                endpoint=settings.ice_endpoint,
                credentials=self._current_credentials,
                timeout=ice_timeout(settings, within_callback_window=within_callback_window),
                max_attempts=CALLBACK_ICE_ATTEMPTS if within_callback_window else DEFAULT_ICE_ATTEMPTS,
            )
        return settings, PipelineDeps(self._store, self._ice, BucketLayout.from_settings(settings), time.time)

    # ------------------------------------------------------------------------------------ functions

    def submit(self, event: bytes, context: Any) -> dict[str, Any]:
        """OSS trigger → one job per complete batch (pipeline.ingest)."""
        from scene_select.cloud.fc.invocation_log import invocation_line
        from scene_select.cloud.pipeline.ingest import handle_upload_event

        with invocation_line("submit", _request_id(context), self._env()) as line:
            settings, deps = self._prepare(context)
            try:
                report = handle_upload_event(event, deps, settings=settings, holder=_request_id(context))
            except EventError as exc:
                log.error("malformed OSS event, not retried: %s", exc)
                line.update(outcome="malformed-event", error=str(exc))
                return {"ok": False, "error": str(exc)}
            line.records(report.outcomes)
            return {"ok": True, "records": [_record_answer(o) for o in report.outcomes]}

    def callback(self, event: bytes, context: Any) -> dict[str, Any]:
        """HTTP trigger → verified ICE callback → the step's results (pipeline.callback), or a signed
        follow-up this function asked for itself (pipeline.advance). Always an HTTP answer."""
        from scene_select.cloud.fc.invocation_log import invocation_line

        with invocation_line("callback", _request_id(context), self._env()) as line:
            answer = self._callback(event, context)
            facts = answer.facts
            status = answer.status
            line.update(
                outcome=facts.get("state") if status == 200 else _REFUSALS.get(status, f"http-{status}"),
                status=status,
                batch=facts.get("batch"),
                run=facts.get("run"),
                step=facts.get("step"),
                jobId=facts.get("jobId"),
                detail=answer.body.get("message"),
            )
            from scene_select.cloud.fc.http_trigger import http_response

            return http_response(answer.status, answer.body)

    def _callback(self, event: bytes, context: Any) -> CallbackAnswer:
        from scene_select.cloud.fc.http_trigger import parse_http_event
        from scene_select.cloud.pipeline.callback import (
            CallbackAnswer,
            CallbackSettings,
            handle_callback,
            handle_follow_up,
        )
        from scene_select.cloud.pipeline.follow_up_request import is_follow_up

        try:
            request = parse_http_event(event)
        except EventError as exc:
            return CallbackAnswer(400, {"ok": False, "message": str(exc)})
        if is_follow_up(request.headers):
            from scene_select.cloud.pipeline.ports import ClaimPolicy

            settings, deps = self._prepare(context)
            answer = handle_follow_up(
                request,
                deps,
                settings=CallbackSettings.from_settings(settings),
                claim=ClaimPolicy.from_settings(settings, _request_id(context)),
                media=self._media,
            )
            log.info("follow-up answered %d: %s", answer.status, answer.body.get("message"))
            return answer
        settings, deps = self._prepare(context, within_callback_window=True)
        answer = handle_callback(
            request,
            replace(deps, follow_ups=self._follow_ups),
            settings=CallbackSettings.from_settings(settings),
            media=self._media,
        )
        laps = ", ".join(f"{stage} {ms:.1f} ms" for stage, ms in answer.timings.items())
        log.info("callback answered %d: %s (%s)", answer.status, answer.body.get("message"), laps)
        return answer

    def reconcile(self, event: bytes, context: Any) -> dict[str, Any]:
        """Timer → one bounded pass over the pending index (pipeline.reconcile)."""
        from scene_select.cloud.fc.invocation_log import invocation_line
        from scene_select.cloud.pipeline.ports import ClaimPolicy
        from scene_select.cloud.pipeline.reconcile import reconcile_pending

        with invocation_line("reconcile", _request_id(context), self._env()) as line:
            settings, deps = self._prepare(context)
            try:
                report = reconcile_pending(
                    deps,
                    ClaimPolicy.from_settings(settings, _request_id(context)),
                    max_runs=settings.reconcile_max_runs,
                    media=self._media,
                )
            except PermanentError as exc:
                log.error("reconcile pass failed: %s", exc)
                line.update(outcome="error", error=str(exc))
                return {"ok": False, "error": str(exc)}
            first = report.failed[0] if report.failed else {}
            line.update(
                outcome="failed" if report.failed else "errors" if report.errors else "ok",
                examined=report.examined,
                outcomes=dict(report.outcomes),
                failedRuns=report.failed or None,
                batch=first.get("batch"),
                run=first.get("run"),
                detail="; ".join(report.errors) or None,
            )
            return {"ok": not report.errors, "summary": report.summary(), "errors": report.errors}


def ice_timeout(settings: Settings, *, within_callback_window: bool = False) -> httpx.Timeout:
    """The client's default timeouts with the configured read timeout (how long a call waits for ICE).

    Inside the callback the timeouts are capped so two tries and a backoff fit ICE's 3-second window.
    """
    import httpx

    from scene_select.cloud.ice.client import DEFAULT_TIMEOUT

    if within_callback_window:
        return httpx.Timeout(connect=0.3, read=min(settings.ice_read_timeout_seconds, 0.8), write=0.5, pool=0.3)
    return httpx.Timeout(
        connect=DEFAULT_TIMEOUT.connect,
        read=settings.ice_read_timeout_seconds,
        write=DEFAULT_TIMEOUT.write,
        pool=DEFAULT_TIMEOUT.pool,
    )


def _settings_fingerprint(environ: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(
        sorted(
            (k, v) for k, v in environ.items() if k.startswith(("SCENE_SELECT_", "FC_REGION", "ALIBABA_CLOUD_REGION"))
        )
    )


_REFUSALS = {400: "refused", 401: "refused", 405: "refused", 413: "refused", 404: "not-ours", 503: "not-ready"}


def _record_answer(outcome: Any) -> dict[str, Any]:
    """A record's outcome as the function answers it (the fields it always had, and the batch and run)."""
    return {k: v for k, v in outcome.__dict__.items() if v is not None or k in ("detail", "job_id")}


def _request_id(context: Any) -> str:
    return str(getattr(context, "request_id", "") or "unknown-request")


def _follow_ups(settings: Settings) -> FollowUps | None:
    """The callback's way to run follow-ups after answering: an async invocation of itself, when it
    knows its own URL and can sign the request; otherwise the reconcile pass runs them."""
    if not settings.callback_url or not settings.callback_url.startswith(("http://", "https://")):
        return None
    if not settings.callback_auth_keys:
        return None
    from scene_select.cloud.fc.follow_ups import SelfInvocation

    return SelfInvocation(settings.callback_url, settings.callback_auth_keys[0])


def _build_store(
    settings: Settings, environ: Mapping[str, str], credentials: CredentialsProvider
) -> tuple[ObjectStore, ReportMedia]:
    from scene_select.cloud.config import ENV_LOCAL_BUCKET_DIR, ENV_LOCAL_THUMBNAILS
    from scene_select.cloud.pipeline.complete import ReportMedia

    local_dir = environ.get(ENV_LOCAL_BUCKET_DIR)
    if local_dir:
        from scene_select.cloud.pipeline.thumbnails import budgeted_frame_lookup
        from scene_select.cloud.storage.local import LocalDirectoryStore
        from scene_select.cloud.storage.local_previews import frame_data_uri

        if not Path(local_dir).is_dir():
            raise ConfigError(
                f"{ENV_LOCAL_BUCKET_DIR} is {local_dir!r}, which is not a directory; only the local stack sets it "
                "(in Function Compute leave it unset: the functions use OSS)"
            )
        log.warning("LOCAL MODE: bucket %s is the directory %s, not OSS", settings.bucket, local_dir)
        store = LocalDirectoryStore(Path(local_dir), bucket=settings.bucket, region=settings.region)
        if environ.get(ENV_LOCAL_THUMBNAILS, "1").strip().lower() in ("0", "false", "no", "off"):
            return store, ReportMedia()
        return store, ReportMedia(
            thumbnail=budgeted_frame_lookup(
                lambda key, start, end, width: frame_data_uri(store.path_for(key), start, end, width)
            )
        )
    from scene_select.cloud.storage.oss import OssStore

    oss_store = OssStore.from_credentials(
        credentials, bucket_name=settings.bucket, endpoint=settings.oss_endpoint, region=settings.region
    )
    from scene_select.cloud.pipeline.thumbnails import oss_snapshot_lookup

    return oss_store, ReportMedia(
        thumbnail=oss_snapshot_lookup(lambda key, process: oss_store.signed_url(key, process=process)),
        link=lambda key, _report_key: oss_store.signed_url(key),
    )
