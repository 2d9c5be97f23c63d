"""Synthetic media with known ground truth: captioned montages, loud bursts, high-motion segments.

Tests, the benchmark and the demo need footage whose truth is known (where the cuts are, which
segment shows which caption, where the loud moment is) and that nobody has to download or license.
FFmpeg's lavfi sources give exactly that; captions are burned in with ``drawtext`` and a CJK font
(WenQuanYi Micro Hei from the ``paperang-p2-fonts-cjk`` wheel, or Debian's ``fonts-wqy-microhei``).
"""

from __future__ import annotations

import importlib.util
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from scene_select.cloud.errors import MediaError

#: Video looks a segment can have. Each is a lavfi source expression with ``{w}``, ``{h}``, ``{r}``, ``{d}``.
VIDEO_SOURCES: dict[str, str] = {
    "testsrc2": "testsrc2=s={w}x{h}:r={r}:d={d}",
    "smptebars": "smptehdbars=s={w}x{h}:r={r}:d={d}",
    "rgbtestsrc": "rgbtestsrc=s={w}x{h}:r={r}:d={d}",
    "mandelbrot": "mandelbrot=s={w}x{h}:r={r},trim=duration={d}",
    "navy": "color=c=navy:s={w}x{h}:r={r}:d={d}",
    "darkgreen": "color=c=0x1f5f1f:s={w}x{h}:r={r}:d={d}",
    "maroon": "color=c=maroon:s={w}x{h}:r={r}:d={d}",
    "gray": "color=c=0x707070:s={w}x{h}:r={r}:d={d}",
    "black": "color=c=black:s={w}x{h}:r={r}:d={d}",
    # Every frame is fresh noise: the highest possible motion.
    "noise": "color=c=gray:s={w}x{h}:r={r}:d={d},noise=alls=100:allf=t+u",
    # A bright moving pattern with strong frame-to-frame change but a stable colour histogram.
    "life": "life=s={w}x{h}:r={r}:mold=10:ratio=0.5:death_color=0x203040:life_color=0xf0c020,trim=duration={d}",
}

#: Audio a segment can carry: ``{d}`` is the duration. Levels are chosen so that "loud" stands out.
AUDIO_SOURCES: dict[str, str] = {
    "silence": "anullsrc=r=16000:cl=mono,atrim=duration={d}",
    "tone": "sine=f=330:r=16000:d={d},volume=0.08",
    "noise": "anoisesrc=r=16000:a=0.03:c=pink:d={d}",
    # "speech" is synthesised with numpy (see speech_like) and fed to ffmpeg as a WAV input.
    "loud": "anoisesrc=r=16000:a=0.9:c=white:d={d},volume=1.0",
}


@dataclass(frozen=True)
class Segment:
    """One stretch of a synthetic video: a look, a caption, a sound, for ``duration`` seconds."""

    duration: float
    video: str = "testsrc2"
    caption: str = ""
    audio: str = "speech"
    caption_position: str = "bottom"  # "bottom" (subtitle line) or "center" (title card)


