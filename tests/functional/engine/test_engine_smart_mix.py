"""Smart mix on generated footage: sentences find the segment whose caption they talk about."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest

from scene_select.cloud.errors import JobConfigError
from scene_select.workstation.engine import decode
from scene_select_testkit.media import SEGMENT, SENTENCES_BY_SEGMENT, MediaSet

SMART_MIX = "Smart_Mix_Media_Select"
SCRAMBLED = [2, 0, 4, 1, 3]


def sentences(result: dict[str, Any], output: int = 0) -> list[dict[str, Any]]:
    return list(result["textMatchMediaOutputList"][output]["textMatchMediaSentenceOutputList"])


def segment_of(clip: dict[str, Any]) -> int:
    middle = (clip["startTime"] + clip["endTime"]) / 2
    return int(middle // SEGMENT)


def covered(sentence: dict[str, Any]) -> float:
    return sum(c["endTime"] - c["startTime"] for c in sentence["matchClipList"])


def assert_no_overlap(result: dict[str, Any], output: int) -> None:
    spans: dict[str, list[tuple[float, float]]] = {}
    for sentence in sentences(result, output):
        for clip in sentence["matchClipList"]:
            spans.setdefault(clip["mediaId"], []).append((clip["startTime"], clip["endTime"]))
    for media_spans in spans.values():
        media_spans.sort()
        for (_, end), (start, _) in itertools.pairwise(media_spans):
            assert start >= end - 1e-6, media_spans


def test_each_sentence_gets_the_segment_it_talks_about(media: MediaSet, select: Any) -> None:
    script = "".join(SENTENCES_BY_SEGMENT[k] + " " for k in SCRAMBLED)
    result = select(SMART_MIX, {"MediaArray": [str(media.montage)], "SpeechText": script})
    out = sentences(result)
    assert [s["text"] for s in out] == [SENTENCES_BY_SEGMENT[k] for k in SCRAMBLED]
    for expected, sentence in zip(SCRAMBLED, out, strict=True):
        primary = sentence["matchClipList"][0]
        assert expected * SEGMENT - 0.05 <= primary["startTime"] < primary["endTime"] <= (expected + 1) * SEGMENT + 0.05
        assert primary["explain"]["matchedTerms"], sentence
        assert covered(sentence) >= sentence["duration"] - 0.06
        assert primary["mediaURL"] == str(media.montage)
        assert primary["clipId"].startswith(primary["mediaId"][:8])
    assert_no_overlap(result, 0)


def test_story_order_kept_when_temporal_opt_is_on(media: MediaSet, select: Any) -> None:
    script = "".join(SENTENCES_BY_SEGMENT[k] + " " for k in SCRAMBLED)
    result = select(
        SMART_MIX,
        {"MediaArray": [str(media.montage)], "SpeechText": script},
        editing_config={"ProcessConfig": {"EnableTemporalOpt": True}},
    )
    starts = [s["matchClipList"][0]["startTime"] for s in sentences(result)]
    assert starts == sorted(starts)
    in_order = select(
        SMART_MIX,
        {"MediaArray": [str(media.montage)], "SpeechText": " ".join(SENTENCES_BY_SEGMENT)},
        editing_config={"ProcessConfig": {"EnableTemporalOpt": True}},
    )
    assert [segment_of(s["matchClipList"][0]) for s in sentences(in_order)] == [0, 1, 2, 3, 4]


def test_time_range_list_is_respected(media: MediaSet, select: Any) -> None:
    ranges = [(0.0, 6.0), (9.0, 12.0)]
    result = select(
        SMART_MIX,
        {"MediaArray": [str(media.montage)], "SpeechText": " ".join(SENTENCES_BY_SEGMENT)},
        editing_config={
            "MediaConfig": {
                "MediaMetaDataArray": [
                    {"Media": str(media.montage), "TimeRangeList": [{"In": str(a), "Out": str(b)} for a, b in ranges]}
                ]
            }
        },
    )
    for sentence in sentences(result):
        for clip in sentence["matchClipList"]:
            assert any(a - 1e-6 <= clip["startTime"] and clip["endTime"] <= b + 1e-6 for a, b in ranges), clip
    by_text = {s["text"]: s for s in sentences(result)}
    assert segment_of(by_text[SENTENCES_BY_SEGMENT[3]]["matchClipList"][0]) == 3


def test_count_two_gives_two_different_outputs(media: MediaSet, select: Any) -> None:
    result = select(
        SMART_MIX,
        {"MediaArray": [str(media.montage), str(media.image)], "SpeechText": " ".join(SENTENCES_BY_SEGMENT[:3])},
        output_config={"Count": 2, "MediaURL": "https://b.oss-cn-shanghai.aliyuncs.com/out_{index}.mp4"},
    )
    assert len(result["textMatchMediaOutputList"]) == 2

    def signature(k: int) -> list[tuple[str, float, float]]:
        return [(c["mediaId"], c["startTime"], c["endTime"]) for s in sentences(result, k) for c in s["matchClipList"]]

    assert signature(0) != signature(1)
    for k in (0, 1):
        assert_no_overlap(result, k)


def test_speech_rate_changes_durations(media: MediaSet, select: Any) -> None:
    config = {"MediaArray": [str(media.montage)], "SpeechText": SENTENCES_BY_SEGMENT[1]}
    normal = sentences(select(SMART_MIX, config))[0]
    fast = sentences(select(SMART_MIX, config, editing_config={"SpeechConfig": {"SpeechRate": 500}}))[0]
    assert fast["duration"] == pytest.approx(normal["duration"] / 2, abs=0.02)
    assert covered(fast) >= fast["duration"] - 0.06


def test_image_lasts_as_long_as_its_sentence(media: MediaSet, select: Any) -> None:
    result = select(
        SMART_MIX, {"MediaArray": [str(media.montage), str(media.image)], "SpeechText": "城市的夜景灯火辉煌。"}
    )
    sentence = sentences(result)[0]
    clip = sentence["matchClipList"][0]
    assert clip["mediaURL"] == str(media.image)
    assert clip["startTime"] == 0.0 and clip["endTime"] == pytest.approx(sentence["duration"], abs=0.01)


def test_subtitle_sidecar_and_tags_count_as_clip_text(media: MediaSet, select: Any) -> None:
    result = select(
        SMART_MIX,
        {
            "MediaArray": [str(media.plain), str(media.montage)],
            "SpeechText": "The dog runs in the park. 小猫在沙发上睡觉。",
        },
    )
    dog, cat = sentences(result)
    assert dog["matchClipList"][0]["mediaURL"] == str(media.plain)
    assert dog["matchClipList"][0]["startTime"] >= 3.9
    assert cat["matchClipList"][0]["mediaURL"] == str(media.plain)
    assert cat["matchClipList"][0]["endTime"] <= 4.1
    pets = sentences(select(SMART_MIX, {"MediaArray": [str(media.plain), str(media.montage)], "SpeechText": "宠物。"}))
    assert pets[0]["matchClipList"][0]["mediaURL"] == str(media.plain)
    assert "宠物" in pets[0]["matchClipList"][0]["explain"]["matchedTerms"]


def test_second_run_is_served_from_the_cache_and_identical(
    media: MediaSet, select: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[Path] = []
    real = decode.decode_media

    def counting(path: Path, *args: Any, **kwargs: Any) -> Any:
        calls.append(path)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(decode, "decode_media", counting)
    config = {"MediaArray": [str(media.montage), str(media.image)], "SpeechText": " ".join(SENTENCES_BY_SEGMENT)}
    first = select(SMART_MIX, config, cache_dir=tmp_path / "cache")
    assert sorted(calls) == sorted([media.montage, media.image])
    second = select(SMART_MIX, config, cache_dir=tmp_path / "cache")
    assert len(calls) == 2, "the second job must not decode again"
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)
    copy = tmp_path / "renamed.mp4"
    copy.write_bytes(media.montage.read_bytes())
    select(SMART_MIX, {"MediaArray": [str(copy)], "SpeechText": "海边。"}, cache_dir=tmp_path / "cache")
    assert len(calls) == 2, "the cache is keyed by content, not by path"


def test_same_inputs_same_result_with_a_fresh_cache(media: MediaSet, select: Any, tmp_path: Path) -> None:
    config = {"MediaArray": [str(media.montage)], "SpeechText": " ".join(SENTENCES_BY_SEGMENT)}
    warm = select(SMART_MIX, config)
    cold = select(SMART_MIX, config, cache_dir=tmp_path / "fresh")
    assert json.dumps(warm, sort_keys=True) == json.dumps(cold, sort_keys=True)


def test_bad_media_become_media_errors_and_the_rest_still_works(media: MediaSet, select: Any, tmp_path: Path) -> None:
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    garbage = tmp_path / "garbage.mov"
    garbage.write_bytes(b"\x00\x01 not a movie " * 200)
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(media.montage.read_bytes()[: media.montage.stat().st_size * 2 // 5])
    entries = [
        str(empty),
        str(garbage),
        str(tmp_path / "missing.mp4"),
        "https://nobucket.oss-cn-hangzhou.aliyuncs.com/a.mp4",
        str(truncated),
        str(media.montage),
    ]
    result = select(SMART_MIX, {"MediaArray": entries, "SpeechText": SENTENCES_BY_SEGMENT[2]})
    codes = {e["mediaURL"]: e["code"] for e in result["mediaErrorList"]}
    assert codes[str(empty)] == "InvalidMaterial"
    assert codes[str(garbage)] == "InvalidMaterial"
    assert codes[str(tmp_path / "missing.mp4")] == "MediaNotResolvable"
    assert codes["https://nobucket.oss-cn-hangzhou.aliyuncs.com/a.mp4"] == "MediaNotResolvable"
    assert codes[str(truncated)] in ("TruncatedMaterial", "InvalidMaterial")
    assert str(media.montage) not in codes
    assert all(e["message"] and len(e["mediaId"]) == 32 for e in result["mediaErrorList"])
    clip = sentences(result)[0]["matchClipList"][0]
    assert clip["mediaURL"] in (str(media.montage), str(truncated))


def test_over_two_hours_of_material_is_refused_before_decoding(
    select: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scene_select.workstation.engine.synth import run_ffmpeg

    long_video = tmp_path / "long.mp4"
    two_hours_and_a_bit = ["-f", "lavfi", "-i", "color=c=gray:s=32x32:r=1:d=7300"]
    run_ffmpeg([*two_hours_and_a_bit, "-c:v", "libx264", "-preset", "ultrafast", "-g", "600", str(long_video)])
    monkeypatch.setattr(decode, "decode_media", lambda *a, **k: pytest.fail("must not decode"))
    with pytest.raises(JobConfigError, match="2 h"):
        select(SMART_MIX, {"MediaArray": [str(long_video)], "SpeechText": "太长了。"})


def test_oss_urls_resolve_through_bucket_directories(media: MediaSet, select: Any) -> None:
    from scene_select.workstation.engine import MediaResolver

    resolver = MediaResolver(bucket_dirs={"demo-bucket": media.root})
    entries = ["https://demo-bucket.oss-cn-shanghai.aliyuncs.com/montage.mp4", "oss://demo-bucket/library.png"]
    result = select(SMART_MIX, {"MediaArray": entries, "SpeechText": SENTENCES_BY_SEGMENT[2]}, resolver=resolver)
    assert "mediaErrorList" not in result
    clip = sentences(result)[0]["matchClipList"][0]
    assert clip["mediaURL"] == entries[0] and segment_of(clip) == 2
