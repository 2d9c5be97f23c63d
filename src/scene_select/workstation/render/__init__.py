"""The local renderer: a selection → ICE Timeline JSON → a finished MP4, on a workstation.

What ICE's SubmitSceneTimelineOrganizationJob and SubmitSceneBatchEditingJob do in the cloud, done here
for the emulator (``scene_select.workstation.local.emulator``) and for ``scene-select render``:

* timeline.py — a selection → one ICE Timeline per output (clips per sentence, voiceover, music,
  subtitles, title);
* plan.py, graph.py, ffmpeg.py, render.py — a Timeline → an MP4 in one ffmpeg run, with the pieces
  that are cheap in Python (layout, voices, text pictures) done first;
* voice.py — espeak-ng voiceovers; subtitles.py — text drawn for burning in; media.py — media lookup
  and probing; spec.py — the contract (OutputSpec, RenderResult, Renderer); placeholder.py — a fast
  stand-in renderer for tests.

Importing this package is cheap: numpy, Pillow, PyAV and espeak-ng load inside the functions that need
them. docs/rendering.md describes it all, with what is assumed about ICE.
"""

from __future__ import annotations

from scene_select.workstation.render.spec import (
    OutputSpec,
    Progress,
    ProgressCallback,
    Renderer,
    RenderError,
    RenderResult,
)

__all__ = ["OutputSpec", "Progress", "ProgressCallback", "RenderError", "RenderResult", "Renderer"]
