"""A local Function Compute runtime: run ``functions/<name>/index.py`` the way FC's Python runtime does.

It follows what Alibaba's own python3 bootstrap does (its behaviour is public in the FC runtime images),
as far as a handler can tell:

- **Loading.** The function's code directory goes first on ``sys.path`` and the handler module is
  imported under its own name (``index`` for ``index.handler``), so sibling modules import and
  ``__name__`` is what FC gives. FC runs one function per process; the shim runs several in one, so
  each function keeps its own modules (two functions both have an ``index``) and sees them, and its
  directory on ``sys.path``, only while it runs. A loaded function stays loaded like a warm instance;
  :func:`load_handler` with ``fresh=True`` is a cold start.
- **Context.** :class:`LocalContext` has the python3.10 runtime's shape — ``request_id``,
  ``credentials`` (the STS triple; empty strings without a role), ``function`` (name, handler, memory,
  timeout), ``service``, ``region``, ``account_id``, ``tracing``, ``logger``, ``retry_count`` — or,
  with ``runtime="python3.12"``, that runtime's shape without ``credentials`` and ``service``.
- **Environment.** A function sees its own configuration as environment variables. :func:`invoke`
  runs the handler with ``os.environ`` set to the given mapping plus the ``FC_*`` variables FC injects,
  with any other ``ALIBABA_CLOUD_*``/``FC_*``/``SCENE_SELECT_*`` variable of this process hidden. Because
  ``os.environ`` and ``sys.path`` are process-wide, invocations are serialised by one lock — which is
  also FC 3.0's behaviour for built-in runtimes (one request per instance).
- **Results and errors.** A ``str``/``bytes`` result is returned as it is, anything else serialised as
  the runtime does (``json.dumps`` indented, keys sorted, ``Decimal`` as a number, dates in ISO form);
  a result that cannot be serialised, or a handler that raises, becomes the runtime's error document
  ``{"errorMessage", "errorType", "stackTrace"}`` (:func:`invoke_raw`; :func:`invoke` raises it as
  :class:`FunctionError`).
- **Events.** The event is **bytes**, as FC passes it. :func:`serve_http_trigger` turns real HTTP
  requests into FC 3.0 HTTP-trigger event bytes (base64 bodies for binary content, comma-joined
  repeated headers and query parameters, URL-encoded ``rawPath``), and the handler's serialised
  response struct back into HTTP. Methods not configured get 403 before the handler runs; a handler
  exception becomes a 500 with ``X-Fc-Error-Type: UnhandledInvocationError`` and the runtime's error
  document as the body (FC's exact status for this case over HTTP triggers is not documented).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import decimal
import hashlib
import importlib
import json
import logging
import os
import secrets
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType, TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, urlsplit

from scene_select.cloud.config import ENV_ACCESS_KEY_ID, ENV_ACCESS_KEY_SECRET, ENV_SECURITY_TOKEN
from scene_select.cloud.errors import ConfigError
from scene_select.workstation.local.oss_events import DEFAULT_ACCOUNT_ID

__all__ = [
    "RUNTIMES",
    "AsyncFailure",
    "AsyncInvocations",
    "FunctionError",
    "HttpTriggerServer",
    "LocalContext",
    "invoke",
    "invoke_raw",
    "load_handler",
    "serve_http_trigger",
]

logger = logging.getLogger(__name__)

Handler = Callable[[Any, Any], Any]

_INVOCATION_LOCK = threading.RLock()
_LOADED: dict[tuple[Path, str], _Instance] = {}
_HIDDEN_PREFIXES = ("ALIBABA_CLOUD_", "FC_", "SCENE_SELECT_")
_DEFAULT_REGION = "cn-shanghai"
_MAX_SYNC_PAYLOAD = 32 * 1024 * 1024  # FC's synchronous invocation limit
_TEXT_TYPES = ("text/", "application/json", "application/xml", "application/x-www-form-urlencoded")


# -- context ------------------------------------------------------------------------------------------

RUNTIMES = ("python3.10", "python3.12")
"""The context shapes the shim gives: python3.10 (also 3.9 and 3.6) and python3.12."""


@dataclass(frozen=True)
class LocalCredentials:
    """``context.credentials`` of the python3.10 runtime (empty strings when the function has no role)."""

    access_key_id: str
    access_key_secret: str
    security_token: str

    def __repr__(self) -> str:
        return f"LocalCredentials(access_key_id={self.access_key_id!r}, ...)"


@dataclass(frozen=True)
class LocalFunctionMeta:
    """``context.function``: name, handler, memory (MB, an int) and timeout (the header's string, as the
    bootstrap passes it on); python3.12 adds ``version_id`` and ``qualifier``."""

    name: str
    handler: str
    memory: int
    timeout: str
    version_id: str | None = None
    qualifier: str | None = None


@dataclass(frozen=True)
class LocalServiceMeta:
    """``context.service`` (python3.10; a compatibility artefact in FC 3.0)."""

    name: str
    log_project: str
    log_store: str
    qualifier: str
    version_id: str


@dataclass(frozen=True)
class LocalTracing:
    """``context.tracing`` (python3.10): nothing is traced locally."""

    span_context: str = ""
    jaeger_endpoint: str = ""
    span_baggages: dict[str, str] | None = None


class LocalContext:
    """A context object shaped like the FC runtime's (see the module docstring).

    ``runtime="python3.10"`` (the default, what s.yaml deploys) gives ``request_id``, ``credentials``,
    ``function``, ``service``, ``region``, ``account_id``, ``tracing``, ``logger`` and ``retry_count``;
    ``runtime="python3.12"`` gives ``request_id``, ``function`` (with ``version_id``/``qualifier``),
    ``region``, ``account_id``, ``logger``, ``log_project`` and ``log_store`` — no ``credentials``, no
    ``service``: its functions read the ``ALIBABA_CLOUD_*`` variables instead.
    """

    def __init__(
        self,
        *,
        function_name: str,
        request_id: str | None = None,
        region: str = _DEFAULT_REGION,
        account_id: str = DEFAULT_ACCOUNT_ID,
        credentials: LocalCredentials | None = None,
        handler: str = "index.handler",
        memory: int = 512,
        timeout: int = 60,
        retry_count: int = 0,
        runtime: str = "python3.10",
    ) -> None:
        if runtime not in RUNTIMES:
            raise ConfigError(f"runtime {runtime!r} is not one the shim knows; choose one of {', '.join(RUNTIMES)}")
        self.request_id = request_id or _new_request_id()
        self.region = region
        self.account_id = account_id
        self.logger: logging.Logger | None = None  # the bootstrap passes None for one request per instance
        if runtime == "python3.12":
            self.function = LocalFunctionMeta(function_name, handler, memory, str(timeout), "", "LATEST")
            self.log_project = ""
            self.log_store = ""
        else:
            self.function = LocalFunctionMeta(function_name, handler, memory, str(timeout))
            self.credentials = credentials or LocalCredentials("", "", "")
            self.service = LocalServiceMeta(
                name=function_name, log_project="", log_store="", qualifier="LATEST", version_id=""
            )
            self.tracing = LocalTracing()
            self.retry_count = retry_count

    @classmethod
    def for_function(
        cls,
        function_dir: Path,
        environ: Mapping[str, str],
        *,
        handler: str = "index.handler",
        runtime: str = "python3.10",
        retry_count: int = 0,
    ) -> LocalContext:
        """The context FC would build for ``function_dir`` configured with ``environ``."""
        return cls(
            function_name=environ.get("FC_FUNCTION_NAME") or Path(function_dir).name,
            region=environ.get("FC_REGION") or environ.get("ALIBABA_CLOUD_REGION") or _DEFAULT_REGION,
            credentials=LocalCredentials(
                environ.get(ENV_ACCESS_KEY_ID, ""),
                environ.get(ENV_ACCESS_KEY_SECRET, ""),
                environ.get(ENV_SECURITY_TOKEN, ""),
            ),
            handler=handler,
            runtime=runtime,
            retry_count=retry_count,
        )

    def getLogger(self) -> logging.LoggerAdapter[logging.Logger]:  # noqa: N802 - FC's name
        """A logger whose lines carry the request id, as FC's does."""
        return _RequestLogger(logging.getLogger(f"fc.{self.function.name}"), {"request_id": self.request_id})


