"""Fixtures for the ICE tests: a running fake ICE and clients pointed at it that record their sleeps."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from fake_ice import FakeIce, Sleeps

from scene_select.cloud.credentials import Credentials, static_credentials
from scene_select.cloud.ice.client import IceClient


@pytest.fixture
def fake() -> Iterator[FakeIce]:
    with FakeIce() as server:
        yield server


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def make_client(sleeps: Sleeps) -> Iterator[Callable[..., IceClient]]:
    made: list[IceClient] = []

    def make(endpoint: str, **overrides: Any) -> IceClient:
        options: dict[str, Any] = {
            "region": "cn-shanghai",
            "endpoint": endpoint,
            "credentials": static_credentials(Credentials("ak-test", "sk-test")),
            "sleep": sleeps,
            "jitter": lambda: 0.5,
            "timeout": httpx.Timeout(2.0),
        }
        options.update(overrides)
        client = IceClient(**options)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()
