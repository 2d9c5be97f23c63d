"""The job-config models: what ICE accepts passes and serialises exactly; what it refuses is refused clearly."""

from __future__ import annotations

import json
from typing import Any

import pytest

from scene_select.cloud.errors import JobConfigError
from scene_select.cloud.models.job_config import (
    JobType,
    SelectionJobRequest,
    SpeechConfig,
    check_total_media_duration,
)

OSS = "https://bucket.oss-cn-shanghai.aliyuncs.com"


def smart_mix(**input_overrides: Any) -> dict[str, Any]:
    config: dict[str, Any] = {"MediaArray": [f"{OSS}/a.mp4", f"{OSS}/b.jpg"], "SpeechTextArray": ["你好，世界。"]}
    config.update(input_overrides)
    return config


def request(job_type: str = "Smart_Mix_Media_Select", **kwargs: Any) -> SelectionJobRequest:
    kwargs.setdefault("input_config", smart_mix())
    kwargs.setdefault("output_config", {"MediaURL": f"{OSS}/out_{{index}}.mp4", "Count": 1})
    return SelectionJobRequest.from_wire(job_type, **kwargs)


def refused(**kwargs: Any) -> str:
    with pytest.raises(JobConfigError) as info:
        request(**kwargs)
    return str(info.value)


def test_doc_example_round_trips_to_the_same_json() -> None:
    input_config = (
        '{"BackgroundMusic":"****9d46c8b4548681030f6e****","MediaArray":["https://test-bucket.oss-cn-shanghai'
        '.aliyuncs.com/test.mp4"],"SpeechTextArray":["测试文案1","测试文案2"]}'
    )
    editing = '{"MediaConfig":{"Volume":0},"SpeechConfig":{"Volume":1},"BackgroundMusicConfig":{"Volume":0.3}}'
    output = '{"MediaURL":"http://test-bucket.oss-cn-shanghai.aliyuncs.com/xxx_{index}.mp4","Count":1,"Width":1080,"Height":1920}'
    req = SelectionJobRequest.from_wire(
        "Smart_Mix_Media_Select", input_config, output, editing, '{"NotifyAddress":"https://cb.example.com/x"}'
    )
    params = req.wire_params()
    assert json.loads(params["InputConfig"]) == json.loads(input_config)
    assert json.loads(params["EditingConfig"]) == json.loads(editing)
    assert json.loads(params["OutputConfig"]) == json.loads(output)
    assert params["UserData"] == '{"NotifyAddress":"https://cb.example.com/x"}'
    assert params["JobType"] == "Smart_Mix_Media_Select"
    assert "测试文案1" in params["InputConfig"]  # UTF-8 kept, not \u-escaped


def test_unknown_fields_are_kept_and_nulls_never_sent() -> None:
    req = request(
        input_config=smart_mix(FutureField={"X": 1}, Title=None),
        editing_config={"ProcessConfig": {"EnableTemporalOpt": True, "NewKnob": 3}},
    )
    params = req.wire_params()
    assert json.loads(params["InputConfig"])["FutureField"] == {"X": 1}
    assert "Title" not in params["InputConfig"]
    assert json.loads(params["EditingConfig"]) == {"ProcessConfig": {"EnableTemporalOpt": True, "NewKnob": 3}}


