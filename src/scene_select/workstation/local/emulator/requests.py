"""Reading an OpenAPI RPC request off the wire: action, version, parameters from query and form body.

The ICE SDK sends ``x-acs-action`` / ``x-acs-version`` headers (V3 signature) and splits parameters between
the query (JobType, OutputConfig, UserData) and an ``application/x-www-form-urlencoded`` body (InputConfig,
EditingConfig). The emulator accepts every parameter from either place, because being strict about the
split would only reject clients ICE accepts; when a name appears in both, the query value wins. ``Action`` /
``Version`` query parameters (the older RPC style) are read too, for routing and its errors — but a V3
signature must sign the ``x-acs-action`` / ``x-acs-version`` headers, so only header-style calls get past
authentication. Everything is UTF-8.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

from scene_select.cloud.ice.rpc import API_VERSION, FORM_CONTENT_TYPE
from scene_select.workstation.local.emulator.api_errors import ApiError, invalid_parameter, missing_parameter

__all__ = ["ApiRequest", "check_api", "new_request_id", "parse_request"]


def new_request_id() -> str:
    """A RequestId shaped like POP's (upper-case UUID)."""
    return str(uuid.uuid4()).upper()


@dataclass(frozen=True)
class ApiRequest:
    """One decoded request. ``headers`` have lower-case names; ``query``/``form`` are decoded strings."""

    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: bytes
    form: Mapping[str, str] = field(default_factory=dict)

    def param(self, name: str) -> str | None:
        """A request parameter from the query, else from the form body; None when absent."""
        if name in self.query:
            return self.query[name]
        return self.form.get(name)

    def required(self, name: str) -> str:
        """A parameter that must be present and non-empty, else POP's ``Missing<Name>``."""
        value = self.param(name)
        if value is None or value == "":
            raise missing_parameter(name)
        return value

    @property
    def action(self) -> str:
        return self._routing("Action")

    @property
    def version(self) -> str:
        return self._routing("Version")

    def _routing(self, name: str) -> str:
        """Action or Version: the ``x-acs-*`` header (V3), else the query parameter (older RPC style)."""
        value = self.headers.get(f"x-acs-{name.lower()}") or self.query.get(name)
        if not value:
            raise missing_parameter(name)
        return value


def parse_request(method: str, raw_path: str, headers: Mapping[str, str], body: bytes) -> ApiRequest:
    """Decode path, query and (for form bodies) the body's parameters; InvalidParameter on bad encoding."""
    split = urlsplit(raw_path)
    lower_headers = {name.lower(): value for name, value in headers.items()}
    query = _decode_pairs(split.query, "query string")
    form: dict[str, str] = {}
    content_type = lower_headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if body and content_type == FORM_CONTENT_TYPE:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise invalid_parameter(f"The request body is not valid UTF-8 ({exc.reason} at byte {exc.start}).") from exc
        form = _decode_pairs(text, "form body")
    return ApiRequest(method.upper(), split.path or "/", query, lower_headers, body, form)


def _decode_pairs(text: str, where: str) -> dict[str, str]:
    try:
        return dict(parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise invalid_parameter(f"The {where} is not valid UTF-8 percent-encoding: {exc}.") from exc


def check_api(request: ApiRequest, known_actions: frozenset[str]) -> str:
    """The request's action, after checking method, path and version as POP does."""
    if request.method not in ("GET", "POST") or request.path != "/":
        raise ApiError("InvalidApi.NotFound", "Specified api is not found, please check your url and method.", 404)
    version = request.version
    if version != API_VERSION:
        raise ApiError("InvalidVersion", f"Specified parameter Version is not valid: {version!r}.", 400)
    action = request.action
    if action not in known_actions:
        raise ApiError("InvalidApi.NotFound", "Specified api is not found, please check your url and method.", 404)
    return action
