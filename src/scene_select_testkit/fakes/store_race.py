"""A worker for the cross-process ``put_if_absent`` race: several processes claim the same keys at once, on
the bucket directory or on the fake OSS, and exactly one may win each (the worker lives in an importable
module because spawned processes import their target by name)."""

from __future__ import annotations

from typing import Any

from scene_select.cloud.credentials import Credentials, static_credentials
from scene_select.cloud.storage.base import ObjectStore
from scene_select.cloud.storage.local import LocalDirectoryStore
from scene_select.cloud.storage.oss import OssStore
from scene_select_testkit.waiting import scaled_timeout


def build_store(spec: dict[str, Any]) -> ObjectStore:
    if spec["kind"] == "local":
        return LocalDirectoryStore(spec["root"], bucket=spec["bucket"], region=spec["region"])
    return OssStore.from_credentials(
        static_credentials(Credentials(*spec["credentials"])),
        bucket_name=spec["bucket"],
        endpoint=spec["endpoint"],
        region=spec["region"],
    )


def race(spec: dict[str, Any], keys: list[str], owner: int, barrier: Any, results: Any) -> None:
    """Wait for every racer, then try to claim each key; report (key, owner, won)."""
    store = build_store(spec)
    for key in keys:
        barrier.wait(timeout=scaled_timeout())
        won = store.put_if_absent(key, f"owner-{owner}".encode())
        results.put((key, owner, won))
