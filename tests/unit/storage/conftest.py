"""Fixtures for the object-store tests: a fake OSS on 127.0.0.1, both adapters, and one `store`
fixture parametrised over them so that the contract suite runs against each."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fakes.credentials import ACCESS_KEY
from fakes.oss_server import FakeOssServer

from scene_select.cloud.credentials import static_credentials
from scene_select.cloud.storage.base import ObjectStore
from scene_select.cloud.storage.local import LocalDirectoryStore
from scene_select.cloud.storage.oss import OssStore


@pytest.fixture
def fake_oss() -> Iterator[FakeOssServer]:
    with FakeOssServer(bucket="scene-bucket", region="cn-shanghai") as server:
        server.grant(ACCESS_KEY.access_key_id, ACCESS_KEY.access_key_secret, ACCESS_KEY.security_token)
        yield server


@pytest.fixture
def sleeps() -> list[float]:
    """The backoff delays an OssStore asked for (nothing actually sleeps)."""
    return []


@pytest.fixture
def oss_store(fake_oss: FakeOssServer, sleeps: list[float]) -> OssStore:
    return OssStore.from_credentials(
        static_credentials(ACCESS_KEY),
        bucket_name=fake_oss.bucket,
        endpoint=fake_oss.endpoint,
        region=fake_oss.region,
        timeout_seconds=5,
        sleep=sleeps.append,
    )


@pytest.fixture
def local_store(tmp_path: Path) -> LocalDirectoryStore:
    return LocalDirectoryStore(tmp_path / "bucket", bucket="scene-bucket", region="cn-shanghai")


@pytest.fixture(params=["local", "oss"])
def store(request: pytest.FixtureRequest) -> ObjectStore:
    name = "local_store" if request.param == "local" else "oss_store"
    adapter: ObjectStore = request.getfixturevalue(name)
    return adapter
