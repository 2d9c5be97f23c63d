"""Cheap per-media signals: loudness, speech presence, pauses, motion, colour, faces.

Everything here runs inside the single decoding pass on data that is already small (16 kHz mono audio,
64×36 thumbnails, ≤1 sample picture per second), and keeps fixed-rate series, never frames.

Speech presence uses an energy/spectral voice-activity detector rather than silero-vad: the silero-vad
package declares torch as a hard dependency (it cannot be an ordinary extra without pulling ~1 GB of
torch), and a VAD that only has to say "someone is talking here" for highlight scoring and cut placement
does well with three classic cues per 100 ms hop — energy above the file's own noise floor, most energy
in the 250-3400 Hz voice band with low spectral flatness (voiced, harmonic sound rather than noise), and
syllable-rate loudness modulation over ~1 s (rejects steady tones, hum and engines).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from scene_select.workstation.engine.analyser import Analyser, PassState
from scene_select.workstation.engine.analysis import AUDIO_HOP, LOOKS, VIDEO_BIN, MediaAnalysis
from scene_select.workstation.engine.decode import AUDIO_RATE

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from scene_select.workstation.engine.face_model import BlazeFace
    from scene_select.workstation.engine.face_traits import FaceTraits

HOP_SAMPLES = int(AUDIO_RATE * AUDIO_HOP)
SILENCE_DB = -70.0


class AudioFeatures(Analyser):
    """Streaming per-hop audio features; :meth:`finish` turns them into loudness, speech and pauses."""

    name = "audio"

    def __init__(self) -> None:
        import numpy as np

        self._pending = np.zeros(0, dtype=np.float32)
        self.loudness_db: list[float] = []
        self._band_ratio: list[float] = []
        self._flatness: list[float] = []
        freqs = np.fft.rfftfreq(HOP_SAMPLES, 1.0 / AUDIO_RATE)
        self._voice_band = (freqs >= 250) & (freqs <= 3400)
        self._analysis_band = (freqs >= 80) & (freqs <= 6000)
        self._window = np.hanning(HOP_SAMPLES).astype(np.float32)

    def on_audio(self, samples: npt.NDArray[np.float32], state: PassState) -> None:
        self.push(samples)

    def complete(self, analysis: MediaAnalysis, state: PassState) -> None:
        if state.info.has_audio:
            self.finish(analysis)

    def push(self, samples: npt.NDArray[np.float32]) -> None:
        import numpy as np

        data = np.concatenate([self._pending, samples]) if self._pending.size else samples
        usable = (data.size // HOP_SAMPLES) * HOP_SAMPLES
        if usable:
            self._process(data[:usable].reshape(-1, HOP_SAMPLES))
        self._pending = data[usable:].copy()

    def _process(self, hops: npt.NDArray[np.float32]) -> None:
        import numpy as np

        rms = np.sqrt(np.mean(hops.astype(np.float64) ** 2, axis=1))
        db = 20.0 * np.log10(np.maximum(rms, 10 ** (SILENCE_DB / 20)))
        power = np.abs(np.fft.rfft(hops * self._window, axis=1)) ** 2 + 1e-12
        band = power[:, self._analysis_band]
        voice = power[:, self._voice_band].sum(axis=1) / band.sum(axis=1)
        flatness = np.exp(np.mean(np.log(band), axis=1)) / np.mean(band, axis=1)
        self.loudness_db.extend(round(float(v), 2) for v in db)
        self._band_ratio.extend(float(v) for v in voice)
        self._flatness.extend(float(v) for v in flatness)

    def finish(self, analysis: MediaAnalysis) -> None:
        """Store loudness, speech presence and pause points into ``analysis``."""
        import numpy as np

        if self._pending.size >= HOP_SAMPLES // 4:
            padded = np.zeros(HOP_SAMPLES, dtype=np.float32)
            padded[: self._pending.size] = self._pending
            self._process(padded.reshape(1, -1))
        self._pending = np.zeros(0, dtype=np.float32)
        analysis.loudness_db = list(self.loudness_db)
        if not self.loudness_db:
            return
        db = np.asarray(self.loudness_db)
        floor = float(np.percentile(db, 10))
        voiced = (
            (db > max(floor + 8.0, -55.0)) & (np.asarray(self._band_ratio) > 0.55) & (np.asarray(self._flatness) < 0.25)
        )
        modulation = _rolling_std(db, 5) > 2.5
        speech = _clean_runs(voiced & modulation, fill=3, keep=3)
        analysis.speech = [float(v) for v in speech]
        analysis.pauses = _pause_points(db, speech, floor)


def _rolling_std(values: npt.NDArray[np.float64], half: int) -> npt.NDArray[np.float64]:
    import numpy as np

    padded = np.pad(values, half, mode="edge")
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1)
    return np.asarray(windows.std(axis=1))


def _clean_runs(mask: npt.NDArray[np.bool_], *, fill: int, keep: int) -> npt.NDArray[np.bool_]:
    """Close gaps shorter than ``fill`` hops, then drop islands shorter than ``keep`` hops."""
    import numpy as np

    out = mask.copy()
    for value, limit in ((False, fill), (True, keep)):
        index = 0
        while index < out.size:
            if out[index] != value:
                index += 1
                continue
            end = index
            while end < out.size and out[end] == value:
                end += 1
            interior = index > 0 and end < out.size
            if end - index < limit and (interior or value):
                out[index:end] = not value
            index = end
    return np.asarray(out)


def _pause_points(db: npt.NDArray[np.float64], speech: npt.NDArray[np.bool_], floor: float) -> list[float]:
    """Middles of quiet, speech-free gaps of at least 0.2 s: the places to cut without clipping words."""
    import numpy as np

    quiet_level = max(floor + 6.0, float(np.median(db)) - 12.0)
    quiet = (~speech) & (db <= quiet_level)
    points: list[float] = []
    index = 0
    while index < quiet.size:
        if not quiet[index]:
            index += 1
            continue
        end = index
        while end < quiet.size and quiet[end]:
            end += 1
        if (end - index) * AUDIO_HOP >= 0.2:
            points.append(round((index + end) / 2 * AUDIO_HOP, 2))
        index = end
    return points


# Scene looks (analysis.LOOKS) measured on every thumbnail, as fractions of its pixels (0..1), for the
# visual prior's colour and light words (matching.VISUAL_HINTS). Hue in degrees on the HSV circle;
# "colourful" is chroma > 0.1.
# green: colourful, 66–174° (foliage, grass, including the olive of sunlit hills); warm: chroma > 0.15,
# below 51° or from 330° (red, orange, gold: sunsets, fire, autumn); blue: colourful, 174–264° (sky, sea);
# purple: colourful, 264–330° (violet, magenta, pink flowers); grey: chroma < 0.08 with luma 0.25–0.85
# (fog, haze, overcast); white: chroma < 0.12 with luma > 0.75 (snow, bright cloud); dark: luma < 0.18
# (night, silhouettes); sky: in the top third of the picture, pixels that are blue or bright and
# colourless (luma > 0.55, chroma < 0.12): an open sky, clear or clouded.


def scene_looks(rgb: npt.NDArray[np.float32]) -> list[float]:
    """The :data:`LOOKS` fractions of an RGB picture in 0..1 (``[H, W, 3]`` float), a few numpy ops."""
    top, chroma, luma = _channels(rgb)
    return _looks(rgb, chroma, luma, _hue(rgb, top, chroma))


def _channels(
    rgb: npt.NDArray[np.float32],
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """Per pixel: the largest channel, the chroma (largest − smallest) and the luma."""
    import numpy as np

    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    top = np.maximum(np.maximum(r, g), b)  # faster than rgb.max(axis=2) on a small thumbnail
    chroma = top - np.minimum(np.minimum(r, g), b)
    return top, chroma, 0.299 * r + 0.587 * g + 0.114 * b


def _looks(
    rgb: npt.NDArray[np.float32],
    chroma: npt.NDArray[np.float32],
    luma: npt.NDArray[np.float32],
    hue: npt.NDArray[np.float32],
) -> list[float]:
    degrees = hue * 60.0
    colourful = chroma > 0.1
    blue = colourful & (degrees >= 174.0) & (degrees < 264.0)
    colourless = chroma < 0.12
    third = max(1, rgb.shape[0] // 3)
    sky = blue[:third] | (colourless[:third] & (luma[:third] > 0.55))
    values = (
        colourful & (degrees >= 66.0) & (degrees < 174.0),
        (chroma > 0.15) & ((degrees < 51.0) | (degrees >= 330.0)),
        blue,
        colourful & (degrees >= 264.0) & (degrees < 330.0),
        (chroma < 0.08) & (luma > 0.25) & (luma < 0.85),
        colourless & (luma > 0.75),
        luma < 0.18,
        sky,
    )
    return [float(v.mean()) for v in values]


class VideoBins(Analyser):
    """Per-bin motion, brightness, saturation, hue histogram and scene looks (:data:`LOOKS`) from every
    thumbnail.

    Motion is the bin's *median* frame difference, so the one huge difference at a cut does not make a
    calm shot look busy. It reads each thumbnail's difference from the pass state (the cut analyser
    computes it), so it must come after that analyser.
    """

    name = "video"

    def __init__(self) -> None:
        self._motion: dict[int, list[float]] = {}
        self._sums: dict[int, list[float]] = {}
        self._hue: dict[int, list[float]] = {}
        self._looks: dict[int, list[float]] = {}

    def on_thumb(self, t: float, thumb: npt.NDArray[np.uint8], state: PassState) -> None:
        self.push(t, thumb, state.motion)

    def complete(self, analysis: MediaAnalysis, state: PassState) -> None:
        self.finish(analysis, state.duration)

    def push(self, t: float, thumb: npt.NDArray[np.uint8], motion: float | None) -> None:
        import numpy as np

        index = int(t / VIDEO_BIN)
        rgb = thumb.astype(np.float32) / 255.0
        top, chroma, luma_map = _channels(rgb)
        hues = _hue(rgb, top, chroma)
        luma = float(luma_map.mean())
        if motion is not None:
            self._motion.setdefault(index, []).append(motion)
        sums = self._sums.setdefault(index, [0.0, 0.0, 0.0])
        sums[0] += luma
        sums[1] += float(chroma.mean())
        sums[2] += 1.0
        looks = self._looks.setdefault(index, [0.0] * len(LOOKS))
        for k, value in enumerate(_looks(rgb, chroma, luma_map, hues)):
            looks[k] += value
        hue = self._hue.setdefault(index, [0.0] * 6)
        saturated = chroma > 0.2
        if saturated.any():
            counts = np.bincount((np.floor(hues[saturated] + 0.5).astype(np.intp) % 6), minlength=6)
            for k in range(6):
                hue[k] += float(counts[k])

    def finish(self, analysis: MediaAnalysis, duration: float) -> None:
        import numpy as np

        bins = max(1, math.ceil(duration / VIDEO_BIN)) if duration > 0 else max(self._sums, default=0) + 1
        motion: list[float] = []
        brightness: list[float] = []
        saturation: list[float] = []
        hue: list[list[float]] = []
        looks: list[list[float]] = []
        for index in range(bins):
            sums = self._sums.get(index)
            if sums is None:  # no decoded picture in this bin (skipped B-frames, low frame rate)
                motion.append(motion[-1] if motion else 0.0)
                brightness.append(brightness[-1] if brightness else 0.0)
                saturation.append(saturation[-1] if saturation else 0.0)
                hue.append(hue[-1] if hue else [0.0] * 6)
                looks.append(looks[-1] if looks else [0.0] * len(LOOKS))
                continue
            values = self._motion.get(index)
            motion.append(round(float(np.median(values)), 3) if values else (motion[-1] if motion else 0.0))
            brightness.append(round(sums[0] / sums[2], 4))
            saturation.append(round(sums[1] / sums[2], 4))
            counts = self._hue.get(index, [0.0] * 6)
            total = sum(counts)
            hue.append([round(c / total, 3) if total else 0.0 for c in counts])
            looks.append([round(v / sums[2], 3) for v in self._looks.get(index, [0.0] * len(LOOKS))])
        analysis.motion, analysis.brightness, analysis.saturation, analysis.hue = motion, brightness, saturation, hue
        analysis.looks = looks


def _hue(
    rgb: npt.NDArray[np.float32], top: npt.NDArray[np.float32], chroma: npt.NDArray[np.float32]
) -> npt.NDArray[np.float32]:
    """HSV hue in 0..6 (× 60 = degrees: 0 red, 1 yellow, 2 green, 3 cyan, 4 blue, 5 magenta)."""
    import numpy as np

    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    safe = np.maximum(chroma, 1e-6)
    hue = np.where(top == r, ((g - b) / safe) % 6.0, np.where(top == g, (b - r) / safe + 2.0, (r - g) / safe + 4.0))
    return np.asarray(hue, dtype=np.float32)


@dataclass(frozen=True)
class FacesRead:
    """What one sample's faces say of their people (``face_traits.TRAITS``; empty: none read) and the height
    of the largest as a share of the frame's (0: no face)."""

    traits: tuple[float, ...] = ()
    height: float = 0.0


