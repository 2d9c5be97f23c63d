"""What FC's python3 runtime does with one invocation, written out small, to hold the shim against.

Alibaba's bootstrap for the python3 runtimes is public in the FC runtime images; its native RAPIS client
is not, so it cannot run off the platform. This script does what the bootstrap does around the handler,
step by step, in a process of its own (as an FC instance is):

1. keeps only the ``FC_*`` variables the bootstrap keeps (code path, memory size, runtime version,
   region) and puts the code directory first on ``sys.path``;
2. finds the handler module segment by segment below the code directory and loads it under its own
   name, reusing ``sys.modules[name]`` when it is already there;
3. builds the context from the ``x-fc-*`` request headers: python3.10 ``FCContext(account_id,
   request_id, Credentials, FunctionMeta(name, handler, int(memory), timeout), ServiceMeta, region,
   Tracing, logger=None, retry_count)``, or python3.12's shape without credentials and service;
4. calls ``handler(event, context)``: a ``str``/``bytes`` result is the answer as it is, anything else
   ``json.dumps(indent=4, sort_keys=True)`` with Decimal → float and dates → ISO; an exception, or a
   result that does not serialise, answers ``{"errorMessage", "errorType", "stackTrace"}`` with the
   runtime's own frame removed and each frame split into ``[file, line, function, source]``.

Run it as ``python -m scene_select_testkit.fc_bootstrap`` (tests/functional/pipeline/test_runtime_parity.py
does, in a fresh process whose working directory is the function's code directory). It imports nothing of
scene-select or of the kit: it stands for the platform, not for our code.

Input on stdin: ``{"runtime", "codePath", "headers": {...}, "event": <base64>}``; output on stdout:
``{"failed": bool, "payload": <base64>}``.
"""

from __future__ import annotations

import base64
import datetime
import decimal
import importlib.machinery
import importlib.util
import json
import os
import sys
import traceback
from typing import Any

SAFE_ENV = ("FC_FUNC_CODE_PATH", "FC_FUNCTION_MEMORY_SIZE", "FC_RUNTIME_VERSION", "FC_REGION")


class Credentials:
    def __init__(self, access_key_id: str, access_key_secret: str, security_token: str) -> None:
        self.access_key_id = access_key_id
        self.access_key_secret = access_key_secret
        self.security_token = security_token


class FunctionMeta:
    def __init__(self, name: str, handler: str, memory: int, timeout: str, *rest: str) -> None:
        self.name = name
        self.handler = handler
        self.memory = memory
        self.timeout = timeout
        if rest:  # python3.12
            self.version_id, self.qualifier = rest


class ServiceMeta:
    def __init__(self, name: str, log_project: str, log_store: str, qualifier: str, version_id: str) -> None:
        self.name = name
        self.log_project = log_project
        self.log_store = log_store
        self.qualifier = qualifier
        self.version_id = version_id


class Tracing:
    def __init__(self, span_context: str, base64_baggages: str, jaeger_endpoint: str) -> None:
        self.span_context = span_context
        self.jaeger_endpoint = jaeger_endpoint
        self.span_baggages = json.loads(base64.b64decode(base64_baggages)) if base64_baggages else {}


class Python310Context:
    def __init__(self, headers: dict[str, str]) -> None:
        self.account_id = headers["x-fc-account-id"]
        self.request_id = headers["x-fc-request-id"]
        self.credentials = Credentials(
            headers["x-fc-access-key-id"], headers["x-fc-access-key-secret"], headers["x-fc-security-token"]
        )
        self.function = FunctionMeta(
            headers["x-fc-function-name"],
            headers["x-fc-function-handler"],
            int(headers["x-fc-function-memory"]),
            headers["x-fc-function-timeout"],
        )
        self.service = ServiceMeta(
            headers["x-fc-service-name"],
            headers["x-fc-service-logproject"],
            headers["x-fc-service-logstore"],
            headers["x-fc-qualifier"],
            headers["x-fc-version-id"],
        )
        self.region = headers["x-fc-region"]
        self.tracing = Tracing("", "", "")
        self.logger = None
        self.retry_count = int(headers["x-fc-retry-count"])


class Python312Context:
    def __init__(self, headers: dict[str, str]) -> None:
        self.account_id = headers["x-fc-account-id"]
        self.request_id = headers["x-fc-request-id"]
        self.function = FunctionMeta(
            headers["x-fc-function-name"],
            headers["x-fc-function-handler"],
            int(headers["x-fc-function-memory"]),
            headers["x-fc-function-timeout"],
            headers["x-fc-version-id"],
            headers["x-fc-qualifier"],
        )
        self.logger = None
        self.log_project = headers["x-fc-service-logproject"]
        self.log_store = headers["x-fc-service-logstore"]
        self.region = headers["x-fc-region"]


def load(code_path: str, handler: str) -> Any:
    module_name, function_name = handler.rsplit(".", 1)
    if module_name in sys.modules:
        module = sys.modules[module_name]
    else:
        search = [code_path]
        spec = None
        for segment in module_name.split("."):
            spec = importlib.machinery.PathFinder.find_spec(segment, search)
            if spec is None:
                raise ImportError(f"Unable to import module '{module_name}'")
            search = list(spec.submodule_search_locations or [])
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
    return getattr(module, function_name)


def serialise(value: Any) -> str:
    def default(item: Any) -> Any:
        if isinstance(item, decimal.Decimal):
            return float(item)
        if isinstance(item, (datetime.datetime, datetime.date)):
            return item.isoformat()
        if hasattr(item, "to_json"):
            return item.to_json()
        raise TypeError(repr(item) + " is not JSON serializable")

    return json.dumps(value, default=default, indent=4, sort_keys=True)


def error_answer(exc: BaseException, drop_first_frame: bool) -> str:
    frames = traceback.format_tb(exc.__traceback__)
    if drop_first_frame:
        frames = frames[1:]
    stack = []
    for frame in frames:
        lines = frame.split("\n")
        stack.append([part.strip() for part in lines[0].split(",")] + [lines[1].strip()])
    answer: dict[str, Any] = {"errorMessage": str(exc), "errorType": exc.__class__.__name__}
    if stack:
        answer["stackTrace"] = stack
    return serialise(answer)


def main() -> None:
    request = json.loads(sys.stdin.read())
    for name in [k for k in os.environ if k.startswith(("FC_", "_FC_")) and k not in SAFE_ENV]:
        del os.environ[name]
    sys.path.insert(0, request["codePath"])
    headers = request["headers"]
    context = Python312Context(headers) if request["runtime"] == "python3.12" else Python310Context(headers)
    event = base64.b64decode(request["event"])
    handler = load(request["codePath"], headers["x-fc-function-handler"])
    failed = False
    try:
        result = handler(event, context)
    except Exception as exc:
        payload, failed = error_answer(exc, drop_first_frame=True).encode(), True
    else:
        if isinstance(result, bytes):
            payload = result
        elif isinstance(result, str):
            payload = result.encode()
        else:
            try:
                payload = serialise(result).encode()
            except TypeError as exc:
                payload, failed = error_answer(exc, drop_first_frame=False).encode(), True
    print(json.dumps({"failed": failed, "payload": base64.b64encode(payload).decode()}))


if __name__ == "__main__":
    main()
