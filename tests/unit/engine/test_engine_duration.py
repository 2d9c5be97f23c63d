"""The documented voiceover rate model."""

from __future__ import annotations

import pytest

from scene_select.cloud.models.job_config import SpeechConfig
from scene_select.workstation.engine.duration import (
    espeak_available,
    espeak_duration,
    rate_model_duration,
    sentence_duration,
)


def test_chinese_rate_model() -> None:
    # 9 hanzi / 4.5 per s + one full stop 0.45 s
    assert rate_model_duration("海边的日落美丽极了。") == pytest.approx(2.45)


def test_english_rate_model_counts_words_and_pauses() -> None:
    # 6 words / 2.6 + one comma 0.25 + one stop 0.45
    assert rate_model_duration("Well, the fox jumps over fences.") == pytest.approx(6 / 2.6 + 0.25 + 0.45, abs=0.01)


def test_speech_rate_scales_duration() -> None:
    normal = rate_model_duration("附近新开了一家商场。")
    fast = rate_model_duration("附近新开了一家商场。", speed=SpeechConfig(SpeechRate=500).speed_multiplier())
    slow = rate_model_duration("附近新开了一家商场。", speed=SpeechConfig(SpeechRate=-500).speed_multiplier())
    assert fast == pytest.approx(normal / 2, abs=0.01) and slow == pytest.approx(normal * 2, abs=0.01)


def test_minimum_duration_for_tiny_sentences() -> None:
    assert rate_model_duration("好。") == 1.0


def test_espeak_measurement_is_opt_in_and_falls_back() -> None:
    seconds, source = sentence_duration("海边的日落美丽极了。", measure="model")
    assert source == "rate-model"
    seconds, source = sentence_duration("海边的日落美丽极了。", measure="espeak")
    if espeak_available():
        assert source == "espeak-ng" and 1.0 <= seconds < 6.0
        assert espeak_duration("The fox jumps.") is not None
    else:
        assert source == "rate-model" and espeak_duration("x") is None
