"""Shared test fixtures: a clean environment for every test, and paths to the repo's fixtures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
EVENTS_DIR = REPO_ROOT / "tests" / "events"


def load_event(name: str) -> Any:
    """Read a JSON fixture from tests/events/ by file name."""
    return json.loads((EVENTS_DIR / name).read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def _clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's credentials, region or scene-select settings by accident."""
    import os

    for name in list(os.environ):
        if name.startswith(("ALIBABA_CLOUD_", "FC_", "SCENE_SELECT_", "OSS_")):
            monkeypatch.delenv(name, raising=False)
