"""What the engine knows about one media file after its single decoding pass.

A :class:`MediaAnalysis` is plain data (floats, strings, lists) so it can be cached as JSON by content
hash and read back without trusting pickles. It holds time series at fixed rates rather than frames:
memory stays bounded however long the video is (a 2 h video is ~72 k audio hops and ~14 k video bins).
"""

from __future__ import annotations

import itertools
from dataclasses import asdict, dataclass, field
from typing import Any

#: Bump when the analysis changes meaning; cached analyses of other versions are ignored.
ANALYSIS_VERSION = 12

#: Seconds per video bin (motion, brightness, colour, faces).
VIDEO_BIN = 0.5
#: Scene looks per video bin (signals.scene_looks): fractions of the thumbnails' pixels, for colour words.
LOOKS = ("green", "warm", "blue", "purple", "grey", "white", "dark", "sky")

#: Seconds per audio hop (loudness, speech).
AUDIO_HOP = 0.1


@dataclass(frozen=True)
class MediaInfo:
    """What probing a file tells: kind, duration and stream facts."""

    kind: str  # "video" | "image"
    duration: float  # seconds; 0.0 for an image
    width: int
    height: int
    fps: float
    has_audio: bool
    video_codec: str
    container: str

    @property
    def is_image(self) -> bool:
        return self.kind == "image"


@dataclass(frozen=True)
class OcrLine:
    """One line of on-screen text read at time ``t`` in ``region`` ("bottom" third or "full" frame)."""

    t: float
    text: str
    confidence: float
    region: str


@dataclass(frozen=True)
class SightSample:
    """What sight saw in the sample picture at ``t``: its top ImageNet labels (class index, probability),
    best first, its certainty (1 − normalised entropy of all 1000 probabilities), how surely a person
    shows, seen whole (the person detector's presence, 0..1; 0 without it)."""

    t: float
    top: tuple[tuple[int, float], ...]
    certainty: float
    person: float = 0.0


@dataclass
class MediaAnalysis:
    """Per-media features on a common timeline (seconds from the start of the file)."""

    info: MediaInfo
    cuts: list[float] = field(default_factory=list)
    # Video bins of VIDEO_BIN seconds: index i covers [i*VIDEO_BIN, (i+1)*VIDEO_BIN).
    motion: list[float] = field(default_factory=list)  # mean abs frame difference, 0..255
    brightness: list[float] = field(default_factory=list)  # mean luma 0..1
    saturation: list[float] = field(default_factory=list)  # mean chroma 0..1
    hue: list[list[float]] = field(default_factory=list)  # 6-bin hue histogram of saturated pixels
    looks: list[list[float]] = field(default_factory=list)  # scene looks (signals.LOOKS), fractions of pixels
    faces: list[float] = field(default_factory=list)  # faces seen in the bin's sample frame; -1 = not sampled
    # What those faces say of their people (face_traits.TRAITS: woman, man, child, old person; empty: none read
    # or not sampled) and the height of the largest as a share of the frame's (0: no face; -1: not sampled).
    face_traits: list[list[float]] = field(default_factory=list)
    face_heights: list[float] = field(default_factory=list)
    # Audio hops of AUDIO_HOP seconds.
    loudness_db: list[float] = field(default_factory=list)  # RMS in dBFS
    speech: list[float] = field(default_factory=list)  # 0/1 speech presence per hop
    pauses: list[float] = field(default_factory=list)  # times of the middle of quiet gaps (good cut points)
    ocr: list[OcrLine] = field(default_factory=list)
    # Optional image-text embeddings: scorer id -> list of (t, vector).
    embeddings: dict[str, list[tuple[float, list[float]]]] = field(default_factory=dict)
    # Sight (engine/visual.py): a few samples per shot, and the model whose label indices they use.
    sight: list[SightSample] = field(default_factory=list)
    sight_model: str = ""
    decode_seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["version"] = ANALYSIS_VERSION
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> MediaAnalysis:
        fields = dict(data)
        fields.pop("version", None)
        fields["info"] = MediaInfo(**fields["info"])
        fields["ocr"] = [OcrLine(**line) for line in fields.get("ocr", [])]
        fields["embeddings"] = {
            key: [(float(t), list(vector)) for t, vector in values]
            for key, values in fields.get("embeddings", {}).items()
        }
        fields["sight"] = [
            SightSample(
                float(s["t"]),
                tuple((int(k), float(p)) for k, p in s["top"]),
                float(s["certainty"]),
                float(s.get("person", 0.0)),
            )
            for s in fields.get("sight", [])
        ]
        return cls(**fields)

    def shots(self) -> list[tuple[float, float]]:
        """Shots as (start, end) seconds: the spans between detected cuts."""
        if self.info.is_image:
            return [(0.0, 0.0)]
        edges = [0.0, *[c for c in self.cuts if 0.0 < c < self.info.duration], self.info.duration]
        return [(a, b) for a, b in itertools.pairwise(edges) if b - a > 1e-6]

    def has_speech(self) -> bool:
        """True when at least ~1 s of the audio was classified as speech."""
        return sum(self.speech) * AUDIO_HOP >= 1.0
