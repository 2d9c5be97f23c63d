"""Placeholder for the callback handler: replaced by the pipeline's real handler.

It exists so that s.yaml, the artifact build and the shim have a handler to load; it imports only
scene_select.fc (nothing the artifact lacks) and answers 503 so that ICE retries and nothing is lost.
"""

from __future__ import annotations

from typing import Any

from scene_select.fc.context import FcContext
from scene_select.fc.http_trigger import http_response, parse_http_event


def handler(event: bytes, context: FcContext) -> dict[str, Any]:
    request = parse_http_event(event)
    return http_response(
        503,
        {
            "function": context.function.name,
            "requestId": context.request_id,
            "status": "not wired yet",
            "message": f"the callback handler is a placeholder; {request.method} {request.path} was not processed",
        },
    )
