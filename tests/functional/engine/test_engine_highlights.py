"""Highlights on generated footage: the injected loud, high-motion moment is found and leads."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from scene_select.cloud.errors import JobConfigError
from scene_select.cloud.models.selection import parse_extend_output
from scene_select_testkit.media import LOUD_SPAN, MediaSet

HIGHLIGHTS = "Screen_Media_Highlights_Media_Select"


def overlaps(clip: dict[str, Any], span: tuple[float, float]) -> bool:
    return clip["startTime"] < span[1] and clip["endTime"] > span[0]


def test_intro_is_the_injected_moment_and_body_fills_the_target(media: MediaSet, select: Any) -> None:
    result = select(
        HIGHLIGHTS,
        {
            "MediaArray": [str(media.highlight)],
            "HighlightStrategy": {"TargetDuration": 6, "IntroConfig": {"Mode": "Auto"}},
        },
    )
    output = result["highlightMediaOutputList"][0]
    clips = output["highlightClipList"]
    assert clips[0]["isIntro"] is True and overlaps(clips[0], LOUD_SPAN)
    body = clips[1:]
    assert all(not c["isIntro"] for c in body)
    assert sum(c["endTime"] - c["startTime"] for c in body) == pytest.approx(6.0, abs=1.6)
    spans = sorted((c["startTime"], c["endTime"]) for c in clips)
    assert all(b[0] >= a[1] - 1e-6 for a, b in itertools.pairwise(spans)), "no overlaps"
    assert [c["startTime"] for c in body] == sorted(c["startTime"] for c in body), "source order after the intro"
    assert output["duration"] == pytest.approx(sum(c["endTime"] - c["startTime"] for c in clips), abs=0.01)
    reason = clips[0]["explain"]["reason"]
    assert "loudness" in reason or "peak" in reason or "motion" in reason
    parsed = parse_extend_output(HIGHLIGHTS, __import__("json").dumps(result))
    assert parsed.kind == "highlights" and parsed.clip_count() == len(clips)


def test_without_intro_the_loud_moment_is_still_selected(media: MediaSet, select: Any) -> None:
    result = select(HIGHLIGHTS, {"MediaArray": [str(media.highlight)], "HighlightStrategy": {"TargetDuration": 5}})
    clips = result["highlightMediaOutputList"][0]["highlightClipList"]
    assert not any(c["isIntro"] for c in clips)
    assert any(overlaps(c, LOUD_SPAN) for c in clips)


def test_default_target_and_two_outputs(media: MediaSet, select: Any) -> None:
    result = select(HIGHLIGHTS, {"MediaArray": [str(media.highlight)]}, output_config={"Count": 2})
    first, second = result["highlightMediaOutputList"]
    assert first["duration"] == pytest.approx(10.0, abs=1.6)  # 15 % of 24 s is below the 10 s floor
    assert [(c["startTime"], c["endTime"]) for c in first["highlightClipList"]] != [
        (c["startTime"], c["endTime"]) for c in second["highlightClipList"]
    ]


def test_audio_less_video_is_a_media_error_not_a_crash(media: MediaSet, select: Any) -> None:
    result = select(HIGHLIGHTS, {"MediaArray": [str(media.silent), str(media.highlight)]})
    assert [(e["mediaURL"], e["code"]) for e in result["mediaErrorList"]] == [(str(media.silent), "NoAudioStream")]
    assert all(
        c["mediaURL"] == str(media.highlight) for c in result["highlightMediaOutputList"][0]["highlightClipList"]
    )


def test_video_without_speech_is_scored_but_flagged(media: MediaSet, select: Any) -> None:
    result = select(HIGHLIGHTS, {"MediaArray": [str(media.plain)], "HighlightStrategy": {"TargetDuration": 5}})
    clips = result["highlightMediaOutputList"][0]["highlightClipList"]
    assert clips
    assert all(c["explain"]["signals"]["noSpeechDetected"] is True for c in clips)
    assert "No speech" in clips[0]["explain"]["reason"]


def test_target_longer_than_the_material_is_refused(media: MediaSet, select: Any) -> None:
    with pytest.raises(JobConfigError, match="TargetDuration"):
        select(HIGHLIGHTS, {"MediaArray": [str(media.highlight)], "HighlightStrategy": {"TargetDuration": 60}})