if TYPE_CHECKING:
    _LoggerAdapter = logging.LoggerAdapter[logging.Logger]
else:  # LoggerAdapter is subscriptable at run time only from Python 3.11; FC runs 3.10
    _LoggerAdapter = logging.LoggerAdapter


class _RequestLogger(_LoggerAdapter):
    def process(self, msg: Any, kwargs: Any) -> tuple[Any, Any]:
        return f"{self.extra['request_id'] if self.extra else '-'} {msg}", kwargs


# -- loading ------------------------------------------------------------------------------------------


class FunctionError(Exception):
    """The handler raised: ``document`` is the runtime's error answer (errorMessage, errorType, stackTrace)."""

    def __init__(self, document: dict[str, Any]) -> None:
        super().__init__(f"{document.get('errorType', 'Error')}: {document.get('errorMessage', '')}")
        self.document = document


@dataclass
class _Instance:
    """One warm instance of one function in this process: its code directory and the modules it loaded."""

    code_dir: Path
    handler: Handler
    modules: dict[str, ModuleType]


@contextlib.contextmanager
def _code_on_path(instance_dir: Path, modules: dict[str, ModuleType]) -> Iterator[dict[str, ModuleType]]:
    """What the runtime's process looks like to one function: its code directory first on ``sys.path``
    and its own modules (``index`` and any sibling it imported) under their plain names in
    ``sys.modules``. Two functions both have an ``index``; each sees its own, and what was there before
    comes back afterwards. Yields the function's modules as they are when the block ends (the caller
    holds the invocation lock, so nothing else runs meanwhile)."""
    code_dir = str(instance_dir)
    saved = {name: sys.modules[name] for name in modules if name in sys.modules}
    before = set(sys.modules)
    sys.modules.update(modules)
    sys.path.insert(0, code_dir)
    current = dict(modules)
    try:
        yield current
    finally:
        with contextlib.suppress(ValueError):
            sys.path.remove(code_dir)
        for name in list(sys.modules):
            module = sys.modules[name]
            if name in modules or (name not in before and _is_inside(module, instance_dir)):
                current[name] = module
                del sys.modules[name]
        sys.modules.update(saved)


