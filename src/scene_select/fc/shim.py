"""A local Function Compute runtime: run ``functions/<name>/index.py`` the way FC would.

What it reproduces, and why each matters:

- **Loading.** FC imports the handler file from the code directory; two functions both have an
  ``index.py``. :func:`load_handler` loads a file by path under a unique module name, once per
  "instance" (cached like a warm instance; ``fresh=True`` is a cold start), so module-level caches in a
  handler behave as they will in FC.
- **Context.** :class:`LocalContext` has the python3.10 runtime's shape — ``request_id``,
  ``credentials`` (the STS triple), ``function`` (name, handler, memory, timeout), ``service``,
  ``region``, ``account_id``, ``getLogger()`` — so handler code reading the context runs unchanged.
- **Environment.** A function sees its own configuration as environment variables. :func:`invoke`
  runs the handler with ``os.environ`` set to the given mapping plus the ``FC_*`` variables FC injects,
  with any other ``ALIBABA_CLOUD_*``/``FC_*``/``SCENE_SELECT_*`` variable of this process hidden. Because
  ``os.environ`` is process-wide, invocations are serialised by one lock — which is also FC 3.0's
  behaviour for built-in runtimes (one request per instance).
- **Events.** The event is **bytes**, as FC passes it. :func:`serve_http_trigger` turns real HTTP
  requests into FC 3.0 HTTP-trigger event bytes (base64 bodies for binary content, comma-joined
  repeated headers and query parameters, URL-encoded ``rawPath``), and the handler's response struct
  back into HTTP. Methods not configured get 403 before the handler runs; a handler exception becomes
  a 500 with ``X-Fc-Error-Type: UnhandledInvocationError`` and FC's ``errorMessage``/``errorType``/
  ``stackTrace`` body (FC's exact status for this case over HTTP triggers is not documented).

Handler files may import installed packages (``scene_select``); sibling modules in the function
directory are not put on ``sys.path`` (two functions could both have a ``helpers.py``).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import importlib.util
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
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, urlsplit

from scene_select.errors import ConfigError
from scene_select.ice.credentials import ACCESS_KEY_ID_ENV, ACCESS_KEY_SECRET_ENV, SECURITY_TOKEN_ENV

__all__ = [
    "HttpTriggerServer",
    "LocalContext",
    "invoke",
    "load_handler",
    "serve_http_trigger",
]

logger = logging.getLogger(__name__)

Handler = Callable[[Any, Any], Any]

_INVOCATION_LOCK = threading.RLock()
_LOADED: dict[tuple[Path, str], Handler] = {}
_HIDDEN_PREFIXES = ("ALIBABA_CLOUD_", "FC_", "SCENE_SELECT_")
_DEFAULT_REGION = "cn-shanghai"
_MAX_SYNC_PAYLOAD = 32 * 1024 * 1024  # FC's synchronous invocation limit
_TEXT_TYPES = ("text/", "application/json", "application/xml", "application/x-www-form-urlencoded")


# -- context ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LocalCredentials:
    """``context.credentials`` of the python3.10 runtime."""

    access_key_id: str
    access_key_secret: str
    security_token: str

    def __repr__(self) -> str:
        return f"LocalCredentials(access_key_id={self.access_key_id!r}, ...)"


@dataclass(frozen=True)
class LocalFunctionMeta:
    """``context.function``: name, handler, memory (MB), timeout (s)."""

    name: str
    handler: str
    memory: int
    timeout: int


@dataclass(frozen=True)
class LocalServiceMeta:
    """``context.service`` (python3.10; a compatibility artefact in FC 3.0)."""

    name: str
    log_project: str
    log_store: str
    qualifier: str
    version_id: str


class LocalContext:
    """A context object shaped like the python3.10 runtime's (see the module docstring)."""

    def __init__(
        self,
        *,
        function_name: str,
        request_id: str | None = None,
        region: str = _DEFAULT_REGION,
        account_id: str = "1234567890123456",
        credentials: LocalCredentials | None = None,
        handler: str = "index.handler",
        memory: int = 512,
        timeout: int = 60,
    ) -> None:
        self.request_id = request_id or _new_request_id()
        self.credentials = credentials
        self.function = LocalFunctionMeta(name=function_name, handler=handler, memory=memory, timeout=timeout)
        self.service = LocalServiceMeta(
            name=function_name, log_project="", log_store="", qualifier="LATEST", version_id=""
        )
        self.region = region
        self.account_id = account_id
        self.tracing = None

    @classmethod
    def for_function(
        cls, function_dir: Path, environ: Mapping[str, str], *, handler: str = "index.handler"
    ) -> LocalContext:
        """The context FC would build for ``function_dir`` configured with ``environ``."""
        access_key_id = environ.get(ACCESS_KEY_ID_ENV, "")
        access_key_secret = environ.get(ACCESS_KEY_SECRET_ENV, "")
        credentials = (
            LocalCredentials(access_key_id, access_key_secret, environ.get(SECURITY_TOKEN_ENV, ""))
            if access_key_id and access_key_secret
            else None
        )
        return cls(
            function_name=environ.get("FC_FUNCTION_NAME") or Path(function_dir).name,
            region=environ.get("FC_REGION") or environ.get("ALIBABA_CLOUD_REGION") or _DEFAULT_REGION,
            credentials=credentials,
            handler=handler,
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


# -- loading and invoking -----------------------------------------------------------------------------


def load_handler(function_dir: Path, handler: str = "index.handler", *, fresh: bool = False) -> Handler:
    """The handler function ``<module>.<function>`` of ``function_dir``, loaded by file path.

    Cached per (directory, handler) like a warm instance; ``fresh=True`` loads it anew (a cold start).
    Raises :class:`ConfigError` when the file or the function does not exist.
    """
    module_path, _, function_name = handler.rpartition(".")
    if not module_path or not function_name:
        raise ConfigError(f"handler {handler!r} must look like 'index.handler' (<file>.<function>)")
    directory = Path(function_dir).resolve()
    cache_key = (directory, handler)
    if not fresh and cache_key in _LOADED:
        return _LOADED[cache_key]
    source = directory.joinpath(*module_path.split(".")).with_suffix(".py")
    if not source.is_file():
        raise ConfigError(f"handler file {source} does not exist (handler {handler!r} in {directory})")
    module = _load_module(source)
    function: Handler | None = getattr(module, function_name, None)
    if not callable(function):
        raise ConfigError(f"{source} has no function {function_name!r} (handler {handler!r})")
    _LOADED[cache_key] = function
    return function


def invoke(
    function_dir: Path,
    event: bytes,
    *,
    environ: Mapping[str, str],
    context: Any = None,
    handler: str = "index.handler",
) -> Any:
    """Run the function once with ``event`` (bytes, as FC passes it) and return what it returns.

    The handler's exceptions propagate. See the module docstring for the environment it sees.
    """
    if not isinstance(event, bytes):
        raise TypeError(f"FC passes events as bytes; got {type(event).__name__} (encode JSON with .encode())")
    with _INVOCATION_LOCK, _function_environment(function_dir, environ, handler):
        function = load_handler(function_dir, handler)
        invocation_context = (
            context if context is not None else LocalContext.for_function(function_dir, os.environ, handler=handler)
        )
        return function(event, invocation_context)


# -- the HTTP trigger ---------------------------------------------------------------------------------


class HttpTriggerServer:
    """A running local HTTP trigger; ``url`` is its base URL. Close it (or use ``with``)."""

    def __init__(self, server: ThreadingHTTPServer, thread: threading.Thread) -> None:
        self._server = server
        self._thread = thread
        host, port = _address(server)
        self.url = f"http://{host}:{port}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

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
    request_handler = _make_request_handler(Path(function_dir), dict(environ), allowed, handler)
    server = ThreadingHTTPServer((host, port), request_handler)
    server.daemon_threads = True
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="fc-http-trigger", daemon=True
    )
    thread.start()
    return HttpTriggerServer(server, thread)


