"""ICE's API gateway as an httpx transport, for unit tests of ``IceClient``: no server, no port, no thread.

An ``IceClient`` unit test checks two things: what the client puts on the wire (signing headers, which
parameter goes in the query and which in the form body, a fresh signature per retry, NextToken paging) and
what it makes of each answer (retries and backoff, the typed errors, "outcome unknown" for a submit). A real
HTTP server adds nothing to either, so these tests give the client
``httpx.Client(transport=httpx.MockTransport(gateway))`` with an :class:`IceGateway`, which behaves as the
gateway in front of ICE does where a client can tell:

* every request's ACS3 signature is checked with the production verifier
  (:func:`scene_select.cloud.ice.signing.verify_request`) and a reused ``x-acs-signature-nonce`` is refused,
  with the gateway's error codes and statuses — a request the client signed wrong never reaches the script;
* every request is recorded decoded (:class:`SentRequest`: action, query, form, headers, bytes);
* the answers are scripted per action, in order (:meth:`IceGateway.script`): a JSON answer (:func:`ok`,
  :func:`error`), a body that is not JSON (:func:`raw`), or a transport failure (:class:`Fail`: a read
  timeout, a dropped connection). A call with nothing scripted fails the test: the test must say what ICE
  answers.

ICE's own behaviour (job states, paging tokens, callbacks) is the emulator's job, tested over real HTTP
(:mod:`scene_select_testkit.ice`).
"""

from __future__ import annotations

import json
import threading
import uuid
from collections import defaultdict, deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qsl

import httpx

from scene_select.cloud.errors import SignatureCheckError
from scene_select.cloud.ice.rpc import FORM_CONTENT_TYPE
from scene_select.cloud.ice.signing import verify_request

__all__ = ["Answer", "Fail", "IceGateway", "SentRequest", "error", "ok", "raw"]


@dataclass(frozen=True)
class Answer:
    """An HTTP answer: status, body bytes and headers (a fresh ``httpx.Response`` is built for each call)."""

    status: int
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Fail:
    """No answer: the transport raises ``kind`` — ``httpx.ReadTimeout`` (the answer never came),
    ``httpx.RemoteProtocolError`` (the connection was dropped after the request was sent), …"""

    kind: type[httpx.TransportError]


Script = Answer | Fail


def ok(**fields: Any) -> Answer:
    """A 200 answer with ``fields`` and a RequestId (unless given)."""
    body = {"RequestId": _request_id(), **fields}
    return Answer(200, json.dumps(body, ensure_ascii=False).encode("utf-8"), {"content-type": "application/json"})


def error(
    status: int, code: str, message: str = "", *, headers: Mapping[str, str] | None = None, **fields: Any
) -> Answer:
    """An error answer in the gateway's shape: RequestId, HostId, Code, Message (``fields`` override them)."""
    body = {"RequestId": _request_id(), "HostId": "ice.cn-shanghai.aliyuncs.com", "Code": code, "Message": message}
    body.update(fields)
    return Answer(status, json.dumps(body).encode("utf-8"), {"content-type": "application/json", **(headers or {})})


def raw(status: int, body: bytes) -> Answer:
    """An answer whose body is not JSON (a proxy's error page, a captive portal)."""
    return Answer(status, body, {"content-type": "text/html"})


@dataclass(frozen=True)
class SentRequest:
    """One request as the gateway received it; ``rejected`` is the error code when the signature check
    refused it (then no scripted answer was used)."""

    action: str
    query: dict[str, str]
    form: dict[str, str]
    headers: dict[str, str]
    body: bytes
    rejected: str | None = None


class IceGateway:
    """The ``httpx.MockTransport`` handler; ``secrets`` maps each accepted AccessKeyId to its secret."""

    def __init__(self, secrets: Mapping[str, str] | None = None) -> None:
        self.secrets = dict(secrets if secrets is not None else {"ak-test": "sk-test"})
        self.sent: list[SentRequest] = []
        self._scripts: defaultdict[str, deque[Script]] = defaultdict(deque)
        self._nonces: set[str] = set()
        self._lock = threading.Lock()

    def script(self, action: str, *answers: Script) -> None:
        """Queue what the next calls of ``action`` get, in order."""
        with self._lock:
            self._scripts[action].extend(answers)

    def seen(self, action: str | None = None) -> list[SentRequest]:
        """The requests of ``action`` (all when None), oldest first, rejected ones included."""
        with self._lock:
            return [sent for sent in self.sent if action is None or sent.action == action]

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        headers = {name.lower(): value for name, value in request.headers.items()}
        query = dict(parse_qsl(request.url.query.decode("ascii"), keep_blank_values=True))
        form: dict[str, str] = {}
        if headers.get("content-type", "").startswith(FORM_CONTENT_TYPE):
            form = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        action = headers.get("x-acs-action", "")
        rejected = self._refusal(request.method, request.url.path, query, headers, body)
        with self._lock:
            self.sent.append(SentRequest(action, query, form, headers, body, rejected.code if rejected else None))
            answer = None if rejected else (self._scripts[action].popleft() if self._scripts[action] else None)
        if rejected is not None:
            return _response(error(rejected.http_status, rejected.code, rejected.check_message))
        if answer is None:
            raise AssertionError(f"IceGateway: no answer scripted for {action or 'a request without x-acs-action'}")
        if isinstance(answer, Fail):
            raise answer.kind(f"(scripted) {answer.kind.__name__}", request=request)
        return _response(answer)

    def _refusal(
        self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: bytes
    ) -> SignatureCheckError | None:
        try:
            verify_request(method, path, query, headers, body, self.secrets.get, now=datetime.now(timezone.utc))
        except SignatureCheckError as exc:
            return exc
        nonce = headers.get("x-acs-signature-nonce", "")
        if not nonce:
            return SignatureCheckError("MissingSignatureNonce", "SignatureNonce is mandatory for this action.", 400)
        with self._lock:
            if nonce in self._nonces:
                return SignatureCheckError("SignatureNonceUsed", "Specified signature nonce was used already.", 400)
            self._nonces.add(nonce)
        return None


def _response(answer: Answer) -> httpx.Response:
    return httpx.Response(answer.status, content=answer.body, headers=dict(answer.headers))


def _request_id() -> str:
    return str(uuid.uuid4()).upper()