def _is_inside(module: ModuleType, directory: Path) -> bool:
    location = getattr(module, "__file__", None)
    return isinstance(location, str) and Path(location).resolve().is_relative_to(directory)


def load_handler(function_dir: Path, handler: str = "index.handler", *, fresh: bool = False) -> Handler:
    """The handler function ``<module>.<function>`` of ``function_dir``, imported as the runtime imports it.

    As FC's bootstrap does: the code directory goes first on ``sys.path`` and the module is imported
    under its own name (``index`` for ``index.handler``; ``dir/mod.fn`` and ``pkg.mod.fn`` name a module
    below the directory), so sibling modules import and ``__name__`` is what FC gives. Cached per
    (directory, handler) like a warm instance; ``fresh=True`` loads it anew (a cold start). Raises
    :class:`ConfigError` when the file or the function does not exist.
    """
    return _instance(function_dir, handler, fresh=fresh).handler


def _instance(function_dir: Path, handler: str, *, fresh: bool = False) -> _Instance:
    module_path, _, function_name = handler.rpartition(".")
    if not module_path or not function_name:
        raise ConfigError(f"handler {handler!r} must look like 'index.handler' (<file>.<function>)")
    directory = Path(function_dir).resolve()
    cache_key = (directory, handler)
    with _INVOCATION_LOCK:
        if not fresh and cache_key in _LOADED:
            return _LOADED[cache_key]
        folder, _, dotted = module_path.rpartition("/")
        code_dir = directory / folder if folder else directory
        source = code_dir.joinpath(*dotted.split(".")).with_suffix(".py")
        if not source.is_file():
            raise ConfigError(f"handler file {source} does not exist (handler {handler!r} in {directory})")
        with _code_on_path(code_dir, {}) as modules:
            module = importlib.import_module(dotted)
        function: Handler | None = getattr(module, function_name, None)
        if not callable(function):
            raise ConfigError(f"{source} has no function {function_name!r} (handler {handler!r})")
        instance = _Instance(code_dir, function, modules)
        _LOADED[cache_key] = instance
        return instance


