"""Cut detection and audio features on synthetic arrays (no decoding)."""

from __future__ import annotations

import numpy as np

from scene_select.workstation.engine.analysis import AUDIO_HOP, MediaAnalysis, MediaInfo
from scene_select.workstation.engine.shots import CutDetector
from scene_select.workstation.engine.signals import AudioFeatures
from scene_select.workstation.engine.synth import speech_like


def frames(color: tuple[int, int, int], count: int, noise: float = 0.0, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        frame = np.zeros((36, 64, 3), dtype=np.float32) + np.array(color, dtype=np.float32)
        if noise:
            frame += rng.uniform(-noise, noise, frame.shape)
        out.append(np.clip(frame, 0, 255).astype(np.uint8))
    return out


def detect(sequence: list[np.ndarray], fps: float = 25.0) -> list[float]:
    detector = CutDetector()
    for k, frame in enumerate(sequence):
        detector.push(k / fps, frame)
    return detector.finish()


def test_hard_cut_between_colours() -> None:
    sequence = frames((200, 30, 30), 50, noise=4) + frames((30, 30, 200), 50, noise=4, seed=1)
    assert detect(sequence) == [2.0]


def test_steady_noise_has_no_cuts_but_cutting_into_it_is_one() -> None:
    noise = [np.random.default_rng(k).integers(0, 256, (36, 64, 3), dtype=np.uint8) for k in range(60)]
    assert detect(noise) == []
    assert detect(frames((90, 90, 90), 30) + noise) == [1.2]


def test_cut_in_the_last_frames_is_judged_at_finish() -> None:
    sequence = frames((0, 200, 0), 40) + frames((200, 0, 200), 2)
    assert detect(sequence) == [1.6]


def audio_analysis(samples: np.ndarray) -> MediaAnalysis:
    features = AudioFeatures()
    for start in range(0, samples.size, 3000):  # uneven chunks, as a decoder delivers them
        features.push(samples[start : start + 3000].astype(np.float32))
    analysis = MediaAnalysis(info=MediaInfo("video", samples.size / 16000, 1, 1, 1.0, True, "x", "y"))
    features.finish(analysis)
    return analysis


def test_speech_like_audio_is_speech_and_a_steady_tone_is_not() -> None:
    t = np.arange(16000 * 4) / 16000
    tone = 0.2 * np.sin(2 * np.pi * 330 * t)
    speech = np.asarray(speech_like(4.0, seed=3))
    analysis = audio_analysis(np.concatenate([tone, speech]))
    hops = analysis.speech
    tone_part = hops[: int(3.5 / AUDIO_HOP)]
    speech_part = hops[int(4.5 / AUDIO_HOP) :]
    assert sum(tone_part) == 0
    assert sum(speech_part) / len(speech_part) > 0.5
    assert len(analysis.loudness_db) == 80


def test_white_noise_is_not_speech_and_silence_is_a_pause() -> None:
    rng = np.random.default_rng(0)
    noise = rng.normal(0, 0.1, 16000 * 3)
    silence = np.zeros(16000)
    analysis = audio_analysis(np.concatenate([np.asarray(speech_like(3.0, seed=1)), silence, noise]))
    assert sum(analysis.speech[int(4.2 / AUDIO_HOP) :]) == 0
    assert any(3.0 <= p <= 4.0 for p in analysis.pauses)
