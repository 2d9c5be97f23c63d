"""ExtendOutput parsing: both shapes typed, anything else kept verbatim."""

from __future__ import annotations

import json

from scene_select.cloud.models.selection import clip_id_for, media_id_for, parse_extend_output

DOC_EXAMPLE = {
    "textMatchMediaOutputList": [
        {
            "textMatchMediaSentenceOutputList": [
                {
                    "text": "句子",
                    "textId": "0",
                    "duration": 3.366667,
                    "matchClipList": [
                        {"clipId": "null-2", "mediaId": "a" * 32, "startTime": 8.04, "endTime": 11.16, "score": -0.253}
                    ],
                }
            ]
        }
    ]
}


def test_documented_text_match_shape() -> None:
    result = parse_extend_output("Smart_Mix_Media_Select", json.dumps(DOC_EXAMPLE))
    assert result.kind == "text_match"
    clip = result.text_match_outputs[0].text_match_media_sentence_output_list[0].match_clip_list[0]
    assert clip.start_time == 8.04 and clip.score == -0.253
    assert round(clip.duration, 2) == 3.12
    assert result.raw == DOC_EXAMPLE
    assert result.clip_count() == 1


def test_unknown_keys_survive() -> None:
    doc = json.loads(json.dumps(DOC_EXAMPLE))
    doc["textMatchMediaOutputList"][0]["newKey"] = 1
    result = parse_extend_output(None, json.dumps(doc))
    assert result.text_match_outputs[0].to_wire()["newKey"] == 1


def test_highlight_shape() -> None:
    body = {
        "highlightMediaOutputList": [
            {"duration": 10, "highlightClipList": [{"startTime": 1, "endTime": 6, "isIntro": True}]}
        ]
    }
    result = parse_extend_output("Screen_Media_Highlights_Media_Select", json.dumps(body))
    assert result.kind == "highlights"
    assert result.highlight_outputs[0].highlight_clip_list[0].is_intro


def test_unrecognised_and_broken_results_are_kept() -> None:
    odd = parse_extend_output("Screen_Media_Highlights_Media_Select", '{"somethingElse": [1]}')
    assert odd.kind == "unrecognised" and odd.raw == {"somethingElse": [1]} and odd.parse_problem
    broken = parse_extend_output(None, "{trunc")
    assert broken.kind == "unrecognised" and broken.raw == "{trunc"
    wrong = parse_extend_output(
        None, '{"textMatchMediaOutputList": [{"textMatchMediaSentenceOutputList": [{"matchClipList": [{}]}]}]}'
    )
    assert wrong.kind == "unrecognised" and wrong.parse_problem
    assert parse_extend_output(None, None).kind == "empty"


def test_ids_are_stable_and_shaped_like_ice() -> None:
    media_id = media_id_for("https://b.oss-cn-shanghai.aliyuncs.com/a.mp4")
    assert len(media_id) == 32 and media_id == media_id_for("https://b.oss-cn-shanghai.aliyuncs.com/a.mp4")
    assert clip_id_for(media_id, 1.5, 4.25) == f"{media_id[:8]}-1500-4250"