# -- invoking -----------------------------------------------------------------------------------------


def invoke_raw(
    function_dir: Path,
    event: bytes,
    *,
    environ: Mapping[str, str],
    context: Any = None,
    handler: str = "index.handler",
    runtime: str = "python3.10",
) -> tuple[bytes, bool]:
    """Run the function once with ``event`` and answer as the runtime answers: (payload, failed).

    The payload is the handler's result serialised by the runtime (a ``str`` or ``bytes`` result as it
    is; anything else as indented, key-sorted JSON, ``Decimal`` as a number, dates in ISO form), or,
    when the handler raised, the runtime's error document (``errorMessage``, ``errorType``,
    ``stackTrace``). A ``BaseException`` that is not an ``Exception`` (an interrupt, an exit, a test's
    simulated crash) ends the "instance" and propagates, as it ends FC's runtime process.
    """
    if not isinstance(event, bytes):
        raise TypeError(f"FC passes events as bytes; got {type(event).__name__} (encode JSON with .encode())")
    with _INVOCATION_LOCK, _function_environment(function_dir, environ, handler):
        instance = _instance(function_dir, handler)
        invocation_context = (
            context
            if context is not None
            else LocalContext.for_function(function_dir, os.environ, handler=handler, runtime=runtime)
        )
        with _code_on_path(instance.code_dir, instance.modules) as modules:
            try:
                result = instance.handler(event, invocation_context)
            except Exception as exc:
                return _runtime_json(_error_document(exc, exc.__traceback__)).encode("utf-8"), True
            finally:
                instance.modules = modules
        if isinstance(result, bytes):
            return result, False
        if isinstance(result, str):
            return result.encode("utf-8"), False
        try:
            return _runtime_json(result).encode("utf-8"), False
        except TypeError as exc:
            return _runtime_json(_error_document(exc, exc.__traceback__, first_frame=True)).encode("utf-8"), True


def invoke(
    function_dir: Path,
    event: bytes,
    *,
    environ: Mapping[str, str],
    context: Any = None,
    handler: str = "index.handler",
    runtime: str = "python3.10",
) -> Any:
    """Run the function once and return its result as a caller of FC reads it back: the runtime's JSON
    parsed (or the text, when the handler returned text that is not JSON). A handler that raised raises
    :class:`FunctionError` carrying the runtime's error document. See :func:`invoke_raw`."""
    payload, failed = invoke_raw(
        function_dir, event, environ=environ, context=context, handler=handler, runtime=runtime
    )
    text = payload.decode("utf-8", errors="replace")
    if failed:
        raise FunctionError(json.loads(text))
    try:
        return json.loads(text)
    except ValueError:
        return text


def _runtime_json(value: Any) -> str:
    """The runtime's serialisation of a handler result: indented, keys sorted, a few types helped."""
    return json.dumps(value, default=_runtime_default, indent=4, sort_keys=True)


