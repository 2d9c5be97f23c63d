"""The whole chain with the real engine: uploads in a bucket directory to results a person can read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scene_select.workstation.engine.synth import Segment, make_video
from scene_select_testkit.stack import start_stack, wait_for_state


@pytest.fixture(scope="module")
def footage(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("footage")
    return {
        "harbour.mp4": make_video(root / "harbour.mp4", [Segment(3.0, "navy", "港口的渔船")], width=320, height=180),
        "forest.mp4": make_video(
            root / "forest.mp4", [Segment(3.0, "darkgreen", "森林里的小路")], width=320, height=180
        ),
        "talk.mp4": make_video(
            root / "talk.mp4",
            [Segment(6.0, "gray", "", "speech"), Segment(3.0, "noise", "", "loud"), Segment(6.0, "navy", "", "speech")],
            width=320,
            height=180,
        ),
    }


def test_smart_mix_and_highlights_through_the_local_stack(tmp_path: Path, footage: dict[str, Path]) -> None:
    stack = start_stack(tmp_path / "state", runner=None)  # None: the emulator's default, the real engine
    try:
        for name in ("harbour.mp4", "forest.mp4"):
            stack.store.put(f"inbox/smart-mix/trip/{name}", footage[name].read_bytes())
        stack.store.put("inbox/smart-mix/trip/script.txt", "森林里有一条小路。港口停着渔船。".encode())
        stack.store.put("inbox/highlights/talk.json", b'{"HighlightStrategy": {"TargetDuration": 5}}')
        stack.store.put("inbox/highlights/talk.mp4", footage["talk.mp4"].read_bytes())

        wait_for_state(stack, "results/smart-mix/trip/", {"finished"}, timeout=180)
        selection = json.loads(stack.store.get("results/smart-mix/trip/selection.json"))
        sentences = selection["outputs"][0]["sentences"]
        assert [s["clips"][0]["mediaKey"].rsplit("/", 1)[-1] for s in sentences] == ["forest.mp4", "harbour.mp4"]
        assert all(s["clips"][0]["explain"]["reason"] for s in sentences)
        report = stack.store.get("results/smart-mix/trip/report.html").decode()
        assert "data:image/jpeg;base64," in report  # thumbnails extracted locally

        wait_for_state(stack, "results/highlights/talk.mp4/", {"finished"}, timeout=180)
        highlights = json.loads(stack.store.get("results/highlights/talk.mp4/selection.json"))["outputs"][0][
            "highlights"
        ]
        assert any(clip["in"] < 9.0 and clip["out"] > 6.0 for clip in highlights)  # the loud, high-motion moment
    finally:
        stack.stop()
    assert not (tmp_path / "state" / "stack.json").exists()
