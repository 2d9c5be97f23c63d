"""Report thumbnails in the local stack: a frame of each clip, embedded in report.html as a data URI.

In the cloud the report points at OSS video snapshots; locally there is no image service, so the
callback handler extracts one small JPEG per clip with PyAV and embeds it, which keeps the report a
single file that opens anywhere. The work is bounded by a time budget so the callback still answers
well inside ICE's 3-second window; clips past the budget simply show "no preview".

Only keyframes are decoded: the first one inside the clip or, when the clip has none, the last one
before it — encoders put a keyframe on every shot change (x264's scenecut), so that is the picture the
clip opens on. Decoding forward to an exact instant would decode every frame from the keyframe on, up
to a whole GOP at full size: measured 150–450 ms per preview of a 720p clip, against ~20 ms this way
(bench/callback_latency.py).
"""

from __future__ import annotations

import base64
import io
import logging
import time
from pathlib import Path
from typing import Any

from scene_select.models.media import media_kind
from scene_select.pipeline.layout import BucketLayout
from scene_select.pipeline.thumbnails import THUMB_WIDTH, clip_span
from scene_select.storage.local import LocalDirectoryStore

__all__ = ["LocalThumbnails"]

log = logging.getLogger(__name__)

DEFAULT_BUDGET_SECONDS = 1.2


class LocalThumbnails:
    """Thumbnail lookup over a LocalDirectoryStore; one instance per warm handler."""

    def __init__(
        self, store: LocalDirectoryStore, layout: BucketLayout, *, budget_seconds: float = DEFAULT_BUDGET_SECONDS
    ) -> None:
        self.store = store
        self.layout = layout
        self.budget_seconds = budget_seconds
        self._cache: dict[tuple[str, int, int], str | None] = {}
        self._window_start = 0.0
        self._spent = 0.0

    def lookup(self, clip: dict[str, Any]) -> str | None:
        span = clip_span(clip)
        if span is None:
            return None
        key, start, end = span
        cache_key = (key, round(start * 10), round(end * 10))
        if cache_key in self._cache:
            return self._cache[cache_key]
        now = time.monotonic()
        if now - self._window_start > 10:  # a new report: a fresh budget
            self._window_start, self._spent = now, 0.0
        if self._spent >= self.budget_seconds:
            return None
        try:
            uri = _data_uri(self.store.path_for(key), start, end)
        except Exception as exc:  # a preview is a nicety: never fail a callback for it
            log.info("no thumbnail for %s at %.2f–%.2fs: %s", key, start, end, exc)
            uri = None
        self._spent += time.monotonic() - now
        self._cache[cache_key] = uri
        return uri


def _data_uri(path: Path, start: float, end: float) -> str | None:
    from PIL import Image

    if media_kind(path.name) == "image":
        with Image.open(path) as source:
            image = source.convert("RGB")
    else:
        image = _video_frame(path, start, end)
        if image is None:
            return None
    image.thumbnail((THUMB_WIDTH, THUMB_WIDTH))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=70)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _video_frame(path: Path, start: float, end: float) -> Any:
    """The first keyframe in [start, end], else the last one before ``start`` (see the module docstring)."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.codec_context.skip_frame = "NONKEY"
        base = stream.time_base
        if base:
            container.seek(int(start / base), stream=stream, backward=True)
        before = None
        for frame in container.decode(stream):
            seconds = float(frame.pts * base) if frame.pts is not None and base else start
            if seconds >= start - 0.05:
                return (frame if seconds <= end or before is None else before).to_image()
            before = frame
        return before.to_image() if before is not None else None
