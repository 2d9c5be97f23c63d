"""The ICE emulator in tests: deterministic jobs, a signed caller, a recorder of requests, a callback receiver.

Tests of ICE's side of the product (the emulator's protocol, the CLI end to end, parity with the official
SDK) run against the real emulator (``scene_select.workstation.local.emulator``) on 127.0.0.1 over real HTTP.
What they need around it lives here:

* :func:`selection_runner` and :class:`GatedRunner`: jobs that finish at once with a deterministic selection,
  or only when the test says (to see a job ``Processing``, or make it fail);
* :func:`make_emulator` / :class:`RecordingEmulator`: an emulator accepting the kit's keys; the recording one
  also keeps every API request as it arrived (query, form body, headers, bytes) and the answer's status and
  ``Code`` — the emulator, being product code, keeps no such log;
* :class:`IceCaller`: signed RPC calls the way ``IceClient`` sends them (production signer, query + form),
  returning raw responses, for tests of the protocol itself;
* :class:`CallbackReceiver` / :func:`callback_receiver`: a real HTTP endpoint for ICE's callbacks that checks
  ``X-ICE-SIGNATURE`` with the production verifier.

Unit tests of ``IceClient`` itself do not need a server: see :mod:`scene_select_testkit.fakes.ice_transport`.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

from scene_select.cloud.credentials import Credentials, static_credentials
from scene_select.cloud.errors import CallbackRejectedError
from scene_select.cloud.ice.auth import AcsV3Auth
from scene_select.cloud.ice.callback_auth import verify_callback
from scene_select.cloud.ice.rpc import build_rpc_request
from scene_select.cloud.models.job_config import HighlightsInputConfig, SelectionJobRequest
from scene_select.cloud.models.selection import clip_id_for, media_id_for
from scene_select.workstation.local.emulator import CallbackDelivery, EmulatorOptions, Faults, IceEmulator, Runner
from scene_select.workstation.local.emulator.api_errors import ApiError
from scene_select.workstation.local.emulator.requests import parse_request
from scene_select.workstation.local.emulator.server import HttpAnswer
from scene_select_testkit.waiting import scaled_timeout, wait_until

__all__ = [
    "AK_ID",
    "AK_SECRET",
    "AUTH_KEY",
    "INPUT_CONFIG",
    "OUTPUT_CONFIG",
    "SMART_MIX",
    "ApiCall",
    "CallbackReceiver",
    "GatedRunner",
    "IceCaller",
    "ReceivedCallback",
    "RecordingEmulator",
    "callback_receiver",
    "deterministic_clip",
    "emulator_job",
    "emulator_jobs",
    "emulator_options",
    "highlights_result",
    "make_emulator",
    "selection_runner",
]

AK_ID = "LTAI-test-emulator"
AK_SECRET = "emulator-test-secret-0123456789"
AUTH_KEY = "TestKey123"
SMART_MIX = "Smart_Mix_Media_Select"
INPUT_CONFIG = json.dumps(
    {
        "MediaArray": ["https://bucket.oss-cn-shanghai.aliyuncs.com/inbox/a.mp4", "oss://bucket/inbox/b.mp4"],
        "SpeechTextArray": ["第一句。Second sentence."],
    },
    ensure_ascii=False,
)
OUTPUT_CONFIG = '{"MediaURL":"https://bucket.oss-cn-shanghai.aliyuncs.com/out/{index}.mp4","Count":1}'


# --------------------------------------------------------------------------------------------- job runners


def deterministic_clip(entry: str, start: float, duration: float = 2.0) -> dict[str, Any]:
    """A clip of media ``entry`` in ICE's result shape, with the ids the engine would give it."""
    media_id = media_id_for(entry)
    return {
        "clipId": clip_id_for(media_id, start, start + duration),
        "mediaId": media_id,
        "mediaURL": entry,
        "startTime": start,
        "endTime": start + duration,
        "score": 0.5,
    }


def highlights_result(media: Sequence[str]) -> dict[str, Any]:
    """A highlights result: one 2 s highlight (1–3 s) of the first media."""
    return {"highlightMediaOutputList": [{"duration": 2.0, "highlightClipList": [deterministic_clip(media[0], 1.0)]}]}


def selection_runner(request: SelectionJobRequest) -> dict[str, Any]:
    """A deterministic stand-in for the engine: one 0–2 s clip per script, from the media in turn (a highlights
    job gets :func:`highlights_result`)."""
    media = request.input_config.media_array
    if isinstance(request.input_config, HighlightsInputConfig):
        return highlights_result(media)
    sentences = []
    for index, text in enumerate(request.input_config.scripts()):
        clip = deterministic_clip(media[index % len(media)], 0.0)
        sentences.append({"text": text, "textId": str(index), "duration": 2.0, "matchClipList": [clip]})
    return {"textMatchMediaOutputList": [{"textMatchMediaSentenceOutputList": sentences, "scriptIndex": 0}]}


