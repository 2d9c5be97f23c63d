"""Media with known ground truth, generated once per test session with ffmpeg (never committed)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from engine_fixtures import HIGHLIGHT_SEGMENTS, MONTAGE_SEGMENTS, MediaSet

from scene_select.cloud.models.job_config import SelectionJobRequest
from scene_select.workstation.engine import MediaResolver, run_selection
from scene_select.workstation.engine.synth import Segment, make_image, make_video


@pytest.fixture(scope="session")
def media(tmp_path_factory: pytest.TempPathFactory) -> MediaSet:
    root = tmp_path_factory.mktemp("engine-media")
    montage = make_video(root / "montage.mp4", MONTAGE_SEGMENTS, width=480, height=270)
    highlight = make_video(root / "talk.mp4", HIGHLIGHT_SEGMENTS, width=320, height=180)
    silent = make_video(root / "silent.mp4", [Segment(4.0, "testsrc2")], width=320, height=180, audio=False)
    image = make_image(root / "library.png", caption="城市夜景 灯火辉煌", color="0x202040")
    plain = make_video(
        root / "clips" / "plain_footage.mp4", [Segment(8.0, "rgbtestsrc", "", "tone")], width=320, height=180
    )
    (root / "clips" / "plain_footage.srt").write_text(
        "1\n00:00:00,000 --> 00:00:04,000\n一只小猫在沙发上睡觉\n\n"
        "2\n00:00:04,000 --> 00:00:08,000\nA dog runs in the park\n",
        encoding="utf-8",
    )
    (root / "clips" / "job.json").write_text(
        json.dumps({"MediaTags": {"plain_footage.mp4": ["宠物", "pets"]}}), encoding="utf-8"
    )
    return MediaSet(root, montage, highlight, silent, image, plain)


Runner = Callable[..., dict[str, Any]]


@pytest.fixture(scope="session")
def session_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One analysis cache shared by the session: each fixture file is decoded once for the whole suite."""
    return tmp_path_factory.mktemp("engine-cache")


@pytest.fixture
def select(session_cache: Path) -> Runner:
    """Run a selection job from wire-shaped configs against the session cache."""

    def run(
        job_type: str,
        input_config: dict[str, Any],
        output_config: dict[str, Any] | None = None,
        editing_config: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        request = SelectionJobRequest.from_wire(job_type, input_config, output_config or {"Count": 1}, editing_config)
        kwargs.setdefault("cache_dir", session_cache)
        kwargs.setdefault("resolver", MediaResolver())
        return run_selection(request, **kwargs)

    return run
