"""The base every ICE wire model shares, and the one place validation errors become readable.

ICE takes its configs as JSON strings with PascalCase keys and returns results with lowerCamelCase
keys. Users pass fields we do not model (ICE keeps adding them), so every wire model keeps unknown
fields and writes them back unchanged; nulls are never sent.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic.alias_generators import to_camel, to_pascal

from scene_select.cloud.errors import JobConfigError, SceneSelectError

__all__ = [
    "CamelModel",
    "PascalModel",
    "compact_json",
    "decode_json_object",
    "describe_validation_error",
    "load_json_object",
]

_VALUE_PREVIEW = 60


class PascalModel(BaseModel):
    """A request-side ICE model: PascalCase on the wire, unknown fields kept.

    ``defer_build``: every wire model's validator is built on its first use, not at import — a function
    instance pays only for the models its invocations validate (bench/cold_start.py).
    """

    model_config = ConfigDict(extra="allow", populate_by_name=True, alias_generator=to_pascal, defer_build=True)

    def to_wire(self) -> dict[str, Any]:
        """The JSON object ICE expects: aliases, no nulls, unknown fields as the user gave them."""
        return self.model_dump(by_alias=True, exclude_none=True, mode="json")


class CamelModel(BaseModel):
    """A result-side ICE model: lowerCamelCase on the wire, unknown fields kept."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, alias_generator=to_camel, defer_build=True)

    def to_wire(self) -> dict[str, Any]:
        """The JSON object in ICE's shape."""
        return self.model_dump(by_alias=True, exclude_none=True, mode="json")


def compact_json(value: Any) -> str:
    """Serialise the way ICE's SDKs do: compact separators, UTF-8 kept (no \\u escapes)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def loads_untrusted(data: str | bytes) -> Any:
    """``json.loads`` for text from outside, with one failure type: ValueError. CPython reports JSON nested
    deeper than its parser's stack (a few KB of ``[`` is enough) as RecursionError, which no caller
    expects from bad input; here it is a ValueError like any other malformed JSON."""
    try:
        return json.loads(data)
    except RecursionError:
        raise ValueError("JSON nested deeper than the parser allows") from None


def decode_json_object(
    text: str | bytes, what: str, error: type[SceneSelectError], *, hint: str = ""
) -> dict[str, Any]:
    """Decode text that must hold one JSON object; anything else raises ``error`` naming ``what``.

    Configs, manifests, trigger events and environment variables all arrive as text from someone
    else; this is the one place that turns them into objects, with one style of message.
    """
    try:
        decoded = loads_untrusted(text)
    except UnicodeDecodeError as exc:
        raise error(f"{what} is not UTF-8 text (byte {exc.start} is invalid)") from None
    except ValueError as exc:
        raise error(f"{what} is not valid JSON ({exc}){hint}") from None
    if not isinstance(decoded, dict):
        raise error(f"{what} must be a JSON object, got {type(decoded).__name__}")
    return decoded


def load_json_object(section: str, value: str | bytes | dict[str, Any]) -> dict[str, Any]:
    """Accept a JSON string or an already-decoded object; anything else is a JobConfigError."""
    if isinstance(value, dict):
        return value
    return decode_json_object(value, section, JobConfigError, hint="; pass a JSON object such as {...}")


def _preview(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _VALUE_PREVIEW else text[: _VALUE_PREVIEW - 3] + "..."


def _path(section: str, loc: tuple[int | str, ...]) -> str:
    out = section
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def describe_validation_error(section: str, exc: ValidationError) -> str:
    """One line per problem: the field (wire names), the rule it breaks and the value given."""
    lines = []
    for error in exc.errors(include_url=False):
        loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        message = error["msg"].removeprefix("Value error, ")
        where = _path(section, loc)
        if error["type"] == "missing":
            lines.append(f"{where}: required field is missing")
        else:
            lines.append(f"{where}: {message} (got {_preview(error.get('input'))})")
    return "; ".join(lines)