def _runtime_default(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if hasattr(value, "to_json"):
        return value.to_json()
    raise TypeError(repr(value) + " is not JSON serializable")


def _error_document(exc: BaseException, trace: TracebackType | None, *, first_frame: bool = False) -> dict[str, Any]:
    """The runtime's error answer: the message, the class name, and the stack below the runtime's own frame,
    each frame as ``["File \"…\"", "line N", "in name", "source line"]``."""
    frames = traceback.format_tb(trace)
    if not first_frame:
        frames = frames[1:]  # the runtime's own call of the handler
    stack = []
    for frame in frames:
        lines = frame.split("\n")
        stack.append([part.strip() for part in lines[0].split(",")] + [lines[1].strip() if len(lines) > 1 else ""])
    document: dict[str, Any] = {"errorMessage": str(exc), "errorType": type(exc).__name__}
    if stack:
        document["stackTrace"] = stack
    return document


# -- the HTTP trigger ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AsyncFailure:
    """An asynchronous invocation that failed every attempt (FC would send it to the failure destination)."""

    request_id: str
    attempts: int
    error: str


class AsyncInvocations:
    """FC's asynchronous invocation of an HTTP function (``X-Fc-Invocation-Type: Async``), locally.

    The request is answered 202 at once; the invocation runs later on a worker thread, and one that
    fails is retried after each of ``retry_delays`` (``maxAsyncRetryAttempts: 3`` in s.yaml), then
    recorded in ``failures`` — never dropped silently.
    """

    def __init__(self, retry_delays: Sequence[float] = (1.0, 2.0, 4.0)) -> None:
        from scene_select.workstation.local.scheduling import DelayedTaskRunner

        self._retry_delays = tuple(retry_delays)
        self._runner = DelayedTaskRunner(threads=1, name="fc-async-invocations")
        self._runner.start()
        self._lock = threading.Lock()
        self._failures: list[AsyncFailure] = []
        self._finished = 0

    def submit(self, request_id: str, run: Callable[[], bool], attempt: int = 1, delay: float = 0.0) -> None:
        """Run ``run`` (True: handled; False or an exception: failed) with FC's retries."""

        def attempt_once() -> None:
            try:
                failed, error = not run(), "the function raised"
            except Exception as exc:  # the handler's failure: retried as FC retries it
                failed, error = True, f"{type(exc).__name__}: {exc}"
            if not failed:
                with self._lock:
                    self._finished += 1
                return
            if attempt <= len(self._retry_delays):
                self.submit(request_id, run, attempt + 1, self._retry_delays[attempt - 1])
                return
            logger.error("async invocation %s failed %d time(s): %s", request_id, attempt, error)
            with self._lock:
                self._failures.append(AsyncFailure(request_id, attempt, error))

        if not self._runner.schedule(attempt_once, delay=delay, label=f"async invocation {request_id}"):
            with self._lock:
                self._failures.append(AsyncFailure(request_id, attempt - 1, "the trigger stopped first"))

    def idle(self) -> bool:
        """True when no asynchronous invocation is queued or running."""
        return self._runner.idle()

    @property
    def failures(self) -> list[AsyncFailure]:
        with self._lock:
            return list(self._failures)

    @property
    def finished(self) -> int:
        with self._lock:
            return self._finished

    def stop(self, timeout: float = 10.0) -> None:
        for task in self._runner.stop(timeout):
            with self._lock:
                self._failures.append(AsyncFailure(task.label, 0, "the trigger stopped before it ran"))


class HttpTriggerServer:
    """A running local HTTP trigger; ``url`` is its base URL. Close it (or use ``with``)."""

    def __init__(self, server: ThreadingHTTPServer, thread: threading.Thread, invocations: AsyncInvocations) -> None:
        self._server = server
        self._thread = thread
        self.async_invocations = invocations
        host, port = _address(server)
        self.url = f"http://{host}:{port}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        self.async_invocations.stop()

    def __enter__(self) -> HttpTriggerServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def serve_http_trigger(
    function_dir: Path,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    environ: Mapping[str, str],
    methods: Sequence[str] = ("POST",),
    handler: str = "index.handler",
) -> HttpTriggerServer:
    """Serve ``function_dir`` behind an FC 3.0-style HTTP trigger on ``host:port`` (0 = any free port)."""
    with _INVOCATION_LOCK, _function_environment(function_dir, environ, handler):
        load_handler(function_dir, handler)  # fail now, not on the first request, if the handler is missing
    allowed = frozenset(method.upper() for method in methods)
    invocations = AsyncInvocations()
    request_handler = _make_request_handler(Path(function_dir), dict(environ), allowed, handler, invocations)
    server = ThreadingHTTPServer((host, port), request_handler)
    server.daemon_threads = True
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="fc-http-trigger", daemon=True
    )
    thread.start()
    return HttpTriggerServer(server, thread, invocations)


