"""OSS-trigger event bytes, shaped exactly like the native OSS trigger's (docs/fc-oss.md#oss-trigger-events).

The submit function must not be able to tell the local stack from the cloud, so the local bucket watcher
hands it the same JSON the FC runtime would: one record under ``events``, the key as-is (no URL encoding),
the upper-case hex ETag, sizes in bytes, the OSS request id of the "upload".
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timezone
from pathlib import Path

from scene_select.cloud.models.wire import compact_json

__all__ = ["DEFAULT_ACCOUNT_ID", "file_md5_etag", "oss_put_event", "oss_request_id", "trigger_rule_id"]

DEFAULT_ACCOUNT_ID = "1234567890123456"
_CHUNK = 1024 * 1024


def oss_request_id() -> str:
    """An OSS-style request id: 24 upper-case hex characters."""
    return secrets.token_hex(12).upper()


def trigger_rule_id(bucket: str, prefix: str) -> str:
    """A stable rule id for one (bucket, prefix) trigger, 40 hex characters like OSS's."""
    return hashlib.sha1(f"{bucket}\n{prefix}".encode(), usedforsecurity=False).hexdigest()


def file_md5_etag(path: Path) -> str:
    """OSS's ETag of a simple upload: the upper-case hex MD5 of the content (read in chunks)."""
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest().upper()


def _event_time(moment: datetime) -> str:
    """OSS event time: UTC with milliseconds, ``2022-08-13T06:45:43.000Z``."""
    utc = moment.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def oss_put_event(
    *,
    bucket: str,
    region: str,
    key: str,
    size: int,
    etag: str,
    event_time: datetime,
    delta_size: int | None = None,
    account_id: str = DEFAULT_ACCOUNT_ID,
    request_id: str | None = None,
    rule_id: str | None = None,
    source_ip: str = "127.0.0.1",
) -> bytes:
    """One ``ObjectCreated:PutObject`` record as the UTF-8 JSON bytes FC hands a Python handler."""
    record = {
        "eventName": "ObjectCreated:PutObject",
        "eventSource": "acs:oss",
        "eventTime": _event_time(event_time),
        "eventVersion": "1.0",
        "oss": {
            "bucket": {"arn": f"acs:oss:{region}:{account_id}:{bucket}", "name": bucket, "ownerIdentity": account_id},
            "object": {
                "deltaSize": size if delta_size is None else delta_size,
                "eTag": etag,
                "key": key,
                "size": size,
            },
            "ossSchemaVersion": "1.0",
            "ruleId": rule_id or trigger_rule_id(bucket, ""),
        },
        "region": region,
        "requestParameters": {"sourceIPAddress": source_ip},
        "responseElements": {"requestId": request_id or oss_request_id()},
        "userIdentity": {"principalId": account_id},
    }
    return compact_json({"events": [record]}).encode("utf-8")
