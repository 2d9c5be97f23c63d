"""SubmitSceneMediaSelectionJob's parameters as types, with every limit ICE documents.

Each rule and its source is in docs/ice-api.md#the-configs-and-their-limits. Each model refuses what ICE would
refuse, before anything is sent, with a message that names the field, the rule and the value. Where
ICE's rule is UNCONFIRMED we chose the documented general rule and say so here:

* MediaArray of a smart-mix job: at most 50 entries — the general "arrays ≤ 50" rule;
  the real cap is not published.
* OutputConfig.Count: 1–100 (not published; 100 is the batch-production maximum).
* UserData: at most 512 bytes (documented for SubmitMediaProducingJob, assumed for scene jobs).
* SpeechConfig.SpeechRate: an integer in [-500, 500] as in Alibaba Cloud TTS.

Unknown fields are kept and sent back unchanged: ICE adds fields and we must not drop them.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, ValidationError, field_serializer, field_validator, model_validator

from scene_select.cloud.errors import JobConfigError
from scene_select.cloud.models.job_type import JobType
from scene_select.cloud.models.media import media_kind
from scene_select.cloud.models.wire import (
    PascalModel,
    compact_json,
    describe_validation_error,
    load_json_object,
)

__all__ = [
    "MAX_ARRAY_ITEMS",
    "MAX_HIGHLIGHT_VIDEOS",
    "MAX_OPENING_ENDING_ITEMS",
    "MAX_OUTPUT_COUNT",
    "MAX_SCRIPT_CHARS",
    "MAX_TITLE_CHARS",
    "MAX_TOTAL_MEDIA_SECONDS",
    "MAX_USER_DATA_BYTES",
    "MIN_TARGET_DURATION_SECONDS",
    "EditingConfig",
    "HighlightStrategy",
    "HighlightsInputConfig",
    "InputConfig",
    "IntroConfig",
    "JobType",
    "MediaConfig",
    "MediaMetaData",
    "OutputConfig",
    "ProcessConfig",
    "SelectionJobRequest",
    "SmartMixInputConfig",
    "SpeechConfig",
    "SubHeading",
    "TimeRange",
    "UserData",
    "check_total_media_duration",
    "to_wire_json",
]

MAX_ARRAY_ITEMS = 50
MAX_TITLE_CHARS = 50
MAX_SCRIPT_CHARS = 1000
MAX_HIGHLIGHT_VIDEOS = 30
MAX_OPENING_ENDING_ITEMS = 20
MAX_TOTAL_MEDIA_SECONDS = 2 * 60 * 60
MAX_OUTPUT_COUNT = 100
MAX_USER_DATA_BYTES = 512
MIN_TARGET_DURATION_SECONDS = 5.0
MAX_MEDIA_REFERENCE_CHARS = 2048


def _check_items(values: list[str] | None, *, max_items: int, max_chars: int | None = None) -> list[str] | None:
    """Shared list rule: at most ``max_items`` non-empty strings of at most ``max_chars`` characters."""
    if values is None:
        return None
    if len(values) > max_items:
        raise ValueError(f"at most {max_items} items allowed, got {len(values)}")
    for index, value in enumerate(values):
        if not value.strip():
            raise ValueError(f"item {index} is empty")
        if max_chars is not None and len(value) > max_chars:
            raise ValueError(f"item {index} has {len(value)} characters, at most {max_chars} allowed")
    return values


def _check_media_reference(value: str) -> str:
    if not value.strip():
        raise ValueError("media reference is empty")
    if len(value) > MAX_MEDIA_REFERENCE_CHARS:
        raise ValueError(f"media reference longer than {MAX_MEDIA_REFERENCE_CHARS} characters")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise ValueError("media reference contains control characters")
    return value


# --------------------------------------------------------------------------------------------- shared parts


class TimeRange(PascalModel):
    """A usable [In, Out) range of one media, in seconds. ICE's examples send the numbers as strings."""

    in_: float = Field(alias="In", ge=0)
    out: float = Field(alias="Out", gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> TimeRange:
        if self.out <= self.in_:
            raise ValueError(f"Out ({self.out:g}) must be greater than In ({self.in_:g})")
        return self

    @field_serializer("in_", "out")
    def _as_string(self, value: float) -> str:
        return f"{value:g}"


class MediaMetaData(PascalModel):
    """Per-media editing hints; TimeRangeList restricts where clips may come from."""

    media: str
    group_name: str | None = None
    time_range_list: list[TimeRange] | None = None


class MediaConfig(PascalModel):
    volume: float | None = Field(default=None, ge=0, le=10)
    media_meta_data_array: list[MediaMetaData] | None = None


class SpeechConfig(PascalModel):
    volume: float | None = Field(default=None, ge=0)
    voice: str | None = None
    speech_rate: int | None = Field(default=None, ge=-500, le=500)
    speech_language: str | None = None
    style: str | None = None

    def speed_multiplier(self) -> float:
        """How much faster than normal the voiceover is read (Alibaba TTS: 500 → 2×, -500 → 0.5×)."""
        rate = self.speech_rate or 0
        if rate >= 0:
            return 1.0 / (1.0 - 0.001 * rate)
        return 1.0 / (1.0 - 0.002 * rate)


class BackgroundMusicConfig(PascalModel):
    volume: float | None = Field(default=None, ge=0)
    style: str | None = None


class ProcessConfig(PascalModel):
    single_shot_duration: float | None = Field(default=None, gt=0)
    allow_transition: bool | None = None
    enable_clip_detection: bool | None = None
    enable_temporal_opt: bool | None = None
    alignment_mode: Literal["AutoSpeed", "Cut"] | None = None


class EditingConfig(PascalModel):
    """EditingConfig shared by both job types; every part optional (ICE recommends its defaults)."""

    media_config: MediaConfig | None = None
    speech_config: SpeechConfig | None = None
    background_music_config: BackgroundMusicConfig | None = None
    process_config: ProcessConfig | None = None


class SubHeading(PascalModel):
    level: int = Field(ge=1, le=5)
    title_array: list[str]

    @field_validator("title_array")
    @classmethod
    def _titles(cls, value: list[str]) -> list[str] | None:
        return _check_items(value, max_items=MAX_ARRAY_ITEMS, max_chars=MAX_TITLE_CHARS)


class _CommonInput(PascalModel):
    """Fields both JobTypes' InputConfig share, with their documented list limits."""

    media_array: list[str]
    title_array: list[str] | None = None
    sub_heading_array: list[SubHeading] | None = None
    sticker_array: list[dict[str, Any]] | None = None
    background_music_array: list[str] | None = None
    background_image_array: list[str] | None = None

    @field_validator("media_array")
    @classmethod
    def _media(cls, value: list[str]) -> list[str]:
        for entry in value:
            _check_media_reference(entry)
        duplicates = sorted({entry for entry in value if value.count(entry) > 1})
        if duplicates:
            raise ValueError(f"each media may appear once; repeated: {duplicates[0]!r}")
        return value

    @field_validator("title_array")
    @classmethod
    def _titles(cls, value: list[str] | None) -> list[str] | None:
        return _check_items(value, max_items=MAX_ARRAY_ITEMS, max_chars=MAX_TITLE_CHARS)

    @field_validator("sticker_array", "sub_heading_array")
    @classmethod
    def _max_items(cls, value: list[Any] | None) -> list[Any] | None:
        if value is not None and len(value) > MAX_ARRAY_ITEMS:
            raise ValueError(f"at most {MAX_ARRAY_ITEMS} items allowed, got {len(value)}")
        return value

    @field_validator("background_music_array", "background_image_array")
    @classmethod
    def _references(cls, value: list[str] | None) -> list[str] | None:
        return _check_items(value, max_items=MAX_ARRAY_ITEMS)


# --------------------------------------------------------------------------------------------- input configs


class SmartMixInputConfig(_CommonInput):
    """InputConfig of Smart_Mix_Media_Select (smart mix; ICE calls it image-text matching)."""

    media_array: list[str] = Field(default_factory=list)
    media_search_input: dict[str, Any] | None = None
    speech_text_array: list[str] | None = None
    speech_text: str | None = Field(default=None, max_length=MAX_SCRIPT_CHARS)
    title: str | None = Field(default=None, max_length=MAX_TITLE_CHARS)
    background_music: str | None = None
    scene_info: dict[str, Any] | None = None

    @field_validator("media_array")
    @classmethod
    def _media_count(cls, value: list[str]) -> list[str]:
        if len(value) > MAX_ARRAY_ITEMS:
            raise ValueError(f"at most {MAX_ARRAY_ITEMS} media allowed, got {len(value)}")
        return value

    @field_validator("speech_text_array")
    @classmethod
    def _scripts(cls, value: list[str] | None) -> list[str] | None:
        return _check_items(value, max_items=MAX_ARRAY_ITEMS, max_chars=MAX_SCRIPT_CHARS)

    @model_validator(mode="after")
    def _has_material_and_script(self) -> SmartMixInputConfig:
        if not self.media_array and self.media_search_input is None:
            raise ValueError("MediaArray (at least one media) or MediaSearchInput is required")
        if not self.scripts() and self.scene_info is None:
            raise ValueError("a voiceover script is required: SpeechTextArray, SpeechText or SceneInfo")
        return self

    def scripts(self) -> list[str]:
        """The voiceover scripts in use: SpeechTextArray wins over the legacy single SpeechText."""
        if self.speech_text_array:
            return list(self.speech_text_array)
        if self.speech_text and self.speech_text.strip():
            return [self.speech_text]
        return []


class IntroConfig(PascalModel):
    mode: Literal["Auto", "Disabled"] = "Disabled"


class HighlightStrategy(PascalModel):
    target_duration: float | None = Field(default=None, ge=MIN_TARGET_DURATION_SECONDS)
    intro_config: IntroConfig | None = None
    plot_pacing_type: str | None = None


class HighlightsInputConfig(_CommonInput):
    """InputConfig of Screen_Media_Highlights_Media_Select (highlights; ICE calls it highlight mashup)."""

    highlight_strategy: HighlightStrategy | None = None
    opening_array: list[dict[str, Any] | str] | None = None
    ending_array: list[dict[str, Any] | str] | None = None

    @field_validator("media_array")
    @classmethod
    def _videos_only(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("at least one video is required")
        if len(value) > MAX_HIGHLIGHT_VIDEOS:
            raise ValueError(f"at most {MAX_HIGHLIGHT_VIDEOS} videos allowed, got {len(value)}")
        for entry in value:
            if media_kind(entry) == "image":
                raise ValueError(f"highlight material must be videos; {entry!r} is an image")
        return value

    @field_validator("opening_array", "ending_array")
    @classmethod
    def _bookends(cls, value: list[Any] | None) -> list[Any] | None:
        if value is not None and len(value) > MAX_OPENING_ENDING_ITEMS:
            raise ValueError(f"at most {MAX_OPENING_ENDING_ITEMS} items allowed, got {len(value)}")
        return value

    def target_duration(self) -> float | None:
        return self.highlight_strategy.target_duration if self.highlight_strategy else None

    def intro_auto(self) -> bool:
        strategy = self.highlight_strategy
        return bool(strategy and strategy.intro_config and strategy.intro_config.mode == "Auto")


InputConfig = SmartMixInputConfig | HighlightsInputConfig


# --------------------------------------------------------------------------------------------- output, user data


class OutputConfig(PascalModel):
    """OutputConfig. For a selection job Count is the number of outputs (distinct selections)."""

    media_url: str | None = Field(default=None, alias="MediaURL")
    count: int = Field(default=1, ge=1, le=MAX_OUTPUT_COUNT)
    max_duration: float | None = Field(default=None, gt=0)
    fixed_duration: float | None = Field(default=None, gt=0)
    width: int | None = Field(default=None, ge=128, le=4096)
    height: int | None = Field(default=None, ge=128, le=4096)
    generate_preview_only: bool | None = None

    @field_validator("media_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("MediaURL must be an http(s) OSS URL")
        return value

    @model_validator(mode="after")
    def _index_placeholder(self) -> OutputConfig:
        if self.count > 1 and self.media_url is not None and "{index}" not in self.media_url:
            raise ValueError("MediaURL must contain {index} when Count > 1 (each output needs its own URL)")
        if self.width and self.height and min(self.width, self.height) > 2160:
            raise ValueError("the short side of Width x Height may be at most 2160 px")
        return self


class UserData(PascalModel):
    """UserData: NotifyAddress plus any keys of ours; ICE echoes it back in the job and the callback."""

    notify_address: str | None = None

    @field_validator("notify_address")
    @classmethod
    def _address(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if value.startswith(("http://", "https://")) or value.startswith("ice-callback"):
            return value
        raise ValueError("NotifyAddress must be an http(s) URL or an MNS queue name starting with 'ice-callback'")

    @model_validator(mode="after")
    def _size(self) -> UserData:
        size = len(compact_json(self.to_wire()).encode("utf-8"))
        if size > MAX_USER_DATA_BYTES:
            raise ValueError(f"serialised UserData is {size} bytes, at most {MAX_USER_DATA_BYTES} allowed")
        return self


# --------------------------------------------------------------------------------------------- the request


def check_total_media_duration(total_seconds: float) -> None:
    """ICE caps all material of one job at 2 hours; call this wherever durations are known."""
    if total_seconds > MAX_TOTAL_MEDIA_SECONDS:
        raise JobConfigError(
            f"InputConfig.MediaArray: {total_seconds / 3600:.2f} h of material in total, at most 2 h allowed; "
            "split the media over several jobs"
        )


def to_wire_json(model: PascalModel) -> str:
    """Any request-side model as the compact JSON string ICE expects."""
    return compact_json(model.to_wire())


def _parse(section: str, model: type[PascalModel], value: str | bytes | dict[str, Any]) -> Any:
    try:
        return model.model_validate(load_json_object(section, value))
    except ValidationError as exc:
        raise JobConfigError(describe_validation_error(section, exc)) from None


class SelectionJobRequest(PascalModel):
    """Everything one SubmitSceneMediaSelectionJob call carries, checked as a whole."""

    job_type: JobType
    input_config: SmartMixInputConfig | HighlightsInputConfig
    output_config: OutputConfig
    editing_config: EditingConfig | None = None
    user_data: UserData | None = None

    @model_validator(mode="after")
    def _consistent(self) -> SelectionJobRequest:
        expected = SmartMixInputConfig if self.job_type is JobType.SMART_MIX else HighlightsInputConfig
        if not isinstance(self.input_config, expected):
            raise JobConfigError(f"InputConfig: a {expected.__name__} is required for JobType {self.job_type.value}")
        media_config = self.editing_config.media_config if self.editing_config else None
        known = set(self.input_config.media_array)
        for index, meta in enumerate(media_config.media_meta_data_array or [] if media_config else []):
            if meta.media not in known:
                raise JobConfigError(
                    f"EditingConfig.MediaConfig.MediaMetaDataArray[{index}].Media: {meta.media!r} is not in "
                    "InputConfig.MediaArray (it must name one of the job's media exactly)"
                )
        return self

    @classmethod
    def from_wire(
        cls,
        job_type: str,
        input_config: str | bytes | dict[str, Any],
        output_config: str | bytes | dict[str, Any],
        editing_config: str | bytes | dict[str, Any] | None = None,
        user_data: str | bytes | dict[str, Any] | None = None,
    ) -> SelectionJobRequest:
        """Validate raw API parameters (JSON strings or objects); any problem is a JobConfigError."""
        kind = JobType.parse(job_type)
        input_model: type[PascalModel] = SmartMixInputConfig if kind is JobType.SMART_MIX else HighlightsInputConfig
        return cls(
            job_type=kind,
            input_config=_parse("InputConfig", input_model, input_config),
            output_config=_parse("OutputConfig", OutputConfig, output_config),
            editing_config=None if editing_config is None else _parse("EditingConfig", EditingConfig, editing_config),
            user_data=None if user_data is None else _parse("UserData", UserData, user_data),
        )

    def wire_params(self) -> dict[str, str]:
        """The API parameters as ICE takes them: every config a compact JSON string."""
        params = {
            "JobType": self.job_type.value,
            "InputConfig": to_wire_json(self.input_config),
            "OutputConfig": to_wire_json(self.output_config),
        }
        if self.editing_config is not None:
            params["EditingConfig"] = to_wire_json(self.editing_config)
        if self.user_data is not None:
            params["UserData"] = to_wire_json(self.user_data)
        return params
