"""The Screen_Media_Highlights_Media_Select job: score windows of all videos, pick to the target."""

from __future__ import annotations

from typing import Any

from scene_select.cloud.errors import JobConfigError
from scene_select.cloud.models.job_config import HighlightsInputConfig, SelectionJobRequest
from scene_select.workstation.engine.highlights import default_target, score_windows, select_highlights
from scene_select.workstation.engine.result import highlight_output
from scene_select.workstation.engine.windows import MediaItem, build_windows

HIGHLIGHT_WINDOW = 5.0


def run_highlights(
    request: SelectionJobRequest, config: HighlightsInputConfig, items: list[MediaItem], *, explain: bool
) -> dict[str, Any]:
    windows = [w for item in items for w in build_windows(item, max_window=HIGHLIGHT_WINDOW, min_window=0.5)]
    usable = round(sum(b - a for item in items for a, b in item.ranges), 3)
    if not windows:
        return {"highlightMediaOutputList": []}
    requested = config.target_duration()
    if requested is not None and requested > usable + 0.5:
        raise JobConfigError(
            f"InputConfig.HighlightStrategy.TargetDuration: {requested:g} s is more than the {usable:g} s of usable "
            "material; it must not exceed the total material duration"
        )
    target = requested if requested is not None else default_target(usable)
    max_duration = request.output_config.max_duration
    if max_duration is not None:
        target = min(target, max_duration)
    scored = score_windows(windows)
    no_speech = {item.index for item in items if not item.analysis.has_speech()}
    usage: dict[int, int] = {}
    outputs = []
    position = {id(sw.window): k for k, sw in enumerate(scored)}
    for _ in range(request.output_config.count):
        clips = select_highlights(scored, target, intro=config.intro_auto(), usage=usage)
        for clip in clips:
            for sw in clip.merged:
                k = position[id(sw.window)]
                usage[k] = usage.get(k, 0) + 1
        outputs.append(highlight_output(clips, explain=explain, no_speech=no_speech))
    return {"highlightMediaOutputList": outputs}
