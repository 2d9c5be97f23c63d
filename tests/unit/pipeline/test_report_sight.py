"""report.html shows what sight saw for a clip it chose (the reason carries the labels and confidences)."""

from __future__ import annotations

from scene_select.cloud.pipeline.report import render_report


def test_the_labels_sight_saw_are_in_the_report() -> None:
    reason = "Best match: sight sees: seashore 0.62, sandbar 0.11 (confidence 0.83); no text names the sentence."
    clip = {
        "mediaKey": "inbox/smart-mix/b/photo_1.jpg",
        "in": 0.0,
        "out": 3.0,
        "duration": 3.0,
        "score": 0.5,
        "explain": {"reason": reason, "matchedTerms": [], "sees": [{"label": "seashore", "p": 0.62}]},
    }
    selection = {
        "batch": "smart-mix/b",
        "jobType": "Smart_Mix_Media_Select",
        "jobId": "j1",
        "runKey": "r1",
        "scripts": ["海浪拍打着沙滩。"],
        "outputs": [
            {
                "index": 0,
                "scriptIndex": 0,
                "sentences": [{"textId": "0", "text": "海浪拍打着沙滩。", "duration": 3.0, "clips": [clip]}],
            }
        ],
        "mediaErrors": [],
    }
    html = render_report(selection, thumbnail=lambda clip: "")
    assert "sight sees: seashore 0.62, sandbar 0.11 (confidence 0.83)" in html
