"""A selection → one ICE Timeline per output: what the emulator's SubmitSceneTimelineOrganizationJob builds.

ICE does not publish how it turns a selection into a timeline, so this is our reading of its documents
(docs/rendering.md#the-timelines-the-emulator-builds lists every field and whether it is documented or
assumed). The selection is ICE's ExtendOutput shape — ``textMatchMediaOutputList`` (sentences, each with
``text``, ``duration`` and ``matchClipList``) or our ``highlightMediaOutputList`` — as the selection job
returned it, ``scene-select select --out`` wrote it, or a person edited it; the product's normalised
``selection.json`` (``outputs[]``) is read too.

What one timeline holds:

* ``VideoTracks[0]``: the clips of each sentence laid end to end from the sentence's start, with ``In``/
  ``Out`` in the source and ``TimelineIn``/``TimelineOut`` on the output, a ``Volume`` effect at
  ``MediaConfig.Volume``; images as ``Type: Image`` with a ``Duration``;
* ``AudioTracks[0]`` (``MainTrack``): one ``AI_TTS`` clip per sentence over the sentence's slot — the
  voiceover; ``AudioTracks[1]``: the background music (``BackgroundMusicArray`` entry or
  ``BackgroundMusic``), looped over the whole video at ``BackgroundMusicConfig.Volume``;
* ``SubtitleTracks[0]``: each sentence as a ``Type: Text`` clip over its slot; ``SubtitleTracks[1]``: the
  title (``TitleArray`` entry), for the whole video.

A sentence lasts its ``duration`` (ICE's estimate of the voiceover). Its clips fill it by
``ProcessConfig.AlignmentMode``: ``Cut`` (our default; footage keeps its speed) trims the clip that
crosses the sentence's end and drops the later ones, and when the clips are too short extends the last
one into its source when the source is long enough, then holds its last frame; ``AutoSpeed`` (ICE's
documented default for global scripts) plays every clip of the sentence at one speed in [0.5, 2] that
makes them fit, then cuts or holds what the bounds leave. Highlight outputs are their clips in order,
with the source sound and no voiceover. ICE picks one of several voices, music tracks or titles at random;
here output ``k`` takes entry ``k mod n``, so a run is reproducible.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scene_select.cloud.models.media import is_media_id
from scene_select.cloud.models.selection import media_id_for
from scene_select.workstation.render.media import IMAGE_SUFFIXES, MediaFacts

__all__ = [
    "Clip",
    "FactsLookup",
    "Placement",
    "SelectionOutput",
    "Sentence",
    "build_timeline",
    "fit_clips",
    "organize_timelines",
    "parse_selection",
    "subtitle_style",
    "timeline_duration",
]

EPSILON = 1e-3
MIN_SPEED, MAX_SPEED = 0.5, 2.0
DEFAULT_SOURCE_VOLUME = {"text_match": 0.0, "highlights": 1.0}
"""MediaConfig.Volume when absent: 0 for image-text jobs (ICE's public-parameter default: the voiceover
speaks), 1 for highlights (ICE's highlight example keeps the footage's sound)."""
DEFAULT_SPEECH_VOLUME = 1.0
DEFAULT_MUSIC_VOLUME = 0.3  # ICE's own EditingConfig example
ALIGNMENT_MODES = ("Cut", "AutoSpeed")

FactsLookup = Callable[[str], MediaFacts | None]
"""Facts about a media reference, or None when unknown (the builder then guesses from the file name)."""


class SelectionError(ValueError):
    """The selection is not one the builder can read; the message says what is wrong and where."""


# ----------------------------------------------------------------------------------------- the selection


@dataclass(frozen=True)
class Clip:
    """One selected clip: a media reference as a timeline field (``MediaURL`` or ``MediaId``), a range."""

    ref_field: str
    ref: str
    start: float
    end: float

    @property
    def length(self) -> float:
        return max(0.0, self.end - self.start)


@dataclass(frozen=True)
class Sentence:
    text: str
    duration: float
    clips: tuple[Clip, ...]


@dataclass(frozen=True)
class SelectionOutput:
    """One output of a selection: sentences (image-text) or highlight clips."""

    kind: str  # "text_match" | "highlights"
    sentences: tuple[Sentence, ...] = ()
    highlights: tuple[Clip, ...] = ()


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SelectionError(f"{where} must be a number of seconds, got {value!r}")
    return float(value)


class _References:
    """Selection clips name media by ``mediaURL`` (our engine) or ``mediaId``; the emulator's ids are the
    md5 of the MediaArray entry, so they map back to the entry's URL, which the renderer can open."""

    def __init__(self, media_array: Sequence[str]) -> None:
        self._by_id = {media_id_for(entry): entry for entry in media_array}

    def clips(self, raw: Any, where: str) -> tuple[Clip, ...]:
        """The clips of a list (None: none), each checked by ``clip`` and named by its place in the list."""
        return tuple(self.clip(c, f"{where}[{k}]") for k, c in enumerate(_list(raw, where)))

    def clip(self, raw: Any, where: str) -> Clip:
        if not isinstance(raw, Mapping):
            raise SelectionError(f"{where} must be an object with mediaId or mediaURL, startTime and endTime")
        url = raw.get("mediaURL") or raw.get("mediaUrl") or raw.get("MediaURL")
        media_id = raw.get("mediaId") or raw.get("MediaId")
        start = _number(raw.get("startTime", raw.get("in", 0.0)), f"{where}.startTime")
        end = _number(raw.get("endTime", raw.get("out")), f"{where}.endTime")
        if start < 0 or end < start:
            raise SelectionError(f"{where}: startTime {start} and endTime {end} must satisfy 0 <= start <= end")
        if isinstance(url, str) and url:
            return Clip("MediaURL", url, start, end)
        if isinstance(media_id, str) and media_id:
            entry = self._by_id.get(media_id.lower())
            if entry is not None and not is_media_id(entry):
                return Clip("MediaURL", entry, start, end)
            return Clip("MediaId", media_id, start, end)
        raise SelectionError(f"{where} names no media (mediaId or mediaURL)")

    def known(self, clip: Clip) -> bool:
        """True when the clip's media is a URL or one of the MediaArray's ids."""
        return clip.ref_field == "MediaURL" or clip.ref in self._by_id.values() or clip.ref.lower() in self._by_id


