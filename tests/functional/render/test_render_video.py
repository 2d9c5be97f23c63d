"""The renderer on real (generated) media: the video shows the chosen clips, lasts the sentences, has sound."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from scene_select.cloud.errors import MediaError
from scene_select.workstation.render import voice
from scene_select.workstation.render.graph import build_command
from scene_select.workstation.render.media import media_resolver
from scene_select.workstation.render.placeholder import placeholder_renderer
from scene_select.workstation.render.plan import plan_timeline
from scene_select.workstation.render.render import render_timeline
from scene_select.workstation.render.spec import OutputSpec, Progress, RenderError
from scene_select.workstation.render.timeline import organize_timelines
from scene_select_testkit.render_media import (
    check_render,
    colour_picture,
    colour_video,
    music,
    sentence_slots,
    video_facts,
)


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("render-media")
    return {
        "red": colour_video(folder / "red.mp4", "red", width=640, height=360, fps=25, seconds=8, tone=300),
        "green": colour_video(folder / "green.mp4", "green", width=480, height=640, fps=30, seconds=6),
        "blue": colour_video(folder / "blue.mp4", "blue", width=640, height=360, fps=50, seconds=6, tone=500),
        "orange": colour_picture(folder / "orange.png", "orange"),
        "music": music(folder / "music.m4a"),
    }


def clip(path: Path, start: float, end: float) -> dict[str, Any]:
    return {"mediaURL": str(path), "startTime": start, "endTime": end}


def selection(media: dict[str, Path]) -> dict[str, Any]:
    """Four sentences: a clip that fills its sentence, a picture, a short clip then a long one (trimmed), a
    clip that ends before its sentence (run on to the end of its file, then held)."""
    sentences = [
        ("清晨的海边，海浪轻轻拍打着沙滩。", 2.0, [clip(media["red"], 1.0, 3.0)]),
        ("A new store just opened in the mall.", 1.5, [clip(media["orange"], 0.0, 0.0)]),
        ("孩子们在阳光下奔跑。", 2.0, [clip(media["green"], 0.0, 0.6), clip(media["blue"], 0.0, 5.0)]),
        ("欢迎光临 Freshippo！", 1.6, [clip(media["green"], 5.5, 5.9)]),
    ]
    return {
        "textMatchMediaOutputList": [
            {
                "textMatchMediaSentenceOutputList": [
                    {"text": text, "duration": duration, "matchClipList": clips} for text, duration, clips in sentences
                ]
            }
        ]
    }


EXPECTED = ["red", "orange", "blue", "green"]


def timeline_for(media: dict[str, Path], width: int, height: int, **editing: Any) -> dict[str, Any]:
    inputs = {"MediaArray": [], "BackgroundMusic": str(media["music"]), "TitleArray": ["海边新店 Grand Opening"]}
    editing_config = {"BackgroundMusicConfig": {"Volume": 0.2}, **editing}
    output = {"Width": width, "Height": height}
    resolve = media_resolver()
    from scene_select.workstation.render.media import probe_facts

    timelines = organize_timelines(
        selection(media), inputs, editing_config, output, facts=lambda ref: probe_facts(resolve(ref))
    )
    return timelines[0]


def audio_level(path: Path, start: float, end: float) -> float:
    import av

    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        samples = np.concatenate([f.to_ndarray().mean(axis=0) for f in container.decode(stream)])
        rate = stream.rate
    return float(np.sqrt(np.mean(samples[int(start * rate) : int(end * rate)] ** 2)))


@pytest.mark.parametrize(("width", "height"), [(360, 640), (640, 360)], ids=["portrait", "landscape"])
def test_each_sentence_shows_its_clip_for_as_long_as_the_sentence(
    media: dict[str, Path], tmp_path: Path, width: int, height: int
) -> None:
    timeline = timeline_for(media, width, height)
    seen: list[Progress] = []
    result = render_timeline(
        timeline, tmp_path / "out.mp4", OutputSpec(width, height), media_resolver(), progress=seen.append
    )
    slots = sentence_slots(timeline)
    assert slots == [(0.0, 2.0), (2.0, 3.5), (3.5, 5.5), (5.5, 7.1)]
    check_render(result.output, width=width, height=height, slots=slots, expected=EXPECTED)
    assert result.voice and result.warnings == ()
    assert result.duration == pytest.approx(7.1, abs=1 / 30) and result.size == result.output.stat().st_size
    assert audio_level(result.output, 0.2, 1.8) > 0.01  # the voiceover (and the music) are heard
    fractions = [p.fraction for p in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.mp4"]  # no temporary file left behind


def test_without_a_voice_the_sentences_play_as_subtitles_over_silence(
    media: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(voice, "_LOADED", voice._Loaded(error=voice.VoiceUnavailable("simulated: no libespeak-ng")))
    timeline = timeline_for(media, 320, 240)
    timeline["AudioTracks"] = timeline["AudioTracks"][:1]  # no music: only the voice could have made a sound
    result = render_timeline(timeline, tmp_path / "silent.mp4", OutputSpec(320, 240), media_resolver())
    assert not result.voice
    assert [w for w in result.warnings if "no voice available (simulated: no libespeak-ng)" in w]
    facts = video_facts(result.output)
    assert facts.audio_streams == 1 and facts.duration == pytest.approx(7.1, abs=0.1)
    assert audio_level(result.output, 0.0, 7.0) < 1e-3
    with pytest.raises(RenderError, match="no voice available"):
        render_timeline(timeline, tmp_path / "x.mp4", OutputSpec(320, 240), media_resolver(), require_voice=True)
    assert not (tmp_path / "x.mp4").exists()


def test_the_plan_snaps_to_frames_fills_gaps_holds_and_mixes_what_has_a_gain(
    media: dict[str, Path], tmp_path: Path
) -> None:
    timeline = {
        "VideoTracks": [
            {
                "VideoTrackClips": [
                    {
                        "MediaURL": str(media["red"]),
                        "In": 1,
                        "Out": 2,
                        "TimelineIn": 0,
                        "TimelineOut": 1,
                        "Effects": [{"Type": "Volume", "Gain": 0.5}],
                    },
                    {"MediaURL": str(media["orange"]), "Type": "Image", "TimelineIn": 1.5, "TimelineOut": 2.0},
                    {"MediaURL": str(media["blue"]), "In": 5.8, "Out": 6.0, "TimelineIn": 2.0, "TimelineOut": 2.6},
                ]
            }
        ],
        "AudioTracks": [
            {
                "MainTrack": True,
                "AudioTrackClips": [
                    {"Type": "AI_TTS", "ClipId": "t0", "Content": "你好。", "TimelineIn": 0, "TimelineOut": 1.2}
                ],
            },
            {
                "AudioTrackClips": [
                    {"MediaURL": str(media["music"]), "LoopMode": True, "Effects": [{"Type": "Volume", "Gain": 0.2}]}
                ]
            },
        ],
        "SubtitleTracks": [{"SubtitleTrackClips": [{"Type": "Text", "Content": "你好。", "ReferenceClipId": "t0"}]}],
    }
    plan = plan_timeline(timeline, OutputSpec(320, 240), media_resolver(), tmp_path)
    assert plan.total_frames == 78  # 2.6 s at 30 fps
    assert [(s.kind, s.start_frame, s.frames) for s in plan.video] == [
        ("video", 0, 30),
        ("gap", 30, 15),
        ("image", 45, 15),
        ("video", 60, 18),
    ]
    assert [(t.start, t.end) for t in plan.text_images] == [(0.0, 1.2)]  # ReferenceClipId: the voice's times
    assert plan.audio[0].loop and plan.audio[0].end == pytest.approx(2.6)  # the music follows the video
    arguments, graph = build_command(plan, tmp_path / "out.mp4", tmp_path / "graph.txt")
    assert graph.count("concat=n=4:v=1:a=0") == 1
    assert "tpad=stop_mode=clone" in graph  # blue has 0.2 s for a 0.6 s slot: its last frame is held
    assert "amix=inputs=3" in graph and "normalize=0" in graph  # red's own sound (0.5), the voice, the music
    assert arguments.count("-stream_loop") == 1 and arguments[-3:-1] == ["-f", "mp4"]


def test_unreadable_media_is_named_and_nothing_is_written(tmp_path: Path) -> None:
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00" * 1000)
    timeline = {"VideoTracks": [{"VideoTrackClips": [{"MediaURL": str(broken), "Out": 1}]}]}
    with pytest.raises(MediaError, match=r"broken\.mp4"):
        render_timeline(timeline, tmp_path / "out" / "x.mp4", OutputSpec(320, 240), media_resolver())
    missing = {"VideoTracks": [{"VideoTrackClips": [{"MediaURL": str(tmp_path / "gone.mp4"), "Out": 1}]}]}
    with pytest.raises(MediaError, match=r"gone\.mp4.*no such file"):
        render_timeline(missing, tmp_path / "out" / "x.mp4", OutputSpec(320, 240), media_resolver())
    assert list((tmp_path / "out").iterdir()) == []


def test_an_ffmpeg_failure_carries_its_last_lines_and_leaves_no_file(media: dict[str, Path], tmp_path: Path) -> None:
    timeline = {"VideoTracks": [{"VideoTrackClips": [{"MediaURL": str(media["red"]), "Out": 0.5}]}]}
    spec = OutputSpec(320, 240, preset="no-such-preset")
    with pytest.raises(RenderError, match=r"(?s)ffmpeg failed with exit code \d+:\n.*preset"):
        render_timeline(timeline, tmp_path / "x.mp4", spec, media_resolver())
    assert list(tmp_path.iterdir()) == []


def test_what_the_renderer_cannot_draw_is_refused_clearly(media: dict[str, Path], tmp_path: Path) -> None:
    two_tracks = {"VideoTracks": [{"VideoTrackClips": []}, {"VideoTrackClips": []}]}
    with pytest.raises(RenderError, match="several video tracks"):
        render_timeline(two_tracks, tmp_path / "x.mp4", OutputSpec(320, 240), media_resolver())
    with pytest.raises(RenderError, match="nothing to play"):
        render_timeline({"VideoTracks": []}, tmp_path / "x.mp4", OutputSpec(320, 240), media_resolver())
    with pytest.raises(RenderError, match="must be even"):
        OutputSpec(321, 240)
    spec, warnings = OutputSpec.from_output_config({"Width": 1081, "Height": 1920, "Video": {"Fps": 25}})
    assert (spec.width, spec.fps) == (1080, 25) and "rendered at 1080" in warnings[0]


def test_the_placeholder_renderer_writes_a_real_video_of_the_timelines_length(tmp_path: Path) -> None:
    timeline = {"VideoTracks": [{"VideoTrackClips": [{"MediaURL": "never/read.mp4", "In": 0, "Out": 1.5}]}]}
    result = placeholder_renderer()(timeline, tmp_path / "p.mp4", OutputSpec(320, 240))
    facts = video_facts(result.output)
    assert (facts.width, facts.height, facts.audio_streams) == (320, 240, 1)
    assert facts.duration == pytest.approx(1.5, abs=0.05) and result.duration == pytest.approx(1.5)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.mp4"]


def test_a_phone_video_stored_on_its_side_is_rendered_upright(media: dict[str, Path], tmp_path: Path) -> None:
    """A phone stores a video shot upright at the landscape size, with a display matrix that turns it: 640×360
    stored is 360×640 shown. FFmpeg turns it upright when it reads it, so the renderer must know the shown
    size: taking the stored one (the output's own size) it used to pass the picture through unscaled, and
    FFmpeg refused to join a 360×640 picture to 640×360 ones."""
    from scene_select.workstation.engine.synth import run_ffmpeg
    from scene_select.workstation.render.media import probe_facts

    stored = colour_video(tmp_path / "stored.mp4", "green", width=640, height=360, fps=30, seconds=6)
    turned = tmp_path / "turned.mp4"
    run_ffmpeg(["-display_rotation", "90", "-i", str(stored), "-c", "copy", str(turned)])
    facts = probe_facts(turned)
    assert (facts.width, facts.height) == (360, 640)
    phone = {**media, "green": turned}
    timeline = timeline_for(phone, 640, 360)
    result = render_timeline(timeline, tmp_path / "out.mp4", OutputSpec(640, 360), media_resolver())
    check_render(result.output, width=640, height=360, slots=sentence_slots(timeline), expected=EXPECTED)
