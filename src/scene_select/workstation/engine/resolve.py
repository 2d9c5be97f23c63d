"""Turn a MediaArray entry into a local file, plus the sidecars that describe it.

The local engine reads files, but jobs name media the way ICE does: OSS URLs
(``https://<bucket>.oss-<region>.aliyuncs.com/<key>``, ``oss://<bucket>/<key>``), or local paths and
``file://`` URLs when run by hand. OSS buckets map to local directories (the local stack's bucket
directory, or ``--bucket-dir BUCKET=DIR``). Sidecars next to a media file add what a clip is about:
``<stem>.srt`` subtitles, and ``job.json`` with ``{"MediaTags": {"<file name>": ["tag", ...]}}``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from scene_select.cloud.errors import MediaError
from scene_select.cloud.models.media import is_media_id

_OSS_HOST = re.compile(r"^(?P<bucket>[a-z0-9][a-z0-9-]{1,61}[a-z0-9])\.oss-[a-z0-9-]+\.aliyuncs\.com$")


@dataclass(frozen=True)
class MediaSource:
    """A resolved media entry: the entry as given, its local file, and what the sidecars say about it."""

    entry: str
    path: Path
    tags: tuple[str, ...] = ()
    subtitles_path: Path | None = None
    folder_words: tuple[str, ...] = field(default=())


class MediaResolver:
    """Maps MediaArray entries to local files (see the module docstring for the accepted forms)."""

    def __init__(self, *, bucket_dirs: Mapping[str, Path] | None = None, base_dir: Path | None = None) -> None:
        self.bucket_dirs = {name: Path(path) for name, path in (bucket_dirs or {}).items()}
        self.base_dir = base_dir

    def resolve(self, entry: str) -> MediaSource:
        """Resolve ``entry``; raise :class:`MediaError` naming the entry and what to do when it cannot be."""
        path = self._locate(entry)
        if not path.exists():
            raise MediaError(f"{entry}: no such file ({path})")
        if not path.is_file():
            raise MediaError(f"{entry}: {path} is not a regular file")
        subtitles = path.with_suffix(".srt")
        return MediaSource(
            entry=entry,
            path=path,
            tags=tuple(_tags_for(path)),
            subtitles_path=subtitles if subtitles.is_file() and subtitles != path else None,
            folder_words=(path.parent.name,) if path.parent.name else (),
        )

    def locate(self, entry: str) -> Path:
        """Where ``entry`` lives locally, whether or not the file exists (a render's output path, say);
        :class:`MediaError` when it cannot be mapped to this machine at all."""
        return self._locate(entry)

    def _locate(self, entry: str) -> Path:
        if is_media_id(entry):
            raise MediaError(
                f"{entry}: an ICE media asset id cannot be read by the local engine; pass the file's OSS URL "
                "or path instead"
            )
        parts = urlsplit(entry)
        scheme = parts.scheme.lower()
        if scheme == "file":
            return Path(unquote(parts.path))
        if scheme == "oss":
            return self._in_bucket(entry, parts.netloc, parts.path)
        if scheme in ("http", "https"):
            match = _OSS_HOST.match(parts.hostname or "")
            if match is None:
                raise MediaError(
                    f"{entry}: only OSS URLs (https://<bucket>.oss-<region>.aliyuncs.com/<key>) can be mapped to "
                    "local files; the local engine does not download from other hosts"
                )
            bucket = match.group("bucket")
            if bucket.endswith("-internal"):
                bucket = bucket[: -len("-internal")]
            return self._in_bucket(entry, bucket, parts.path)
        if len(scheme) > 1:  # "c:" on Windows is a drive, not a scheme
            raise MediaError(f"{entry}: unsupported URL scheme {scheme!r}; use a path, file://, oss:// or an OSS URL")
        path = Path(entry)
        if not path.is_absolute() and self.base_dir is not None:
            path = self.base_dir / path
        return path

    def _in_bucket(self, entry: str, bucket: str, raw_key: str) -> Path:
        root = self.bucket_dirs.get(bucket)
        if root is None:
            known = ", ".join(sorted(self.bucket_dirs)) or "none"
            raise MediaError(
                f"{entry}: bucket {bucket!r} is not mapped to a local directory (mapped: {known}); "
                f"pass --bucket-dir {bucket}=DIR"
            )
        key = unquote(raw_key).lstrip("/")
        if not key or any(part in ("", ".", "..") for part in key.split("/")) or "\\" in key:
            raise MediaError(f"{entry}: object key {key!r} is not a plain relative key")
        candidate = (root / key).resolve()
        if not candidate.is_relative_to(root.resolve()):
            raise MediaError(f"{entry}: object key escapes the bucket directory")
        return candidate


def _tags_for(path: Path) -> list[str]:
    """Tags for ``path`` from ``job.json`` in its folder (``MediaTags`` keyed by file name); [] if none."""
    manifest = path.parent / "job.json"
    if not manifest.is_file():
        return []
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    tags = data.get("MediaTags") if isinstance(data, dict) else None
    values = tags.get(path.name) if isinstance(tags, dict) else None
    if isinstance(values, str):
        return [values]
    if isinstance(values, list):
        return [str(v) for v in values if isinstance(v, (str, int, float))]
    return []


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    text: str


_SRT_TIME = re.compile(r"(\d+):(\d{2}):(\d{2})[,.](\d{1,3})\s*-->\s*(\d+):(\d{2}):(\d{2})[,.](\d{1,3})")


def read_srt(path: Path) -> list[Cue]:
    """Parse a SubRip file leniently (BOM, CRLF, missing indices, tags); unreadable → []."""
    try:
        raw = path.read_bytes()
    except OSError:
        return []
    text = raw.decode("utf-8-sig", errors="replace").replace("\r\n", "\n").replace("\r", "\n")
    cues: list[Cue] = []
    for block in re.split(r"\n\s*\n", text):
        lines = [line.strip() for line in block.strip().split("\n") if line.strip()]
        for index, line in enumerate(lines):
            match = _SRT_TIME.search(line)
            if match:
                g = [int(x) for x in match.groups()]
                start = g[0] * 3600 + g[1] * 60 + g[2] + g[3] / (10 ** len(match.group(4)))
                end = g[4] * 3600 + g[5] * 60 + g[6] + g[7] / (10 ** len(match.group(8)))
                words = re.sub(r"<[^>]+>|\{[^}]+\}", "", " ".join(lines[index + 1 :])).strip()
                if words and end > start:
                    cues.append(Cue(start, end, words))
                break
    return cues
