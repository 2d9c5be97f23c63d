"""Settings for the functions, the CLI and the local stack, read from a mapping (the environment).

Every environment variable name scene-select reads lives in this module. ``Settings.from_env`` takes
the mapping as an argument, so tests pass a dict and nothing reads ``os.environ`` at import time;
handlers call it once per warm instance, and a bad value becomes a ``ConfigError`` that says which
variable to fix, not a crash at import.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from scene_select.cloud.errors import ConfigError
from scene_select.cloud.models.steps import Produce
from scene_select.cloud.models.wire import decode_json_object

__all__ = [
    "ENV_ACCESS_KEY_ID",
    "ENV_ACCESS_KEY_SECRET",
    "ENV_INVOCATION_LOG",
    "ENV_LOCAL_BUCKET_DIR",
    "ENV_LOCAL_THUMBNAILS",
    "ENV_SECURITY_TOKEN",
    "Settings",
    "default_ice_endpoint",
    "resolve_region",
    "validate_region",
]

ENV_ACCESS_KEY_ID = "ALIBABA_CLOUD_ACCESS_KEY_ID"
ENV_ACCESS_KEY_SECRET = "ALIBABA_CLOUD_ACCESS_KEY_SECRET"
ENV_SECURITY_TOKEN = "ALIBABA_CLOUD_SECURITY_TOKEN"
ENV_FC_REGION = "FC_REGION"
ENV_REGION = "ALIBABA_CLOUD_REGION"

ENV_ICE_ENDPOINT = "SCENE_SELECT_ICE_ENDPOINT"
ENV_BUCKET = "SCENE_SELECT_BUCKET"
ENV_OSS_ENDPOINT = "SCENE_SELECT_OSS_ENDPOINT"
ENV_INBOX_PREFIX = "SCENE_SELECT_INBOX_PREFIX"
ENV_RESULTS_PREFIX = "SCENE_SELECT_RESULTS_PREFIX"
ENV_CALLBACK_URL = "SCENE_SELECT_CALLBACK_URL"
ENV_CALLBACK_AUTH_KEY = "SCENE_SELECT_CALLBACK_AUTH_KEY"
ENV_CALLBACK_AUTH_KEY_PREVIOUS = "SCENE_SELECT_CALLBACK_AUTH_KEY_PREVIOUS"
ENV_CALLBACK_WINDOW = "SCENE_SELECT_CALLBACK_WINDOW_SECONDS"
ENV_OUTPUT_MEDIA_URL = "SCENE_SELECT_OUTPUT_MEDIA_URL"
ENV_DEFAULT_EDITING_CONFIG = "SCENE_SELECT_DEFAULT_EDITING_CONFIG"
ENV_DEFAULT_OUTPUT_CONFIG = "SCENE_SELECT_DEFAULT_OUTPUT_CONFIG"
ENV_CLAIM_TTL = "SCENE_SELECT_CLAIM_TTL_SECONDS"
ENV_SUBMIT_UNKNOWN_GRACE = "SCENE_SELECT_SUBMIT_UNKNOWN_GRACE_SECONDS"
ENV_ICE_READ_TIMEOUT = "SCENE_SELECT_ICE_READ_TIMEOUT_SECONDS"
ENV_RECONCILE_MAX_RUNS = "SCENE_SELECT_RECONCILE_MAX_RUNS"
ENV_RECONCILE_MAX_RUNS_DEPRECATED = "SCENE_SELECT_RECONCILE_MAX_JOBS"
"""The old name of ENV_RECONCILE_MAX_RUNS (it always counted runs); still read, with a warning."""
ENV_MAX_MANIFEST_BYTES = "SCENE_SELECT_MAX_MANIFEST_BYTES"
ENV_PRODUCE = "SCENE_SELECT_PRODUCE"
"""What a batch produces when its manifest does not say: ``selection`` (default), ``video`` or ``review``."""
ENV_LOCAL_BUCKET_DIR = "SCENE_SELECT_LOCAL_BUCKET_DIR"
"""Set only by the embedded local stack: the bucket is this directory instead of OSS."""
ENV_LOCAL_THUMBNAILS = "SCENE_SELECT_LOCAL_THUMBNAILS"
ENV_INVOCATION_LOG = "SCENE_SELECT_INVOCATION_LOG"
"""Local stack only: append each invocation's JSON line (fc/invocation_log.py) to this file, not stdout."""
"""Local stack only: ``0`` leaves the report without embedded previews (the callback then answers sooner)."""

log = logging.getLogger(__name__)