def load_face_readers() -> tuple[BlazeFace | None, FaceTraits | None]:
    """BlazeFace and, only beside it (its eye points cut the chips), dlib's gender and age networks; each
    loaded once per process, None (said once) where it is not installed."""
    from scene_select.workstation.engine.face_model import load_face_model
    from scene_select.workstation.engine.face_traits import load_face_traits

    model = load_face_model()
    return model, load_face_traits() if model is not None else None


class FaceCounter(Analyser):
    """Faces in the once-a-second samples: Google's BlazeFace (:mod:`.face_model`) where it is installed,
    else OpenCV's frontal Haar cascade (OpenCV < 5 only; OpenCV 5 removed the cascades). The video bins'
    count must be known first (it comes after them).

    With BlazeFace and dlib's gender and age networks (:mod:`.face_traits`), each sample's faces that look
    at the camera are also read: how surely a woman, a man, a child and an old person show, and how much
    of the frame the largest face fills (~3 ms a face).

    A sample that looks the same as the last one counted in the same shot (:mod:`.miniature`: a still
    shot, a talking head) keeps its count and its reading without running the models again, as on-screen
    text keeps its reading."""

    name = "faces"

    def __init__(self) -> None:
        self.counts: dict[int, float] = {}
        self.readings: dict[int, FacesRead] = {}
        self.reused = 0
        # The last sample counted: its shot, its miniature, its count and reading (worker thread only).
        self._last: tuple[int, npt.NDArray[np.float32], int, FacesRead] | None = None
        self._cascade: object | None = None
        self.model, self.traits = load_face_readers()
        self.available = self.model is not None
        if self.model is not None:
            return
        try:
            import cv2

            if not hasattr(cv2, "CascadeClassifier"):
                return
            path = str(getattr(cv2, "data").haarcascades) + "haarcascade_frontalface_default.xml"  # noqa: B009
            cascade = cv2.CascadeClassifier(path)
            self.available = not cascade.empty()
            self._cascade = cascade
        except ImportError:
            pass

    def plan_sample(self, t: float, state: PassState) -> object | None:
        """The plan is the sample's shot (the number of cuts before it), decided here on the decoding thread:
        nothing counted in an earlier shot stands for it."""
        return len(state.cuts) if state.scheduled and self.available else None

    def on_sample(self, t: float, rgb: npt.NDArray[np.uint8], plan: object) -> None:
        from scene_select.workstation.engine.miniature import looks_the_same, miniature

        assert isinstance(plan, int)
        small = miniature(rgb)
        last = self._last
        if last is not None and last[0] == plan and looks_the_same(small, last[1]):
            _, _, count, reading = last
            self.reused += 1
        else:
            count, reading = self.read(rgb)
            self._last = (plan, small, count, reading)
        if count >= 0:
            self.counts[int(t / VIDEO_BIN)] = float(count)
            self.readings[int(t / VIDEO_BIN)] = reading

    def complete(self, analysis: MediaAnalysis, state: PassState) -> None:
        bins = range(len(analysis.motion))
        analysis.faces = [self.counts.get(i, -1.0) for i in bins]
        analysis.face_traits = [list(self.readings[i].traits) if i in self.readings else [] for i in bins]
        analysis.face_heights = [self.readings[i].height if i in self.readings else -1.0 for i in bins]

    def read(self, rgb: npt.NDArray[np.uint8]) -> tuple[int, FacesRead]:
        """The faces in an RGB sample (-1 when no detector is installed) and what they say."""
        if self.model is None:
            return self.count(rgb), FacesRead()
        faces = self.model.detect(rgb)
        traits = self.traits.read(rgb, faces) if self.traits is not None else ()
        return len(faces), FacesRead(traits, round(max((face.height for face in faces), default=0.0), 3))

    def count(self, rgb: npt.NDArray[np.uint8]) -> int:
        """Faces in an RGB sample; -1 when no detector is installed."""
        if self.model is not None:
            return self.model.count(rgb)
        if not self.available or self._cascade is None:
            return -1
        import cv2

        height, width = rgb.shape[:2]
        scale = min(1.0, 320.0 / max(1, width))
        gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        if scale < 1.0:
            gray = cv2.resize(gray, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)
        min_side = max(20, gray.shape[0] // 10)
        faces = self._cascade.detectMultiScale(  # type: ignore[attr-defined]
            gray, scaleFactor=1.2, minNeighbors=5, minSize=(min_side, min_side)
        )
        return len(faces)
