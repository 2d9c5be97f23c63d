"""report.html: everything a person needs, and nothing an upload can inject."""

from __future__ import annotations

from typing import Any

from scene_select.cloud.pipeline.report import render_report

HOSTILE = '<img src=x onerror="alert(1)"><script>alert(2)</script>'


def selection(**overrides: Any) -> dict[str, Any]:
    clip = {
        "mediaKey": f"inbox/smart-mix/b/{HOSTILE}.mp4",
        "in": 1.0,
        "out": 3.5,
        "duration": 2.5,
        "score": 0.42,
        "explain": {"reason": HOSTILE, "matchedTerms": ["海边", HOSTILE]},
    }
    document = {
        "batch": f"smart-mix/{HOSTILE}",
        "jobType": "Smart_Mix_Media_Select",
        "jobId": "j1",
        "runKey": "r1",
        "scripts": [f"第一句。{HOSTILE}"],
        "outputs": [
            {
                "index": 0,
                "scriptIndex": 0,
                "sentences": [{"textId": "0", "text": HOSTILE, "duration": 2.4, "clips": [clip]}],
            }
        ],
        "mediaErrors": [{"mediaURL": HOSTILE, "code": "InvalidMaterial", "message": HOSTILE}],
    }
    document.update(overrides)
    return document


def test_user_text_is_escaped_everywhere() -> None:
    html = render_report(selection(), thumbnail=lambda clip: 'x" onerror="alert(3)', warnings=[HOSTILE])
    assert "<script" not in html and 'onerror="alert' not in html and "<img src=x" not in html
    assert html.count("&lt;script&gt;") >= 6


def test_script_sentences_clips_times_and_scores_are_shown() -> None:
    html = render_report(selection(), thumbnail=lambda clip: "data:image/jpeg;base64,AAAA")
    assert "voiceover script" in html and "第一句。" in html
    assert "sentence 1" in html and "0:01.00 → 0:03.50" in html and "0.420" in html
    assert 'src="data:image/jpeg;base64,AAAA"' in html and "matched: 海边" in html


def test_highlights_and_empty_selections() -> None:
    clip = {
        "mediaKey": "inbox/highlights/ep.mp4",
        "in": 30.0,
        "out": 35.0,
        "duration": 5.0,
        "score": 0.9,
        "isIntro": True,
    }
    html = render_report(
        selection(scripts=[], outputs=[{"index": 0, "duration": 5.0, "highlights": [clip]}]),
        thumbnail=lambda clip: None,
    )
    assert "intro" in html and "no preview" in html and "5.0 s in total" in html
    assert "No clips were selected" in render_report(selection(outputs=[]), thumbnail=lambda clip: None)