_REGION = re.compile(r"^[a-z]{2}(-[a-z0-9]+){1,3}$")
_ENV_BY_FIELD = {
    "region": f"{ENV_FC_REGION} or {ENV_REGION}",
    "ice_endpoint": ENV_ICE_ENDPOINT,
    "bucket": ENV_BUCKET,
    "oss_endpoint": ENV_OSS_ENDPOINT,
    "inbox_prefix": ENV_INBOX_PREFIX,
    "results_prefix": ENV_RESULTS_PREFIX,
    "callback_url": ENV_CALLBACK_URL,
    "callback_auth_keys": ENV_CALLBACK_AUTH_KEY,
    "callback_window_seconds": ENV_CALLBACK_WINDOW,
    "output_media_url": ENV_OUTPUT_MEDIA_URL,
    "default_editing_config": ENV_DEFAULT_EDITING_CONFIG,
    "default_output_config": ENV_DEFAULT_OUTPUT_CONFIG,
    "claim_ttl_seconds": ENV_CLAIM_TTL,
    "submit_unknown_grace_seconds": ENV_SUBMIT_UNKNOWN_GRACE,
    "ice_read_timeout_seconds": ENV_ICE_READ_TIMEOUT,
    "reconcile_max_runs": ENV_RECONCILE_MAX_RUNS,
    "max_manifest_bytes": ENV_MAX_MANIFEST_BYTES,
    "produce": ENV_PRODUCE,
}


def validate_region(region: str) -> str:
    """A region id such as cn-shanghai; anything else is a ConfigError saying what a region looks like."""
    if not _REGION.match(region):
        raise ConfigError(
            f"region {region!r} is not an Alibaba Cloud region id; use one like cn-shanghai, cn-beijing, "
            "cn-hangzhou, cn-shenzhen, ap-southeast-1 or us-west-1"
        )
    return region


def resolve_region(explicit: str | None, environ: Mapping[str, str]) -> str:
    """``--region``, then FC_REGION, then ALIBABA_CLOUD_REGION (docs/cli.md#the-ice-commands)."""
    region = explicit or environ.get(ENV_FC_REGION) or environ.get(ENV_REGION)
    if not region:
        raise ConfigError(f"no region: pass --region or set {ENV_FC_REGION} or {ENV_REGION} (e.g. cn-shanghai)")
    return validate_region(region)


def default_ice_endpoint(region: str) -> str:
    """ICE's public endpoint for a region (docs/ice-api.md#endpoints-and-regions)."""
    return f"https://ice.{region}.aliyuncs.com"


def _prefix(value: str) -> str:
    value = value.strip().lstrip("/")
    if not value:
        raise ValueError("must not be empty (an empty prefix makes the trigger fire on its own results)")
    return value if value.endswith("/") else value + "/"


