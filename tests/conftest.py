"""The suite's one conftest: the test kit's fixtures, and a clean environment for every test.

Helpers, fakes and fixtures live in the ``scene_select_testkit`` package (src/scene_select_testkit), which
tests import like any installed package; its fixtures are registered here, once, for every folder.
"""

from __future__ import annotations

import os

import pytest

from scene_select_testkit.waiting import ENV_TIMEOUT_SCALE

pytest_plugins = ["scene_select_testkit.plugin"]


@pytest.fixture(autouse=True)
def _clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's credentials, region or scene-select settings by accident (the test
    timeout scale, a setting of the tests themselves, is kept)."""
    for name in list(os.environ):
        if name.startswith(("ALIBABA_CLOUD_", "FC_", "SCENE_SELECT_", "OSS_")) and name != ENV_TIMEOUT_SCALE:
            monkeypatch.delenv(name, raising=False)
