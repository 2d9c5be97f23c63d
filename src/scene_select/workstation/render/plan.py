"""An ICE Timeline → a render plan: every clip on the output's frame grid, the voices in one WAV, the text drawn.

Everything cheap happens here, in Python, before ffmpeg starts, so that the one ffmpeg run does only
pixel and sample work (graph.py):

* times are resolved as ICE reads them: a clip without ``TimelineIn`` follows the previous clip of its
  track, one with ``ReferenceClipId`` takes the times of that clip; audio tracks are read first because
  an ``AI_TTS`` clip's length can set a referencing clip's;
* every clip boundary is rounded once to the output frame grid, so nothing drifts however many clips
  there are; gaps become black, overlaps are cut from the later clip;
* each ``AI_TTS`` clip is read with espeak-ng (voice.py), fitted to its slot and mixed at its gain into a
  single WAV — one audio input for ffmpeg instead of one per sentence; without a voice the plan says so
  in its warnings (or fails when a voice is required);
* each ``Text`` subtitle clip is drawn once (subtitles.py).

The output lasts until the end of its last timed clip (video, voice, subtitle, or audio that does not
loop); looping music follows that length and never sets it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scene_select.cloud.errors import MediaError
from scene_select.workstation.render.media import MediaFacts, Resolver, probe_facts
from scene_select.workstation.render.spec import OutputSpec, RenderError
from scene_select.workstation.render.subtitles import TextEvent, TextImage, draw_text_images

__all__ = ["AudioSegment", "RenderPlan", "VideoSegment", "plan_timeline"]

DEFAULT_IMAGE_SECONDS = 3.0
NO_VOICE = "no voice available ({reason}); the sentences are rendered as subtitles over silence"


@dataclass(frozen=True)
class VideoSegment:
    """One piece of the output picture, in output frames: a video range, a still picture, or black."""

    kind: str  # "video" | "image" | "gap"
    start_frame: int
    frames: int
    path: Path | None = None
    facts: MediaFacts | None = None
    source_in: float = 0.0
    source_out: float = 0.0
    speed: float = 1.0
    adapt: str = "Contain"
    gain: float = 0.0
    background: str | None = None  # None | "blur" | "#RRGGBB"


@dataclass(frozen=True)
class AudioSegment:
    """A media clip on an audio track (music, sound): where it plays and how."""

    path: Path
    source_in: float
    start: float
    end: float
    loop: bool
    gain: float


@dataclass
class RenderPlan:
    spec: OutputSpec
    total_frames: int
    video: list[VideoSegment]
    audio: list[AudioSegment]
    voice_wav: Path | None
    text_images: list[TextImage]
    warnings: list[str] = field(default_factory=list)

    @property
    def duration(self) -> float:
        return float(self.total_frames / self.spec.fps)


@dataclass(frozen=True)
class _Placed:
    """A video-track clip with its times resolved (seconds), before snapping to frames."""

    clip: Mapping[str, Any]
    path: Path
    facts: MediaFacts
    start: float
    end: float
    source_in: float
    source_out: float
    speed: float
    is_image: bool


@dataclass(frozen=True)
class _Voice:
    start: float
    samples: Any  # int16 numpy array
    rate: int
    gain: float


@dataclass(frozen=True)
class _Music:
    clip: Mapping[str, Any]
    path: Path
    facts: MediaFacts
    start: float


def _seconds(value: Any, default: float) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return default


def _optional_seconds(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _reference(clip: Mapping[str, Any]) -> str | None:
    value = clip.get("MediaURL") or clip.get("MediaId")
    return str(value) if value else None


def _gain(clip: Mapping[str, Any], default: float) -> float:
    gain = default
    for effect in clip.get("Effects") or []:
        if isinstance(effect, Mapping) and effect.get("Type") == "Volume":
            gain = _seconds(effect.get("Gain"), 1.0)
    return max(0.0, gain)


def _name(clip: Mapping[str, Any]) -> str:
    return str(clip.get("ClipId") or _reference(clip) or "a clip")


class _Planner:
    def __init__(self, spec: OutputSpec, resolve: Resolver, work_dir: Path, require_voice: bool) -> None:
        self.spec = spec
        self.resolve = resolve
        self.work_dir = work_dir
        self.require_voice = require_voice
        self.warnings: list[str] = []
        self.references: dict[str, tuple[float, float]] = {}  # ClipId → (TimelineIn, TimelineOut)
        self.ends: list[float] = []
        self.voices: list[_Voice] = []
        self.music: list[_Music] = []
        self.placed: list[_Placed] = []
        self.text_events: list[TextEvent] = []

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def media(self, reference: str) -> tuple[Path, MediaFacts]:
        try:
            path = self.resolve(reference)
            return path, probe_facts(path)
        except MediaError as exc:
            raise MediaError(f"media {reference!r} of the timeline: {exc}") from exc

    def remember(self, clip: Mapping[str, Any], start: float, end: float, *, timed: bool = True) -> None:
        if clip.get("ClipId"):
            self.references[str(clip["ClipId"])] = (start, end)
        if timed:
            self.ends.append(end)

    # ---- audio tracks first: an AI_TTS clip's length may set a referencing clip's --------------------------

    def audio_tracks(self, tracks: Sequence[Any]) -> None:
        for track in tracks:
            cursor = 0.0
            for clip in (track.get("AudioTrackClips") or []) if isinstance(track, Mapping) else []:
                if not isinstance(clip, Mapping):
                    continue
                start = _seconds(clip.get("TimelineIn"), cursor)
                end = _optional_seconds(clip.get("TimelineOut"))
                if clip.get("Type") == "AI_TTS":
                    end = self.tts(clip, start, end)
                else:
                    end = self.media_audio(clip, start, end)
                    if end is None:
                        continue
                self.remember(clip, start, end, timed=not clip.get("LoopMode"))
                cursor = end

    def tts(self, clip: Mapping[str, Any], start: float, end: float | None) -> float:
        from scene_select.workstation.render.voice import VoiceUnavailable, synthesize

        slot = end - start if end is not None else None
        text = str(clip.get("Content") or "").strip()
        if not text:
            return start + (slot or 0.0)
        try:
            voiced = synthesize(text, speech_rate=_seconds(clip.get("SpeechRate"), 0.0), max_duration=slot)
        except VoiceUnavailable as exc:
            if self.require_voice:
                raise RenderError(f"no voice available: {exc}") from exc
            self.warn(NO_VOICE.format(reason=exc))
            return start + (slot or 0.0)
        self.voices.append(_Voice(start, voiced.samples, voiced.sample_rate, _gain(clip, 1.0)))
        return start + (slot if slot is not None else voiced.duration)

    def media_audio(self, clip: Mapping[str, Any], start: float, end: float | None) -> float | None:
        reference = _reference(clip)
        if reference is None:
            self.warn(f"audio clip {_name(clip)} names no MediaURL or MediaId; it is left out")
            return None
        path, facts = self.media(reference)
        if not facts.has_audio:
            self.warn(f"{reference} has no sound; its audio clip is left out")
            return None
        self.music.append(_Music(clip, path, facts, start))
        if end is not None:
            return end
        source_in = _seconds(clip.get("In"), 0.0)
        return start + max(0.0, _seconds(clip.get("Out"), facts.duration) - source_in)

    # ---- the video track -----------------------------------------------------------------------------------

    def video_tracks(self, tracks: Sequence[Any]) -> None:
        if len(tracks) > 1:
            raise RenderError("the timeline has several video tracks; the local renderer draws one (no overlays)")
        clips = tracks[0].get("VideoTrackClips") if tracks and isinstance(tracks[0], Mapping) else None
        cursor = 0.0
        for clip in clips or []:
            if not isinstance(clip, Mapping):
                continue
            item = self.video_clip(clip, cursor)
            self.placed.append(item)
            self.remember(clip, item.start, item.end)
            for effect in clip.get("Effects") or []:
                kind = effect.get("Type") if isinstance(effect, Mapping) else None
                if kind == "Text" and isinstance(effect, Mapping) and effect.get("Content"):
                    self.text_events.append(TextEvent(str(effect["Content"]), item.start, item.end, effect))
                elif kind not in ("Volume", "Background", "Text"):
                    self.warn(f"effect {kind!r} on {_name(clip)} is not rendered locally")
            cursor = item.end

    def video_clip(self, clip: Mapping[str, Any], cursor: float) -> _Placed:
        kind = str(clip.get("Type") or "Video")
        if kind not in ("Video", "Image"):
            raise RenderError(f"clip {_name(clip)}: Type {kind!r} is not supported by the local renderer")
        reference = _reference(clip)
        if reference is None:
            raise RenderError(f"clip {_name(clip)} names no MediaURL or MediaId")
        path, facts = self.media(reference)
        if facts.kind == "audio":
            raise RenderError(f"clip {_name(clip)}: {reference} has no picture")
        is_image = kind == "Image" or facts.kind == "image"
        speed = 1.0 if is_image else _seconds(clip.get("Speed"), 1.0)
        if not 0.1 <= speed <= 100:
            raise RenderError(f"clip {_name(clip)}: Speed {speed} is outside ICE's 0.1–100")
        source_in = source_out = 0.0
        if not is_image:
            frame = 1.0 / (facts.fps or 30.0)
            source_in = min(max(0.0, _seconds(clip.get("In"), 0.0)), max(0.0, facts.duration - frame))
            source_out = min(_seconds(clip.get("Out"), facts.duration), facts.duration)
            if source_out < source_in + frame:
                self.warn(f"clip {_name(clip)}: Out is not after In; its In frame is shown")
                source_out = source_in + frame
        linked = self.references.get(str(clip.get("ReferenceClipId") or ""))
        start = _seconds(clip.get("TimelineIn"), linked[0] if linked else cursor)
        natural = (
            _seconds(clip.get("Duration"), DEFAULT_IMAGE_SECONDS) if is_image else (source_out - source_in) / speed
        )
        end = _seconds(clip.get("TimelineOut"), linked[1] if linked else start + natural)
        return _Placed(clip, path, facts, start, end, source_in, source_out, speed, is_image)

    # ---- subtitles ---------------------------------------------------------------------------------------

    def subtitle_ends(self, tracks: Sequence[Any]) -> None:
        for clip in _subtitle_clips(tracks):
            end = _optional_seconds(clip.get("TimelineOut"))
            if end is not None:
                self.ends.append(end)

    def subtitles(self, tracks: Sequence[Any], duration: float) -> None:
        for clip in _subtitle_clips(tracks):
            if clip.get("Type", "Text") != "Text":
                self.warn(f"subtitle clip {_name(clip)} of Type {clip.get('Type')!r} is not rendered locally")
                continue
            linked = self.references.get(str(clip.get("ReferenceClipId") or ""))
            start = _seconds(clip.get("TimelineIn"), linked[0] if linked else 0.0)
            end = _seconds(clip.get("TimelineOut"), linked[1] if linked else duration)
            self.text_events.append(TextEvent(str(clip.get("Content") or ""), start, min(end, duration), clip))

    # ---- the frame grid --------------------------------------------------------------------------------------

    def segments(self, total_frames: int) -> list[VideoSegment]:
        fps = self.spec.fps
        segments: list[VideoSegment] = []
        cursor = 0
        for item in sorted(self.placed, key=lambda p: p.start):
            first = max(round(item.start * fps), cursor)
            last = min(round(item.end * fps), total_frames)
            if last <= first:
                continue
            if first > cursor:
                segments.append(VideoSegment("gap", cursor, first - cursor))
            skipped = float((first - round(item.start * fps)) / fps) * item.speed  # an overlap cut from its start
            background = None
            for effect in item.clip.get("Effects") or []:
                if isinstance(effect, Mapping) and effect.get("Type") == "Background":
                    blur = str(effect.get("SubType", "")).lower() == "blur"
                    background = "blur" if blur else str(effect.get("Color") or "#000000")
            segments.append(
                VideoSegment(
                    kind="image" if item.is_image else "video",
                    start_frame=first,
                    frames=last - first,
                    path=item.path,
                    facts=item.facts,
                    source_in=min(item.source_in + skipped, item.source_out),
                    source_out=item.source_out,
                    speed=item.speed,
                    adapt=str(item.clip.get("AdaptMode") or "Contain"),
                    gain=_gain(item.clip, 0.0),
                    background=background,
                )
            )
            cursor = last
        if cursor < total_frames:
            segments.append(VideoSegment("gap", cursor, total_frames - cursor))
        return segments

    def voice_wav(self, duration: float) -> Path | None:
        """Every voice mixed at its start and gain into one mono WAV, or None when there is none."""
        if not self.voices:
            return None
        import numpy as np

        from scene_select.workstation.render.voice import write_wav

        rate = self.voices[0].rate
        track = np.zeros(math.ceil(duration * rate) + 1, dtype=np.float32)
        for voice in self.voices:
            offset = round(voice.start * rate)
            piece = voice.samples[: max(0, len(track) - offset)].astype(np.float32) / 32768.0 * voice.gain
            track[offset : offset + len(piece)] += piece
        return write_wav(self.work_dir / "voice.wav", np.clip(track, -1.0, 1.0), rate)

    def music_segments(self, duration: float) -> list[AudioSegment]:
        segments = []
        for item in self.music:
            clip = item.clip
            source_in = _seconds(clip.get("In"), 0.0)
            loop = bool(clip.get("LoopMode"))
            end = _optional_seconds(clip.get("TimelineOut"))
            if loop and (end is None or end > duration):
                end = duration
            elif end is None:
                end = item.start + _seconds(clip.get("Out"), item.facts.duration) - source_in
            segments.append(AudioSegment(item.path, source_in, item.start, min(end, duration), loop, _gain(clip, 1.0)))
        return segments


def _subtitle_clips(tracks: Sequence[Any]) -> list[Mapping[str, Any]]:
    return [
        clip
        for track in tracks
        if isinstance(track, Mapping)
        for clip in track.get("SubtitleTrackClips") or []
        if isinstance(clip, Mapping)
    ]


def plan_timeline(
    timeline: Mapping[str, Any], spec: OutputSpec, resolve: Resolver, work_dir: Path, *, require_voice: bool = False
) -> RenderPlan:
    """Plan the render of ``timeline`` (see the module docstring); pictures and the voice WAV go to ``work_dir``.

    Raises :class:`RenderError` for what the local renderer cannot draw, MediaError for media it cannot
    find or read; an empty timeline is a RenderError too.
    """
    planner = _Planner(spec, resolve, work_dir, require_voice)
    planner.audio_tracks(timeline.get("AudioTracks") or [])
    planner.video_tracks(timeline.get("VideoTracks") or [])
    planner.subtitle_ends(timeline.get("SubtitleTracks") or [])
    end = max(planner.ends, default=0.0)
    if end <= 0:
        raise RenderError("the timeline has nothing to play: no clip with a length on any track")
    total_frames = max(1, round(end * spec.fps))
    duration = float(total_frames / spec.fps)
    planner.subtitles(timeline.get("SubtitleTracks") or [], duration)
    return RenderPlan(
        spec=spec,
        total_frames=total_frames,
        video=planner.segments(total_frames),
        audio=planner.music_segments(duration),
        voice_wav=planner.voice_wav(duration),
        text_images=draw_text_images(planner.text_events, spec.width, spec.height, work_dir),
        warnings=planner.warnings,
    )
