"""The native OSS trigger's event, as Function Compute hands it to a handler (bytes of JSON).

Shape (docs/fc-oss.md#oss-trigger-events): ``{"events": [{eventName, eventSource: "acs:oss", eventTime, region,
oss: {bucket: {name, arn, ...}, object: {key, size, eTag, deltaSize}}, responseElements: {requestId},
...}]}``. ``eventName`` has no ``oss:`` prefix in the payload (the trigger *config* uses the prefixed
form). The docs say one API call fires one invocation and every sample reads ``events[0]``; we parse
**every** record anyway, so a batched delivery is never half-processed.

Object keys — the one decision, made in :func:`decode_event_key`: we take ``oss.object.key`` **as
given**. No official document says OSS URL-encodes keys in trigger events (unlike S3, whose events
use form encoding), and every official FC sample passes the key to oss2 unchanged. This is
UNCONFIRMED; if a real event ever shows encoding, :func:`decode_event_key` is the only place to change.
For the doubtful case, :func:`percent_decoded_alternative` offers the spelling to try after a
``NoSuchKey`` on a key that contains ``%XX``.

Other triggers are refused with a message that says what they are: an EventBridge-based OSS trigger
delivers CloudEvents (``specversion``, ``data``), a different shape this function does not take.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any
from urllib.parse import unquote

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from scene_select.cloud.errors import EventError
from scene_select.cloud.models.trigger_event import load_event_object
from scene_select.cloud.models.wire import describe_validation_error

__all__ = [
    "UPLOAD_COMPLETE_EVENTS",
    "OssEventRecord",
    "decode_event_key",
    "parse_oss_event",
    "percent_decoded_alternative",
]

UPLOAD_COMPLETE_EVENTS = frozenset(
    {
        "ObjectCreated:PutObject",
        "ObjectCreated:PostObject",
        "ObjectCreated:CompleteMultipartUpload",
        "ObjectCreated:CopyObject",
    }
)
"""Event names (payload form) after which an object is whole and readable. InitiateMultipartUpload,
UploadPart and AppendObject are ObjectCreated too, but fire before the object is complete."""


def decode_event_key(raw: str) -> str:
    """The object key an OSS trigger event names — taken as-is (see the module docstring).

    Spaces, Chinese characters, ``+`` and ``%`` are all literal characters of the key.
    """
    return raw


def percent_decoded_alternative(key: str) -> str | None:
    """The key with ``%XX`` escapes decoded, if that differs — the one spelling worth a second try
    when OSS says ``NoSuchKey`` for a key taken from an event (in case keys do arrive encoded)."""
    try:
        decoded = unquote(key, errors="strict")
    except UnicodeDecodeError:  # escapes that are not UTF-8 cannot be what a key was encoded from
        return None
    return decoded if decoded != key else None


class OssEventRecord(BaseModel):
    """One record of an OSS trigger event, flattened to what the pipeline uses.

    ``size``/``etag`` are required for ObjectCreated events and may be ``None`` for ObjectRemoved
    ones. ``request_id`` is OSS's request id of the upload (``responseElements.requestId``): with
    key and eTag it identifies one upload for idempotency and tracing.
    """

    model_config = ConfigDict(frozen=True)

    event_name: str
    bucket: str
    key: str
    size: int | None
    etag: str | None
    region: str
    event_time: datetime
    request_id: str | None

    @property
    def is_object_created(self) -> bool:
        return self.event_name.startswith("ObjectCreated:")

    @property
    def completes_an_upload(self) -> bool:
        """True when the object is whole and readable after this event (see UPLOAD_COMPLETE_EVENTS)."""
        return self.event_name in UPLOAD_COMPLETE_EVENTS


# -- the wire shape (private) -------------------------------------------------------------------------


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _Bucket(_Wire):
    name: str = Field(min_length=1)


class _Object(_Wire):
    key: str = Field(min_length=1)
    size: int | None = Field(default=None, ge=0)
    eTag: str | None = None  # noqa: N815 - the wire name

    @field_validator("eTag")
    @classmethod
    def _unquote(cls, value: str | None) -> str | None:
        return value.strip('"') if value is not None else None


class _Oss(_Wire):
    bucket: _Bucket
    object: _Object


class _ResponseElements(_Wire):
    requestId: str | None = None  # noqa: N815 - the wire name


class _Record(_Wire):
    eventName: str = Field(min_length=1)  # noqa: N815 - the wire name
    eventSource: str  # noqa: N815 - the wire name
    eventTime: datetime  # noqa: N815 - the wire name
    region: str = Field(min_length=1)
    oss: _Oss
    responseElements: _ResponseElements | None = None  # noqa: N815 - the wire name

    @field_validator("eventSource")
    @classmethod
    def _from_oss(cls, value: str) -> str:
        if value != "acs:oss":
            raise ValueError(f"eventSource must be 'acs:oss' for an OSS trigger, not {value!r}")
        return value

    @field_validator("eventName")
    @classmethod
    def _payload_form(cls, value: str) -> str:
        if value.startswith("oss:"):
            raise ValueError("eventName carries no 'oss:' prefix in a delivered event (that form is the trigger's)")
        return value

    @model_validator(mode="after")
    def _created_objects_have_size_and_etag(self) -> _Record:
        if self.eventName.startswith("ObjectCreated:"):
            missing = [name for name in ("size", "eTag") if getattr(self.oss.object, name) is None]
            if missing:
                raise ValueError(f"an {self.eventName} record needs oss.object.{' and oss.object.'.join(missing)}")
        return self


class _Envelope(_Wire):
    events: list[_Record] = Field(min_length=1)


# -- parsing ------------------------------------------------------------------------------------------


def parse_oss_event(event: bytes | str | dict[str, Any]) -> list[OssEventRecord]:
    """Every record of an OSS trigger event; :class:`EventError` naming what is wrong otherwise."""
    payload = load_event_object(event, "OSS event")
    if "events" not in payload:
        if "specversion" in payload:
            raise EventError(
                "this is a CloudEvents payload (an EventBridge-based OSS trigger), not a native OSS trigger "
                "event; configure a native OSS trigger (triggerType: oss) for this function"
            )
        raise EventError(f"OSS event has no 'events' list (top-level keys: {sorted(payload)[:10]})")
    try:
        envelope = _Envelope.model_validate(payload)
    except ValidationError as exc:
        raise EventError(f"malformed OSS event: {describe_validation_error('event', exc)}") from exc
    return [_record(wire) for wire in envelope.events]


def _record(wire: _Record) -> OssEventRecord:
    event_time = wire.eventTime if wire.eventTime.tzinfo else wire.eventTime.replace(tzinfo=timezone.utc)
    return OssEventRecord(
        event_name=wire.eventName,
        bucket=wire.oss.bucket.name,
        key=decode_event_key(wire.oss.object.key),
        size=wire.oss.object.size,
        etag=wire.oss.object.eTag,
        region=wire.region,
        event_time=event_time,
        request_id=wire.responseElements.requestId if wire.responseElements else None,
    )
