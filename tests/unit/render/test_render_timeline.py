"""Timeline organisation: a selection → one ICE Timeline per output (no media needed; names decide kinds)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from scene_select.cloud.models.selection import media_id_for
from scene_select.workstation.render.media import MediaFacts
from scene_select.workstation.render.timeline import (
    Clip,
    SelectionError,
    fit_clips,
    organize_timelines,
    parse_selection,
    timeline_duration,
)

BUCKET = "https://bkt.oss-cn-shanghai.aliyuncs.com/inbox/"
BEACH, PORT, SHOP = BUCKET + "beach.mp4", BUCKET + "port.mp4", BUCKET + "shop.png"
MEDIA = [BEACH, PORT, SHOP]


def sentence(text: str, duration: float, *clips: tuple[str, float, float]) -> dict[str, Any]:
    return {
        "text": text,
        "duration": duration,
        "matchClipList": [{"mediaId": media_id_for(m), "startTime": s, "endTime": e} for m, s, e in clips],
    }


SELECTION = {
    "textMatchMediaOutputList": [
        {
            "textMatchMediaSentenceOutputList": [
                sentence("附近的商场新开了一家盒马鲜生", 3.0, (BEACH, 8.0, 10.0), (PORT, 0.0, 5.0)),
                sentence("Today is the grand opening", 1.5, (SHOP, 0.0, 0.0)),
                sentence("欢迎光临", 2.0, (PORT, 4.0, 6.0)),
            ]
        },
        {"textMatchMediaSentenceOutputList": [sentence("第二个版本", 2.5, (PORT, 1.0, 3.5))]},
    ]
}
INPUT = {
    "MediaArray": MEDIA,
    "SpeechTextArray": ["…"],
    "BackgroundMusicArray": [BUCKET + "bgm1.mp3", BUCKET + "bgm2.mp3"],
    "TitleArray": ["开业 Grand Opening", "第二个标题"],
}
EDITING = {
    "MediaConfig": {"Volume": 0.1},
    "SpeechConfig": {"Volume": 0.8, "Voice": "zhiru,zhilun", "SpeechRate": 100},
    "BackgroundMusicConfig": {"Volume": 0.2},
}
OUTPUT = {"MediaURL": BUCKET + "out_{index}.mp4", "Count": 2, "Width": 1080, "Height": 1920}


def video_clips(timeline: dict[str, Any]) -> list[dict[str, Any]]:
    clips: list[dict[str, Any]] = timeline["VideoTracks"][0]["VideoTrackClips"]
    return clips


def test_one_timeline_per_output_with_clips_laid_out_per_sentence() -> None:
    timelines = organize_timelines(json.dumps(SELECTION), json.dumps(INPUT), json.dumps(EDITING), json.dumps(OUTPUT))
    assert len(timelines) == 2
    first = video_clips(timelines[0])
    # sentence 1 (3 s): beach 8–10 fills 0–2, port is trimmed to the 1 s left; the md5 ids map back to URLs
    # sentence 2 (1.5 s): the picture; sentence 3 (2 s): port 4–6
    assert [(c["MediaURL"], c.get("In"), c.get("Out"), c["TimelineIn"], c["TimelineOut"]) for c in first] == [
        (BEACH, 8.0, 10.0, 0.0, 2.0),
        (PORT, 0.0, 1.0, 2.0, 3.0),
        (SHOP, None, None, 3.0, 4.5),
        (PORT, 4.0, 6.0, 4.5, 6.5),
    ]
    assert [c["Type"] for c in first] == ["Video", "Video", "Image", "Video"]
    assert first[2]["Duration"] == 1.5
    assert first[0]["Effects"] == [{"Type": "Volume", "Gain": 0.1}]
    assert timeline_duration(timelines[0]) == 6.5
    assert timeline_duration(timelines[1]) == 2.5


def test_voiceover_subtitles_music_and_title_follow_the_sentences_and_the_configs() -> None:
    first, second = organize_timelines(SELECTION, INPUT, EDITING, OUTPUT)
    voice, music = first["AudioTracks"]
    assert voice["MainTrack"] is True
    tts = voice["AudioTrackClips"]
    assert [(c["Type"], c["Content"], c["TimelineIn"], c["TimelineOut"]) for c in tts] == [
        ("AI_TTS", "附近的商场新开了一家盒马鲜生", 0.0, 3.0),
        ("AI_TTS", "Today is the grand opening", 3.0, 4.5),
        ("AI_TTS", "欢迎光临", 4.5, 6.5),
    ]
    assert (tts[0]["Voice"], tts[0]["SpeechRate"], tts[0]["Effects"]) == (
        "zhiru",
        100,
        [{"Type": "Volume", "Gain": 0.8}],
    )
    loop = music["AudioTrackClips"][0]
    assert (loop["MediaURL"], loop["LoopMode"], loop["TimelineIn"], loop["TimelineOut"]) == (
        BUCKET + "bgm1.mp3",
        True,
        0,
        6.5,
    )
    assert loop["Effects"] == [{"Type": "Volume", "Gain": 0.2}]
    subtitles, title = first["SubtitleTracks"]
    texts = subtitles["SubtitleTrackClips"]
    assert [(c["Content"], c["TimelineIn"], c["TimelineOut"]) for c in texts] == [
        (c["Content"], c["TimelineIn"], c["TimelineOut"]) for c in tts
    ]
    assert {c["Type"] for c in texts} == {"Text"}
    assert texts[0]["FontSize"] == 54 and texts[0]["Alignment"] == "TopCenter"  # 5 % of the short side
    assert title["SubtitleTrackClips"][0]["Content"] == "开业 Grand Opening"
    assert "TimelineIn" not in title["SubtitleTrackClips"][0]  # the whole video
    # output 2 takes the second voice, music and title (ICE picks at random; we take entry k mod n)
    assert second["AudioTracks"][0]["AudioTrackClips"][0]["Voice"] == "zhilun"
    assert second["AudioTracks"][1]["AudioTrackClips"][0]["MediaURL"] == BUCKET + "bgm2.mp3"
    assert second["SubtitleTracks"][1]["SubtitleTrackClips"][0]["Content"] == "第二个标题"


def test_asr_config_and_title_config_move_and_restyle_the_text() -> None:
    editing = {
        "SpeechConfig": {"AsrConfig": {"Y": 0.6, "FontColor": "#FFFF00", "Font": "unknown face", "X": [1]}},
        "TitleConfig": {"Y": 0.2, "FontSize": 30},
    }
    (first,) = organize_timelines(SELECTION, {**INPUT, "TitleArray": ["标题"]}, editing, {**OUTPUT, "Count": 1})
    subtitles, title = first["SubtitleTracks"]
    sentence_style = subtitles["SubtitleTrackClips"][0]
    assert (sentence_style["Y"], sentence_style["FontColor"], sentence_style["X"]) == (0.6, "#FFFF00", 0.5)
    assert "Font" not in sentence_style  # not a field the renderer draws: left to the default
    assert sentence_style["FontSize"] == 54  # what AsrConfig does not set keeps its default
    assert (title["SubtitleTrackClips"][0]["Y"], title["SubtitleTrackClips"][0]["FontSize"]) == (0.2, 30)


def test_count_caps_the_outputs_and_defaults_apply_without_editing_config() -> None:
    (only,) = organize_timelines(SELECTION, {"MediaArray": MEDIA}, None, {"Count": 1})
    assert video_clips(only)[0]["Effects"] == [{"Type": "Volume", "Gain": 0.0}]  # image-text: the voice speaks
    assert only["AudioTracks"][0]["AudioTrackClips"][0]["Effects"] == [{"Type": "Volume", "Gain": 1.0}]
    assert len(only["AudioTracks"]) == 1 and len(only["SubtitleTracks"]) == 1  # no music, no title given


def test_music_volume_default_is_ices_example_and_background_music_is_used_alone() -> None:
    (only,) = organize_timelines(
        SELECTION, {"MediaArray": MEDIA, "BackgroundMusic": BUCKET + "m.m4a"}, {}, {"Count": 1}
    )
    loop = only["AudioTracks"][1]["AudioTrackClips"][0]
    assert (loop["MediaURL"], loop["Effects"]) == (BUCKET + "m.m4a", [{"Type": "Volume", "Gain": 0.3}])


def test_cut_trims_the_clip_that_crosses_the_end_and_drops_later_ones() -> None:
    clips = [Clip("MediaURL", "a.mp4", 8.0, 10.0), Clip("MediaURL", "b.mp4", 0.0, 5.0), Clip("MediaURL", "c.mp4", 0, 1)]
    placed = fit_clips(clips, 3.0)
    assert [(p.clip.ref, p.source_in, p.source_out, p.start, p.end) for p in placed] == [
        ("a.mp4", 8.0, 10.0, 0.0, 2.0),
        ("b.mp4", 0.0, 1.0, 2.0, 3.0),
    ]


def test_a_short_clip_runs_on_into_its_source_then_holds() -> None:
    facts = {"v.mp4": MediaFacts("video", 10.6, 1280, 720, 25.0, True)}
    (placed,) = fit_clips([Clip("MediaURL", "v.mp4", 10.0, 10.4)], 2.0, facts=facts.get)
    assert placed.source_out == pytest.approx(10.6)  # to the end of the file
    assert placed.end == 2.0  # the rest of the sentence holds the last frame
    (unknown,) = fit_clips([Clip("MediaURL", "w.mp4", 1.0, 2.0)], 3.0)
    assert (unknown.source_out, unknown.end) == (2.0, 3.0)


def test_autospeed_plays_the_clips_faster_within_bounds() -> None:
    (placed,) = fit_clips([Clip("MediaURL", "v.mp4", 0.0, 4.0)], 2.5, mode="AutoSpeed")
    assert placed.speed == pytest.approx(1.6) and placed.end == pytest.approx(2.5)
    (capped,) = fit_clips([Clip("MediaURL", "v.mp4", 0.0, 9.0)], 3.0, mode="AutoSpeed")
    assert capped.speed == 2.0 and capped.source_out == pytest.approx(6.0)  # what the bound leaves is cut
    timeline = organize_timelines(
        SELECTION, {"MediaArray": MEDIA}, {"ProcessConfig": {"AlignmentMode": "AutoSpeed"}}, {}
    )[0]
    assert video_clips(timeline)[0]["Speed"] == 2.0  # 7 s of clips over a 3 s sentence: the upper bound


def test_highlights_keep_their_order_and_sound_without_voice() -> None:
    selection = {
        "highlightMediaOutputList": [
            {
                "highlightClipList": [
                    {"mediaURL": BEACH, "startTime": 50.0, "endTime": 52.0, "isIntro": True},
                    {"mediaURL": BEACH, "startTime": 10.0, "endTime": 13.0},
                ]
            }
        ]
    }
    (timeline,) = organize_timelines(selection, {"MediaArray": [BEACH]}, None, {"Width": 1280, "Height": 720})
    clips = video_clips(timeline)
    assert [(c["In"], c["Out"], c["TimelineIn"], c["TimelineOut"]) for c in clips] == [(50, 52, 0, 2), (10, 13, 2, 5)]
    assert clips[0]["Effects"] == [{"Type": "Volume", "Gain": 1.0}]
    assert "AudioTracks" not in timeline and "SubtitleTracks" not in timeline


def test_a_scene_select_selection_with_urls_and_explanations_is_read() -> None:
    selection = {
        "textMatchMediaOutputList": [
            {
                "textMatchMediaSentenceOutputList": [
                    {
                        "text": "t",
                        "duration": 1.0,
                        "matchClipList": [
                            {
                                "mediaId": "f" * 32,
                                "mediaURL": "clips/a.mp4",
                                "startTime": 1,
                                "endTime": 2,
                                "explain": {},
                            }
                        ],
                    }
                ]
            }
        ]
    }
    clip = parse_selection(selection)[0].sentences[0].clips[0]
    assert (clip.ref_field, clip.ref, clip.start, clip.end) == ("MediaURL", "clips/a.mp4", 1.0, 2.0)
    unknown = parse_selection(
        {
            "textMatchMediaOutputList": [
                {
                    "textMatchMediaSentenceOutputList": [
                        {
                            "text": "t",
                            "duration": 1,
                            "matchClipList": [{"mediaId": "a" * 32, "startTime": 0, "endTime": 1}],
                        }
                    ]
                }
            ]
        }
    )
    assert unknown[0].sentences[0].clips[0].ref_field == "MediaId"  # an ICE asset id stays an id


@pytest.mark.parametrize(
    ("selection", "message"),
    [
        ("not json", "not JSON"),
        ("[1, 2]", "must be a JSON object"),
        ({"something": []}, "has none of textMatchMediaOutputList"),
        ({"textMatchMediaOutputList": {"a": 1}}, "textMatchMediaOutputList must be a list"),
        (
            {
                "textMatchMediaOutputList": [
                    {
                        "textMatchMediaSentenceOutputList": [
                            {"text": "t", "matchClipList": [{"mediaURL": "a.mp4", "startTime": "1", "endTime": 2}]}
                        ]
                    }
                ]
            },
            r"matchClipList\[0\]\.startTime must be a number",
        ),
        (
            {
                "textMatchMediaOutputList": [
                    {
                        "textMatchMediaSentenceOutputList": [
                            {"text": "t", "matchClipList": [{"mediaURL": "a.mp4", "startTime": 3, "endTime": 2}]}
                        ]
                    }
                ]
            },
            "0 <= start <= end",
        ),
        (
            {"highlightMediaOutputList": [{"highlightClipList": [{"startTime": 0, "endTime": 2}]}]},
            r"highlightClipList\[0\] names no media",
        ),
    ],
)
def test_an_unreadable_selection_is_refused_with_the_place(selection: Any, message: str) -> None:
    with pytest.raises(SelectionError, match=message):
        organize_timelines(selection, {}, None, {})


def test_timeline_duration_reads_sequential_clips_and_ignores_looping_music() -> None:
    timeline = {
        "VideoTracks": [
            {
                "VideoTrackClips": [
                    {"In": 1, "Out": 3},
                    {"Type": "Image", "Duration": 2},
                    {"In": 0, "Out": 4, "Speed": 2},
                ]
            }
        ],
        "AudioTracks": [{"AudioTrackClips": [{"MediaURL": "m", "LoopMode": True, "TimelineOut": 99}]}],
    }
    assert timeline_duration(timeline) == 6.0
    assert timeline_duration({}) == 0.0
