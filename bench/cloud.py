"""The cloud path on loopback, for benchmarks that must see the handlers as FC runs them.

The local stack swaps OSS for a directory; the cold-start and submit-cost benchmarks must not, because
what they measure (importing oss2, building an ``oss2.Bucket``, the OSS requests a submit makes) only
exists on the cloud path. So the handlers here run with the environment a deployment gives them:

    OSS  = FakeOssServer (src/scene_select_testkit/fakes/oss_server.py): real HTTP, V4 signatures checked,
           OSS's answers
    ICE  = the ICE emulator (signed OpenAPI over HTTP) with a deterministic runner, not the engine
    callbacks from the emulator are received and kept, so they can be replayed to the callback handler
"""

from __future__ import annotations

import contextlib
import json
import secrets
import tempfile
from pathlib import Path

from scene_select.cloud.credentials import Credentials, static_credentials
from scene_select.cloud.storage.oss import OssStore
from scene_select.workstation.local.emulator import CallbackDelivery, EmulatorOptions, IceEmulator
from scene_select_testkit.events import http_trigger_event, oss_event
from scene_select_testkit.fakes.oss_server import FakeOssServer
from scene_select_testkit.ice import CallbackReceiver, ReceivedCallback, callback_receiver
from scene_select_testkit.stack import quick_runner

REGION = "cn-shanghai"
CALLBACK_PATH = "/ice-callback"


class CloudRig:
    """Fake OSS + ICE emulator + callback inbox, and the environment the handlers read.

    ``store`` is an OssStore on the fake OSS.
    """

    def __init__(self, *, bucket: str = "bench-bucket") -> None:
        self.credentials = Credentials("STS.bench-" + secrets.token_hex(4), secrets.token_urlsafe(18), "bench-token")
        self.auth_key = "Bench" + secrets.token_hex(6) + "Key9"
        self.oss = FakeOssServer(bucket=bucket, region=REGION)
        self.inbox = CallbackReceiver(auth_keys=(self.auth_key,))
        self._state = tempfile.TemporaryDirectory(prefix="bench-cloud-")
        self._serving: contextlib.ExitStack = contextlib.ExitStack()
        self.emulator: IceEmulator | None = None
        self.environ: dict[str, str] = {}
        self.store: OssStore | None = None

    def start(self) -> CloudRig:
        self.oss.start()
        self.oss.grant(
            self.credentials.access_key_id, self.credentials.access_key_secret, self.credentials.security_token
        )
        callback_url = self._serving.enter_context(callback_receiver(self.inbox, CALLBACK_PATH)).url
        options = EmulatorOptions(region=REGION, callback=CallbackDelivery(auth_key=self.auth_key))
        self.emulator = IceEmulator(
            Path(self._state.name) / "ice",
            {self.credentials.access_key_id: self.credentials.access_key_secret},
            runner=quick_runner,
            options=options,
        ).start()
        self.environ = {
            "FC_REGION": REGION,
            "SCENE_SELECT_BUCKET": self.oss.bucket,
            "SCENE_SELECT_OSS_ENDPOINT": self.oss.endpoint,
            "SCENE_SELECT_ICE_ENDPOINT": self.emulator.endpoint,
            "SCENE_SELECT_CALLBACK_URL": callback_url,
            "SCENE_SELECT_CALLBACK_AUTH_KEY": self.auth_key,
            "SCENE_SELECT_CALLBACK_WINDOW_SECONDS": "3600",
            "ALIBABA_CLOUD_ACCESS_KEY_ID": self.credentials.access_key_id,
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET": self.credentials.access_key_secret,
            "ALIBABA_CLOUD_SECURITY_TOKEN": self.credentials.security_token or "",
        }
        self.store = OssStore.from_credentials(
            static_credentials(self.credentials), bucket_name=self.oss.bucket, endpoint=self.oss.endpoint, region=REGION
        )
        return self

    def stop(self) -> None:
        if self.emulator is not None:
            self.emulator.stop()
        self._serving.close()
        self.oss.close()
        self._state.cleanup()

    def __enter__(self) -> CloudRig:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def upload(self, key: str, data: bytes) -> bytes:
        """Put an object as a user would, and return the OSS-trigger event bytes it causes."""
        assert self.store is not None
        self.store.put(key, data)
        return oss_event(self.store, key, region=REGION)


def callback_event(callback: ReceivedCallback) -> bytes:
    """The FC 3.0 HTTP-trigger event for a received ICE callback, as FC would hand it to the handler."""
    return http_trigger_event(
        body=json.dumps(callback.body),
        headers=callback.headers,
        path=CALLBACK_PATH,
        request_id="bench-" + secrets.token_hex(6),
    )
