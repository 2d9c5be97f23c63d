"""``report.html``: what a person opens to see what was selected, why, and what came of it.

One self-contained page (inline CSS, no scripts, no external assets but the thumbnails and videos): the
batch, where its run stands (the step, the state, what to do to approve a review), a player for each
rendered video, links to the editor and ICE timelines, then each output, each sentence or highlight
with its clips — thumbnail, file, in/out, duration, score and the reasons the engine gave. Every value
that came from an upload or from ICE is HTML-escaped: file names and scripts are user input and a
report must never become a way to run code in a browser.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from typing import Any

__all__ = ["ReportProgress", "ThumbnailLookup", "render_report"]

ThumbnailLookup = Callable[[dict[str, Any]], "str | None"]
"""Given a normalised clip, the URL (or relative path) of a thumbnail image, or None."""


_CSS = """
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI","PingFang SC","Microsoft YaHei",sans-serif;margin:2rem;
color:#1d2330;background:#f6f7f9}
h1{font-size:1.4rem;margin:0 0 .3rem}h2{font-size:1.15rem;margin:2rem 0 .6rem}
.meta{color:#5b6473;font-size:.9rem}.card{background:#fff;border:1px solid #e1e4ea;border-radius:8px;
padding:.8rem 1rem;margin:.6rem 0}.text{font-size:1.05rem;margin-bottom:.5rem}
.clips{display:flex;flex-wrap:wrap;gap:.8rem}.clip{width:220px;font-size:.85rem;color:#3a4252}
.clip img,.noimg{width:220px;height:124px;object-fit:cover;border-radius:4px;background:#dde1e8;display:block}
.noimg{display:flex;align-items:center;justify-content:center;color:#7a8392}
.score{font-weight:600}.why{color:#5b6473}.warn{background:#fff4e5;border-color:#f5c27a}
.err{background:#fdecec;border-color:#f0a3a3}code{font-size:.85em}.script{white-space:pre-wrap}
video{max-width:100%;max-height:60vh;border-radius:6px;background:#000;display:block;margin:.4rem 0}
"""


@dataclass(frozen=True)
class ReportProgress:
    """Where the run stands and what it produced besides the selection (hrefs are ready to use)."""

    produce: str = "selection"
    step: str = "selection"
    state: str = "finished"
    videos: list[dict[str, Any]] = field(default_factory=list)  # output, href, duration, size, status, error
    files: list[tuple[str, str]] = field(default_factory=list)  # (file name, href): editor and ICE timelines
    error: dict[str, str] | None = None
    approval_file: str | None = None  # the key to upload an approval to, while the run waits for one


_STATE_WORDS = {
    "queued": "queued",
    "claimed": "being submitted",
    "submit-unknown": "being submitted (checking whether ICE received it)",
    "submitted": "running at ICE",
    "waiting-for-review": "waiting for your approval",
    "finished": "finished",
    "failed": "failed",
}


def _progress_html(progress: ReportProgress) -> list[str]:
    parts = []
    if progress.produce != "selection" or progress.state != "finished":
        where = _STATE_WORDS.get(progress.state, progress.state)
        step = "" if progress.state in ("finished",) else f" — {escape(progress.step)} step"
        parts.append(
            f"<div class='card'><b>Status:</b> {escape(where)}{step}"
            f"<div class='meta'>produces: {escape(progress.produce)}</div></div>"
        )
    if progress.error:
        parts.append(
            f"<div class='card err'><b>{escape(str(progress.error.get('step', 'run')))} failed:</b> "
            f"{escape(str(progress.error.get('code')))} — {escape(str(progress.error.get('message')))}</div>"
        )
    if progress.approval_file:
        parts.append(
            "<div class='card warn'><b>Waiting for approval.</b> Look through the selection below, then upload "
            f'<code>{escape(progress.approval_file)}</code> containing <code>{{"Approve": true}}</code> '
            '(add <code>"Selection"</code> with an edited selection.json to change clips) to make the videos.</div>'
        )
    if progress.videos:
        parts.append("<h2>Videos</h2>")
        for video in progress.videos:
            href = video.get("href")
            size = video.get("size")
            duration = video.get("duration")
            facts = " · ".join(
                fact
                for fact in (
                    f"{float(duration):.1f} s" if isinstance(duration, (int, float)) else "",
                    f"{size / 1e6:.1f} MB" if isinstance(size, (int, float)) else "",
                    str(video.get("status") or ""),
                )
                if fact
            )
            player = (
                f"<video controls preload='metadata' src='{escape(str(href))}'></video>"
                f"<div><a href='{escape(str(href))}'>{escape(str(href).rsplit('/', 1)[-1].split('?')[0])}</a></div>"
                if href
                else "<div class='noimg'>no video</div>"
            )
            error = video.get("error")
            problem = f"<div class='why'>{escape(str(error))}</div>" if error else ""
            parts.append(
                f"<div class='card'><div class='meta'>output {escape(str(video.get('output')))} · {escape(facts)}</div>"
                f"{player}{problem}</div>"
            )
    if progress.files:
        links = " · ".join(f"<a href='{escape(href)}'>{escape(name)}</a>" for name, href in progress.files)
        parts.append(f"<div class='card'><div class='meta'>timelines for editors and ICE</div>{links}</div>")
    return parts


def _fmt_time(seconds: Any) -> str:
    if not isinstance(seconds, (int, float)):
        return "?"
    minutes, secs = divmod(float(seconds), 60)
    return f"{int(minutes)}:{secs:05.2f}"


def _ordinal(text_id: Any) -> str:
    """ICE numbers sentences from 0; people count from 1."""
    return str(int(text_id) + 1) if isinstance(text_id, str) and text_id.isdigit() else escape(str(text_id))


def _clip_html(clip: dict[str, Any], thumbnail: ThumbnailLookup) -> str:
    url = thumbnail(clip)
    name = (clip.get("mediaKey") or clip.get("mediaUrl") or clip.get("mediaId") or "?").rsplit("/", 1)[-1]
    image = f'<img src="{escape(url)}" alt="" loading="lazy">' if url else '<div class="noimg">no preview</div>'
    score = clip.get("score")
    score_text = f"{score:.3f}" if isinstance(score, (int, float)) else "–"
    explain = clip.get("explain") or {}
    reason = explain.get("reason") if isinstance(explain, dict) else None
    terms = explain.get("matchedTerms") if isinstance(explain, dict) else None
    why = ""
    if reason:
        why += f'<div class="why">{escape(str(reason))}</div>'
    if terms:
        why += f'<div class="why">matched: {escape(", ".join(str(t) for t in terms))}</div>'
    intro = " · intro" if clip.get("isIntro") else ""
    return (
        f'<div class="clip">{image}<div><b>{escape(name)}</b>{intro}</div>'
        f"<div>{_fmt_time(clip.get('in'))} → {_fmt_time(clip.get('out'))} "
        f"({clip.get('duration', 0):.2f} s)</div>"
        f'<div>score <span class="score">{score_text}</span></div>{why}</div>'
    )


def render_report(
    selection: dict[str, Any],
    *,
    thumbnail: ThumbnailLookup,
    warnings: list[str] | None = None,
    progress: ReportProgress | None = None,
) -> str:
    """The HTML report for a normalised selection (see normalise.py) and where its run stands."""
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width,initial-scale=1'>",
        f"<title>Selection — {escape(str(selection.get('batch')))}</title><style>{_CSS}</style></head><body>",
        f"<h1>{escape(str(selection.get('batch')))}</h1>",
        f"<div class='meta'>{escape(str(selection.get('jobType')))} · job <code>{escape(str(selection.get('jobId')))}"
        f"</code> · run <code>{escape(str(selection.get('runKey')))}</code> · completed "
        f"{escape(str(selection.get('completedAt') or '?'))}</div>",
    ]
    parts.extend(_progress_html(progress or ReportProgress()))
    for warning in warnings or []:
        parts.append(f"<div class='card warn'>{escape(warning)}</div>")
    for error in selection.get("mediaErrors") or []:
        parts.append(
            f"<div class='card err'>{escape(str(error.get('mediaURL') or error.get('mediaId')))}: "
            f"{escape(str(error.get('code')))} — {escape(str(error.get('message')))}</div>"
        )
    if selection.get("parseProblem"):
        parts.append(f"<div class='card warn'>{escape(str(selection['parseProblem']))} (see raw.json)</div>")
    outputs = selection.get("outputs") or []
    if not outputs:
        parts.append("<div class='card'>No clips were selected.</div>")
    scripts = [str(script) for script in selection.get("scripts") or []]
    for output in outputs:
        number = int(output.get("index", 0))
        parts.append(f"<h2>Output {number + 1}</h2>")
        if scripts and output.get("sentences") is not None:
            script_index = output.get("scriptIndex")
            script = scripts[(script_index if isinstance(script_index, int) else number) % len(scripts)]
            parts.append(f"<div class='card script'><div class='meta'>voiceover script</div>{escape(script)}</div>")
        for sentence in output.get("sentences") or []:
            clips = "".join(_clip_html(c, thumbnail) for c in sentence.get("clips") or [])
            duration = sentence.get("duration")
            spoken = f" · voiceover ≈ {duration:.1f} s" if isinstance(duration, (int, float)) else ""
            parts.append(
                f"<div class='card'><div class='text'>{escape(str(sentence.get('text', '')))}</div>"
                f"<div class='meta'>sentence {_ordinal(sentence.get('textId'))}{spoken}</div>"
                f"<div class='clips'>{clips or 'no clip'}</div></div>"
            )
        if output.get("highlights") is not None:
            clips = "".join(_clip_html(c, thumbnail) for c in output["highlights"])
            total = output.get("duration")
            length = f"{total:.1f} s in total" if isinstance(total, (int, float)) else ""
            parts.append(f"<div class='card'><div class='meta'>{length}</div><div class='clips'>{clips}</div></div>")
    parts.append("</body></html>")
    return "\n".join(parts)
