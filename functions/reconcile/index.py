"""Placeholder for the reconcile handler: replaced by the pipeline's real handler.

It exists so that s.yaml, the artifact build and the shim have a handler to load; it imports only
scene_select.fc (nothing the artifact lacks) and says plainly that nothing was done.
"""

from __future__ import annotations

from typing import Any

from scene_select.fc.context import FcContext


def handler(event: bytes, context: FcContext) -> dict[str, Any]:
    return {
        "function": context.function.name,
        "requestId": context.request_id,
        "status": "not wired yet",
        "message": "the reconcile handler is a placeholder; the event was not processed",
        "eventBytes": len(event),
    }
