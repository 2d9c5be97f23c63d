"""The local bucket's stand-in for OSS's image processing: one small JPEG frame of a media file.

In the cloud a report's previews are OSS ``video/snapshot`` / ``image/resize`` URLs (OSS renders them on
request). The local bucket is a directory with no image service, so it extracts the picture itself and
returns it as a ``data:`` URI, which keeps report.html one file that opens anywhere. The local stack
calls it through :func:`scene_select.cloud.pipeline.thumbnails.budgeted_frame_lookup`; it never runs in
Function Compute, where PyAV and Pillow are not installed (they are imported only here, only when called).

Only keyframes are decoded: the first one inside the clip or, when the clip has none, the last one
before it — encoders put a keyframe on every shot change (x264's scenecut), so that is the picture the
clip opens on. Decoding forward to an exact instant would decode every frame from the keyframe on, up
to a whole GOP at full size: measured 150–450 ms per preview of a 720p clip, against ~20 ms this way
(bench/callback_latency.py).
"""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any

from scene_select.cloud.models.media import media_kind

__all__ = ["frame_data_uri"]


def frame_data_uri(path: Path, start: float, end: float, width: int) -> str | None:
    """A JPEG of the picture that opens the span [start, end] s of ``path`` (an image: the image itself),
    at most ``width`` pixels on its long side, as a data URI; None when the video has no picture there."""
    from PIL import Image

    if media_kind(path.name) == "image":
        with Image.open(path) as source:
            image = source.convert("RGB")
    else:
        image = _video_frame(path, start, end)
        if image is None:
            return None
    image.thumbnail((width, width))
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
