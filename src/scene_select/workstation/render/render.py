"""ICE Timeline JSON → an MP4, in one ffmpeg run: plan (plan.py), graph (graph.py), run (ffmpeg.py).

:func:`render_timeline` is the whole of it; :func:`timeline_renderer` binds a media resolver and gives
the :class:`~scene_select.workstation.render.spec.Renderer` the emulator and the CLI call. The video is
written under a temporary name beside its destination and renamed when ffmpeg is done, so a reader — the
local bucket's listing, a person's player, the pipeline reading its size — sees the whole file or none;
a failed render leaves nothing behind.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from scene_select.workstation.render.ffmpeg import run_ffmpeg
from scene_select.workstation.render.graph import build_command
from scene_select.workstation.render.media import Resolver, temporary_beside
from scene_select.workstation.render.plan import plan_timeline
from scene_select.workstation.render.spec import OutputSpec, ProgressCallback, Renderer, RenderError, RenderResult

__all__ = ["render_timeline", "timeline_renderer"]


def render_timeline(
    timeline: Mapping[str, Any] | str,
    output: Path,
    spec: OutputSpec,
    resolve: Resolver,
    *,
    progress: ProgressCallback | None = None,
    require_voice: bool = False,
    work_dir: Path | None = None,
) -> RenderResult:
    """Render one ICE Timeline (an object, or its JSON string) to ``output`` (H.264 + AAC in MP4).

    ``require_voice`` fails the render when espeak-ng is not usable, instead of rendering the sentences
    over silence with a warning. ``work_dir`` keeps the graph, the voice WAV and the text pictures (for
    a person looking into a render); by default they live in a temporary directory, removed afterwards.
    """
    started = time.perf_counter()
    if isinstance(timeline, str):
        try:
            timeline = json.loads(timeline)
        except ValueError as exc:
            raise RenderError(f"the timeline is not JSON ({exc})") from None
    if not isinstance(timeline, Mapping):
        raise RenderError("the timeline must be a JSON object with VideoTracks, AudioTracks, SubtitleTracks")
    output = output.absolute()
    output.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="scene-select-render-")) if work_dir is None else work_dir
    work.mkdir(parents=True, exist_ok=True)
    partial = temporary_beside(output)
    try:
        plan = plan_timeline(timeline, spec, resolve, work, require_voice=require_voice)
        graph_file = work / "graph.txt"
        arguments, graph = build_command(plan, partial, graph_file)
        graph_file.write_text(graph, encoding="utf-8")
        prepared = time.perf_counter() - started
        wall, cpu = run_ffmpeg(arguments, duration=plan.duration, cwd=work, progress=progress)
        partial.chmod(0o644)
        os.replace(partial, output)
        return RenderResult(
            output=output,
            duration=plan.duration,
            width=spec.width,
            height=spec.height,
            size=output.stat().st_size,
            voice=plan.voice_wav is not None,
            warnings=tuple(plan.warnings),
            wall_seconds=time.perf_counter() - started,
            prepare_seconds=prepared,
            ffmpeg_seconds=wall,
            ffmpeg_cpu_seconds=cpu,
        )
    finally:
        partial.unlink(missing_ok=True)
        if work_dir is None:
            shutil.rmtree(work, ignore_errors=True)


def timeline_renderer(resolve: Resolver, *, require_voice: bool = False) -> Renderer:
    """The real :class:`~scene_select.workstation.render.spec.Renderer`, reading media through ``resolve``."""

    def render(
        timeline: Mapping[str, Any], output: Path, spec: OutputSpec, *, progress: ProgressCallback | None = None
    ) -> RenderResult:
        return render_timeline(timeline, output, spec, resolve, progress=progress, require_voice=require_voice)

    return render