def test_time_ranges_accept_strings_and_serialise_as_ice_examples() -> None:
    media = f"{OSS}/a.mp4"
    req = request(
        editing_config={
            "MediaConfig": {"MediaMetaDataArray": [{"Media": media, "TimeRangeList": [{"In": "0", "Out": "1.5"}]}]}
        }
    )
    wire = json.loads(req.wire_params()["EditingConfig"])
    assert wire["MediaConfig"]["MediaMetaDataArray"][0]["TimeRangeList"] == [{"In": "0", "Out": "1.5"}]


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"input_config": smart_mix(SpeechTextArray=["字" * 1001])}, "InputConfig.SpeechTextArray"),
        ({"input_config": smart_mix(SpeechTextArray=["a"] * 51)}, "at most 50 items"),
        ({"input_config": smart_mix(TitleArray=["t" * 51])}, "at most 50 allowed"),
        ({"input_config": smart_mix(MediaArray=[])}, "MediaArray (at least one media) or MediaSearchInput"),
        ({"input_config": smart_mix(MediaArray=[f"{OSS}/{i}.mp4" for i in range(51)])}, "at most 50 media"),
        ({"input_config": smart_mix(SpeechTextArray=None)}, "voiceover script is required"),
        ({"input_config": smart_mix(MediaArray=[f"{OSS}/a.mp4", f"{OSS}/a.mp4"])}, "repeated"),
        ({"input_config": smart_mix(MediaArray=["bad\x00name.mp4"])}, "control characters"),
        ({"output_config": {"MediaURL": f"{OSS}/out.mp4", "Count": 2}}, "{index}"),
        ({"output_config": {"Count": 0}}, "OutputConfig.Count"),
        ({"output_config": {"MediaURL": "ftp://x/y"}}, "http(s)"),
        ({"user_data": {"NotifyAddress": "mns-queue"}}, "ice-callback"),
        ({"user_data": {"NotifyAddress": "https://x", "Pad": "p" * 600}}, "at most 512"),
        ({"editing_config": {"SpeechConfig": {"SpeechRate": 900}}}, "EditingConfig.SpeechConfig.SpeechRate"),
        ({"editing_config": {"MediaConfig": {"Volume": 11}}}, "EditingConfig.MediaConfig.Volume"),
        (
            {"editing_config": {"MediaConfig": {"MediaMetaDataArray": [{"Media": "x.mp4", "TimeRangeList": []}]}}},
            "is not in InputConfig.MediaArray",
        ),
        (
            {
                "editing_config": {
                    "MediaConfig": {
                        "MediaMetaDataArray": [{"Media": f"{OSS}/a.mp4", "TimeRangeList": [{"In": 3, "Out": 1}]}]
                    }
                }
            },
            "must be greater than In",
        ),
        ({"input_config": "{not json"}, "InputConfig is not valid JSON"),
        ({"input_config": "[1, 2]"}, "must be a JSON object"),
    ],
)
def test_invalid_configs_are_refused_with_field_and_rule(kwargs: dict[str, Any], expected: str) -> None:
    assert expected in refused(**kwargs)


def test_error_names_the_value() -> None:
    message = refused(output_config={"Count": -3})
    assert "OutputConfig.Count" in message and "-3" in message


def test_unknown_job_type_lists_the_accepted_ones() -> None:
    message = refused(job_type="Smart_Mix")
    assert "Smart_Mix_Media_Select" in message and "Screen_Media_Highlights_Media_Select" in message


def test_highlights_accept_videos_only_and_at_most_30() -> None:
    ok = request(
        job_type="Screen_Media_Highlights_Media_Select",
        input_config={
            "MediaArray": [f"{OSS}/long.mp4", "0123456789abcdef0123456789abcdef"],
            "HighlightStrategy": {"TargetDuration": 30, "IntroConfig": {"Mode": "Auto"}},
        },
    )
    assert ok.job_type is JobType.HIGHLIGHTS
    assert ok.input_config.target_duration() == 30  # type: ignore[union-attr]
    assert ok.input_config.intro_auto()  # type: ignore[union-attr]
    image = {"MediaArray": [f"{OSS}/still.png"]}
    assert "must be videos" in refused(job_type="Screen_Media_Highlights_Media_Select", input_config=image)
    many = {"MediaArray": [f"{OSS}/{i}.mp4" for i in range(31)]}
    assert "at most 30 videos" in refused(job_type="Screen_Media_Highlights_Media_Select", input_config=many)
    short = {"MediaArray": [f"{OSS}/a.mp4"], "HighlightStrategy": {"TargetDuration": 2}}
    assert "TargetDuration" in refused(job_type="Screen_Media_Highlights_Media_Select", input_config=short)


def test_legacy_single_script_is_used_when_no_array() -> None:
    req = request(input_config={"MediaArray": [f"{OSS}/a.mp4"], "SpeechText": "One. Two."})
    assert req.input_config.scripts() == ["One. Two."]  # type: ignore[union-attr]


@pytest.mark.parametrize(("rate", "speed"), [(0, 1.0), (500, 2.0), (-500, 0.5), (None, 1.0)])
def test_speech_rate_multiplier(rate: int | None, speed: float) -> None:
    assert SpeechConfig(speech_rate=rate).speed_multiplier() == pytest.approx(speed)


def test_total_duration_limit() -> None:
    check_total_media_duration(7200)
    with pytest.raises(JobConfigError, match="at most 2 h"):
        check_total_media_duration(7201)