class GatedRunner:
    """A runner that holds every job until ``release`` is set, so a test can see a job ``Processing`` (and the
    ones behind it ``Init``); set ``failure`` before releasing to make the held jobs fail with it."""

    def __init__(self, result: Runner = selection_runner) -> None:
        self.started = threading.Event()
        self.release = threading.Event()
        self.calls = 0
        self.failure: Exception | None = None
        self._result = result

    def __call__(self, request: SelectionJobRequest) -> dict[str, Any]:
        self.calls += 1
        self.started.set()
        if not self.release.wait(scaled_timeout()):
            raise TimeoutError("test never released the gated runner")
        if self.failure is not None:
            raise self.failure
        return self._result(request)


# --------------------------------------------------------------------------------------------- emulators


def emulator_options(
    *,
    retry_interval: float = 0.05,
    auth_key: str | None = AUTH_KEY,
    security_tokens: Mapping[str, str] | None = None,
    workers: int = 1,
) -> EmulatorOptions:
    """The tests' emulator settings: callbacks signed with AUTH_KEY and retried quickly."""
    callback = CallbackDelivery(user_id=1234567890123456, auth_key=auth_key, retry_interval_seconds=retry_interval)
    return EmulatorOptions(callback=callback, security_tokens=security_tokens or {}, workers=workers)


def make_emulator(
    state_dir: Path,
    *,
    runner: Runner = selection_runner,
    faults: Faults | None = None,
    retry_interval: float = 0.05,
    auth_key: str | None = AUTH_KEY,
    security_tokens: Mapping[str, str] | None = None,
    workers: int = 1,
) -> IceEmulator:
    """An emulator accepting AK_ID/AK_SECRET (not started)."""
    options = emulator_options(
        retry_interval=retry_interval, auth_key=auth_key, security_tokens=security_tokens, workers=workers
    )
    return IceEmulator(state_dir, {AK_ID: AK_SECRET}, runner=runner, options=options, faults=faults)


@dataclass(frozen=True)
class ApiCall:
    """One API request the emulator answered: as it arrived (headers with lower-case names, query and form
    decoded, the body's bytes), and the answer's HTTP status and error ``Code`` (None when it succeeded)."""

    action: str
    query: Mapping[str, str]
    form: Mapping[str, str]
    headers: Mapping[str, str]
    body: bytes
    status: int
    code: str | None


