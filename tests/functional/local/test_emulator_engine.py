"""The production pieces together: IceClient ↔ emulator ↔ the real local engine over the bucket directory."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from scene_select.cloud.credentials import Credentials, static_credentials
from scene_select.cloud.ice.client import IceClient
from scene_select.cloud.models.ice_api import IceJob
from scene_select.cloud.models.job_config import SelectionJobRequest
from scene_select.workstation.engine.synth import Segment, make_video
from scene_select.workstation.local.emulator import CallbackDelivery, EmulatorOptions, IceEmulator
from scene_select_testkit.ice import AK_ID, AK_SECRET, AUTH_KEY
from scene_select_testkit.ice import CallbackReceiver as Receiver
from scene_select_testkit.ice import callback_receiver as serve
from scene_select_testkit.waiting import wait_until

BUCKET = "demo-bucket"
REGION = "cn-shanghai"


def _url(key: str) -> str:
    return f"https://{BUCKET}.oss-{REGION}.aliyuncs.com/{key}"


@pytest.fixture(scope="module")
def bucket_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("bucket")
    street = [Segment(2.0, caption="城市街道"), Segment(2.0, "smptebars", caption="海边日落")]
    make_video(root / "inbox/smart-mix/b1/街景 a.mp4", street)
    forest = [Segment(3.0, caption="山间小路"), Segment(3.0, "mandelbrot", caption="森林")]
    make_video(root / "inbox/smart-mix/b2/long.mp4", forest)
    return root


def _emulator(state: Path, bucket_dir: Path, cache: Path) -> IceEmulator:
    options = EmulatorOptions(
        region=REGION,
        bucket_dirs={BUCKET: bucket_dir},
        cache_dir=cache,
        callback=CallbackDelivery(auth_key=AUTH_KEY, retry_interval_seconds=0.05),
    )
    return IceEmulator(state, {AK_ID: AK_SECRET}, options=options)  # no runner: the real engine


@pytest.fixture
def client_for() -> Iterator[list[IceClient]]:
    made: list[IceClient] = []
    yield made
    for client in made:
        client.close()


def _client(endpoint: str, made: list[IceClient]) -> IceClient:
    client = IceClient(
        region=REGION,
        credentials=static_credentials(Credentials(AK_ID, AK_SECRET, None)),
        endpoint=endpoint,
        http=httpx.Client(trust_env=False, timeout=10),
    )
    made.append(client)
    return client


def _request(key: str, script: str, notify: str | None = None) -> SelectionJobRequest:
    return SelectionJobRequest.from_wire(
        "Smart_Mix_Media_Select",
        {"MediaArray": [_url(key)], "SpeechTextArray": [script]},
        {"MediaURL": _url("out/{index}.mp4"), "Count": 1},
        user_data={"NotifyAddress": notify} if notify else None,
    )


def _wait(client: IceClient, job_id: str) -> IceJob:
    """The job once it is Finished or Failed (the real engine runs it: allow a minute)."""
    return wait_until(
        lambda: job if (job := client.get_batch_media_producing_job(job_id)).is_terminal else None,
        timeout=60,
        interval=0.1,
        what=f"job {job_id} to end",
    )


def test_ice_client_round_trip_on_the_real_engine(
    tmp_path: Path, bucket_dir: Path, client_for: list[IceClient]
) -> None:
    with _emulator(tmp_path / "state", bucket_dir, tmp_path / "cache") as emulator, serve(Receiver()) as receiver:
        client = _client(emulator.endpoint, client_for)
        key = "inbox/smart-mix/b1/街景 a.mp4"
        request = _request(key, "城市街道很热闹。海边日落很美。", receiver.url)
        submitted = client.submit_scene_media_selection_job(request)
        job = _wait(client, submitted.job_id)
        assert job.status == "Finished", job.extend
        selection = job.selection()
        assert selection is not None and selection.clip_count() >= 2
        outputs = json.loads(job.extend_output or "{}")["textMatchMediaOutputList"]
        sentences = [sentence for output in outputs for sentence in output["textMatchMediaSentenceOutputList"]]
        clip_urls = {clip["mediaURL"] for sentence in sentences for clip in sentence["matchClipList"]}
        assert clip_urls == {_url(key)}
        wait_until(lambda: len(receiver.received) == 1)
        assert receiver.received[0].signature_ok
        listed = list(client.list_batch_media_producing_jobs(page_size=1))
        assert [j.job_id for j in listed] == [submitted.job_id]


def test_stop_cancels_a_running_engine_job_and_a_restart_finishes_it(
    tmp_path: Path, bucket_dir: Path, client_for: list[IceClient], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="scene_select.workstation.local")
    state, cache = tmp_path / "state", tmp_path / "cache"
    before = set(threading.enumerate())
    first = _emulator(state, bucket_dir, cache).start()
    client = _client(first.endpoint, client_for)
    job_id = client.submit_scene_media_selection_job(_request("inbox/smart-mix/b2/long.mp4", "山间小路。森林。")).job_id
    wait_until(lambda: client.get_batch_media_producing_job(job_id).status == "Processing", what="Processing")
    started = time.monotonic()
    first.stop()
    stop_seconds = time.monotonic() - started
    wait_until(lambda: not (set(threading.enumerate()) - before), timeout=10, what="engine thread to end")

    with _emulator(state, bucket_dir, cache) as second:
        job = _wait(_client(second.endpoint, client_for), job_id)
    assert job.status == "Finished", job.extend
    assert stop_seconds < 5, f"stop took {stop_seconds:.1f}s: the running job was not cancelled"
    assert f"job {job_id} cancelled" in caplog.text or f"job {job_id} interrupted" in caplog.text
