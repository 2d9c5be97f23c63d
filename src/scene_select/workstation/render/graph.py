"""A render plan → the arguments and filter graph of ONE ffmpeg run.

Why it is shaped this way (each choice measured: docs/rendering.md#speed):

* every video clip is its own input opened with ``-ss In -t (Out−In)`` before ``-i``: only the range used
  is demuxed and decoded (a ``trim`` filter would decode the file from its start);
* per clip: ``setpts`` (with ``Speed``), ``fps`` — before scaling when the source has more frames than
  the output, so only kept frames are scaled — the fit (Contain: scale + pad, the assumed ICE default;
  Cover: scale + crop; Fill: stretch; a ``Background`` Blur: a blurred 1/8-size copy behind), then
  ``tpad`` + ``trim=end_frame`` so that every clip is exactly its frame count (a held last frame where
  the source is short, and never an audio/video drift);
* a still picture is decoded and scaled once and repeated with ``loop`` (an ``-loop 1`` input would decode
  it again for every frame); a gap is black ``color``;
* one ``concat``, then one ``overlay`` per drawn text, enabled only during its clip;
* audio: the voices' WAV, looped music (``-stream_loop -1``, ``atrim``, ``volume``, ``adelay``) and, only
  when some clip keeps its sound, the clips' own audio → ``amix`` with ``normalize=0`` (the timeline's gains
  as given; the default would divide them by the number of inputs) → AAC with the ``fast`` coder; a
  silent track when there is nothing, so that every video has sound;
* libx264 at the spec's preset and CRF, ``+faststart`` so that a browser starts playing at once.
"""

from __future__ import annotations

import math
from pathlib import Path

from scene_select.workstation.render.plan import RenderPlan, VideoSegment
from scene_select.workstation.render.spec import OutputSpec

__all__ = ["AUDIO_RATE", "build_command"]

AUDIO_RATE = 44_100
_STEREO = f"aresample={AUDIO_RATE},aformat=sample_fmts=fltp:channel_layouts=stereo"


def _num(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".") or "0"


