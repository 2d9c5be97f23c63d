"""A small ICE look-alike on 127.0.0.1 for client and CLI tests: real HTTP, real signature checks.

It verifies every request with :func:`scene_select.cloud.ice.signing.verify_request` (and refuses reused nonces,
as the gateway does), insists on ICE's query/body split for SubmitSceneMediaSelectionJob, keeps jobs in
memory (Init → Processing → Finished as they are polled) and pages ListBatchMediaProducingJobs with
NextToken. Tests can queue scripted answers per action (an error body, a delay, a dropped connection) to
exercise the client's retry rules. It is a test double for the cloud, not the emulator (that is
``scene_select.workstation.local``), so it stays deliberately small.
"""

from __future__ import annotations

import json
import sys
import threading
import time
import uuid
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from scene_select.cloud.ice.signing import SignatureCheckError, verify_request

SUBMIT = "SubmitSceneMediaSelectionJob"
GET = "GetBatchMediaProducingJob"
LIST = "ListBatchMediaProducingJobs"
SUBMIT_QUERY = {"JobType", "OutputConfig", "UserData"}
SUBMIT_FORM = {"InputConfig", "EditingConfig"}


@dataclass
class Reply:
    """Answer with this status and JSON body."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Raw:
    """Answer with this status and these exact body bytes (a proxy page, a truncated body)."""

    status: int
    body: bytes


@dataclass
class Delay:
    """Sleep, then answer normally (a read timeout for a client with a shorter timeout)."""

    seconds: float


@dataclass
class Drop:
    """Close the connection without answering, after reading the request."""


Script = Reply | Raw | Delay | Drop


@dataclass
class SeenRequest:
    action: str
    query: dict[str, str]
    form: dict[str, str]
    headers: dict[str, str]
    body: bytes
    raw_query: str
    rejected: str | None = None


@dataclass
class FakeJob:
    job_id: str
    job_type: str
    input_config: str
    output_config: str
    editing_config: str | None
    user_data: str | None
    created: str
    polls: int = 0
    status: str = "Init"


class FakeIce:
    """Start with ``FakeIce()``; ``.url`` is the endpoint; ``.close()`` (or a ``with`` block) stops it."""

    def __init__(self, secrets: dict[str, str] | None = None, *, finish_after_polls: int = 2) -> None:
        self.secrets = secrets if secrets is not None else {"ak-test": "sk-test"}
        self.finish_after_polls = finish_after_polls
        self.requests: list[SeenRequest] = []
        self.jobs: dict[str, FakeJob] = {}
        self.fail_job_ids: set[str] = set()
        self._scripts: dict[str, deque[Script]] = defaultdict(deque)
        self._nonces: set[str] = set()
        self._lock = threading.Lock()
        self._server = _QuietServer(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def script(self, action: str, *answers: Script) -> None:
        """Queue answers for the next calls of ``action``; afterwards the normal behaviour resumes."""
        with self._lock:
            self._scripts[action].extend(answers)

    def seen(self, action: str | None = None) -> list[SeenRequest]:
        with self._lock:
            return [r for r in self.requests if action is None or r.action == action]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeIce:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ request handling (server threads)

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Script:
        parts = urlsplit(target)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        form = {}
        if headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            form = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        action = headers.get("x-acs-action", "")
        seen = SeenRequest(action, query, form, headers, body, parts.query)
        with self._lock:
            self.requests.append(seen)
        try:
            verify_request(method, parts.path, query, headers, body, self.secrets.get, now=datetime.now(timezone.utc))
        except SignatureCheckError as exc:
            seen.rejected = exc.code
            return _error(exc.http_status, exc.code, exc.check_message)
        nonce = headers["x-acs-signature-nonce"]
        with self._lock:
            if nonce in self._nonces:
                seen.rejected = "SignatureNonceUsed"
                return _error(400, "SignatureNonceUsed", "the nonce was used before")
            self._nonces.add(nonce)
            scripted = self._scripts[action].popleft() if self._scripts[action] else None
        if scripted is not None:
            if not isinstance(scripted, Delay):
                return scripted
            time.sleep(scripted.seconds)
        if action == SUBMIT:
            return self._submit(query, form)
        if action == GET:
            return self._get(query)
        if action == LIST:
            return self._list(query)
        return _error(404, "InvalidApi.NotFound", f"the API {action!r} does not exist")

    def _submit(self, query: dict[str, str], form: dict[str, str]) -> Reply:
        misplaced = [k for k in query if k in SUBMIT_FORM] + [k for k in form if k in SUBMIT_QUERY]
        if misplaced:
            return _error(400, "InvalidParameter", f"parameters in the wrong place: {misplaced}")
        params = {**query, **form}
        for name in ("JobType", "InputConfig", "OutputConfig"):
            if not params.get(name):
                return _error(400, f"Missing{name}", f"{name} is mandatory for this action")
        job = FakeJob(
            job_id=uuid.uuid4().hex,
            job_type=params["JobType"],
            input_config=params["InputConfig"],
            output_config=params["OutputConfig"],
            editing_config=params.get("EditingConfig"),
            user_data=params.get("UserData"),
            created=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
        with self._lock:
            self.jobs[job.job_id] = job
        return Reply(200, {"RequestId": _request_id(), "JobId": job.job_id})

    def _get(self, query: dict[str, str]) -> Reply:
        with self._lock:
            job = self.jobs.get(query.get("JobId", ""))
            if job is None:
                return _error(404, "InvalidParameter.JobNotFound", "the specified job does not exist")
            job.polls += 1
            if job.status not in ("Finished", "Failed"):
                job.status = "Processing" if job.polls < self.finish_after_polls else self._outcome(job)
            info = self._job_info(job)
        if job.status == "Finished":
            info["ExtendOutput"] = json.dumps(_selection_for(job), ensure_ascii=False)
        if job.status == "Failed":
            info["Extend"] = json.dumps({"ErrorCode": "InvalidMaterial.NotFound", "ErrorMessage": "media not found"})
        return Reply(200, {"RequestId": _request_id(), "EditingBatchJob": info})

    def _outcome(self, job: FakeJob) -> str:
        return "Failed" if job.job_id in self.fail_job_ids else "Finished"

    def _list(self, query: dict[str, str]) -> Reply:
        token = query.get("NextToken") or "0"
        if not token.isdigit():
            return _error(400, "InvalidParameter.NextToken", f"the NextToken {token!r} is not valid")
        size = int(query.get("MaxResults", "10"))
        start = int(token)
        with self._lock:
            jobs = sorted(self.jobs.values(), key=lambda j: (j.created, j.job_id), reverse=query.get("SortBy") != "asc")
            jobs = [
                j
                for j in jobs
                if query.get("Status") in (None, j.status) and query.get("JobType") in (None, j.job_type)
            ]
            page = [self._job_info(j) for j in jobs[start : start + size]]
        following = str(start + size) if start + size < len(jobs) else ""
        return Reply(
            200,
            {"RequestId": _request_id(), "MaxResults": size, "NextToken": following, "EditingBatchJobList": page},
        )

    @staticmethod
    def _job_info(job: FakeJob) -> dict[str, Any]:
        info = {
            "JobId": job.job_id,
            "JobType": job.job_type,
            "Status": job.status,
            "InputConfig": job.input_config,
            "OutputConfig": job.output_config,
            "CreateTime": job.created,
            "ModifiedTime": job.created,
        }
        if job.editing_config is not None:
            info["EditingConfig"] = job.editing_config
        if job.user_data is not None:
            info["UserData"] = job.user_data
        if job.status in ("Finished", "Failed"):
            info["CompleteTime"] = job.created
        return info


def _selection_for(job: FakeJob) -> dict[str, Any]:
    """A plausible ICE-shaped result: one clip per script sentence, from the first media."""
    config = json.loads(job.input_config)
    media = config.get("MediaArray") or ["none"]
    clip = {"clipId": "c-1", "mediaId": "0" * 32, "mediaURL": media[0], "startTime": 1.0, "endTime": 3.5, "score": 0.8}
    if job.job_type == "Screen_Media_Highlights_Media_Select":
        return {"highlightMediaOutputList": [{"duration": 2.5, "highlightClipList": [{**clip, "isIntro": False}]}]}
    scripts = config.get("SpeechTextArray") or [config.get("SpeechText") or ""]
    sentences = [
        {"text": text, "textId": str(i), "duration": 2.5, "matchClipList": [clip]} for i, text in enumerate(scripts)
    ]
    return {"textMatchMediaOutputList": [{"textMatchMediaSentenceOutputList": sentences}]}


def _request_id() -> str:
    return str(uuid.uuid4()).upper()


def _error(status: int, code: str, message: str) -> Reply:
    return Reply(status, {"RequestId": _request_id(), "Code": code, "Message": message, "HostId": "ice.fake"})


class _QuietServer(ThreadingHTTPServer):
    """Clients that gave up (timeouts) leave broken pipes behind; that is expected here, not an error."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def _handler_for(fake: FakeIce) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # no 40 ms delayed-ACK stalls on keep-alive connections
        wbufsize = 1 << 16  # headers and body leave in one write

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length)
            headers = {name.lower(): value for name, value in self.headers.items()}
            answer = fake.handle(self.command, self.path, headers, body)
            if isinstance(answer, Drop):
                self.close_connection = True
                return
            if isinstance(answer, Raw):
                payload, extra = answer.body, {"content-type": "text/html"}
            else:
                assert isinstance(answer, Reply)
                payload = json.dumps(answer.body, ensure_ascii=False).encode("utf-8")
                extra = {"content-type": "application/json;charset=utf-8", **answer.headers}
            self.send_response(answer.status)
            self.send_header("content-length", str(len(payload)))
            for name, value in extra.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


# Configs the ICE tests submit (kept here, not in conftest.py: conftest modules of different folders share a
# module name, so importing from them depends on collection order).
SMART_MIX_INPUT = {
    "MediaArray": ["https://bucket-a.oss-cn-shanghai.aliyuncs.com/inbox/a.mp4"],
    "SpeechTextArray": ["第一句 脚本 🎬", "second script + more"],
}
OUTPUT = {"MediaURL": "https://bucket-a.oss-cn-shanghai.aliyuncs.com/out/{index}.mp4", "Count": 1}


class Sleeps(list[float]):
    """A sleep function that records instead of waiting, so retry tests take no wall time."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)
