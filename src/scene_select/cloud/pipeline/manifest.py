"""What a media team writes next to its media: script.txt, job.json and highlight sidecars.

These are user-written files, so they are parsed strictly: an unknown key is a typo until proven
otherwise, and every problem is a BatchError that the submit function writes next to the batch in
results/ (and does not retry). Names of media in a manifest are file names inside the batch folder,
never paths, so a manifest cannot point a job at another batch's files.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic.alias_generators import to_pascal

from scene_select.cloud.errors import BatchError
from scene_select.cloud.models.wire import decode_json_object, describe_validation_error

__all__ = ["BatchManifest", "HighlightSidecar", "parse_batch_manifest", "parse_highlight_sidecar", "parse_script"]


class _ManifestModel(BaseModel):
    # defer_build: a highlight upload never validates a smart-mix manifest; build each schema on first use
    model_config = ConfigDict(extra="forbid", populate_by_name=True, alias_generator=to_pascal, defer_build=True)

    produce: str | None = Field(default=None, description="selection, video or review (SCENE_SELECT_PRODUCE)")

    @field_validator("produce")
    @classmethod
    def _produce(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str) or value.strip().lower() not in ("selection", "video", "review"):
            raise ValueError(f"Produce must be selection, video or review, got {value!r}")
        return value.strip().lower()


class BatchManifest(_ManifestModel):
    """``job.json`` of a smart-mix batch. ``Media`` (optional) is the exact media list, as file names."""

    speech_text_array: list[str] | None = None
    title_array: list[str] | None = None
    background_music: str | None = None
    background_music_array: list[str] | None = None
    editing_config: dict[str, Any] | None = None
    output_config: dict[str, Any] | None = None
    input_config: dict[str, Any] | None = Field(default=None, description="extra InputConfig fields, passed through")
    media: list[str] | None = None
    media_tags: dict[str, list[str]] | None = None

    @field_validator("media")
    @classmethod
    def _plain_names(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        if not value:
            raise ValueError("Media, when given, must name at least one file")
        for name in value:
            if not name or "/" in name or "\\" in name or name in (".", ".."):
                raise ValueError(f"{name!r} is not a file name in this batch folder (no paths allowed)")
        if len(set(value)) != len(value):
            raise ValueError("Media names a file more than once")
        return value


class HighlightSidecar(_ManifestModel):
    """``<name>.json`` next to a highlight video: per-video overrides."""

    highlight_strategy: dict[str, Any] | None = None
    title_array: list[str] | None = None
    background_music_array: list[str] | None = None
    editing_config: dict[str, Any] | None = None
    output_config: dict[str, Any] | None = None
    input_config: dict[str, Any] | None = None


def _decode(name: str, data: bytes, limit: int) -> str:
    if len(data) > limit:
        raise BatchError(f"{name} is {len(data)} bytes, at most {limit} allowed")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BatchError(f"{name} is not UTF-8 text (byte {exc.start}); save it as UTF-8") from None


def _load(name: str, data: bytes, limit: int, model: type[_ManifestModel]) -> Any:
    decoded = decode_json_object(_decode(name, data, limit), name, BatchError)
    try:
        return model.model_validate(decoded)
    except ValidationError as exc:
        raise BatchError(describe_validation_error(name, exc)) from None


def parse_batch_manifest(data: bytes, *, limit: int) -> BatchManifest:
    """Parse a smart-mix ``job.json``."""
    manifest: BatchManifest = _load("job.json", data, limit, BatchManifest)
    return manifest


def parse_highlight_sidecar(name: str, data: bytes, *, limit: int) -> HighlightSidecar:
    """Parse a highlight video's sidecar JSON."""
    sidecar: HighlightSidecar = _load(name, data, limit, HighlightSidecar)
    return sidecar


def parse_script(data: bytes, *, limit: int) -> list[str]:
    """``script.txt``: one voiceover script, or several alternatives separated by blank lines."""
    text = _decode("script.txt", data, limit).replace("\r\n", "\n").replace("\r", "\n")
    scripts: list[str] = []
    current: list[str] = []
    for line in [*text.split("\n"), ""]:
        if line.strip():
            current.append(line.strip())
        elif current:
            scripts.append("\n".join(current))
            current = []
    if not scripts:
        raise BatchError("script.txt is empty; write the voiceover text (blank lines separate alternatives)")
    return scripts
