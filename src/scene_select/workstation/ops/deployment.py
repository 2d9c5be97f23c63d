"""The deployment a command talks to: the real bucket and ICE, or a running local stack.

The same settings the functions read (``Settings.from_env``) from this machine's environment — or from a
local stack's ``stack.json`` laid over it (``--stack DIR``, as ``scene-select invoke`` takes it). The
credentials are this machine's (``ALIBABA_CLOUD_ACCESS_KEY_ID`` / ``_SECRET`` / ``_SECURITY_TOKEN``),
not the function role's. Outside Function Compute the bucket's internal endpoint does not answer, so
without ``SCENE_SELECT_OSS_ENDPOINT`` the public one of the region is used.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from scene_select.cloud import config
from scene_select.cloud.config import Settings
from scene_select.cloud.credentials import CredentialsProvider, env_credentials
from scene_select.cloud.errors import ConfigError
from scene_select.cloud.ice.client import IceClient
from scene_select.cloud.pipeline.layout import BucketLayout
from scene_select.cloud.pipeline.ports import PipelineDeps
from scene_select.cloud.storage.base import ObjectStore

__all__ = ["Deployment", "open_deployment", "public_oss_endpoint", "stack_environment", "workstation_environment"]


def stack_environment(state_dir: Path) -> dict[str, str]:
    """The environment a running ``scene-select local up`` gives its handlers, from its stack.json."""
    path = state_dir / "stack.json"
    try:
        stack = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"no running local stack in {state_dir}: {path} does not exist (start one with: scene-select local up "
            f"--state-dir {state_dir})"
        ) from None
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read {path} ({exc}); is it a local stack's state directory?") from None
    try:
        return {
            config.ENV_FC_REGION: stack["region"],
            config.ENV_BUCKET: stack["bucket"],
            config.ENV_ICE_ENDPOINT: stack["iceEndpoint"],
            config.ENV_LOCAL_BUCKET_DIR: stack["bucketDir"],
            config.ENV_CALLBACK_URL: stack["callbackUrl"],
            config.ENV_CALLBACK_AUTH_KEY: stack["authKey"],
            config.ENV_ACCESS_KEY_ID: stack["accessKeyId"],
            config.ENV_ACCESS_KEY_SECRET: stack["accessKeySecret"],
            **({config.ENV_SECURITY_TOKEN: stack["securityToken"]} if stack.get("securityToken") else {}),
        }
    except (KeyError, TypeError) as exc:
        raise ConfigError(f"{path} lacks {exc}; it was not written by scene-select local up") from None


def public_oss_endpoint(region: str) -> str:
    return f"https://oss-{region}.aliyuncs.com"


def workstation_environment(environ: Mapping[str, str], stack_dir: Path | None = None) -> dict[str, str]:
    """``environ`` with a stack's settings laid over it, and the public OSS endpoint when none is set."""
    merged = dict(environ)
    if stack_dir is not None:
        merged.update(stack_environment(stack_dir))
    region = merged.get(config.ENV_FC_REGION) or merged.get("ALIBABA_CLOUD_REGION")
    if region and not merged.get(config.ENV_OSS_ENDPOINT):
        merged[config.ENV_OSS_ENDPOINT] = public_oss_endpoint(region)
    return merged


@dataclass
class Deployment:
    """Settings, credentials and adapters of one deployment, seen from this machine."""

    environ: dict[str, str]
    settings: Settings
    credentials: CredentialsProvider
    store: ObjectStore
    layout: BucketLayout
    local_dir: Path | None
    _ice: IceClient | None = None

    @property
    def ice(self) -> IceClient:
        if self._ice is None:
            self._ice = IceClient(
                region=self.settings.region, endpoint=self.settings.ice_endpoint, credentials=self.credentials
            )
        return self._ice

    def deps(self) -> PipelineDeps:
        return PipelineDeps(self.store, self.ice, self.layout, time.time)

    def describe(self) -> str:
        if self.local_dir is not None:
            return f"local bucket {self.local_dir} ({self.settings.bucket})"
        return f"bucket {self.settings.bucket} ({self.settings.oss_endpoint})"

    def close(self) -> None:
        if self._ice is not None:
            self._ice.close()


def open_deployment(environ: Mapping[str, str], stack_dir: Path | None = None) -> Deployment:
    """The deployment of ``environ`` (or of the stack in ``stack_dir``); ConfigError names what is missing."""
    merged = workstation_environment(environ, stack_dir)
    settings = Settings.from_env(merged)
    credentials = env_credentials(merged)
    local = merged.get(config.ENV_LOCAL_BUCKET_DIR)
    store: ObjectStore
    if local:
        from scene_select.cloud.storage.local import LocalDirectoryStore

        local_dir = Path(local)
        if not local_dir.is_dir():
            raise ConfigError(f"the local bucket {local_dir} is not a directory; is the stack's state directory right?")
        store = LocalDirectoryStore(local_dir, bucket=settings.bucket, region=settings.region)
        return Deployment(merged, settings, credentials, store, BucketLayout.from_settings(settings), local_dir)
    from scene_select.cloud.storage.oss import OssStore

    credentials()  # missing keys are said now, not at the first request
    store = OssStore.from_credentials(
        credentials, bucket_name=settings.bucket, endpoint=settings.oss_endpoint, region=settings.region
    )
    return Deployment(merged, settings, credentials, store, BucketLayout.from_settings(settings), None)
