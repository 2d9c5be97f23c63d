"""The first step of decoding any FC trigger event: bytes (as FC passes them), text or an already
decoded dict, to a JSON object — or an :class:`~scene_select.cloud.errors.EventError` that names the kind
of event and what is wrong with it."""

from __future__ import annotations

from typing import Any

from scene_select.cloud.errors import EventError
from scene_select.cloud.models.wire import decode_json_object

__all__ = ["load_event_object"]


def load_event_object(event: bytes | str | dict[str, Any], kind: str) -> dict[str, Any]:
    """The event as a JSON object; ``kind`` (e.g. "OSS event") starts every error message."""
    if isinstance(event, dict):
        return event
    if isinstance(event, bytes):
        try:
            event = event.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise EventError(f"{kind} is not UTF-8 text (byte {exc.start} is invalid)") from exc
    if not isinstance(event, str):
        raise EventError(f"{kind} must be bytes, str or dict, got {type(event).__name__}")
    return decode_json_object(event, kind, EventError, hint="; FC passes the trigger's JSON as bytes")
