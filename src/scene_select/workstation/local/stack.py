"""The embedded local stack: the cloud chain, on loopback, with the very same handlers.

    bucket directory ──new file──▶ BucketWatcher ──OSS event bytes──▶ shim ▶ functions/submit
    ICE emulator (signed OpenAPI, sqlite, real engine) ──signed callback──▶ shim HTTP trigger ▶ functions/callback
    timer thread ──▶ shim ▶ functions/reconcile

The handlers see the environment a deployment would give them, except that the ICE endpoint is the
emulator and SCENE_SELECT_LOCAL_BUCKET_DIR makes the bucket a directory. Everything listens on
127.0.0.1 only, credentials and the callback AuthKey are fresh random values per start, and
``stack.json`` in the state directory tells other tools (``scene-select submit --endpoint``, tests)
where everything is.
"""

from __future__ import annotations

import json
import logging
import secrets
import socket
import string
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scene_select.cloud.config import (
    ENV_ACCESS_KEY_ID,
    ENV_ACCESS_KEY_SECRET,
    ENV_BUCKET,
    ENV_CALLBACK_AUTH_KEY,
    ENV_CALLBACK_URL,
    ENV_CLAIM_TTL,
    ENV_FC_REGION,
    ENV_ICE_ENDPOINT,
    ENV_INVOCATION_LOG,
    ENV_LOCAL_BUCKET_DIR,
    ENV_SECURITY_TOKEN,
)
from scene_select.cloud.errors import ConfigError
from scene_select.cloud.storage.local import LocalDirectoryStore
from scene_select.workstation.local.emulator import CallbackDelivery, EmulatorOptions, IceEmulator, Runner
from scene_select.workstation.local.fc_runtime import HttpTriggerServer, invoke, serve_http_trigger
from scene_select.workstation.local.uploads import DEFAULT_MAX_UPLOAD_BYTES
from scene_select.workstation.local.watcher import BucketWatcher
from scene_select.workstation.render.spec import Renderer

if TYPE_CHECKING:
    from scene_select.workstation.local.dashboard import Dashboard

__all__ = ["LocalStack", "StackOptions", "find_functions_dir"]

log = logging.getLogger(__name__)

CALLBACK_PATH = "/ice-callback"


@dataclass(frozen=True)
class StackOptions:
    """How to run the stack. ``ice_port`` 0 picks a free port."""

    state_dir: Path
    ice_port: int = 0
    bucket: str = "local-bucket"
    region: str = "cn-shanghai"
    reconcile_interval_seconds: float = 30.0
    claim_ttl_seconds: int = 120
    watch_interval_seconds: float = 0.2
    extra_environment: Mapping[str, str] | None = None
    sts_credentials: bool = False
    """Temporary credentials, as FC gives a function role: a random security token the emulator requires."""
    dashboard: bool = True
    """Serve the dashboard (dashboard.py) on 127.0.0.1; its URL is ``dashboardUrl`` in stack.json."""
    dashboard_port: int = 0
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
    renderer: Renderer | None = None
    """What renders the emulator's batch-editing jobs: None is the real renderer; tests pass the fast
    placeholder (:func:`scene_select.workstation.render.placeholder.placeholder_renderer`)."""


