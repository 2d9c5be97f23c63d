"""The ICE emulator: an HTTP server on loopback that speaks ICE's OpenAPI RPC protocol.

``IceEmulator`` wires the parts together — request parsing (requests.py), ACS3 authentication (auth.py), the
actions (actions.py), the sqlite job store, the job workers running the engine and the scene jobs
(timeline organisation, and batch editing with the renderer), the callback dispatcher and fault injection —
and owns their lifecycle: ``start()`` binds the port (0 → an ephemeral one), re-queues
jobs a previous run left unfinished and re-sends callbacks it left pending; ``stop()`` stops everything and
leaves no thread behind (a running engine job is cancelled at its next progress report).

Request order, as a gateway does it: method/path/version/action → (fault: delay before; a client that hung
up meanwhile is not served) → signature, STS token and nonce → (fault: throttle / 5xx) → the action →
(fault: delay after, malformed body) → answer. Any unexpected exception is answered ``InternalError`` (500)
without internals; the details go to the log.

Test-only control endpoints (not signed; the server binds loopback only and refuses other clients):
``GET|POST /_emulator/faults`` reads or replaces the fault settings (JSON, see faults.py);
``GET /_emulator/jobs`` lists every job with its callback state, attempts and log.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import logging
import select
import socket
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

from scene_select.cloud.errors import ConfigError
from scene_select.cloud.models.wire import compact_json
from scene_select.workstation.local.emulator.actions import ACTIONS, IceActions
from scene_select.workstation.local.emulator.api_errors import ApiError, error_body, internal_error, throttled
from scene_select.workstation.local.emulator.auth import RequestAuthenticator
from scene_select.workstation.local.emulator.callbacks import CallbackDelivery, CallbackDispatcher
from scene_select.workstation.local.emulator.faults import FaultInjector, Faults
from scene_select.workstation.local.emulator.job_runner import JobWorkers, Runner, engine_runner
from scene_select.workstation.local.emulator.job_store import JobStore
from scene_select.workstation.local.emulator.requests import check_api, new_request_id, parse_request
from scene_select.workstation.local.emulator.scene_jobs import SceneJob, batch_editor, timeline_organiser
from scene_select.workstation.local.emulator.scene_requests import BATCH_EDITING_JOB_TYPE, TIMELINE_JOB_TYPES
from scene_select.workstation.render.media import media_resolver
from scene_select.workstation.render.spec import Renderer

__all__ = ["EmulatorOptions", "IceEmulator"]

log = logging.getLogger(__name__)

CONTROL_PREFIX = "/_emulator/"
MAX_BODY_BYTES = 8 * 1024 * 1024
_LOOPBACK_NAMES = ("localhost",)


@dataclass(frozen=True)
class EmulatorOptions:
    """Everything about the emulator that is not the state directory, the keys or the runner."""

    host: str = "127.0.0.1"
    port: int = 0
    region: str = "cn-shanghai"
    security_tokens: Mapping[str, str] = field(default_factory=dict)
    callback: CallbackDelivery = field(default_factory=CallbackDelivery)
    workers: int = 1
    max_skew_seconds: int = 900
    bucket_dirs: Mapping[str, Path] = field(default_factory=dict)  # the local buckets: media in, videos out
    cache_dir: Path | None = None  # for the default engine runner


@dataclass(frozen=True)
class HttpAnswer:
    """What to send: status, JSON body, RequestId header. Status 0 means close without answering."""

    status: int
    body: bytes
    request_id: str | None = None


HANG_UP = HttpAnswer(0, b"")


class IceEmulator:
    """ICE on 127.0.0.1, with jobs in ``<state_dir>/jobs.sqlite``.

    ``credentials`` maps each accepted AccessKeyId to its secret. ``runner`` turns a selection request
    into the ExtendOutput object; by default it is the local engine over ``options.bucket_dirs``.
    ``renderer`` renders a batch-editing job's timelines; by default the real renderer (ffmpeg, espeak-ng)
    over the same buckets — tests pass the fast placeholder.
    """

    def __init__(
        self,
        state_dir: Path,
        credentials: Mapping[str, str],
        *,
        runner: Runner | None = None,
        renderer: Renderer | None = None,
        options: EmulatorOptions | None = None,
        faults: Faults | None = None,
    ) -> None:
        self.options = options or EmulatorOptions()
        if not _is_loopback(self.options.host):
            raise ConfigError(f"the ICE emulator only listens on loopback, not on {self.options.host!r}")
        if not credentials:
            raise ConfigError("the ICE emulator needs at least one AccessKeyId → secret to accept requests")
        self.state_dir = state_dir
        self._credentials = dict(credentials)
        self._runner = runner
        self._renderer = renderer
        self.faults = FaultInjector(faults)
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._serve_thread: threading.Thread | None = None
        self.store: JobStore | None = None
        self._workers: JobWorkers | None = None
        self._callbacks: CallbackDispatcher | None = None
        self._actions: IceActions | None = None
        self._authenticator: RequestAuthenticator | None = None

    # ---- lifecycle ------------------------------------------------------------------------------------------

    @property
    def endpoint(self) -> str:
        """``http://127.0.0.1:<port>`` — what IceClient takes as its endpoint."""
        if self._server is None:
            raise RuntimeError("the ICE emulator is not started")
        host, port = str(self._server.server_address[0]), int(self._server.server_address[1])
        return f"http://{host}:{port}" if ":" not in host else f"http://[{host}]:{port}"

    def start(self) -> IceEmulator:
        """Open the store, bind the port, re-queue unfinished jobs and pending callbacks, start serving."""
        if self._server is not None:
            return self
        self._stopping.clear()
        store = JobStore(self.state_dir / "jobs.sqlite")
        self.store = store
        self._callbacks = CallbackDispatcher(store, self.options.callback, self.faults)
        workers = JobWorkers(
            store,
            self._runner_or_engine(),
            self._callbacks.job_completed,
            workers=self.options.workers,
            scene_jobs=self._scene_jobs(store),
        )
        self._workers = workers
        self._actions = IceActions(store, workers.submit)
        self._authenticator = RequestAuthenticator(
            self._credentials,
            store,
            security_tokens=self.options.security_tokens,
            max_skew_seconds=self.options.max_skew_seconds,
        )
        server = _Server((self.options.host, self.options.port), _Handler)
        server.emulator = self
        self._server = server
        self._callbacks.start()
        workers.start()
        for job_id in store.unfinished():
            log.info("re-queueing job %s left unfinished by a previous run", job_id)
            workers.submit(job_id)
        for row in store.callbacks_pending():
            self._callbacks.job_completed(row)
        self._serve_thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="ice-emulator-http", daemon=True
        )
        self._serve_thread.start()
        log.info("ICE emulator listening on %s (state in %s)", self.endpoint, self.state_dir)
        return self

    def stop(self, timeout: float = 30.0) -> None:
        """Stop serving, cancel the running job, stop callbacks and close the store. Idempotent."""
        if self._server is None:
            return
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._server.close_connections()
        if self._serve_thread is not None:
            self._serve_thread.join(timeout)
        if self._workers is not None:
            self._workers.stop(timeout)
        if self._callbacks is not None:
            self._callbacks.stop(timeout)
        if self.store is not None:
            self.store.close()
        self._server = None
        log.info("ICE emulator stopped")

    def __enter__(self) -> IceEmulator:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def set_faults(self, faults: Faults) -> None:
        """Replace the fault settings (same as ``POST /_emulator/faults``)."""
        self.faults.replace(faults)

    def idle(self) -> bool:
        """True when no job is queued or running (callbacks may still be in flight)."""
        return self._workers is None or self._workers.idle()

    def settled(self) -> bool:
        """True when no job is queued or running and no callback is due or being posted."""
        return self.idle() and (self._callbacks is None or self._callbacks.idle())

    def _scene_jobs(self, store: JobStore) -> dict[str, SceneJob]:
        """Timeline organisation for each timeline JobType, batch editing for Scene_Batch_Editing."""
        resolve = media_resolver(bucket_dirs=self.options.bucket_dirs)
        if self._renderer is None:
            from scene_select.workstation.render.render import timeline_renderer

            self._renderer = timeline_renderer(resolve)
        organise = timeline_organiser(store, resolve)
        jobs: dict[str, SceneJob] = dict.fromkeys(TIMELINE_JOB_TYPES, organise)
        jobs[BATCH_EDITING_JOB_TYPE] = batch_editor(store, self._renderer, self.options.bucket_dirs)
        return jobs

    def _runner_or_engine(self) -> Runner:
        if self._runner is not None:
            return self._runner
        return engine_runner(self.options.bucket_dirs, cancelled=self._stopping, cache_dir=self.options.cache_dir)

    # ---- request handling -----------------------------------------------------------------------------------

    def answer_api(
        self,
        method: str,
        raw_path: str,
        headers: Mapping[str, str],
        body: bytes,
        client_gone: Callable[[], bool] = lambda: False,
    ) -> HttpAnswer:
        """Process one API request and return what to send back (``None``: hang up silently); never raises."""
        request_id = new_request_id()
        try:
            assert self._actions is not None and self._authenticator is not None
            request = parse_request(method, raw_path, headers, body)
            action = check_api(request, ACTIONS)
            faults = self.faults.for_request(action)
            if faults.delay_before:
                self._stopping.wait(faults.delay_before)
                if client_gone():
                    log.info("client gave up during the injected delay; %s not processed", action)
                    return HANG_UP
            self._authenticator.authenticate(request)
            if faults.reject_code == "Throttling.User":
                raise throttled(self.faults.throttle_status())
            if faults.reject_code is not None:
                raise internal_error("(injected fault)")
            result = self._actions.handle(action, request)
            text = compact_json({"RequestId": request_id, **result})
            if faults.delay_after:
                self._stopping.wait(faults.delay_after)
            if faults.malformed:
                text = text[: max(1, len(text) // 2)]
            return HttpAnswer(200, text.encode("utf-8"), request_id)
        except ApiError as error:
            return self._error(error, request_id)
        except Exception as exc:
            log.exception("ICE emulator: unexpected error answering %s %s", method, raw_path.split("?", 1)[0])
            return self._error(internal_error(f"({type(exc).__name__})"), request_id)

    def _error(self, error: ApiError, request_id: str) -> HttpAnswer:
        host_id = f"ice.{self.options.region}.aliyuncs.com"
        body = compact_json(error_body(error, request_id=request_id, host_id=host_id)).encode("utf-8")
        return HttpAnswer(error.http_status, body, request_id)

    def answer_control(self, method: str, path: str, body: bytes) -> HttpAnswer:
        """The test-only control endpoints."""
        try:
            if path == "/_emulator/faults" and method == "GET":
                return _json_answer(200, self.faults.faults.to_json())
            if path == "/_emulator/faults" and method == "POST":
                data = json.loads(body or b"{}")
                if not isinstance(data, dict):
                    raise ConfigError("the faults body must be a JSON object")
                self.set_faults(Faults.from_json(data))
                return _json_answer(200, self.faults.faults.to_json())
            if path == "/_emulator/jobs" and method == "GET":
                rows = self.store.all() if self.store is not None else []
                return _json_answer(200, {"Jobs": [row.inspection() for row in rows]})
        except (ValueError, ConfigError) as exc:
            return _json_answer(400, {"Error": str(exc)})
        return _json_answer(404, {"Error": f"no control endpoint {method} {path}"})


def _json_answer(status: int, data: Any) -> HttpAnswer:
    return HttpAnswer(status, compact_json(data).encode("utf-8"))


def _is_loopback(host: str) -> bool:
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _Server(ThreadingHTTPServer):
    """Tracks open connections so that stop() can close idle keep-alive ones and leave no thread behind."""

    daemon_threads = True
    emulator: IceEmulator

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(address, handler)
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Wake every handler thread blocked on an idle connection; each then ends."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 60  # seconds an idle keep-alive connection is kept open
    # One send per answer: headers and body sent apart meet Nagle's algorithm and the client's delayed ACK
    # on a kept-alive connection, a 40 ms stall (seen as the callback's "fetch" stage in bench/callback_latency.py).
    wbufsize = 1 << 16
    server: _Server

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        emulator = self.server.emulator
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            self.close_connection = True
            self._send(_json_answer(413, {"Error": f"request body over {MAX_BODY_BYTES} bytes"}))
            return
        body = self.rfile.read(length) if length > 0 else b""
        path = self.path.split("?", 1)[0]
        if path.startswith(CONTROL_PREFIX):
            if not _is_loopback(self.client_address[0]):
                self._send(_json_answer(403, {"Error": "control endpoints answer loopback clients only"}))
                return
            self._send(emulator.answer_control(self.command, path, body))
            return
        headers = {name: value for name, value in self.headers.items()}
        self._send(emulator.answer_api(self.command, self.path, headers, body, self._client_gone))

    def _client_gone(self) -> bool:
        """True when the client closed its side (e.g. its read timeout fired) while we were not reading."""
        readable, _, _ = select.select([self.connection], [], [], 0)
        if not readable:
            return False
        try:
            peeked: bytes = self.connection.recv(1, socket.MSG_PEEK)
        except OSError:
            return True
        return peeked == b""

    def _send(self, answer: HttpAnswer) -> None:
        if answer.status == 0:
            self.close_connection = True
            return
        self.send_response(answer.status)
        self.send_header("Content-Type", "application/json;charset=utf-8")
        self.send_header("Content-Length", str(len(answer.body)))
        if answer.request_id:
            self.send_header("x-acs-request-id", answer.request_id)
        try:
            self.end_headers()
            self.wfile.write(answer.body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting (a timeout fault)
            log.info("client hung up before the answer to %s was sent", self.path.split("?", 1)[0])
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("ICE emulator %s - %s", self.address_string(), format % args)
