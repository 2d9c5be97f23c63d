"""The kit's pytest fixtures and options, registered once for the whole suite.

``tests/conftest.py`` says ``pytest_plugins = ["scene_select_testkit.plugin"]``; every test folder then has
these fixtures, without a conftest of its own re-importing them. They are thin: each starts or builds
something a kit module defines, and cleans it up.

* local stack: ``stack`` (:func:`scene_select_testkit.stack.start_stack`, quick runner);
* ICE emulator: ``emulator`` (deterministic runner, fast callback retries) and ``caller`` (signed, bound to it);
* fake cloud edges: ``fake_oss`` (with the kit's key granted), ``sleeps``, the two object-store adapters
  ``local_store`` and ``oss_store``, and ``store``, parametrised over both so a contract suite runs on each;
* engine media: ``media`` (generated once per session), ``engine_cache`` (one analysis cache per session)
  and ``select`` (run a selection job from wire-shaped configs against that cache);
* timeline media: ``timeline_bucket`` (media at every editor frame rate, as a local bucket, made once);
* the reliability ledger: ``--reliability-ledger=FILE`` writes every reliability scenario's figures to FILE
  as JSON when the session ends (``bench/reliability.py`` runs exactly that and prints the table).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from scene_select.cloud.credentials import static_credentials
from scene_select.cloud.models.job_config import SelectionJobRequest
from scene_select.cloud.storage.base import ObjectStore
from scene_select.cloud.storage.local import LocalDirectoryStore
from scene_select.cloud.storage.oss import OssStore
from scene_select.workstation.local.emulator import IceEmulator
from scene_select.workstation.local.stack import LocalStack
from scene_select_testkit.chaos import write_ledger
from scene_select_testkit.fakes.credentials import ACCESS_KEY
from scene_select_testkit.fakes.oss_server import FakeOssServer
from scene_select_testkit.fakes.sleeps import Sleeps
from scene_select_testkit.ice import IceCaller, make_emulator
from scene_select_testkit.media import MediaSet, make_media_set
from scene_select_testkit.stack import start_stack

#: ``select(job_type, input_config, output_config=None, editing_config=None, **run_selection_options)``
SelectionRun = Callable[..., dict[str, Any]]

LEDGER_OPTION = "--reliability-ledger"


# --------------------------------------------------------------------------------------------- local stack


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[LocalStack]:
    """A running local stack with the quick runner, state in the test's tmp_path."""
    running = start_stack(tmp_path / "state")
    try:
        yield running
    finally:
        running.stop()


# --------------------------------------------------------------------------------------------- ICE emulator


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


# --------------------------------------------------------------------------------------------- fake cloud edges


@pytest.fixture
def sleeps() -> Sleeps:
    """The backoff delays a client asked for (nothing actually sleeps)."""
    return Sleeps()


@pytest.fixture
def fake_oss() -> Iterator[FakeOssServer]:
    """A fake OSS serving bucket ``scene-bucket`` in cn-shanghai, with the kit's STS key granted."""
    with FakeOssServer(bucket="scene-bucket", region="cn-shanghai") as server:
        server.grant(ACCESS_KEY.access_key_id, ACCESS_KEY.access_key_secret, ACCESS_KEY.security_token)
        yield server


@pytest.fixture
def oss_store(fake_oss: FakeOssServer, sleeps: Sleeps) -> OssStore:
    """The OSS adapter on ``fake_oss``, recording its backoff in ``sleeps``."""
    return OssStore.from_credentials(
        static_credentials(ACCESS_KEY),
        bucket_name=fake_oss.bucket,
        endpoint=fake_oss.endpoint,
        region=fake_oss.region,
        timeout_seconds=5,
        sleep=sleeps,
    )


@pytest.fixture
def local_store(tmp_path: Path) -> LocalDirectoryStore:
    """The bucket-directory adapter on a fresh directory."""
    return LocalDirectoryStore(tmp_path / "bucket", bucket="scene-bucket", region="cn-shanghai")


@pytest.fixture(params=["local", "oss"])
def store(request: pytest.FixtureRequest) -> ObjectStore:
    """Each object-store adapter in turn, so that one contract suite runs against both."""
    name = "local_store" if request.param == "local" else "oss_store"
    adapter: ObjectStore = request.getfixturevalue(name)
    return adapter


# --------------------------------------------------------------------------------------------- engine media


@pytest.fixture(scope="session")
def media(tmp_path_factory: pytest.TempPathFactory) -> MediaSet:
    """The engine's test media with known ground truth (see scene_select_testkit.media), made once."""
    return make_media_set(tmp_path_factory.mktemp("engine-media"))


@pytest.fixture(scope="session")
def engine_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One analysis cache shared by the session: each media file is decoded once for the whole suite."""
    return tmp_path_factory.mktemp("engine-cache")


@pytest.fixture
def select(engine_cache: Path) -> SelectionRun:
    """Run a selection job from wire-shaped configs against the session's analysis cache."""
    from scene_select.workstation.engine import MediaResolver, run_selection

    def run(
        job_type: str,
        input_config: dict[str, Any],
        output_config: dict[str, Any] | None = None,
        editing_config: dict[str, Any] | None = None,
        **options: Any,
    ) -> dict[str, Any]:
        request = SelectionJobRequest.from_wire(job_type, input_config, output_config or {"Count": 1}, editing_config)
        options.setdefault("cache_dir", engine_cache)
        options.setdefault("resolver", MediaResolver())
        return run_selection(request, **options)

    return run


@pytest.fixture(scope="session")
def timeline_bucket(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The timeline tests' media at every editor frame rate, laid out as a local bucket (see
    scene_select_testkit.timelines), made once per session."""
    pytest.importorskip("imageio_ffmpeg", reason="FFmpeg (the local extra) makes the test media")
    from scene_select_testkit.timelines import make_timeline_bucket  # loads OpenTimelineIO: only when asked

    return make_timeline_bucket(tmp_path_factory.mktemp("timeline-bucket"))


# --------------------------------------------------------------------------------------------- reliability ledger


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(LEDGER_OPTION, default=None, help="write the reliability scenarios' figures to this JSON file")


def pytest_sessionfinish(session: pytest.Session) -> None:
    path = session.config.getoption(LEDGER_OPTION, default=None)
    if path:
        write_ledger(Path(path))