def _make_request_handler(
    function_dir: Path,
    environ: dict[str, str],
    allowed: frozenset[str],
    handler: str,
    invocations: AsyncInvocations,
) -> type[BaseHTTPRequestHandler]:
    class TriggerRequestHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        wbufsize = 1 << 16  # one send per response

        def log_message(self, format: str, *args: Any) -> None:
            logger.debug("http trigger %s: " + format, function_dir.name, *args)

        def _serve(self) -> None:
            request_id = _new_request_id()
            method = self.command.upper()
            if method not in allowed:
                self._drain_body()
                methods = ", ".join(sorted(allowed))
                self._reply(
                    403,
                    {"Content-Type": "text/plain; charset=utf-8"},
                    f"method {method} is not allowed by this HTTP trigger (methods: {methods})".encode(),
                    request_id,
                )
                return
            length = int(self.headers.get("Content-Length") or 0)
            if length > _MAX_SYNC_PAYLOAD:
                self.close_connection = True
                self._reply(
                    413,
                    {"Content-Type": "text/plain; charset=utf-8"},
                    b"request body exceeds FC's 32 MB synchronous payload limit",
                    request_id,
                )
                return
            body = self.rfile.read(length) if length else b""
            event = _http_event(self, method, body, request_id, function_dir.name)
            context = LocalContext.for_function(function_dir, environ, handler=handler)
            context.request_id = request_id
            if (self.headers.get("X-Fc-Invocation-Type") or "").lower() == "async":

                def run() -> bool:
                    return not invoke_raw(function_dir, event, environ=environ, context=context, handler=handler)[1]

                invocations.submit(request_id, run)
                self._reply(202, {}, b"", request_id)
                return
            payload, failed = invoke_raw(function_dir, event, environ=environ, context=context, handler=handler)
            if failed:  # the handler's own failure, reported as FC reports it
                logger.error(
                    "function %s raised while serving %s %s: %s", function_dir.name, method, self.path, payload
                )
                self._reply(
                    500,
                    {"Content-Type": "application/json", "X-Fc-Error-Type": "UnhandledInvocationError"},
                    payload,
                    request_id,
                )
                return
            status, headers, body = _http_reply(payload, function_dir.name)
            self._reply(status, headers, body, request_id)

        def _drain_body(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if 0 < length <= _MAX_SYNC_PAYLOAD:
                self.rfile.read(length)
            elif length:
                self.close_connection = True

        def _reply(self, status: int, headers: Mapping[str, str | list[str]], body: bytes, request_id: str) -> None:
            self.send_response(status)
            for name, value in headers.items():
                for item in value if isinstance(value, list) else [value]:
                    if name.lower() != "content-length":
                        self.send_header(name, item)
            self.send_header("x-fc-request-id", request_id)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        # every method reaches _serve, which answers 403 for the ones the trigger does not list
        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _serve  # noqa: N815

    return TriggerRequestHandler


def _http_event(
    request: BaseHTTPRequestHandler, method: str, body: bytes, request_id: str, function_name: str
) -> bytes:
    """The FC 3.0 HTTP-trigger event bytes for one real request (docs/fc-oss.md#http-trigger-events)."""
    split = urlsplit(request.path)
    headers: dict[str, str] = {}
    for name, value in request.headers.items():
        headers[name] = f"{headers[name]},{value}" if name in headers else value
    query: dict[str, str] = {}
    for name, value in parse_qsl(split.query, keep_blank_values=True):
        query[name] = f"{query[name]},{value}" if name in query else value
    content_type = request.headers.get("Content-Type", "").lower()
    text = _as_text(body, content_type)
    now = time.time()
    host, port = _address(request.server)
    event = {
        "version": "v1",
        "rawPath": split.path,
        "body": text if text is not None else base64.b64encode(body).decode("ascii"),
        "isBase64Encoded": text is None,
        "headers": headers,
        "queryParameters": query,
        "requestContext": {
            "accountId": "1234567890123456",
            "domainName": f"{host}:{port}",
            "domainPrefix": function_name,
            "http": {
                "method": method,
                "path": unquote(split.path),
                "protocol": request.request_version,
                "sourceIp": request.client_address[0],
                "userAgent": request.headers.get("User-Agent", ""),
            },
            "requestId": request_id,
            "time": datetime.fromtimestamp(now, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "timeEpoch": str(int(now * 1000)),
        },
    }
    return json.dumps(event, ensure_ascii=False).encode("utf-8")


def _as_text(body: bytes, content_type: str) -> str | None:
    """The body as text when it is textual (by type, and valid UTF-8); None means send it base64."""
    if not body:
        return ""
    if not content_type.startswith(_TEXT_TYPES):
        return None
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _http_reply(payload: bytes, function_name: str) -> tuple[int, dict[str, str | list[str]], bytes]:
    """Map the runtime's answer to (status, headers, body) as an FC HTTP trigger does: a JSON response
    struct (what ``http_response`` returns, serialised by the runtime) becomes the response."""
    try:
        result: Any = json.loads(payload)
    except ValueError:
        result = payload
    if not (isinstance(result, dict) and "statusCode" in result):
        logger.warning(
            "function %s returned %s instead of an HTTP response struct; sent as a 200 body "
            "(FC's handling of this is undocumented: return scene_select.cloud.fc.http_trigger.http_response(...))",
            function_name,
            type(result).__name__,
        )
        if isinstance(result, bytes):
            return 200, {}, result
        if isinstance(result, str):
            return 200, {"Content-Type": "text/plain; charset=utf-8"}, result.encode("utf-8")
        return 200, {"Content-Type": "application/json"}, json.dumps(result, ensure_ascii=False).encode("utf-8")
    status = result["statusCode"]
    headers = result.get("headers") or {}
    body = result.get("body")
    problem = _struct_problem(status, headers, body)
    payload = b""
    if problem is None:
        try:
            payload = _decode_body(body or "", bool(result.get("isBase64Encoded")))
        except ValueError as exc:
            problem = str(exc)
    if problem is not None:
        logger.error("function %s returned a malformed HTTP response struct: %s", function_name, problem)
        return 502, {"Content-Type": "text/plain; charset=utf-8"}, f"malformed function response: {problem}".encode()
    return int(status), dict(headers), payload


def _decode_body(body: str, is_base64: bool) -> bytes:
    if not is_base64:
        return body.encode("utf-8")
    try:
        return base64.b64decode(body, validate=True)
    except binascii.Error as exc:
        raise ValueError("isBase64Encoded is true but body is not base64") from exc


def _struct_problem(status: Any, headers: Any, body: Any) -> str | None:
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        return f"statusCode must be an integer 100..599, got {status!r}"
    if not isinstance(headers, dict) or not all(
        isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))
        for value in headers.values()
    ):
        return "headers must map names to strings (or lists of strings)"
    if body is not None and not isinstance(body, str):
        return f"body must be a string, got {type(body).__name__}"
    return None


