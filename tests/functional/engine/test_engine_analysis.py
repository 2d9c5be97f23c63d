"""One decoding pass over generated media finds the known cuts, captions, speech and loud moment."""

from __future__ import annotations

from pathlib import Path

import pytest

from scene_select.cloud.errors import MediaError
from scene_select.workstation.engine.analyse import analyse_media
from scene_select.workstation.engine.analysis import AUDIO_HOP, VIDEO_BIN, MediaAnalysis
from scene_select.workstation.engine.probe import probe_media
from scene_select_testkit.media import HIGHLIGHT_SEGMENTS, LOUD_SPAN, MONTAGE_CUTS, MediaSet

_CACHE: dict[Path, MediaAnalysis] = {}


def analysed(path: Path) -> MediaAnalysis:
    if path not in _CACHE:
        _CACHE[path] = analyse_media(path, probe_media(path))
    return _CACHE[path]


def test_probe_tells_video_image_and_streams(media: MediaSet) -> None:
    video = probe_media(media.montage)
    assert (video.kind, video.width, video.height, video.has_audio) == ("video", 480, 270, True)
    assert video.duration == pytest.approx(15.0, abs=0.1)
    assert probe_media(media.silent).has_audio is False
    image = probe_media(media.image)
    assert image.is_image and image.duration == 0.0


def test_hard_cuts_found_within_a_frame_or_two(media: MediaSet) -> None:
    cuts = analysed(media.montage).cuts
    assert len(cuts) == len(MONTAGE_CUTS), cuts
    for found, expected in zip(cuts, MONTAGE_CUTS, strict=True):
        assert abs(found - expected) <= 0.1, (found, expected)


def test_cut_into_and_out_of_pure_noise_without_false_cuts_inside(media: MediaSet) -> None:
    cuts = analysed(media.highlight).cuts
    expected = [6.0, 10.0, 14.0, 17.0]
    assert len(cuts) == len(expected), cuts
    assert all(abs(a - b) <= 0.1 for a, b in zip(cuts, expected, strict=True))


def test_captions_read_in_chinese_and_english(media: MediaSet) -> None:
    text = " ".join(line.text for line in analysed(media.montage).ocr).lower().replace(" ", "")
    for caption in ("商场", "超市", "fox", "fence", "日落", "mountain", "图书馆"):
        assert caption in text, caption


def test_ocr_lines_fall_in_their_segment(media: MediaSet) -> None:
    analysis = analysed(media.montage)
    for line in analysis.ocr:
        if "日落" in line.text:
            assert 6.0 <= line.t < 9.0
        if "fox" in line.text.lower():
            assert 3.0 <= line.t < 6.0


def test_loud_burst_and_motion_stand_out(media: MediaSet) -> None:
    analysis = analysed(media.highlight)
    loud = analysis.loudness_db
    inside = [v for k, v in enumerate(loud) if LOUD_SPAN[0] + 0.2 <= k * AUDIO_HOP < LOUD_SPAN[1] - 0.2]
    outside = [v for k, v in enumerate(loud) if not (LOUD_SPAN[0] - 0.5 <= k * AUDIO_HOP < LOUD_SPAN[1] + 0.5)]
    assert min(inside) > max(outside)
    motion = analysis.motion
    busy = [v for k, v in enumerate(motion) if LOUD_SPAN[0] + 0.5 <= k * VIDEO_BIN < LOUD_SPAN[1] - 0.5]
    calm = [v for k, v in enumerate(motion) if k * VIDEO_BIN < 10.0]
    assert min(busy) > 5 * max(calm)


def test_speech_detected_where_there_is_speech_only(media: MediaSet) -> None:
    analysis = analysed(media.highlight)
    speech = analysis.speech

    def ratio(a: float, b: float) -> float:
        hops = speech[int(a / AUDIO_HOP) : int(b / AUDIO_HOP)]
        return sum(hops) / len(hops)

    assert HIGHLIGHT_SEGMENTS[3].audio == "loud"
    assert ratio(0.5, 13.5) > 0.4
    assert ratio(LOUD_SPAN[0] + 0.3, LOUD_SPAN[1] - 0.3) == 0.0
    assert analysis.pauses, "a talking track has pauses to cut at"


def test_image_is_read_once(media: MediaSet) -> None:
    analysis = analysed(media.image)
    assert analysis.cuts == []
    assert "夜景" in "".join(line.text for line in analysis.ocr)


def test_unreadable_files_raise_media_error(tmp_path: Path) -> None:
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(b"this is not a video at all" * 100)
    for path in (empty, garbage, tmp_path / "missing.mp4"):
        with pytest.raises(MediaError):
            probe_media(path)