class Settings(BaseModel):
    """What the pipeline needs to know about its deployment. Secrets are excluded from repr."""

    model_config = ConfigDict(frozen=True)

    region: str
    bucket: str
    ice_endpoint: str
    oss_endpoint: str
    inbox_prefix: str = "inbox/"
    results_prefix: str = "results/"
    callback_url: str | None = None
    callback_auth_keys: tuple[str, ...] = Field(default=(), repr=False)
    callback_window_seconds: int = Field(default=300, ge=10, le=3600)
    output_media_url: str | None = None
    default_editing_config: dict[str, Any] | None = None
    default_output_config: dict[str, Any] | None = None
    claim_ttl_seconds: int = Field(default=900, ge=30)
    submit_unknown_grace_seconds: int = Field(default=120, ge=0, le=86400)
    """After a submit whose outcome is unknown, how long ICE has to list the job before the run is
    submitted again. Finding (adopting) a listed job needs no grace; only resubmission waits, because a
    job ICE created but does not list yet would otherwise be created twice."""
    ice_read_timeout_seconds: float = Field(default=15.0, gt=0, le=120)
    """How long a call to ICE waits for an answer. A submit that times out is "outcome unknown"."""
    reconcile_max_runs: int = Field(default=50, ge=1, le=1000)
    max_manifest_bytes: int = Field(default=256 * 1024, ge=1024)
    produce: Produce = Produce.SELECTION

    @field_validator("region")
    @classmethod
    def _region(cls, value: str) -> str:
        try:
            return validate_region(value)
        except ConfigError as exc:
            raise ValueError(str(exc)) from None

    @field_validator("inbox_prefix", "results_prefix")
    @classmethod
    def _prefixes(cls, value: str) -> str:
        return _prefix(value)

    @field_validator("ice_endpoint", "oss_endpoint")
    @classmethod
    def _endpoint(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("callback_auth_keys")
    @classmethod
    def _auth_keys(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for key in value:
            shaped = any(c.isupper() for c in key) and any(c.islower() for c in key) and any(c.isdigit() for c in key)
            if len(key) > 32 or not shaped:
                raise ValueError(
                    "an ICE callback AuthKey has at most 32 characters and contains upper-case letters, lower-case "
                    "letters and digits (copy it exactly from the ICE console's callback authentication setting)"
                )
        return value

    @model_validator(mode="after")
    def _prefixes_apart(self) -> Settings:
        if self.inbox_prefix.startswith(self.results_prefix) or self.results_prefix.startswith(self.inbox_prefix):
            raise ValueError(
                f"inbox prefix {self.inbox_prefix!r} and results prefix {self.results_prefix!r} overlap: results "
                "written under the inbox would start new jobs"
            )
        return self

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str], *, bucket: str | None = None, runtime_region: str | None = None
    ) -> Settings:
        """Read settings from environment variables; a wrong or missing one is a ConfigError naming it.

        The region is FC_REGION, then ``runtime_region`` (the region the FC context reports, for a
        runtime that does not set FC_REGION), then ALIBABA_CLOUD_REGION.
        """
        region_value = environ.get(ENV_FC_REGION) or runtime_region or environ.get(ENV_REGION)
        if not region_value:
            raise ConfigError(f"no region: set {ENV_FC_REGION} or {ENV_REGION} (e.g. cn-shanghai)")
        bucket_value = bucket or environ.get(ENV_BUCKET)
        if not bucket_value:
            raise ConfigError(f"no bucket: set {ENV_BUCKET} to the OSS bucket the trigger watches")
        keys = tuple(k for k in (environ.get(ENV_CALLBACK_AUTH_KEY), environ.get(ENV_CALLBACK_AUTH_KEY_PREVIOUS)) if k)
        raw: dict[str, Any] = {
            "region": region_value,
            "bucket": bucket_value,
            "ice_endpoint": environ.get(ENV_ICE_ENDPOINT) or default_ice_endpoint(region_value),
            "oss_endpoint": environ.get(ENV_OSS_ENDPOINT) or f"https://oss-{region_value}-internal.aliyuncs.com",
            "callback_url": environ.get(ENV_CALLBACK_URL) or None,
            "callback_auth_keys": keys,
            "output_media_url": environ.get(ENV_OUTPUT_MEDIA_URL) or None,
            "default_editing_config": _json_env(environ, ENV_DEFAULT_EDITING_CONFIG),
            "default_output_config": _json_env(environ, ENV_DEFAULT_OUTPUT_CONFIG),
        }
        if environ.get(ENV_RECONCILE_MAX_RUNS_DEPRECATED) and not environ.get(ENV_RECONCILE_MAX_RUNS):
            log.warning(
                "%s is deprecated: it counts runs, so it is now called %s; set that instead",
                ENV_RECONCILE_MAX_RUNS_DEPRECATED,
                ENV_RECONCILE_MAX_RUNS,
            )
            raw["reconcile_max_runs"] = environ[ENV_RECONCILE_MAX_RUNS_DEPRECATED]
        for field, name in (
            ("inbox_prefix", ENV_INBOX_PREFIX),
            ("results_prefix", ENV_RESULTS_PREFIX),
            ("callback_window_seconds", ENV_CALLBACK_WINDOW),
            ("claim_ttl_seconds", ENV_CLAIM_TTL),
            ("submit_unknown_grace_seconds", ENV_SUBMIT_UNKNOWN_GRACE),
            ("ice_read_timeout_seconds", ENV_ICE_READ_TIMEOUT),
            ("reconcile_max_runs", ENV_RECONCILE_MAX_RUNS),
            ("max_manifest_bytes", ENV_MAX_MANIFEST_BYTES),
            ("produce", ENV_PRODUCE),
        ):
            if environ.get(name):
                raw[field] = environ[name]
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            problems = []
            for error in exc.errors(include_url=False):
                field = str(error["loc"][0]) if error["loc"] else ""
                name = _ENV_BY_FIELD.get(field, field or "settings")
                problems.append(f"{name}: {error['msg'].removeprefix('Value error, ')}")
            raise ConfigError("invalid settings: " + "; ".join(problems)) from None


def _json_env(environ: Mapping[str, str], name: str) -> dict[str, Any] | None:
    text = environ.get(name)
    if not text:
        return None
    return decode_json_object(text, name, ConfigError)