def _fit(segment: VideoSegment, spec: OutputSpec, label: str) -> list[str]:
    """Statements that bring one source picture to W×H, the last ending in ``[label]``."""
    w, h = spec.width, spec.height
    assert segment.facts is not None
    if (segment.facts.width, segment.facts.height) == (w, h):
        return [f"null[{label}]"]
    contain = f"scale={w}:{h}:force_original_aspect_ratio=decrease:force_divisible_by=2"
    if segment.adapt == "Cover":
        return [f"scale={w}:{h}:force_original_aspect_ratio=increase,crop={w}:{h}[{label}]"]
    if segment.adapt == "Fill":
        return [f"scale={w}:{h}[{label}]"]
    if segment.background == "blur":
        sw, sh = max(2, w // 8 // 2 * 2), max(2, h // 8 // 2 * 2)
        return [
            f"split=2[{label}a][{label}b]",
            f"[{label}a]scale={sw}:{sh}:force_original_aspect_ratio=increase,crop={sw}:{sh},boxblur=4:2,"
            f"scale={w}:{h}[{label}bg]",
            f"[{label}b]{contain}[{label}fg]",
            f"[{label}bg][{label}fg]overlay=(W-w)/2:(H-h)/2[{label}]",
        ]
    colour = (segment.background or "black").replace("#", "0x")
    return [f"{contain},pad={w}:{h}:(ow-iw)/2:(oh-ih)/2:color={colour}[{label}]"]


def _joined(statements: list[str], head: str) -> str:
    first, *rest = statements
    return ";".join([head + first, *rest])


def _atempo(speed: float) -> str:
    """An ``atempo`` chain for a speed factor (one stage accepts 0.5–2)."""
    if abs(speed - 1.0) < 1e-6:
        return ""
    stages: list[str] = []
    remaining = speed
    while remaining > 2.0:
        stages.append("atempo=2")
        remaining /= 2.0
    while remaining < 0.5:
        stages.append("atempo=0.5")
        remaining /= 0.5
    stages.append(f"atempo={_num(remaining)}")
    return "," + ",".join(stages)


class _Inputs:
    def __init__(self) -> None:
        self.arguments: list[str] = []
        self.count = 0

    def add(self, *arguments: str) -> int:
        self.arguments.extend(arguments)
        self.count += 1
        return self.count - 1


def build_command(plan: RenderPlan, output: Path, graph_file: Path) -> tuple[list[str], str]:
    """The ffmpeg arguments (without the binary) writing MP4 to ``output``, and the graph's text, which the
    caller writes to ``graph_file`` (a script file: a long graph on the command line can exceed its limit)."""
    spec = plan.spec
    fps = spec.fps
    rate = f"{fps.numerator}/{fps.denominator}"
    inputs = _Inputs()
    graph: list[str] = []
    video_labels: list[str] = []
    source_labels: list[str] = []
    source_audio = any(s.kind == "video" and s.gain > 0 and s.facts and s.facts.has_audio for s in plan.video)
    for k, segment in enumerate(plan.video):
        label = f"v{k}"
        seconds = float(segment.frames / fps)
        index = -1
        if segment.kind == "gap":
            graph.append(
                f"color=c=black:s={spec.width}x{spec.height}:r={rate}:d={_num(seconds + 1)},"
                f"format=yuv420p,setsar=1,trim=end_frame={segment.frames}[{label}]"
            )
        elif segment.kind == "image":
            index = inputs.add("-i", str(segment.path))
            graph.append(_joined(_fit(segment, spec, f"{label}f"), f"[{index}:v]"))
            graph.append(
                f"[{label}f]setsar=1,format=yuv420p,loop=loop={segment.frames - 1}:size=1:start=0,"
                f"setpts=N/({rate})/TB,fps={rate},trim=end_frame={segment.frames}[{label}]"
            )
        else:
            assert segment.facts is not None
            length = max(0.0, segment.source_out - segment.source_in)
            keep_sound = source_audio and segment.gain > 0 and segment.facts.has_audio
            cut = ["-ss", _num(segment.source_in), "-t", _num(length), *([] if keep_sound else ["-an"])]
            index = inputs.add(*cut, "-i", str(segment.path))
            speed = "" if segment.speed == 1.0 else f"/{_num(segment.speed)}"
            head = f"[{index}:v]setpts=(PTS-STARTPTS){speed}"
            available = math.floor(length / segment.speed * float(fps))
            hold = max(0, segment.frames - available) + 2  # +2: never short by a rounding frame
            fit = _fit(segment, spec, f"{label}f")
            if (segment.facts.fps or float(fps)) * segment.speed > float(fps) * 1.01:
                graph.append(_joined(fit, f"{head},fps={rate},"))  # fewer frames out than in: drop, then scale
                tail = f"[{label}f]setsar=1,format=yuv420p"
            else:
                graph.append(_joined(fit, f"{head},"))
                tail = f"[{label}f]fps={rate},setsar=1,format=yuv420p"
            graph.append(f"{tail},tpad=stop_mode=clone:stop={hold},trim=end_frame={segment.frames}[{label}]")
        video_labels.append(f"[{label}]")
        if source_audio:
            sound = f"sa{k}"
            if segment.kind == "video" and segment.gain > 0 and segment.facts and segment.facts.has_audio:
                graph.append(
                    f"[{index}:a]asetpts=PTS-STARTPTS{_atempo(segment.speed)},{_STEREO},"
                    f"volume={_num(segment.gain)},apad,atrim=duration={_num(seconds)}[{sound}]"
                )
            else:
                graph.append(f"anullsrc=r={AUDIO_RATE}:cl=stereo,atrim=duration={_num(seconds)},{_STEREO}[{sound}]")
            source_labels.append(f"[{sound}]")

    video_out = "vcat"
    graph.append(f"{''.join(video_labels)}concat=n={len(video_labels)}:v=1:a=0[{video_out}]")
    for k, text in enumerate(plan.text_images):
        index = inputs.add("-i", str(text.path))  # one picture: overlay repeats it, blends it only when enabled
        enable = f"gte(t,{_num(text.start)})*lt(t,{_num(text.end)})"
        graph.append(f"[{video_out}][{index}:v]overlay=x={text.x}:y={text.y}:enable='{enable}'[txt{k}]")
        video_out = f"txt{k}"

    duration = _num(plan.duration)
    mix: list[str] = []
    if source_labels:
        graph.append(f"{''.join(source_labels)}concat=n={len(source_labels)}:v=0:a=1[srcaudio]")
        mix.append("[srcaudio]")
    if plan.voice_wav is not None:
        index = inputs.add("-i", str(plan.voice_wav))
        graph.append(f"[{index}:a]{_STEREO}[voice]")
        mix.append("[voice]")
    for k, music in enumerate(plan.audio):
        if music.end <= music.start or music.gain <= 0:
            continue
        options = ["-stream_loop", "-1"] if music.loop else []
        if music.source_in > 0:
            options += ["-ss", _num(music.source_in)]
        index = inputs.add(*options, "-vn", "-i", str(music.path))
        delay = round(music.start * 1000)
        graph.append(
            f"[{index}:a]atrim=duration={_num(music.end - music.start)},asetpts=PTS-STARTPTS,{_STEREO},"
            f"volume={_num(music.gain)}" + (f",adelay={delay}:all=1" if delay > 0 else "") + f"[music{k}]"
        )
        mix.append(f"[music{k}]")
    if not mix:
        graph.append(f"anullsrc=r={AUDIO_RATE}:cl=stereo,atrim=duration={duration}[aout]")
    elif len(mix) == 1:
        graph.append(f"{mix[0]}apad,atrim=duration={duration}[aout]")
    else:
        graph.append(
            f"{''.join(mix)}amix=inputs={len(mix)}:duration=longest:dropout_transition=0:normalize=0,"
            f"apad,atrim=duration={duration}[aout]"
        )

    arguments = [
        "-hide_banner",
        "-nostdin",
        "-loglevel",
        "error",
        "-y",
        "-progress",
        "pipe:1",
        "-nostats",
        *inputs.arguments,
        "-/filter_complex",
        str(graph_file),
        "-map",
        f"[{video_out}]",
        "-map",
        "[aout]",
        "-c:v",
        "libx264",
        "-preset",
        spec.preset,
        "-crf",
        str(spec.crf),
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
        "-aac_coder",
        spec.aac_coder,
        "-b:a",
        spec.audio_bitrate,
        *(["-threads", str(spec.threads)] if spec.threads else []),
        "-movflags",
        "+faststart",
        "-f",
        "mp4",
        str(output),
    ]
    return arguments, ";\n".join(graph)