def _make_request_handler(
    function_dir: Path, environ: dict[str, str], allowed: frozenset[str], handler: str
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
            try:
                result = invoke(function_dir, event, environ=environ, context=context, handler=handler)
            except Exception as exc:  # the handler's own failure, reported as FC reports it
                logger.exception("function %s raised while serving %s %s", function_dir.name, method, self.path)
                self._reply(
                    500,
                    {"Content-Type": "application/json", "X-Fc-Error-Type": "UnhandledInvocationError"},
                    _error_body(exc),
                    request_id,
                )
                return
            status, headers, payload = _http_reply(result, function_dir.name)
            self._reply(status, headers, payload, request_id)

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
    """The FC 3.0 HTTP-trigger event bytes for one real request (docs/fc-oss.md §3)."""
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


def _http_reply(result: Any, function_name: str) -> tuple[int, dict[str, str | list[str]], bytes]:
    """Map a handler's return value to (status, headers, body) as an FC HTTP trigger does."""
    if not (isinstance(result, dict) and "statusCode" in result):
        logger.warning(
            "function %s returned %s instead of an HTTP response struct; sent as a 200 body "
            "(FC's handling of this is undocumented: return scene_select.fc.http_trigger.http_response(...))",
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


def _error_body(exc: BaseException) -> bytes:
    frames = traceback.extract_tb(exc.__traceback__)
    stack = [
        [f'File "{frame.filename}"', f"line {frame.lineno}", f"in {frame.name}", frame.line or ""] for frame in frames
    ]
    return json.dumps(
        {"errorMessage": str(exc), "errorType": type(exc).__name__, "stackTrace": stack}, ensure_ascii=False
    ).encode("utf-8")


# -- internals ----------------------------------------------------------------------------------------


def _load_module(source: Path) -> ModuleType:
    digest = hashlib.sha1(str(source).encode("utf-8")).hexdigest()[:12]
    name = f"_fc_{source.parent.name.replace('-', '_')}_{source.stem}_{digest}_{secrets.token_hex(3)}"
    spec = importlib.util.spec_from_file_location(name, source)
    if spec is None or spec.loader is None:
        raise ConfigError(f"cannot load {source} as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look modules up by name
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


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
