"""What kind of media a reference names, from ICE's documented input formats (docs/ice-api.md).

The job models need it to refuse images in highlight jobs; the pipeline needs it to tell media
from stray files in a batch folder. A 32-hex ICE media id says nothing about its kind.
"""

from __future__ import annotations

import re
from typing import Literal
from urllib.parse import unquote, urlsplit

__all__ = [
    "IMAGE_EXTENSIONS",
    "MEDIA_ID_PATTERN",
    "VIDEO_EXTENSIONS",
    "MediaKind",
    "is_media_id",
    "media_kind",
]

VIDEO_EXTENSIONS = frozenset(
    {"mkv", "webm", "mp4", "mpeg", "mpg", "avi", "asf", "mov", "wmv", "3gp", "rm", "rmvb", "flv", "f4v", "m4v", "ts"}
)
IMAGE_EXTENSIONS = frozenset({"bmp", "tiff", "tif", "gif", "png", "jpeg", "jpg", "webp"})
MEDIA_ID_PATTERN = re.compile(r"^[0-9a-f]{32}$")

MediaKind = Literal["video", "image", "media-id", "unknown"]


def is_media_id(reference: str) -> bool:
    """True for an ICE media asset id (32 lowercase hex characters)."""
    return bool(MEDIA_ID_PATTERN.match(reference))


def _extension(reference: str) -> str:
    path = urlsplit(reference).path if "://" in reference else reference
    name = unquote(path).rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def media_kind(reference: str) -> MediaKind:
    """Classify a MediaArray entry (URL, path or media id) by its file extension."""
    if is_media_id(reference):
        return "media-id"
    extension = _extension(reference)
    if extension in VIDEO_EXTENSIONS:
        return "video"
    if extension in IMAGE_EXTENSIONS:
        return "image"
    return "unknown"
