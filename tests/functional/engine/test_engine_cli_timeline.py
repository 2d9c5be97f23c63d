"""`scene-select select --timeline FILE`: the selection as an editor timeline, media probed by PyAV."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path
from typing import Any

import opentimelineio as otio
import pytest

from scene_select.cloud.errors import MediaError
from scene_select.workstation.cli import EXIT_ERROR, EXIT_OK, main
from scene_select.workstation.engine import timeline_media
from scene_select_testkit.media import SENTENCES_BY_SEGMENT, MediaSet

SCRIPT = " ".join(SENTENCES_BY_SEGMENT[1:4])


def _select(media: MediaSet, cache: Path, tmp_path: Path, timeline: str, *extra: str) -> int:
    return main(
        [
            "select",
            "--job-type",
            "Smart_Mix_Media_Select",
            "--input-config",
            json.dumps(
                {"MediaArray": ["oss://footage/montage.mp4", "oss://footage/library.png"], "SpeechText": SCRIPT}
            ),
            "--bucket-dir",
            f"footage={media.root}",
            "--cache-dir",
            str(cache),
            "--out",
            str(tmp_path / "result.json"),
            "--timeline",
            str(tmp_path / timeline),
            *extra,
        ]
    )


def _result_clips(tmp_path: Path, output: int = 0) -> list[dict[str, Any]]:
    result = json.loads((tmp_path / "result.json").read_text(encoding="utf-8"))
    sentences = result["textMatchMediaOutputList"][output]["textMatchMediaSentenceOutputList"]
    return [c for s in sentences for c in s["matchClipList"]]


def _assert_matches(timeline: Any, clips: list[dict[str, Any]], media: MediaSet) -> None:
    """Clips in order: the selection's media, in/out within one frame (25 fps), file:// references."""
    got = list(timeline.find_clips())
    assert [c.name for c in got] == [Path(c["mediaURL"]).name for c in clips]
    for item, want in zip(got, clips, strict=True):
        rate = item.source_range.start_time.rate
        assert abs(item.source_range.start_time.to_seconds() - want["startTime"]) <= 1 / rate + 1e-6
        assert abs(item.source_range.end_time_exclusive().to_seconds() - want["endTime"]) <= 1 / rate + 1e-6
        path = Path(otio.url_utils.filepath_from_url(item.media_reference.target_url))
        assert path.parent == media.root and path.is_file()


def test_select_writes_an_otio_timeline(
    media: MediaSet, engine_cache: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _select(media, engine_cache, tmp_path, "cut.otio") == EXIT_OK
    out = capsys.readouterr().out
    assert f"Timeline written to {tmp_path / 'cut.otio'}" in out
    timeline = otio.adapters.read_from_file(str(tmp_path / "cut.otio"))
    assert timeline.name == "cut"
    clips = _result_clips(tmp_path)
    assert clips
    _assert_matches(timeline, clips, media)
    montage = next(c for c in timeline.find_clips() if c.name == "montage.mp4")
    assert montage.media_reference.metadata["scene_select"]["rateSource"] == "probed"
    assert Fraction(montage.media_reference.metadata["scene_select"]["rate"]) == 25
    assert [m.name for c in timeline.find_clips() for m in c.markers]  # the sentences, as markers


def test_select_writes_one_file_per_output_in_the_suffixs_format(
    media: MediaSet, engine_cache: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _select(media, engine_cache, tmp_path, "cut.edl", "--output-config", '{"Count": 2}') == EXIT_OK
    out = capsys.readouterr().out
    for number in (1, 2):
        path = tmp_path / f"cut-{number}.edl"
        assert f"Timeline written to {path}" in out
        text = path.read_text(encoding="utf-8")
        assert "FCM: NON-DROP FRAME" in text and f"* FROM CLIP: {media.root / 'montage.mp4'}" in text
        edl = otio.adapters.read_from_string(text, "cmx_3600", rate=25)
        _assert_matches(edl, _result_clips(tmp_path, number - 1), media)
    assert not (tmp_path / "cut.edl").exists()


def test_select_with_a_format_that_cannot_be_written_exits_non_zero_and_says_why(
    media: MediaSet,
    engine_cache: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Media that cannot be probed have an assumed rate: no frame-counted format, only the .otio."""

    def unreadable(path: Path) -> Any:
        raise MediaError(f"{path}: unreadable today")

    monkeypatch.setattr(timeline_media, "probe_timeline_media", unreadable)
    assert _select(media, engine_cache, tmp_path, "cut.xml") == EXIT_ERROR
    captured = capsys.readouterr()
    assert not (tmp_path / "cut.xml").exists()
    assert "Timeline not written:" in captured.out and "frame rate unknown (assumed) for montage.mp4" in captured.out
    assert "unreadable today" in captured.out  # the warning says why the rate is unknown
    assert "scene-select: error: no timeline could be written" in captured.err
    assert _select(media, engine_cache, tmp_path, "cut.otio") == EXIT_OK  # the .otio holds in seconds
    assert (tmp_path / "cut.otio").is_file()


def test_select_refuses_an_unknown_timeline_suffix_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "select",
            "--job-type",
            "Smart_Mix_Media_Select",
            "--input-config",
            '{"MediaArray":["missing.mp4"],"SpeechText":"x"}',
            "--timeline",
            str(tmp_path / "cut.aaf"),
        ]
    )
    assert code == EXIT_ERROR
    err = capsys.readouterr().err
    assert "--timeline" in err and "unknown timeline suffix .aaf" in err and ".otio" in err
