"""`scene-select select` end to end: arguments in, readable summary out, ICE-shaped JSON written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from engine_fixtures import SENTENCES_BY_SEGMENT, MediaSet

from scene_select.cli import EXIT_ERROR, EXIT_OK, main
from scene_select.models.selection import parse_extend_output


def test_select_prints_summary_with_explain_and_writes_json(
    media: MediaSet, session_cache: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "input.json"
    config.write_text(
        json.dumps({"MediaArray": ["oss://footage/montage.mp4"], "SpeechText": SENTENCES_BY_SEGMENT[2]}),
        encoding="utf-8",
    )
    out = tmp_path / "result.json"
    code = main(
        [
            "select",
            "--job-type",
            "Smart_Mix_Media_Select",
            "--input-config",
            f"@{config}",
            "--output-config",
            '{"Count": 1}',
            "--bucket-dir",
            f"footage={media.root}",
            "--cache-dir",
            str(session_cache),
            "--explain",
            "--out",
            str(out),
        ]
    )
    captured = capsys.readouterr()
    assert code == EXIT_OK
    assert "montage.mp4" in captured.out and "why:" in captured.out and "日落" in captured.out
    assert "analysing montage.mp4" in captured.err  # plain progress lines when not on a terminal
    result = json.loads(out.read_text(encoding="utf-8"))
    parsed = parse_extend_output("Smart_Mix_Media_Select", out.read_text(encoding="utf-8"))
    assert parsed.kind == "text_match" and parsed.clip_count() >= 1
    clip = result["textMatchMediaOutputList"][0]["textMatchMediaSentenceOutputList"][0]["matchClipList"][0]
    assert clip["mediaURL"] == "oss://footage/montage.mp4" and 6.0 <= clip["startTime"] < 9.0


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--bucket-dir", "no-equals-sign"], "BUCKET=DIR"),
        (["--input-config", "@/nonexistent/input.json"], "cannot read"),
        (["--input-config", '{"MediaArray": []}'], "InputConfig"),
        (["--clip-image-model", "x.onnx"], "go together"),
    ],
)
def test_select_refuses_bad_arguments_clearly(
    extra: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [
        "select",
        "--job-type",
        "Smart_Mix_Media_Select",
        "--input-config",
        '{"MediaArray":["a.mp4"],"SpeechText":"x"}',
    ]
    assert main(args + extra) == EXIT_ERROR
    assert message in capsys.readouterr().err
