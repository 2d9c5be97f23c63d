"""The selection result a finished job carries in ExtendOutput, typed but never lossy.

Smart mix has a documented shape. ICE's highlight shape is UNCONFIRMED, so we defined ours next to it
(both in docs/ice-api.md#results-extendoutput): ``highlightMediaOutputList`` →
``highlightClipList``. Our engine adds ``mediaURL`` and ``explain`` to every clip and a
``mediaErrorList``; ICE adds fields too. Parsing keeps every unknown key, and a shape it does not
recognise is kept verbatim in ``raw`` — a result is never lost because we failed to understand it.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator

from scene_select.cloud.models.wire import CamelModel

__all__ = [
    "HighlightClip",
    "HighlightOutput",
    "MatchClip",
    "MediaErrorEntry",
    "SelectionResult",
    "SentenceOutput",
    "TextMatchOutput",
    "clip_id_for",
    "media_id_for",
    "parse_extend_output",
]

ResultKind = Literal["text_match", "highlights", "empty", "unrecognised"]


def media_id_for(reference: str) -> str:
    """A stable 32-hex id for a MediaArray entry, shaped like an ICE media id (md5 of the entry)."""
    return hashlib.md5(reference.encode("utf-8"), usedforsecurity=False).hexdigest()


def clip_id_for(media_id: str, start: float, end: float) -> str:
    """A readable, stable clip id: media id prefix plus in/out milliseconds."""
    return f"{media_id[:8]}-{round(start * 1000)}-{round(end * 1000)}"


class MatchClip(CamelModel):
    """One chosen clip: which media, from where to where (seconds), how well it fits."""

    clip_id: str | None = None
    media_id: str | None = None
    media_url: str | None = Field(default=None, alias="mediaURL")
    start_time: float
    end_time: float
    score: float | None = None
    explain: dict[str, Any] | None = None

    @property
    def duration(self) -> float:
        return max(0.0, self.end_time - self.start_time)


class SentenceOutput(CamelModel):
    text: str = ""
    text_id: str | None = None
    duration: float | None = None
    match_clip_list: list[MatchClip] = Field(default_factory=list)

    @field_validator("text_id", mode="before")
    @classmethod
    def _text_id_as_string(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value


class TextMatchOutput(CamelModel):
    text_match_media_sentence_output_list: list[SentenceOutput] = Field(default_factory=list)
    script_index: int | None = None


class HighlightClip(MatchClip):
    is_intro: bool | None = None


class HighlightOutput(CamelModel):
    duration: float | None = None
    highlight_clip_list: list[HighlightClip] = Field(default_factory=list)


class MediaErrorEntry(CamelModel):
    media_url: str | None = Field(default=None, alias="mediaURL")
    media_id: str | None = None
    code: str = "InvalidMaterial"
    message: str = ""


class _TextMatchEnvelope(CamelModel):
    text_match_media_output_list: list[TextMatchOutput]
    media_error_list: list[MediaErrorEntry] = Field(default_factory=list)


class _HighlightEnvelope(CamelModel):
    highlight_media_output_list: list[HighlightOutput]
    media_error_list: list[MediaErrorEntry] = Field(default_factory=list)


class SelectionResult(CamelModel):
    """A parsed ExtendOutput. ``raw`` always holds the decoded JSON exactly as received."""

    kind: ResultKind
    text_match_outputs: list[TextMatchOutput] = Field(default_factory=list)
    highlight_outputs: list[HighlightOutput] = Field(default_factory=list)
    media_errors: list[MediaErrorEntry] = Field(default_factory=list)
    raw: Any = None
    parse_problem: str | None = None

    def clip_count(self) -> int:
        sentences = (s for o in self.text_match_outputs for s in o.text_match_media_sentence_output_list)
        return sum(len(s.match_clip_list) for s in sentences) + sum(
            len(o.highlight_clip_list) for o in self.highlight_outputs
        )


def parse_extend_output(job_type: str | None, text: str | None) -> SelectionResult:
    """Parse ExtendOutput for either job type; never raises on valid or invalid input alike.

    The job type is a hint only: the keys decide, so a result of a shape ICE changes later still
    lands in ``raw`` with ``kind="unrecognised"`` and the problem described.
    """
    if text is None or not text.strip():
        return SelectionResult(kind="empty", raw=None)
    try:
        decoded = json.loads(text)
    except ValueError as exc:
        return SelectionResult(kind="unrecognised", raw=text, parse_problem=f"ExtendOutput is not JSON: {exc}")
    if isinstance(decoded, dict):
        try:
            if "textMatchMediaOutputList" in decoded:
                tm = _TextMatchEnvelope.model_validate(decoded)
                return SelectionResult(
                    kind="text_match",
                    text_match_outputs=tm.text_match_media_output_list,
                    media_errors=tm.media_error_list,
                    raw=decoded,
                )
            if "highlightMediaOutputList" in decoded:
                hl = _HighlightEnvelope.model_validate(decoded)
                return SelectionResult(
                    kind="highlights",
                    highlight_outputs=hl.highlight_media_output_list,
                    media_errors=hl.media_error_list,
                    raw=decoded,
                )
        except ValidationError as exc:
            problem = f"ExtendOutput has an unexpected structure: {exc.errors(include_url=False)[0]['msg']}"
            return SelectionResult(kind="unrecognised", raw=decoded, parse_problem=problem)
    hint = f" for {job_type}" if job_type else ""
    return SelectionResult(kind="unrecognised", raw=decoded, parse_problem=f"unknown ExtendOutput shape{hint}")
