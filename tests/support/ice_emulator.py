"""What the emulator tests share: a signed ICE caller, a deterministic job runner, a callback receiver.

Everything is real: requests are signed by the production signer (``AcsV3Auth``) and sent over HTTP to the
emulator on 127.0.0.1; callbacks are received by a real HTTP server that checks X-ICE-SIGNATURE with the
production verifier.
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
import pytest

from scene_select.cloud.credentials import Credentials, static_credentials
from scene_select.cloud.errors import CallbackRejectedError
from scene_select.cloud.ice.auth import AcsV3Auth
from scene_select.cloud.ice.callback_auth import verify_callback
from scene_select.cloud.ice.rpc import build_rpc_request
from scene_select.cloud.models.job_config import SelectionJobRequest
from scene_select.cloud.models.selection import clip_id_for, media_id_for
from scene_select.workstation.local.emulator import CallbackDelivery, EmulatorOptions, Faults, IceEmulator, Runner

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


def selection_runner(request: SelectionJobRequest) -> dict[str, Any]:
    """A deterministic stand-in for the engine: one clip per script, from the media in turn."""
    media = request.input_config.media_array
    scripts = request.input_config.scripts()  # type: ignore[union-attr]
    sentences = []
    for index, text in enumerate(scripts):
        entry = media[index % len(media)]
        media_id = media_id_for(entry)
        clip = {
            "clipId": clip_id_for(media_id, 0.0, 2.0),
            "mediaId": media_id,
            "mediaURL": entry,
            "startTime": 0.0,
            "endTime": 2.0,
            "score": 0.5,
        }
        sentences.append({"text": text, "textId": str(index), "duration": 2.0, "matchClipList": [clip]})
    return {"textMatchMediaOutputList": [{"textMatchMediaSentenceOutputList": sentences, "scriptIndex": 0}]}


class GatedRunner:
    """A runner that waits for ``release`` before answering, so a test can see a job in Processing."""

    def __init__(self, result: Runner = selection_runner) -> None:
        self.started = threading.Event()
        self.release = threading.Event()
        self.calls = 0
        self._result = result

    def __call__(self, request: SelectionJobRequest) -> dict[str, Any]:
        self.calls += 1
        self.started.set()
        if not self.release.wait(20):
            raise TimeoutError("test never released the gated runner")
        return self._result(request)


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
    callback = CallbackDelivery(user_id=1234567890123456, auth_key=auth_key, retry_interval_seconds=retry_interval)
    options = EmulatorOptions(callback=callback, security_tokens=security_tokens or {}, workers=workers)
    return IceEmulator(state_dir, {AK_ID: AK_SECRET}, runner=runner, options=options, faults=faults)


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

    def wait_terminal(self, job_id: str, timeout: float = 15.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            job = self.get(job_id)
            if job["Status"] in ("Finished", "Failed"):
                return job
            assert time.monotonic() < deadline, f"job {job_id} still {job['Status']} after {timeout}s"
            time.sleep(0.02)

    def close(self) -> None:
        self.http.close()


def wait_until(predicate: Callable[[], bool], timeout: float = 10.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out after {timeout}s waiting for {what}"
        time.sleep(0.01)


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


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[IceEmulator]:
    """A started emulator with the deterministic runner and fast callback retries."""
    running = make_emulator(tmp_path / "state").start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def caller(emulator: IceEmulator) -> Iterator[IceCaller]:
    """A signed caller bound to ``emulator``."""
    client = IceCaller(emulator.endpoint)
    try:
        yield client
    finally:
        client.close()
