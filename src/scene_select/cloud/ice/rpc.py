"""How an OpenAPI RPC call of ICE looks on the wire, before it is signed.

RPC-style ICE actions are ``POST /`` with the action and version in ``x-acs-*`` headers; each action
puts some parameters in the query and others in an ``application/x-www-form-urlencoded`` body
(SubmitSceneMediaSelectionJob: JobType, OutputConfig, UserData in the query; InputConfig and
EditingConfig in the body — docs/ice-api.md#submitscenemediaselectionjob). The query is written RFC
3986-encoded and sorted, so what is sent is exactly what is signed; the body is encoded the way the
official SDK encodes it (``urlencode`` of the sorted parameters), so the two produce byte-identical
bodies.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

import httpx

from scene_select.cloud.ice.signing import canonical_query

__all__ = ["API_VERSION", "FORM_CONTENT_TYPE", "build_rpc_request", "form_body"]

API_VERSION = "2020-11-09"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


def form_body(params: Mapping[str, str]) -> bytes:
    """Form encoding of the parameters, sorted by name, UTF-8 (space becomes ``+``, as in the SDK)."""
    return urlencode(sorted(params.items())).encode("utf-8")


def build_rpc_request(
    http: httpx.Client,
    endpoint: str,
    action: str,
    *,
    query: Mapping[str, str],
    form: Mapping[str, str] | None = None,
    timeout: httpx.Timeout | None = None,
) -> httpx.Request:
    """An unsigned ``POST /`` for ``action``; the client's auth signs it when it is sent."""
    encoded_query = canonical_query(query)
    url = f"{endpoint.rstrip('/')}/" + (f"?{encoded_query}" if encoded_query else "")
    headers = {"x-acs-action": action, "x-acs-version": API_VERSION, "accept": "application/json"}
    content = b""
    if form is not None:
        headers["content-type"] = FORM_CONTENT_TYPE
        content = form_body(form)
    if timeout is None:
        return http.build_request("POST", url, headers=headers, content=content)
    return http.build_request("POST", url, headers=headers, content=content, timeout=timeout)