def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary shipped inside the imageio-ffmpeg wheel (there is no system ffmpeg)."""
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def cjk_font_path() -> Path:
    """A font file that has Chinese glyphs, for burning captions into test media."""
    candidates: list[Path] = []
    spec = importlib.util.find_spec("paperang_p2_fonts_cjk")
    for location in (spec.submodule_search_locations or []) if spec else []:
        candidates.append(Path(location) / "fonts" / "wqy-microhei.ttc")
    candidates += [
        Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
        Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    ]
    for path in candidates:
        if path.is_file():
            return path
    raise MediaError(
        "no CJK font found to burn captions: install the 'local' extra (paperang-p2-fonts-cjk) "
        "or the Debian package fonts-wqy-microhei"
    )


def _drawtext(caption: str, text_file: Path, font: Path, position: str, height: int) -> str:
    size = max(14, height // 11)
    y = f"h-{int(size * 1.9)}" if position == "bottom" else "(h-text_h)/2"
    return (
        f"drawtext=fontfile='{font}':textfile='{text_file}':fontsize={size}:fontcolor=white:"
        f"box=1:boxcolor=black@0.85:boxborderw={max(4, size // 4)}:x=(w-text_w)/2:y={y}"
    )


def make_video(
    path: Path,
    segments: Sequence[Segment],
    *,
    width: int = 480,
    height: int = 270,
    fps: int = 25,
    audio: bool = True,
    crf: int = 26,
    preset: str = "veryfast",
    gop: int | None = None,
    max_kbps: int | None = None,
) -> Path:
    """Render ``segments`` back to back into one H.264/AAC MP4 with hard cuts at the segment borders.

    The cut times are the running sums of the segment durations (each duration is rounded to whole
    frames); captions are drawn on every frame of their segment.
    """
    if not segments:
        raise ValueError("make_video needs at least one segment")
    font = cjk_font_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="synth-") as tmp:
        inputs: list[str] = []
        filters: list[str] = []
        for index, segment in enumerate(segments):
            frames = max(1, round(segment.duration * fps))
            duration = frames / fps
            source = VIDEO_SOURCES[segment.video].format(w=width, h=height, r=fps, d=f"{duration:.6f}")
            chain = f"{source},format=yuv420p,setsar=1"
            if segment.caption:
                text_file = Path(tmp) / f"caption{index}.txt"
                text_file.write_text(segment.caption, encoding="utf-8")
                chain += "," + _drawtext(segment.caption, text_file, font, segment.caption_position, height)
            filters.append(f"{chain},trim=end_frame={frames},setpts=PTS-STARTPTS[v{index}]")
            if audio:
                if segment.audio == "speech":
                    wav = Path(tmp) / f"speech{index}.wav"
                    write_wav(wav, speech_like(duration, seed=index))
                    inputs += ["-i", str(wav)]
                    asrc = f"[{len(inputs) // 2 - 1}:a]anull"
                else:
                    asrc = AUDIO_SOURCES[segment.audio].format(d=f"{duration:.6f}")
                filters.append(
                    f"{asrc},aformat=sample_rates=44100:channel_layouts=mono,"
                    f"atrim=duration={duration:.6f},asetpts=PTS-STARTPTS[a{index}]"
                )
        pads = "".join(f"[v{i}][a{i}]" if audio else f"[v{i}]" for i in range(len(segments)))
        concat = f"{pads}concat=n={len(segments)}:v=1:a={1 if audio else 0}[vout]" + ("[aout]" if audio else "")
        filters.append(concat)
        script = Path(tmp) / "graph.txt"
        script.write_text(";\n".join(filters), encoding="utf-8")
        command = [*inputs, "-/filter_complex", str(script), "-map", "[vout]"]
        if audio:
            command += ["-map", "[aout]", "-c:a", "aac", "-b:a", "96k"]
        command += ["-c:v", "libx264", "-preset", preset, "-crf", str(crf), "-pix_fmt", "yuv420p"]
        if gop is not None:
            command += ["-g", str(gop)]
        if max_kbps is not None:  # a realistic bitrate even for noise-like test sources
            command += ["-maxrate", f"{max_kbps}k", "-bufsize", f"{2 * max_kbps}k"]
        command += ["-movflags", "+faststart", str(path)]
        run_ffmpeg(command)
    return path


def make_image(path: Path, *, caption: str = "", color: str = "navy", width: int = 480, height: int = 270) -> Path:
    """Write a still image (format from the suffix: .png, .jpg …) with an optional centred caption."""
    font = cjk_font_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="synth-") as tmp:
        chain = f"color=c={color}:s={width}x{height}:d=1"
        if caption:
            text_file = Path(tmp) / "caption.txt"
            text_file.write_text(caption, encoding="utf-8")
            chain += "," + _drawtext(caption, text_file, font, "center", height)
        run_ffmpeg(["-f", "lavfi", "-i", chain, "-frames:v", "1", str(path)])
    return path


SPEECH_RATE = 16_000
#: Formant frequencies (Hz) of a few vowels: a, i, u, e, o.
VOWELS = ((800, 1200, 2500), (300, 2300, 3000), (350, 800, 2400), (500, 1900, 2600), (500, 900, 2500))


def speech_like(duration: float, *, seed: int = 0, level: float = 0.25) -> list[float]:
    """A voiced, speech-like signal: a glottal pulse train (pitch 100-220 Hz with intonation) shaped by
    vowel formants, in syllables of 120-300 ms, words separated by short gaps and phrases by pauses.

    It has what a voice-activity detector listens for (voice-band energy, harmonic structure,
    syllable-rate loudness modulation, pauses) without needing a TTS voice, which no package ships.
    """
    import numpy as np
    from scipy.signal import lfilter

    rng = np.random.default_rng(seed)
    total = int(duration * SPEECH_RATE)
    out = np.zeros(total, dtype=np.float64)
    position = int(rng.uniform(0.05, 0.2) * SPEECH_RATE)
    base_pitch = rng.uniform(110, 190)
    while position < total:
        phrase_syllables = int(rng.integers(4, 12))
        for _ in range(phrase_syllables):
            length = int(rng.uniform(0.12, 0.3) * SPEECH_RATE)
            if position + length >= total:
                break
            pitch = base_pitch * rng.uniform(0.85, 1.2)
            t = np.arange(length) / SPEECH_RATE
            phase = np.cumsum(np.full(length, pitch) * (1 + 0.1 * np.sin(2 * np.pi * 3 * t))) / SPEECH_RATE
            pulses = (np.diff(np.floor(phase), prepend=0.0) > 0).astype(np.float64)
            source = lfilter([1.0], [1.0, -0.95], pulses)  # glottal roll-off
            voiced = np.zeros(length)
            for formant, bandwidth in zip(VOWELS[int(rng.integers(0, len(VOWELS)))], (90, 110, 170), strict=True):
                r = np.exp(-np.pi * bandwidth / SPEECH_RATE)
                theta = 2 * np.pi * formant / SPEECH_RATE
                voiced += lfilter([1 - r], [1.0, -2 * r * np.cos(theta), r * r], source)
            envelope = np.sin(np.pi * np.arange(length) / length) ** 0.7
            out[position : position + length] += voiced * envelope
            position += length + int(rng.uniform(0.01, 0.08) * SPEECH_RATE)
        position += int(rng.uniform(0.25, 0.6) * SPEECH_RATE)
    peak = float(np.max(np.abs(out))) or 1.0
    return [float(v) for v in out / peak * level]


def write_wav(path: Path, samples: list[float], rate: int = SPEECH_RATE) -> Path:
    """Write mono 16-bit PCM."""
    import wave

    import numpy as np

    pcm = (np.clip(np.asarray(samples), -1.0, 1.0) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(rate)
        handle.writeframes(pcm.tobytes())
    return path


def run_ffmpeg(arguments: list[str]) -> None:
    """Run the packaged ffmpeg quietly, overwriting outputs; MediaError with its last words when it fails."""
    command = [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", *arguments]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise MediaError(f"ffmpeg failed ({completed.returncode}): {completed.stderr.strip()[-800:]}")
