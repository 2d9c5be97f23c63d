"""Timeline test media and selections: real media at every frame rate editors use, and selections of them.

The timeline export (``scene_select.cloud.timelines``) must place every clip within one frame of where the
selection says, whatever the media's rate (25, 29.97 drop-frame with a timecode, 24, 23.976, 12.5), its
container (MP4, MOV, MKV), or its name. :func:`make_timeline_bucket` renders :data:`MEDIA` and a still with
FFmpeg into a local-bucket folder (nothing is downloaded or committed; the plugin's ``timeline_bucket``
fixture does it once per session); :data:`MIXED`, :data:`INTEGER` and :data:`HIGHLIGHTS` are normalised
selections of them, and :func:`assert_same_clips` reads a written timeline back and compares.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scene_select.cloud.timelines.formats import FormatName
from scene_select.cloud.timelines.readback import ClipFacts, read_timelines, timeline_clips
from scene_select.workstation.engine.synth import run_ffmpeg

__all__ = [
    "BATCH",
    "HIGHLIGHTS",
    "HOST",
    "INTEGER",
    "MEDIA",
    "MIXED",
    "NTSC_TC_FRAMES",
    "NTSC_TC_SECONDS",
    "ODD_NAME",
    "STILL",
    "assert_same_clips",
    "clip",
    "expected_clips",
    "make_timeline_bucket",
    "read_one",
    "text_selection",
]

BATCH = "inbox/smart-mix/seaside"
HOST = "https://scene-bucket.oss-cn-shanghai.aliyuncs.com/"
ODD_NAME = "海边 it's.mp4"
#: 01:00:00;00 drop-frame at 30000/1001 is frame 107892.
NTSC_TC_FRAMES = 107892
NTSC_TC_SECONDS = NTSC_TC_FRAMES * 1001 / 30000

#: file name: (rate, seconds, extra ffmpeg output arguments); audio is added where asked.
MEDIA: dict[str, tuple[str, float, list[str], bool]] = {
    "v25.mp4": ("25", 8.0, [], True),
    "v2997.mov": ("30000/1001", 6.0, ["-timecode", "01:00:00;00"], False),
    "v24.mp4": ("24", 6.0, [], False),
    "v23976.mp4": ("24000/1001", 6.0, ["-movflags", "+faststart"], False),
    "v125.mp4": ("12.5", 4.0, [], False),
    "v25.mkv": ("25", 4.0, [], False),
    ODD_NAME: ("25", 4.0, [], False),
}
STILL = "still.jpg"


def clip(name: str, start: float, end: float, **extra: Any) -> dict[str, Any]:
    key = f"{BATCH}/{name}"
    return {
        "clipId": f"{name}-{round(start * 1000)}-{round(end * 1000)}",
        "mediaId": f"id-{name}",
        "mediaKey": key,
        "mediaUrl": HOST + key,
        "in": start,
        "out": end,
        "duration": round(end - start, 3),
        "score": 0.5,
        **extra,
    }


def text_selection(outputs: list[list[tuple[str, list[dict[str, Any]]]]]) -> dict[str, Any]:
    """A normalised image-text selection.json: per output, (sentence, clips) in order."""
    return {
        "schemaVersion": 1,
        "batch": "smart-mix/seaside",
        "runKey": "32871f1700a3d139b07d",
        "jobId": "0f3b6a1c2d4e5f60718293a4b5c6d7e8",
        "jobType": "Smart_Mix_Media_Select",
        "kind": "text_match",
        "completedAt": "2026-01-01T00:00:00Z",
        "scripts": [],
        "outputs": [
            {
                "index": index,
                "scriptIndex": index,
                "sentences": [
                    {"textId": str(n), "text": text, "duration": sum(c["duration"] for c in clips), "clips": clips}
                    for n, (text, clips) in enumerate(sentences)
                ],
            }
            for index, sentences in enumerate(outputs)
        ],
        "mediaErrors": [],
        "parseProblem": None,
    }


#: Two outputs with every rate editors use (25, 29.97 with a drop-frame timecode, 24, 23.976), a still, a CJK name.
MIXED = text_selection(
    [
        [
            ("清晨的海边，海浪轻轻拍打沙滩。", [clip("v25.mp4", 2.0, 3.7), clip(STILL, 0.0, 1.9)]),
            ("It's a red kite.", [clip("v2997.mov", 1.234, 3.21)]),
            ("山顶的云。", [clip("v24.mp4", 0.5, 2.25), clip("v23976.mp4", 1.0, 2.5), clip(ODD_NAME, 0.0, 1.5)]),
        ],
        [
            ("A quiet morning by the sea.", [clip("v25.mp4", 0.5, 2.5), clip("v2997.mov", 0.0, 1.0)]),
            ("A red kite climbs.", [clip("v25.mp4", 3.0, 4.0)]),
        ],
    ]
)

#: Integer rates only (what the FCPXML adapter can carry): all four formats are written.
INTEGER = text_selection(
    [
        [
            ("清晨的海边。", [clip("v25.mp4", 2.0, 3.7), clip(STILL, 0.0, 1.9)]),
            ("It's a red kite.", [clip("v24.mp4", 0.5, 2.25), clip(ODD_NAME, 0.2, 1.5)]),
        ],
        [("A quiet morning.", [clip("v25.mp4", 0.5, 2.5), clip("v25.mp4", 3.0, 4.0)])],
    ]
)

HIGHLIGHTS: dict[str, Any] = {
    "schemaVersion": 1,
    "batch": "highlights/talk.mp4",
    "runKey": "r",
    "jobId": "j",
    "jobType": "Screen_Media_Highlights_Media_Select",
    "kind": "highlights",
    "outputs": [
        {
            "index": 0,
            "duration": 4.2,
            "highlights": [
                clip("v25.mp4", 1.0, 2.0),
                clip("v25.mp4", 5.0, 6.2, isIntro=True),  # the hook: the export puts it first
                clip("v25.mp4", 3.0, 4.0),
            ],
        }
    ],
}


def expected_clips(selection: dict[str, Any], output: int) -> list[dict[str, Any]]:
    """The clips a timeline of ``outputs[output]`` must hold, in order (the intro first)."""
    out = selection["outputs"][output]
    if "sentences" in out:
        return [c for s in out["sentences"] for c in s["clips"]]
    return sorted(out["highlights"], key=lambda c: not c.get("isIntro"))


def assert_same_clips(
    timeline: Any, selection: dict[str, Any], output: int, *, absolute_tc: dict[str, float] | None = None
) -> list[ClipFacts]:
    """Clips in order: the selection's media, and in/out within one frame of the media's rate."""
    got = timeline_clips(timeline, absolute=absolute_tc is not None)
    want = expected_clips(selection, output)
    assert [g.media for g in got] == [Path(c["mediaKey"]).name for c in want]
    record_rate = float(timeline.global_start_time.rate) if timeline.global_start_time else 0.0
    for g, c in zip(got, want, strict=True):
        offset = (absolute_tc or {}).get(g.media, 0.0)
        tolerance = 1.0 / min(g.rate, record_rate or g.rate) + 1e-6
        assert abs(g.start - offset - c["in"]) <= tolerance, (g, c)
        assert abs(g.end - offset - c["out"]) <= tolerance, (g, c)
    return got


def read_one(data: bytes, fmt: FormatName, *, edl_rate: float | None = None) -> Any:
    (timeline,) = read_timelines(data, fmt, edl_rate=edl_rate)
    return timeline


def make_timeline_bucket(root: Path) -> Path:
    """Render :data:`MEDIA` (with a 440 Hz tone where asked) and :data:`STILL` into ``root/BATCH``, laid out as
    a local bucket; returns ``root``. Small (160x90) and single-threaded: a few seconds in all."""
    folder = root / BATCH
    folder.mkdir(parents=True, exist_ok=True)
    for name, (rate, seconds, extra, audio) in MEDIA.items():
        arguments = ["-f", "lavfi", "-i", f"testsrc2=size=160x90:rate={rate}"]
        if audio:
            arguments += ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-c:a", "aac", "-shortest"]
        arguments += ["-t", str(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
        run_ffmpeg([*arguments, "-threads", "1", *extra, str(folder / name)])
    run_ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=160x90", "-frames:v", "1", str(folder / STILL)])
    return root
