"""One HTTP request as a function receives it, decoded: what the callback use case verifies and reads.

The FC glue (:mod:`scene_select.cloud.fc.http_trigger`) builds it from an HTTP-trigger event, so the use
cases never see FC's event format. Header names are lower-cased; :meth:`HttpRequest.header` looks them
up case-insensitively.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from scene_select.cloud.errors import EventError
from scene_select.cloud.models.wire import loads_untrusted

__all__ = ["HttpRequest"]


class HttpRequest(BaseModel):
    """One HTTP request, decoded."""

    model_config = ConfigDict(frozen=True)

    method: str
    path: str
    raw_path: str
    headers: dict[str, str]
    query: dict[str, str]
    body: bytes
    request_id: str | None = None
    source_ip: str | None = None
    domain_name: str | None = None

    def header(self, name: str, default: str | None = None) -> str | None:
        """A header's value (comma-joined if it was repeated), looked up case-insensitively."""
        return self.headers.get(name.lower(), default)

    def json_body(self) -> Any:
        """The body decoded as JSON; :class:`EventError` (answer 400) when it is not."""
        try:
            return loads_untrusted(self.body.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise EventError(f"request body is not UTF-8 text (byte {exc.start} is invalid)") from exc
        except ValueError as exc:
            raise EventError(f"request body is not JSON ({exc})") from exc
