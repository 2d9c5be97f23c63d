"""`scene-select select` end to end: arguments in, readable summary out, ICE-shaped JSON written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scene_select.cloud.models.selection import parse_extend_output
from scene_select.workstation.cli import EXIT_ERROR, EXIT_OK, main
from scene_select_testkit.media import SENTENCES_BY_SEGMENT, MediaSet


def test_select_prints_summary_with_explain_and_writes_json(
    media: MediaSet, engine_cache: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
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
            str(engine_cache),
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


def _select(media: list[str], script: str, tmp_path: Path, *extra: str) -> int:
    return main(
        [
            "select",
            "--job-type",
            "Smart_Mix_Media_Select",
            "--input-config",
            json.dumps({"MediaArray": media, "SpeechTextArray": [script]}),
            "--cache-dir",
            str(tmp_path / "cache"),
            "--out",
            str(tmp_path / "result.json"),
            *extra,
        ]
    )


def test_select_with_no_usable_media_fails_in_one_line_that_says_what_to_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "broken.mp4").write_bytes(b"not a video at all")
    (tmp_path / "empty.jpg").write_bytes(b"")
    code = _select(["missing.mp4", "broken.mp4", "empty.jpg"], "海边的日落。A fox jumps.", tmp_path)
    captured = capsys.readouterr()
    assert code == EXIT_ERROR
    assert captured.out == "" and not (tmp_path / "result.json").exists()  # no empty sentences printed
    (line,) = [line for line in captured.err.splitlines() if line.startswith("scene-select: error:")]
    assert "none of the 3 media could be used" in line
    assert "missing.mp4 — no such file" in line and "broken.mp4" in line and "empty.jpg" in line
    assert "Fix the paths" in line


def test_select_with_some_usable_media_succeeds_and_lists_the_rest(
    media: MediaSet, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code = _select(
        [str(media.root / "montage.mp4"), "missing.mp4"], SENTENCES_BY_SEGMENT[2], tmp_path, "--cache-dir", "c"
    )
    captured = capsys.readouterr()
    assert code == EXIT_OK
    assert "montage.mp4" in captured.out and "missing.mp4: MediaNotResolvable" in captured.out
