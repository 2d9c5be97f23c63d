"""Function Compute handler: OSS trigger (inbox/ uploads) → at most one ICE selection job per complete batch.

Thin on purpose: all logic is in the scene_select library (see FunctionRuntime.submit). Nothing runs
at import; settings load on the first invocation and credentials on every one.
"""

from typing import Any

from scene_select.cloud.fc.handlers import FunctionRuntime

_runtime = FunctionRuntime()


def handler(event: bytes, context: Any) -> dict[str, Any]:
    return _runtime.submit(event, context)