def _list(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise SelectionError(f"{where} must be a list")
    return value


def parse_selection(result: str | Mapping[str, Any], media_array: Sequence[str] = ()) -> list[SelectionOutput]:
    """The outputs of a selection (an ExtendOutput string or object, or the product's selection.json).

    Raises :class:`SelectionError` naming the first thing that cannot be read.
    """
    if isinstance(result, str):
        try:
            data = json.loads(result)
        except ValueError as exc:
            raise SelectionError(f"the selection is not JSON ({exc})") from None
    else:
        data = result
    if not isinstance(data, Mapping):
        raise SelectionError("the selection must be a JSON object (a selection job's ExtendOutput)")
    refs = _References(media_array)
    outputs: list[SelectionOutput] = []
    if "textMatchMediaOutputList" in data:
        for o, output in enumerate(_list(data["textMatchMediaOutputList"], "textMatchMediaOutputList")):
            where = f"textMatchMediaOutputList[{o}]"
            if not isinstance(output, Mapping):
                raise SelectionError(f"{where} must be an object")
            sentences = []
            key = "textMatchMediaSentenceOutputList"
            for s, sentence in enumerate(_list(output.get(key), f"{where}.{key}")):
                here = f"{where}.{key}[{s}]"
                if not isinstance(sentence, Mapping):
                    raise SelectionError(f"{here} must be an object")
                clips = refs.clips(sentence.get("matchClipList"), f"{here}.matchClipList")
                duration = sentence.get("duration")
                sentences.append(
                    Sentence(
                        text=str(sentence.get("text") or ""),
                        duration=0.0 if duration is None else _number(duration, f"{here}.duration"),
                        clips=clips,
                    )
                )
            outputs.append(SelectionOutput("text_match", sentences=tuple(sentences)))
    elif "highlightMediaOutputList" in data:
        for o, output in enumerate(_list(data["highlightMediaOutputList"], "highlightMediaOutputList")):
            where = f"highlightMediaOutputList[{o}]"
            if not isinstance(output, Mapping):
                raise SelectionError(f"{where} must be an object")
            clips = refs.clips(output.get("highlightClipList"), f"{where}.highlightClipList")
            outputs.append(SelectionOutput("highlights", highlights=clips))
    elif "outputs" in data:  # the product's selection.json
        for o, output in enumerate(_list(data["outputs"], "outputs")):
            where = f"outputs[{o}]"
            if not isinstance(output, Mapping):
                raise SelectionError(f"{where} must be an object")
            if "sentences" in output:
                sentences = [
                    Sentence(
                        text=str(s.get("text") or ""),
                        duration=_number(s.get("duration") or 0.0, f"{where}.sentences[{i}].duration"),
                        clips=refs.clips(s.get("clips") or [], f"{where}.sentences[{i}].clips"),
                    )
                    for i, s in enumerate(_list(output["sentences"], f"{where}.sentences"))
                    if isinstance(s, Mapping)
                ]
                outputs.append(SelectionOutput("text_match", sentences=tuple(sentences)))
            else:
                clips = refs.clips(output.get("highlights"), f"{where}.highlights")
                outputs.append(SelectionOutput("highlights", highlights=clips))
    else:
        raise SelectionError(
            "the selection has none of textMatchMediaOutputList, highlightMediaOutputList or outputs "
            "(a selection job's ExtendOutput, or the selection.json of a run)"
        )
    return outputs


def unknown_media(outputs: Sequence[SelectionOutput], media_array: Sequence[str]) -> list[str]:
    """MediaIds of the selection that are not among the MediaArray's (the renderer could not find them)."""
    refs = _References(media_array)
    clips = [c for o in outputs for s in o.sentences for c in s.clips] + [c for o in outputs for c in o.highlights]
    return sorted({c.ref for c in clips if not refs.known(c)})


# ----------------------------------------------------------------------------------------------- fitting


@dataclass(frozen=True)
class Placement:
    """A clip laid on a sentence: source range, and times relative to the sentence's start."""

    clip: Clip
    source_in: float
    source_out: float
    start: float
    end: float
    speed: float = 1.0
    is_image: bool = False


def _is_image(clip: Clip, facts: FactsLookup | None) -> bool:
    info = facts(clip.ref) if facts else None
    if info is not None:
        return info.kind == "image"
    return Path(clip.ref.split("?", 1)[0]).suffix.lower() in IMAGE_SUFFIXES


def fit_clips(
    clips: Sequence[Clip], slot: float, *, mode: str = "Cut", facts: FactsLookup | None = None
) -> list[Placement]:
    """Lay ``clips`` over a sentence of ``slot`` seconds (the module docstring gives the rules)."""
    images = [_is_image(c, facts) for c in clips]
    usable = [(c, image) for c, image in zip(clips, images, strict=True) if c.length > EPSILON or image]
    if not usable or slot <= EPSILON:
        return []
    speed = 1.0
    if mode == "AutoSpeed":
        total = sum(c.length for c, image in usable if not image)
        if total > EPSILON:
            speed = min(MAX_SPEED, max(MIN_SPEED, total / slot))
            speed = 1.0 if abs(speed - 1.0) < 0.01 else speed
    placed: list[Placement] = []
    cursor = 0.0
    for clip, image in usable:
        if cursor >= slot - EPSILON:
            break
        clip_speed = 1.0 if image else speed
        span = clip.length / clip_speed if clip.length > EPSILON else slot - cursor
        take = min(span, slot - cursor)
        placed.append(
            Placement(clip, clip.start, clip.start + take * clip_speed, cursor, cursor + take, clip_speed, image)
        )
        cursor += take
    missing = slot - cursor
    if missing > EPSILON:
        last = placed[-1]
        source_out = last.source_out
        info = facts(last.clip.ref) if facts and not last.is_image else None
        if info is not None and info.duration > source_out + EPSILON:
            source_out = min(info.duration, source_out + missing * last.speed)  # the shot goes on
        # TimelineOut reaches the sentence's end; what the source cannot fill is its last frame, held.
        placed[-1] = Placement(last.clip, last.source_in, source_out, last.start, slot, last.speed, last.is_image)
    return placed


# ---------------------------------------------------------------------------------------------- building


def _round(value: float) -> float:
    return round(float(value), 3)


def _volume(section: Any, default: float) -> float:
    """``Volume`` of an EditingConfig section (``Gain``, seen in ICE's one-click examples, as an alias)."""
    if isinstance(section, Mapping):
        for key in ("Volume", "Gain"):
            value = section.get(key)
            if isinstance(value, int | float) and not isinstance(value, bool):
                return float(value)
    return default


def _pick(values: Any, index: int) -> str | None:
    """ICE picks one entry at random per output; here output ``index`` takes entry ``index mod n``."""
    entries = [str(v) for v in values if isinstance(v, str) and v.strip()] if isinstance(values, list) else []
    return entries[index % len(entries)] if entries else None


def _media_ref(value: str) -> dict[str, str]:
    return {"MediaId": value} if is_media_id(value) else {"MediaURL": value}


def subtitle_style(width: int, height: int) -> dict[str, Any]:
    """How sentences are shown: 5 % of the short side, white with a black outline, in the lower third."""
    size = max(16, round(min(width, height) * 0.05))
    return {
        "X": 0.5,
        "Y": 0.72 if height > width else 0.8,
        "Alignment": "TopCenter",
        "FontSize": size,
        "FontColor": "#FFFFFF",
        "Outline": max(2, size // 14),
        "OutlineColour": "#000000",
        "AdaptMode": "AutoWrap",
        "TextWidth": 0.9,
    }


def _title_style(width: int, height: int) -> dict[str, Any]:
    base = subtitle_style(width, height)
    return {
        **base,
        "Y": 0.1 if height > width else 0.06,
        "FontSize": round(base["FontSize"] * 1.25),
        "FontFace": {"Bold": True, "Italic": False, "Underline": False},
    }


# The placement and look fields of a subtitle clip that EditingConfig may set (SpeechConfig.AsrConfig for the
# sentences, TitleConfig for the title): a team whose footage carries its own captions moves ours away.
STYLE_FIELDS = ("X", "Y", "Alignment", "FontSize", "FontColor", "Outline", "OutlineColour", "TextWidth", "AdaptMode")


def _style(section: Any) -> dict[str, Any]:
    """The style fields an EditingConfig section sets (scalars only; anything else keeps the default)."""
    if not isinstance(section, Mapping):
        return {}
    return {k: section[k] for k in STYLE_FIELDS if isinstance(section.get(k), str | int | float)}


def _video_clip(placement: Placement, offset: float, clip_id: str, gain: float) -> dict[str, Any]:
    clip = placement.clip
    item: dict[str, Any] = {clip.ref_field: clip.ref, "ClipId": clip_id}
    timeline_in, timeline_out = _round(offset + placement.start), _round(offset + placement.end)
    if placement.is_image:
        item.update(Type="Image", Duration=_round(timeline_out - timeline_in))
    else:
        item.update(Type="Video", In=_round(placement.source_in), Out=_round(placement.source_out))
        if placement.speed != 1.0:
            item["Speed"] = round(placement.speed, 4)
    item.update(TimelineIn=timeline_in, TimelineOut=timeline_out)
    if not placement.is_image:
        item["Effects"] = [{"Type": "Volume", "Gain": gain}]
    return item


@dataclass(frozen=True)
class _Settings:
    """What one output's timeline takes from InputConfig, EditingConfig and OutputConfig."""

    width: int
    height: int
    media_volume: float
    speech_volume: float
    music_volume: float
    mode: str
    voice: str | None
    speech_rate: Any
    music: str | None
    title: str | None
    subtitle_style: Mapping[str, Any]
    title_style: Mapping[str, Any]

    @classmethod
    def of(
        cls,
        kind: str,
        index: int,
        inputs: Mapping[str, Any],
        editing: Mapping[str, Any],
        output: Mapping[str, Any],
    ) -> _Settings:
        speech = editing.get("SpeechConfig") if isinstance(editing.get("SpeechConfig"), Mapping) else {}
        assert isinstance(speech, Mapping)
        process = editing.get("ProcessConfig") if isinstance(editing.get("ProcessConfig"), Mapping) else {}
        assert isinstance(process, Mapping)
        mode = str(process.get("AlignmentMode") or "Cut")
        music = _pick(inputs.get("BackgroundMusicArray"), index) or inputs.get("BackgroundMusic")
        return cls(
            width=int(output.get("Width") or 1080),
            height=int(output.get("Height") or 1920),
            media_volume=_volume(editing.get("MediaConfig"), DEFAULT_SOURCE_VOLUME[kind]),
            speech_volume=_volume(speech, DEFAULT_SPEECH_VOLUME),
            music_volume=_volume(editing.get("BackgroundMusicConfig"), DEFAULT_MUSIC_VOLUME),
            mode=mode if mode in ALIGNMENT_MODES else "Cut",
            voice=_pick(str(speech.get("Voice") or "").split(","), index),
            speech_rate=speech.get("SpeechRate"),
            music=str(music) if isinstance(music, str) and music else None,
            title=_pick(inputs.get("TitleArray"), index),
            subtitle_style=_style(speech.get("AsrConfig")),
            title_style=_style(editing.get("TitleConfig")),
        )


def build_timeline(
    output: SelectionOutput,
    *,
    index: int,
    input_config: Mapping[str, Any],
    editing_config: Mapping[str, Any] | None,
    output_config: Mapping[str, Any],
    facts: FactsLookup | None = None,
) -> dict[str, Any]:
    """The ICE Timeline of selection output ``index`` (0-based), as a JSON-able dict."""
    settings = _Settings.of(output.kind, index, input_config, editing_config or {}, output_config)
    video: list[dict[str, Any]] = []
    voices: list[dict[str, Any]] = []
    subtitles: list[dict[str, Any]] = []
    cursor = 0.0
    if output.kind == "text_match":
        style = {**subtitle_style(settings.width, settings.height), **settings.subtitle_style}
        for number, sentence in enumerate(output.sentences):
            slot = sentence.duration if sentence.duration > EPSILON else sum(c.length for c in sentence.clips)
            slot = _round(slot if slot > EPSILON else 1.0)
            for k, placement in enumerate(fit_clips(sentence.clips, slot, mode=settings.mode, facts=facts)):
                video.append(_video_clip(placement, cursor, f"s{number}-c{k}", settings.media_volume))
            span = {"TimelineIn": _round(cursor), "TimelineOut": _round(cursor + slot)}
            if sentence.text.strip():
                tts: dict[str, Any] = {"Type": "AI_TTS", "ClipId": f"tts-{number}", "Content": sentence.text}
                if settings.voice:
                    tts["Voice"] = settings.voice
                if settings.speech_rate is not None:
                    tts["SpeechRate"] = settings.speech_rate
                voices.append({**tts, **span, "Effects": [{"Type": "Volume", "Gain": settings.speech_volume}]})
                subtitles.append({"Type": "Text", "ClipId": f"sub-{number}", "Content": sentence.text, **span, **style})
            cursor = _round(cursor + slot)
    else:
        for k, clip in enumerate(output.highlights):
            image = _is_image(clip, facts)
            length = clip.length if not image or clip.length > EPSILON else 3.0
            if length <= EPSILON:
                continue
            placement = Placement(clip, clip.start, clip.start + length, 0.0, length, 1.0, image)
            video.append(_video_clip(placement, cursor, f"h{k}", settings.media_volume))
            cursor = _round(cursor + length)

    timeline: dict[str, Any] = {"VideoTracks": [{"VideoTrackClips": video}]}
    audio: list[dict[str, Any]] = []
    if voices:
        audio.append({"MainTrack": True, "AudioTrackClips": voices})
    if settings.music and cursor > 0:
        music = {
            **_media_ref(settings.music),
            "ClipId": "bgm",
            "LoopMode": True,
            "TimelineIn": 0,
            "TimelineOut": cursor,
            "Effects": [{"Type": "Volume", "Gain": settings.music_volume}],
        }
        audio.append({"AudioTrackClips": [music]})
    if audio:
        timeline["AudioTracks"] = audio
    tracks: list[dict[str, Any]] = []
    if subtitles:
        tracks.append({"SubtitleTrackClips": subtitles})
    if settings.title:
        title = {"Type": "Text", "ClipId": "title", "Content": settings.title}
        tracks.append(
            {"SubtitleTrackClips": [{**title, **_title_style(settings.width, settings.height), **settings.title_style}]}
        )
    if tracks:
        timeline["SubtitleTracks"] = tracks
    return timeline


def _object(value: str | Mapping[str, Any] | None, name: str) -> Mapping[str, Any]:
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise SelectionError(f"{name} is not JSON ({exc})") from None
    if not isinstance(value, Mapping):
        raise SelectionError(f"{name} must be a JSON object")
    return value


def organize_timelines(
    media_select_result: str | Mapping[str, Any],
    input_config: str | Mapping[str, Any] | None,
    editing_config: str | Mapping[str, Any] | None,
    output_config: str | Mapping[str, Any] | None,
    *,
    facts: FactsLookup | None = None,
) -> list[dict[str, Any]]:
    """One ICE Timeline per output of the selection, at most ``OutputConfig.Count`` of them.

    The configs are the JSON strings ICE receives, or parsed objects. ``facts`` tells images from videos
    and how long a source is (to extend a short clip into it); without it the file name decides.
    """
    inputs = _object(input_config, "InputConfig")
    editing = _object(editing_config, "EditingConfig")
    outputs = _object(output_config, "OutputConfig")
    media_array = [m for m in inputs.get("MediaArray") or [] if isinstance(m, str)]
    selection = parse_selection(media_select_result, media_array)
    count = outputs.get("Count")
    if isinstance(count, int) and not isinstance(count, bool) and count > 0:
        selection = selection[:count]
    return [
        build_timeline(output, index=k, input_config=inputs, editing_config=editing, output_config=outputs, facts=facts)
        for k, output in enumerate(selection)
    ]


# ------------------------------------------------------------------------------------------- reading back


def _seconds(value: Any, default: float | None = None) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return default


def timeline_duration(timeline: Mapping[str, Any]) -> float:
    """How long a timeline plays, from its fields alone (no media probed): the end of its last timed clip.

    Clips without ``TimelineIn`` follow the previous clip of their track; looping music follows the video
    and never sets its length. The real renderer computes the same from probed media; this is what the
    placeholder renderer and a quick look need.
    """
    ends: list[float] = []
    for track in timeline.get("VideoTracks") or []:
        cursor = 0.0
        for clip in track.get("VideoTrackClips") or []:
            start = _seconds(clip.get("TimelineIn"), cursor) or 0.0
            if clip.get("Type") == "Image":
                natural = _seconds(clip.get("Duration"), 3.0) or 3.0
            else:
                speed = _seconds(clip.get("Speed"), 1.0) or 1.0
                natural = max(0.0, (_seconds(clip.get("Out"), 0.0) or 0.0) - (_seconds(clip.get("In"), 0.0) or 0.0))
                natural /= speed
            cursor = _seconds(clip.get("TimelineOut"), start + natural) or 0.0
            ends.append(cursor)
    for track in timeline.get("AudioTracks") or []:
        for clip in track.get("AudioTrackClips") or []:
            end = _seconds(clip.get("TimelineOut"))
            if end is not None and not clip.get("LoopMode"):
                ends.append(end)
    for track in timeline.get("SubtitleTracks") or []:
        for clip in track.get("SubtitleTrackClips") or []:
            end = _seconds(clip.get("TimelineOut"))
            if end is not None:
                ends.append(end)
    return max(ends, default=0.0)