def find_functions_dir() -> Path:
    """``functions/`` of this checkout (the handlers the shim runs, exactly as FC would)."""
    candidates = [Path(__file__).resolve().parents[3] / "functions", Path.cwd() / "functions"]
    for candidate in candidates:
        if (candidate / "submit" / "index.py").is_file():
            return candidate
    raise ConfigError(
        "cannot find the functions/ directory with the FC handlers; run scene-select from the repository checkout"
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _auth_key() -> str:
    """A random AuthKey shaped as ICE requires: ≤ 32 characters with upper, lower and digits."""
    alphabet = string.ascii_letters + string.digits
    while True:
        key = "".join(secrets.choice(alphabet) for _ in range(24))
        if any(c.isupper() for c in key) and any(c.islower() for c in key) and any(c.isdigit() for c in key):
            return key


def _timer_event() -> bytes:
    return json.dumps({"triggerTime": "", "triggerName": "reconcile-timer", "payload": ""}).encode("utf-8")


class LocalStack:
    """Start with ``start()`` (or ``with``), stop with ``stop()``: nothing is left running."""

    def __init__(self, options: StackOptions, *, runner: Runner | None = None) -> None:
        self.options = options
        self.state_dir = options.state_dir.absolute()
        self.bucket_dir = self.state_dir / "bucket"
        self.functions_dir = find_functions_dir()
        self.store = LocalDirectoryStore(self.bucket_dir, bucket=options.bucket, region=options.region)
        self.access_key_id = "LTAIlocal" + secrets.token_hex(8)
        self.access_key_secret = secrets.token_urlsafe(24)
        self.auth_key = _auth_key()
        self.security_token = secrets.token_urlsafe(32) if options.sts_credentials else None
        self._runner = runner
        self.emulator: IceEmulator | None = None
        self.callback_server: HttpTriggerServer | None = None
        self.watcher: BucketWatcher | None = None
        self.dashboard: Dashboard | None = None
        self.environ: dict[str, str] = {}
        self._stop = threading.Event()
        self._reconciler: threading.Thread | None = None

    @property
    def invocation_log(self) -> Path:
        """Every function invocation's JSON line (what SLS indexes in the cloud: fc/invocation_log.py)."""
        return self.state_dir / "logs" / "invocations.jsonl"

    @property
    def callback_url(self) -> str:
        return self.environ[ENV_CALLBACK_URL]

    def start(self) -> LocalStack:
        self.bucket_dir.mkdir(parents=True, exist_ok=True)
        (self.state_dir / "logs").mkdir(exist_ok=True)
        callback_port = _free_port()
        callback_url = f"http://127.0.0.1:{callback_port}{CALLBACK_PATH}"
        options = EmulatorOptions(
            port=self.options.ice_port,
            region=self.options.region,
            bucket_dirs={self.options.bucket: self.bucket_dir},
            cache_dir=self.state_dir / "engine-cache",
            callback=CallbackDelivery(auth_key=self.auth_key),
            security_tokens={self.access_key_id: self.security_token} if self.security_token else {},
        )
        self.emulator = IceEmulator(
            self.state_dir / "ice",
            {self.access_key_id: self.access_key_secret},
            runner=self._runner,
            renderer=self.options.renderer,
            options=options,
        ).start()
        self.environ = {
            ENV_FC_REGION: self.options.region,
            ENV_BUCKET: self.options.bucket,
            ENV_ICE_ENDPOINT: self.emulator.endpoint,
            ENV_LOCAL_BUCKET_DIR: str(self.bucket_dir),
            ENV_CALLBACK_URL: callback_url,
            ENV_CALLBACK_AUTH_KEY: self.auth_key,
            ENV_CLAIM_TTL: str(self.options.claim_ttl_seconds),
            ENV_INVOCATION_LOG: str(self.invocation_log),
            ENV_ACCESS_KEY_ID: self.access_key_id,
            ENV_ACCESS_KEY_SECRET: self.access_key_secret,
            **({ENV_SECURITY_TOKEN: self.security_token} if self.security_token else {}),
            **(self.options.extra_environment or {}),
        }
        self.callback_server = serve_http_trigger(
            self.functions_dir / "callback", port=callback_port, environ=self.environ
        )
        self.watcher = BucketWatcher(
            self.bucket_dir,
            self.deliver_upload_event,
            bucket=self.options.bucket,
            region=self.options.region,
            interval=self.options.watch_interval_seconds,
            etag_for=self._etag_for,
        )
        self.watcher.start()
        self._reconciler = threading.Thread(target=self._reconcile_loop, name="reconcile-timer", daemon=True)
        self._reconciler.start()
        if self.options.dashboard:
            self.dashboard = self._start_dashboard()
        self._write_stack_file()
        log.info(
            "local stack up: ICE %s, callback %s, bucket %s", self.emulator.endpoint, callback_url, self.bucket_dir
        )
        return self

    @property
    def dashboard_url(self) -> str | None:
        return self.dashboard.url if self.dashboard is not None else None

    def _start_dashboard(self) -> Dashboard:
        from scene_select.cloud.config import Settings
        from scene_select.cloud.pipeline.layout import BucketLayout
        from scene_select.workstation.local.dashboard import Dashboard

        settings = Settings.from_env(self.environ)
        return Dashboard(
            self.store,
            BucketLayout.from_settings(settings),
            port=self.options.dashboard_port,
            max_manifest_bytes=settings.max_manifest_bytes,
            max_upload_bytes=self.options.max_upload_bytes,
        ).start()

    def _etag_for(self, key: str, _path: Path) -> str:
        info = self.store.head(key)
        return info.etag if info else ""

    def settled(self) -> bool:
        """Nothing in flight: no upload waiting to be delivered, no ICE job or callback, no follow-up."""
        return (
            (self.watcher is None or self.watcher.idle())
            and (self.emulator is None or self.emulator.settled())
            and (self.callback_server is None or self.callback_server.async_invocations.idle())
        )

    def wait_settled(self, timeout: float = 60.0) -> None:
        """Wait until :meth:`settled` holds twice in a row (a callback may start a follow-up)."""
        deadline = time.monotonic() + timeout
        calm = 0
        while time.monotonic() < deadline:
            calm = calm + 1 if self.settled() else 0
            if calm >= 2:
                return
            time.sleep(0.05)
        raise TimeoutError(f"the local stack in {self.state_dir} is still busy after {timeout:g} s")

    def deliver_upload_event(self, event: bytes) -> None:
        """What FC does with an OSS event: invoke the submit function (raising makes the watcher retry)."""
        invoke(self.functions_dir / "submit", event, environ=self.environ)

    def reconcile_now(self) -> Any:
        """One pass of the reconcile function, as its timer would run it."""
        return invoke(self.functions_dir / "reconcile", _timer_event(), environ=self.environ)

    def _reconcile_loop(self) -> None:
        while not self._stop.wait(self.options.reconcile_interval_seconds):
            try:
                self.reconcile_now()
            except Exception:  # the timer keeps ticking, as FC's would
                log.exception("reconcile pass failed")

    def _write_stack_file(self) -> None:
        assert self.emulator is not None
        document = {
            "iceEndpoint": self.emulator.endpoint,
            "callbackUrl": self.callback_url,
            "bucketDir": str(self.bucket_dir),
            "bucket": self.options.bucket,
            "region": self.options.region,
            "authKey": self.auth_key,
            "accessKeyId": self.access_key_id,
            "accessKeySecret": self.access_key_secret,
            **({"securityToken": self.security_token} if self.security_token else {}),
            **({"dashboardUrl": self.dashboard.url} if self.dashboard is not None else {}),
        }
        path = self.state_dir / "stack.json"
        path.write_text(json.dumps(document, indent=2), encoding="utf-8")
        path.chmod(0o600)

    def stop(self) -> None:
        self._stop.set()
        if self.dashboard is not None:
            self.dashboard.close()
        if self.watcher is not None:
            self.watcher.stop()
        if self._reconciler is not None:
            self._reconciler.join(timeout=30)
        if self.callback_server is not None:
            self.callback_server.close()
        if self.emulator is not None:
            self.emulator.stop()
        (self.state_dir / "stack.json").unlink(missing_ok=True)

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
