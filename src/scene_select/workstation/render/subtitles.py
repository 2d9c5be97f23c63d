"""ICE ``Text`` subtitle clips → pictures to burn in: each clip drawn once, with Pillow, as a tight RGBA PNG.

The renderer lays each picture over the video with ffmpeg's ``overlay``, enabled only during its clip.
That is measured 4–5× cheaper than burning the same text with libass (``overlay`` blends only the text's
box, with SIMD code), and it wraps Chinese correctly: the packaged ffmpeg's libass breaks lines only at
spaces, so a long Chinese sentence would run off the screen (docs/rendering.md#subtitles-and-titles).

Lines are wrapped here with the real advance widths of the one CJK font (WenQuanYi Micro Hei), keeping
Latin words whole and closing punctuation off a line's start. Placement follows ICE's fields: ``X``/``Y``
are ratios of the output size when ≤ 1 and pixels above; ``Alignment`` (``TopCenter`` …) says which
point of the text block sits at (X, Y); ``FontSize`` and ``Outline`` are output pixels; ``TextWidth``
(ratio or pixels, default 0.9) is the wrapping width; ``FontColor``/``OutlineColour`` are ``#RRGGBB`` or
``#RRGGBBAA``; ``FontFace.Bold`` thickens the stroke and ``Underline`` draws a line. ``Font`` and
``Italic`` are not honoured (one font).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from scene_select.workstation.render.media import cjk_font

__all__ = ["TextEvent", "TextImage", "draw_text_images", "wrap_text"]

_ALIGNMENTS = {
    "TopLeft": (0, 0),
    "TopCenter": (1, 0),
    "TopRight": (2, 0),
    "CenterLeft": (0, 1),
    "CenterCenter": (1, 1),
    "CenterRight": (2, 1),
    "BottomLeft": (0, 2),
    "BottomCenter": (1, 2),
    "BottomRight": (2, 2),
}
_NO_LINE_START = set("，。！？、；：）」』】》〉…—,.!?;:)]}%'\"”’")
_TOKEN = re.compile(r"[A-Za-z0-9\u00C0-\u024F'’\-_.@/#%&+]+\s*|\s+|.", re.DOTALL)
_COLOUR = re.compile(r"[0-9a-fA-F]{6}([0-9a-fA-F]{2})?")


@dataclass(frozen=True)
class TextEvent:
    """One text clip placed on the output's timeline, with its ICE style fields."""

    content: str
    start: float
    end: float
    style: Mapping[str, Any]


@dataclass(frozen=True)
class TextImage:
    """A drawn text clip: lay ``path`` at (``x``, ``y``) from ``start`` to ``end`` seconds."""

    path: Path
    x: int
    y: int
    start: float
    end: float


@lru_cache(maxsize=32)
def _font(size: int) -> Any:
    from PIL import ImageFont

    return ImageFont.truetype(str(cjk_font()), size)


def wrap_text(text: str, font_size: int, max_width: float) -> list[str]:
    """Greedy wrapping with the font's real widths; ``\\n`` and ICE's ``\\N`` break lines too."""
    font = _font(max(1, int(font_size)))
    lines: list[str] = []
    for paragraph in text.replace("\\N", "\n").replace("\\n", "\n").split("\n"):
        line = ""
        for token in _TOKEN.findall(paragraph):
            candidate = line + token
            fits = font.getlength(candidate.rstrip()) <= max_width
            if not line or fits or token.isspace() or token[0] in _NO_LINE_START:
                line = candidate
                continue
            lines.append(line.rstrip())
            line = token.lstrip()
        lines.append(line.rstrip())
    return [line for line in lines if line] or [""]


def _length(value: Any, total: int, default: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return default
    return float(value) * total if 0 <= value <= 1 else float(value)


def _rgba(value: Any, default: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    text = str(value or "").strip().lstrip("#")
    text = text[2:] if text.lower().startswith("0x") else text
    if not _COLOUR.fullmatch(text):
        return default
    alpha = int(text[6:8], 16) if len(text) == 8 else 255
    return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16), alpha


def draw_text_images(events: Iterable[TextEvent], width: int, height: int, directory: Path) -> list[TextImage]:
    """Draw each event into a cropped RGBA PNG in ``directory``, placed on a ``width``×``height`` frame."""
    from PIL import Image, ImageDraw

    images: list[TextImage] = []
    for number, event in enumerate(sorted(events, key=lambda e: (e.start, e.end))):
        if event.end - event.start <= 0 or not event.content.strip():
            continue
        style = event.style
        horizontal, vertical = _ALIGNMENTS.get(str(style.get("Alignment") or "TopCenter"), (1, 0))
        x = _length(style.get("X"), width, (0.05, 0.5, 0.95)[horizontal] * width)
        y = _length(style.get("Y"), height, (0.05, 0.5, 0.95)[vertical] * height)
        size = max(8, round(_length(style.get("FontSize"), 1, max(16, min(width, height) * 0.05))))
        outline = max(0, round(_length(style.get("Outline"), 1, max(2, size // 14))))
        face = style.get("FontFace") if isinstance(style.get("FontFace"), Mapping) else {}
        assert isinstance(face, Mapping)
        bold = max(1, size // 28) if face.get("Bold") else 0
        lines = wrap_text(event.content, size, _length(style.get("TextWidth"), width, 0.9 * width))
        font = _font(size)
        fill = _rgba(style.get("FontColor"), (255, 255, 255, 255))
        stroke = _rgba(style.get("OutlineColour"), (0, 0, 0, 255))
        ascent, descent = font.getmetrics()
        line_height = round((ascent + descent) * 1.08)
        widths = [font.getlength(line) for line in lines]
        pad = outline + bold + 2
        block_w, block_h = math.ceil(max(widths)) + 2 * pad, line_height * len(lines) + 2 * pad
        canvas = Image.new("RGBA", (block_w, block_h), (0, 0, 0, 0))
        draw = ImageDraw.Draw(canvas)
        for index, (line, line_width) in enumerate(zip(lines, widths, strict=True)):
            left = pad + (block_w - 2 * pad - line_width) * horizontal / 2
            top = pad + index * line_height
            if outline + bold > 0:
                draw.text((left, top), line, font=font, fill=stroke, stroke_width=outline + bold, stroke_fill=stroke)
            draw.text((left, top), line, font=font, fill=fill, stroke_width=bold, stroke_fill=fill)
            if face.get("Underline"):
                base = top + ascent + max(2, size // 12)
                draw.line([(left, base), (left + line_width, base)], fill=fill, width=max(1, size // 18))
        box = canvas.getbbox()
        if box is None:
            continue
        canvas = canvas.crop(box)
        left_edge = x - block_w * horizontal / 2 + box[0]
        top_edge = y - block_h * vertical / 2 + box[1]
        left_edge = min(max(0, round(left_edge)), max(0, width - canvas.width))  # the text stays on screen
        top_edge = min(max(0, round(top_edge)), max(0, height - canvas.height))
        path = directory / f"text{number:03d}.png"
        canvas.save(path, compress_level=1)
        images.append(TextImage(path, int(left_edge), int(top_edge), event.start, event.end))
    return images
