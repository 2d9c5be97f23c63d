"""`scene-select render`: a selection made with `scene-select select --out` → finished videos, no stack."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scene_select.workstation.cli import EXIT_ERROR, EXIT_OK, main
from scene_select.workstation.render.media import media_resolver, probe_facts
from scene_select.workstation.render.timeline import organize_timelines
from scene_select_testkit.render_media import check_render, colour_video, music, sentence_slots

COLOURS = ("red", "green", "blue")
SCRIPT = "清晨的海边，海浪轻轻拍打着沙滩。孩子们在阳光下奔跑。A new store just opened."


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Media in ``clips/`` of the working directory, named by relative path as a person would."""
    for colour, tone in zip(COLOURS, (300, 400, 500), strict=True):
        colour_video(tmp_path / "clips" / f"{colour}.mp4", colour, width=320, height=180, fps=25, seconds=5, tone=tone)
    music(tmp_path / "clips" / "music.m4a")
    monkeypatch.chdir(tmp_path)
    return tmp_path


INPUT = {
    "MediaArray": [f"clips/{c}.mp4" for c in COLOURS],
    "SpeechText": SCRIPT,
    "BackgroundMusic": "clips/music.m4a",
    "TitleArray": ["海边 Seaside"],
}


def expected_colours(timeline: dict[str, Any]) -> list[str]:
    """The source (by its file's colour) that the timeline shows at each sentence's midpoint."""
    clips = timeline["VideoTracks"][0]["VideoTrackClips"]
    found = []
    for start, end in sentence_slots(timeline):
        middle = (start + end) / 2
        covering = next(c for c in clips if c["TimelineIn"] <= middle < c["TimelineOut"])
        found.append(Path(covering["MediaURL"]).stem)
    return found


def test_select_then_render_makes_the_video_of_the_selection(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (workdir / "input.json").write_text(json.dumps(INPUT, ensure_ascii=False), encoding="utf-8")
    selected = main(
        [
            "select",
            "--job-type",
            "Smart_Mix_Media_Select",
            "--input-config",
            "@input.json",
            "--out",
            "sel.json",
            "--cache-dir",
            str(workdir / "cache"),
        ]
    )
    assert selected == EXIT_OK, capsys.readouterr()
    capsys.readouterr()
    output = {"Width": 360, "Height": 640}
    code = main(
        [
            "render",
            "--selection",
            "sel.json",
            "--input-config",
            "@input.json",
            "--output-config",
            json.dumps(output),
            "--out",
            "out/video.mp4",
        ]
    )
    captured = capsys.readouterr()
    assert code == EXIT_OK, captured
    video = workdir / "out" / "video.mp4"
    assert f"output 1: {video}" in captured.out and "360x640, voiceover" in captured.out
    assert f"{video.stat().st_size // 1024} KB" in captured.out or "MB" in captured.out
    assert "voice: espeak-ng" in captured.out and "rendering video.mp4" in captured.err  # progress on stderr
    resolve = media_resolver(base_dir=workdir)
    (timeline,) = organize_timelines(
        (workdir / "sel.json").read_text(encoding="utf-8"),
        INPUT,
        None,
        output,
        facts=lambda ref: probe_facts(resolve(ref)),
    )
    slots = sentence_slots(timeline)
    assert len(slots) == 3
    check_render(video, width=360, height=640, slots=slots, expected=expected_colours(timeline))
    assert f"{slots[-1][1]:.2f} s" in captured.out


def selection_of(*outputs: list[tuple[str, float]]) -> dict[str, Any]:
    return {
        "textMatchMediaOutputList": [
            {
                "textMatchMediaSentenceOutputList": [
                    {
                        "text": f"第{k}句。",
                        "duration": 1.0,
                        "matchClipList": [{"mediaURL": f"clips/{c}.mp4", "startTime": s, "endTime": s + 1}],
                    }
                    for k, (c, s) in enumerate(sentences)
                ]
            }
            for sentences in outputs
        ]
    }


def test_several_outputs_give_numbered_files_and_json_for_programs(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workdir / "sel.json").write_text(json.dumps(selection_of([("red", 0.0)], [("blue", 1.0), ("green", 2.0)])))
    code = main(
        [
            "render",
            "--selection",
            "sel.json",
            "--output-config",
            '{"Width":320,"Height":240}',
            "--out",
            "v.mp4",
            "--json",
        ]
    )
    assert code == EXIT_OK
    report = json.loads(capsys.readouterr().out)
    assert [(v["output"], Path(v["path"]).name, v["status"], v["duration"]) for v in report["videos"]] == [
        (1, "v-1.mp4", "rendered", 1.0),
        (2, "v-2.mp4", "rendered", 2.0),
    ]
    assert all(v["voice"] and v["width"] == 320 for v in report["videos"])
    check_render(workdir / "v-2.mp4", width=320, height=240, slots=[(0.0, 1.0), (1.0, 2.0)], expected=["blue", "green"])


@pytest.mark.parametrize(
    ("selection", "extra", "message"),
    [
        (None, [], "--selection missing.json: cannot read it"),
        ('{"something": 1}', [], "has none of textMatchMediaOutputList"),
        (
            json.dumps(selection_of([("red", 0.0)])),
            ["--output-config", "[1]"],
            "--output-config: must be a JSON object",
        ),
        (json.dumps(selection_of([("red", 0.0)])), ["--bucket-dir", "nobucket"], "BUCKET=DIR"),
    ],
)
def test_bad_arguments_are_refused_clearly(
    workdir: Path, capsys: pytest.CaptureFixture[str], selection: str | None, extra: list[str], message: str
) -> None:
    name = "missing.json"
    if selection is not None:
        name = "sel.json"
        (workdir / name).write_text(selection)
    assert main(["render", "--selection", name, "--out", "v.mp4", *extra]) == EXIT_ERROR
    assert message in capsys.readouterr().err
    assert not (workdir / "v.mp4").exists()


def test_a_video_that_cannot_be_rendered_is_named_with_its_reason(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workdir / "sel.json").write_text(json.dumps(selection_of([("purple", 0.0)])))
    assert main(["render", "--selection", "sel.json", "--out", "v.mp4"]) == EXIT_ERROR
    captured = capsys.readouterr()
    assert "output 1: FAILED v.mp4" in captured.out and "clips/purple.mp4" in captured.out
    assert "1 of 1 video(s) could not be rendered" in captured.err
    assert main(["render", "--selection", "sel.json", "--out", "v.mov"]) == EXIT_ERROR
    assert "writes MP4" in capsys.readouterr().err
