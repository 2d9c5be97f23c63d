"""A local stack whose ICE fails the batches named ``bad-*``, for status, retry, doctor and the dashboard."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from scene_select.workstation.local.stack import LocalStack
from scene_select_testkit.ops import failing_runner
from scene_select_testkit.stack import start_stack


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[LocalStack]:
    running = start_stack(tmp_path / "state", runner=failing_runner)
    try:
        yield running
    finally:
        running.stop()
