"""The FC shim against a faithful copy of FC's own Python runtime: the handlers cannot tell them apart.

Each real handler (functions/submit, callback, reconcile) gets the same event and the same invocation
metadata twice: through the shim, and through ``scene_select_testkit.fc_bootstrap`` in a fresh process (what FC's
python3 bootstrap does: code directory first on sys.path, the module loaded as ``index``, the context
built from the ``x-fc-*`` headers, the result serialised, an exception turned into the error document).
The answers must be byte for byte the same, on the python3.10 and the python3.12 context.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import time
from typing import Any

import pytest

from scene_select.workstation.local.fc_runtime import LocalContext, LocalCredentials, invoke_raw
from scene_select.workstation.local.stack import LocalStack
from scene_select_testkit.events import http_trigger_event, ice_callback_body, oss_event

BOOTSTRAP = "scene_select_testkit.fc_bootstrap"
REQUEST_ID = "1-6925e1f0-0123456789abcdef01234567"
TIMER = json.dumps({"triggerTime": "2026-11-30T08:00:00Z", "triggerName": "every-5-minutes", "payload": ""})


def _headers(stack: LocalStack, function: str, environ: dict[str, str]) -> dict[str, str]:
    return {
        "x-fc-request-id": REQUEST_ID,
        "x-fc-access-key-id": environ.get("ALIBABA_CLOUD_ACCESS_KEY_ID", ""),
        "x-fc-access-key-secret": environ.get("ALIBABA_CLOUD_ACCESS_KEY_SECRET", ""),
        "x-fc-security-token": environ.get("ALIBABA_CLOUD_SECURITY_TOKEN", ""),
        "x-fc-function-name": function,
        "x-fc-function-handler": "index.handler",
        "x-fc-function-memory": "512",
        "x-fc-function-timeout": "60",
        "x-fc-retry-count": "0",
        "x-fc-service-name": function,
        "x-fc-service-logproject": "",
        "x-fc-service-logstore": "",
        "x-fc-qualifier": "LATEST",
        "x-fc-version-id": "",
        "x-fc-region": stack.options.region,
        "x-fc-account-id": "1234567890123456",
    }


def _through_the_shim(stack: LocalStack, function: str, event: bytes, environ: dict[str, str], runtime: str) -> Any:
    context = LocalContext(
        function_name=function,
        request_id=REQUEST_ID,
        region=stack.options.region,
        credentials=LocalCredentials(
            environ.get("ALIBABA_CLOUD_ACCESS_KEY_ID", ""),
            environ.get("ALIBABA_CLOUD_ACCESS_KEY_SECRET", ""),
            environ.get("ALIBABA_CLOUD_SECURITY_TOKEN", ""),
        ),
        runtime=runtime,
    )
    return invoke_raw(stack.functions_dir / function, event, environ=environ, context=context, runtime=runtime)


def _through_the_runtime_copy(
    stack: LocalStack, function: str, event: bytes, environ: dict[str, str], runtime: str
) -> Any:
    code = stack.functions_dir / function
    request = {
        "runtime": runtime,
        "codePath": str(code),
        "headers": _headers(stack, function, environ),
        "event": base64.b64encode(event).decode(),
    }
    fc_variables = {
        "FC_FUNC_CODE_PATH": str(code),
        "FC_FUNCTION_MEMORY_SIZE": "512",
        "FC_REGION": environ.get("FC_REGION", ""),
        "FC_FUNCTION_NAME": function,  # set by the platform, removed by the bootstrap
    }
    completed = subprocess.run(
        [sys.executable, "-m", BOOTSTRAP],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", **environ, **{k: v for k, v in fc_variables.items() if v}},
        cwd=code,
        timeout=120,
        check=True,
    )
    answer = json.loads(completed.stdout.strip().splitlines()[-1])
    return base64.b64decode(answer["payload"]), answer["failed"]


def _callback_event() -> bytes:
    return http_trigger_event(
        body=ice_callback_body("f" * 32),
        headers={"X-Ice-Timestamp": str(int(time.time())), "X-Ice-Signature": "0" * 32},
        path="/callback",
        request_id=REQUEST_ID,
    )


@pytest.mark.parametrize("runtime", ["python3.10", "python3.12"])
def test_every_handler_answers_the_same_through_the_shim_and_the_runtime(stack: LocalStack, runtime: str) -> None:
    stack.watcher.stop()  # type: ignore[union-attr]
    stack.store.put("results/smart-mix/x/script.txt", "一句。".encode())
    cases = [
        ("submit", oss_event(stack.store, "results/smart-mix/x/script.txt"), stack.environ),  # ignored: not the inbox
        ("submit", b"not json", stack.environ),  # malformed: reported, not retried
        ("reconcile", TIMER.encode(), stack.environ),  # nothing pending
        ("callback", _callback_event(), stack.environ),  # a forged signature: 401
        ("submit", b"{}", {k: v for k, v in stack.environ.items() if k != "SCENE_SELECT_BUCKET"}),  # raises
    ]
    for function, event, environ in cases:
        shim = _through_the_shim(stack, function, event, environ, runtime)
        runtime_copy = _through_the_runtime_copy(stack, function, event, environ, runtime)
        assert shim == runtime_copy, (function, event[:80])
    payload, failed = _through_the_shim(stack, *cases[-1], runtime)
    assert failed and json.loads(payload)["errorType"] == "ConfigError"
    assert json.loads(_through_the_shim(stack, *cases[3], runtime)[0])["statusCode"] == 401