class RecordingEmulator(IceEmulator):
    """The real emulator, keeping every API request it answered in :attr:`calls` (oldest first).

    ``on_answer``, when set, is called with each call in the serving thread *before* the answer is sent: a
    test can act at an exact point of a client's conversation (e.g. let a job finish after the second poll).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.calls: list[ApiCall] = []
        self.on_answer: Callable[[ApiCall], None] | None = None
        self._calls_lock = threading.Lock()

    def answer_api(
        self,
        method: str,
        raw_path: str,
        headers: Mapping[str, str],
        body: bytes,
        client_gone: Callable[[], bool] = lambda: False,
    ) -> HttpAnswer:
        answer = super().answer_api(method, raw_path, headers, body, client_gone)
        call = _api_call(method, raw_path, headers, body, answer)
        with self._calls_lock:
            self.calls.append(call)
        if self.on_answer is not None:
            self.on_answer(call)
        return answer

    def seen(self, action: str | None = None) -> list[ApiCall]:
        """The calls of ``action`` (every call when None), oldest first."""
        with self._calls_lock:
            return [call for call in self.calls if action is None or call.action == action]


def emulator_jobs(emulator: IceEmulator | None) -> list[dict[str, Any]]:
    """Every job a running emulator holds, with its callback state, attempts and log — asked over HTTP from
    its test-only control endpoint ``GET /_emulator/jobs``, as a separate tool would."""
    assert emulator is not None, "no emulator"
    with httpx.Client(trust_env=False, timeout=5) as plain:
        response = plain.get(f"{emulator.endpoint}/_emulator/jobs")
    assert response.status_code == 200, response.text
    jobs: list[dict[str, Any]] = response.json()["Jobs"]
    return jobs


def emulator_job(emulator: IceEmulator, job_id: str) -> dict[str, Any]:
    """One job of a running emulator, as ``emulator_jobs`` shows it (read from its store)."""
    assert emulator.store is not None, "the emulator is not started"
    row = emulator.store.get(job_id)
    assert row is not None, f"the emulator has no job {job_id}"
    return row.inspection()


def _api_call(method: str, raw_path: str, headers: Mapping[str, str], body: bytes, answer: HttpAnswer) -> ApiCall:
    lower = {name.lower(): value for name, value in headers.items()}
    try:
        request = parse_request(method, raw_path, headers, body)
        query, form = dict(request.query), dict(request.form)
    except ApiError:  # not decodable: recorded with what is known
        query, form = {}, {}
    code = None
    if answer.status != 200 and answer.body:
        try:
            code = json.loads(answer.body).get("Code")
        except ValueError:
            code = None
    action = lower.get("x-acs-action") or query.get("Action") or ""
    return ApiCall(action, query, form, lower, body, answer.status, code)


# --------------------------------------------------------------------------------------------- a signed caller


class IceCaller:
    """Sends signed RPC calls the way IceClient does (query + form body), returning the raw response."""

    def __init__(self, endpoint: str, *, access_key_id: str = AK_ID, secret: str = AK_SECRET, token: str | None = None):
        self.endpoint = endpoint
        auth = AcsV3Auth(static_credentials(Credentials(access_key_id, secret, token)))
        self.http = httpx.Client(auth=auth, trust_env=False, timeout=10)

    def request(
        self, action: str, query: Mapping[str, str] | None = None, form: Mapping[str, str] | None = None
    ) -> httpx.Request:
        return build_rpc_request(self.http, self.endpoint, action, query=query or {}, form=form)

    def call(
        self, action: str, query: Mapping[str, str] | None = None, form: Mapping[str, str] | None = None
    ) -> httpx.Response:
        return self.http.send(self.request(action, query, form))

    def submit(self, *, user_data: str | None = None, input_config: str = INPUT_CONFIG) -> str:
        query = {"JobType": SMART_MIX, "OutputConfig": OUTPUT_CONFIG}
        if user_data is not None:
            query["UserData"] = user_data
        response = self.call("SubmitSceneMediaSelectionJob", query, {"InputConfig": input_config})
        assert response.status_code == 200, response.text
        job_id: str = response.json()["JobId"]
        return job_id

    def get(self, job_id: str) -> dict[str, Any]:
        response = self.call("GetBatchMediaProducingJob", {"JobId": job_id})
        assert response.status_code == 200, response.text
        job: dict[str, Any] = response.json()["EditingBatchJob"]
        return job

    def wait_terminal(self, job_id: str, timeout: float | None = None) -> dict[str, Any]:
        """Poll the job until it is Finished or Failed; returns it."""
        last: dict[str, Any] = {}

        def terminal() -> dict[str, Any] | None:
            last.update(self.get(job_id))
            return dict(last) if last["Status"] in ("Finished", "Failed") else None

        return wait_until(terminal, timeout=timeout, what=lambda: f"job {job_id} to end (still {last.get('Status')})")

    def close(self) -> None:
        self.http.close()


# --------------------------------------------------------------------------------------------- callbacks


@dataclass
class ReceivedCallback:
    at: float
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    signature_ok: bool
    answered: int


@dataclass
class CallbackReceiver:
    """A real HTTP endpoint for callbacks; answers ``statuses`` in turn (then the last one forever)."""

    statuses: Sequence[int] = (200,)
    auth_keys: Sequence[str] = (AUTH_KEY,)
    delay_seconds: float = 0.0
    received: list[ReceivedCallback] = field(default_factory=list)
    url: str = ""

    def handle(self, path: str, headers: dict[str, str], raw: bytes) -> int:
        index = len(self.received)
        status = self.statuses[min(index, len(self.statuses) - 1)]
        try:
            verify_callback(self.url_for(path), headers, self.auth_keys, now=time.time())
            signature_ok = True
        except CallbackRejectedError:
            signature_ok = False
        self.received.append(ReceivedCallback(time.monotonic(), path, headers, json.loads(raw), signature_ok, status))
        if self.delay_seconds:
            time.sleep(self.delay_seconds)
        return status

    def url_for(self, path: str) -> str:
        base = self.url.split("/", 3)
        return f"{base[0]}//{base[2]}{path}"

    def wait_for(self, count: int, timeout: float | None = None) -> list[ReceivedCallback]:
        """The first ``count`` callbacks, once they have arrived."""
        wait_until(
            lambda: len(self.received) >= count,
            timeout=timeout,
            what=lambda: f"{count} callbacks (got {len(self.received)})",
        )
        return list(self.received[:count])


@contextmanager
def callback_receiver(receiver: CallbackReceiver, path: str = "/ice/callback?src=test") -> Iterator[CallbackReceiver]:
    """Serve ``receiver`` on 127.0.0.1 with ``receiver.url`` set to ``path`` on it."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status = receiver.handle(self.path, {k: v for k, v in self.headers.items()}, raw)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}{path}"
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