# -- internals ----------------------------------------------------------------------------------------


@contextlib.contextmanager
def _function_environment(function_dir: Path, environ: Mapping[str, str], handler: str) -> Iterator[None]:
    """``os.environ`` as the function would see it, restored afterwards (caller holds the lock)."""
    configured = {
        "FC_FUNCTION_NAME": Path(function_dir).name,
        "FC_FUNCTION_HANDLER": handler,
        "FC_FUNC_CODE_PATH": str(Path(function_dir).resolve()),
        "FC_FUNCTION_MEMORY_SIZE": "512",
        "FC_REGION": environ.get("FC_REGION") or environ.get("ALIBABA_CLOUD_REGION") or _DEFAULT_REGION,
        "FC_ACCOUNT_ID": "1234567890123456",
        "FC_INSTANCE_ID": "local-" + hashlib.sha1(str(function_dir).encode()).hexdigest()[:12],
        **environ,
    }
    saved = dict(os.environ)
    try:
        for name in list(os.environ):
            if name.startswith(_HIDDEN_PREFIXES) and name not in configured:
                del os.environ[name]
        os.environ.update(configured)
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _address(server: Any) -> tuple[str, int]:
    host, port = server.server_address[:2]
    return str(host), int(port)


def _new_request_id() -> str:
    return f"1-{int(time.time()):08x}-{secrets.token_hex(12)}"
