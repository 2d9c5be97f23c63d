"""Function Compute handler: Timer trigger → finishes runs whose callback never came and claims that died.

Thin on purpose: all logic is in the scene_select library (see FunctionRuntime.reconcile). Nothing runs
at import; settings load on the first invocation and credentials on every one.
"""

from typing import Any

from scene_select.cloud.fc.handlers import FunctionRuntime

_runtime = FunctionRuntime()


def handler(event: bytes, context: Any) -> dict[str, Any]:
    return _runtime.reconcile(event, context)
