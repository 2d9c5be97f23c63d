"""``run_selection``: a SubmitSceneMediaSelectionJob request in, ICE's ExtendOutput object out.

Order of work: resolve and probe every media (cheap; a media that fails becomes a ``mediaErrorList``
entry), enforce the limits only probing can check (total ≤ 2 h), analyse each media once (or load its
analysis from the cache), then run smart-mix matching or highlight selection. Deterministic: nothing
depends on time, randomness or iteration order of unordered containers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scene_select.cloud.errors import MediaError
from scene_select.cloud.models.job_config import (
    HighlightsInputConfig,
    JobType,
    SelectionJobRequest,
    SmartMixInputConfig,
    check_total_media_duration,
)
from scene_select.workstation.engine import analyse as analyse_module
from scene_select.workstation.engine.cache import AnalysisCache, default_cache_dir, file_sha256
from scene_select.workstation.engine.memory import release_freed_memory
from scene_select.workstation.engine.probe import probe_media
from scene_select.workstation.engine.resolve import MediaResolver, MediaSource, read_srt
from scene_select.workstation.engine.windows import MediaItem, allowed_ranges

if TYPE_CHECKING:
    from scene_select.workstation.engine.analysis import MediaAnalysis, MediaInfo
    from scene_select.workstation.engine.clip_scorer import ImageTextScorer
    from scene_select.workstation.engine.sight.model import Sight

ProgressCallback = Callable[[str, float], None]
logger = logging.getLogger(__name__)


@dataclass
class _Probed:
    index: int
    source: MediaSource
    info: MediaInfo


def run_selection(
    request: SelectionJobRequest,
    *,
    resolver: MediaResolver | None = None,
    cache_dir: Path | None = None,
    progress: ProgressCallback | None = None,
    explain: bool = True,
    image_text_scorer: ImageTextScorer | None = None,
    duration_measure: str = "model",
    sight: bool = True,
) -> dict[str, Any]:
    """Select clips for ``request`` on this machine; returns the ExtendOutput object.

    Its shape is in docs/ice-api.md#results-extendoutput.

    ``cache_dir`` defaults to :func:`~scene_select.workstation.engine.cache.default_cache_dir`. ``duration_measure``
    is "model" (the documented rate model) or "espeak" (measure espeak-ng's rendering when installed).
    ``sight`` lets smart-mix jobs recognise what the footage shows (docs/engine.md#sight); it is loaded once
    per process, and left out of highlight jobs, which do not use it.
    Raises :class:`JobConfigError` for a job that breaks a rule only the media reveal (total > 2 h, a
    target longer than the material, no usable media for a script-less job).
    """
    report = progress or (lambda stage, fraction: None)
    resolver = resolver or MediaResolver()
    errors: list[dict[str, str]] = []
    report("probing media", 0.0)
    probed = _probe_all(request.input_config.media_array, resolver, errors)
    check_total_media_duration(sum(p.info.duration for p in probed))
    if request.job_type is JobType.HIGHLIGHTS:
        probed = _highlight_material(probed, errors)
    seer = _sight(request) if sight else None
    items = _analyse_all(
        request, probed, cache_dir=cache_dir, scorer=image_text_scorer, sight=seer, errors=errors, report=report
    )
    report("selecting clips", 0.9)
    if request.job_type is JobType.SMART_MIX:
        assert isinstance(request.input_config, SmartMixInputConfig)
        from scene_select.workstation.engine.smart_mix import run_smart_mix

        result = run_smart_mix(
            request,
            request.input_config,
            items,
            explain=explain,
            scorer=image_text_scorer,
            measure=duration_measure,
            sight=seer,
        )
    else:
        assert isinstance(request.input_config, HighlightsInputConfig)
        from scene_select.workstation.engine.highlight_job import run_highlights

        result = run_highlights(request, request.input_config, items, explain=explain)
    if errors:
        result["mediaErrorList"] = errors
    report("done", 1.0)
    return result


def _sight(request: SelectionJobRequest) -> Sight | None:
    """The process-wide sight for a smart-mix job (None for highlights, or when it cannot load)."""
    if request.job_type is not JobType.SMART_MIX:
        return None
    from scene_select.workstation.engine.sight.model import load_sight

    return load_sight()


def _error(entry: str, code: str, message: str) -> dict[str, str]:
    from scene_select.workstation.engine.result import media_error

    return media_error(entry, code, message)


def _probe_all(entries: list[str], resolver: MediaResolver, errors: list[dict[str, str]]) -> list[_Probed]:
    probed: list[_Probed] = []
    for index, entry in enumerate(entries):
        try:
            source = resolver.resolve(entry)
        except MediaError as exc:
            errors.append(_error(entry, "MediaNotResolvable", str(exc)))
            continue
        try:
            info = probe_media(source.path)
        except MediaError as exc:
            errors.append(_error(entry, "InvalidMaterial", str(exc)))
            continue
        probed.append(_Probed(index, source, info))
    return probed


def _highlight_material(probed: list[_Probed], errors: list[dict[str, str]]) -> list[_Probed]:
    """Highlights take videos with sound only; anything else is a per-media error, not a failed job."""
    kept: list[_Probed] = []
    for item in probed:
        if item.info.is_image:
            errors.append(_error(item.source.entry, "UnsupportedMediaType", "highlight material must be videos"))
        elif not item.info.has_audio:
            errors.append(
                _error(
                    item.source.entry,
                    "NoAudioStream",
                    "highlight material must contain speech; this video has no audio stream",
                )
            )
        else:
            kept.append(item)
    return kept


def _ranges_for(request: SelectionJobRequest, entry: str) -> list[tuple[float, float]] | None:
    editing = request.editing_config
    media_config = editing.media_config if editing else None
    for meta in (media_config.media_meta_data_array or []) if media_config else []:
        if meta.media == entry and meta.time_range_list:
            return [(r.in_, r.out) for r in meta.time_range_list]
    return None


def _analyse_all(
    request: SelectionJobRequest,
    probed: list[_Probed],
    *,
    cache_dir: Path | None,
    scorer: ImageTextScorer | None,
    sight: Sight | None,
    errors: list[dict[str, str]],
    report: ProgressCallback,
) -> list[MediaItem]:
    cache = AnalysisCache(cache_dir or default_cache_dir())
    from scene_select.workstation.engine.signals import load_face_readers

    # Faces counted by BlazeFace and by the Haar cascade differ, and faces read or not: cached apart.
    faces, traits = load_face_readers()
    parts = [
        scorer.scorer_id if scorer is not None else "",
        f"sight:{sight.model_id}" if sight is not None else "",
        f"faces:{faces.name}" if faces is not None else "",
        f"traits:{traits.name}" if traits is not None else "",
    ]
    variant = "|".join(p for p in parts if p)
    weights = [max(p.info.duration, 1.0) for p in probed]
    total = sum(weights) or 1.0
    done = 0.0
    items: list[MediaItem] = []
    for probe, weight in zip(probed, weights, strict=True):
        name = probe.source.path.name
        base = 0.05 + 0.85 * done / total
        span = 0.85 * weight / total
        stage = f"analysing {name}"
        report(stage, base)
        try:
            analysis = _analysis(
                probe, cache, variant, scorer=scorer, sight=sight, on_progress=_scaled(report, stage, base, span)
            )
        except MediaError as exc:
            errors.append(_error(probe.source.entry, "InvalidMaterial", str(exc)))
            done += weight
            continue
        done += weight
        if analysis.info.duration < probe.info.duration - 1.0:
            errors.append(
                _error(
                    probe.source.entry,
                    "TruncatedMaterial",
                    f"only {analysis.info.duration:.1f} s of the {probe.info.duration:.1f} s the file declares "
                    "could be decoded (truncated or damaged); clips come from the decodable part only",
                )
            )
        ranges = allowed_ranges(analysis.info.duration, _ranges_for(request, probe.source.entry))
        if not analysis.info.is_image and not ranges:
            errors.append(
                _error(
                    probe.source.entry,
                    "EmptyTimeRange",
                    "TimeRangeList leaves nothing of this media (ranges lie outside its "
                    f"{analysis.info.duration:.1f} s)",
                )
            )
            continue
        cues = read_srt(probe.source.subtitles_path) if probe.source.subtitles_path else []
        items.append(MediaItem(probe.index, probe.source, analysis, ranges, cues))
    return items


def _scaled(report: ProgressCallback, stage: str, base: float, span: float) -> Callable[[float], None]:
    """A per-media progress callback (0..1) mapped onto this media's share of the whole job."""

    def on_progress(fraction: float) -> None:
        report(stage, base + span * fraction)

    return on_progress


def _analysis(
    probe: _Probed,
    cache: AnalysisCache,
    variant: str,
    *,
    scorer: ImageTextScorer | None,
    sight: Sight | None,
    on_progress: Callable[[float], None],
) -> MediaAnalysis:
    try:
        key: str | None = cache.key(file_sha256(probe.source.path), variant)
    except OSError as exc:
        raise MediaError(f"{probe.source.entry}: cannot read the file ({exc})") from exc
    cached = cache.load(key) if key else None
    if cached is not None:
        return cached
    try:
        analysis = analyse_module.analyse_media(
            probe.source.path, probe.info, scorer=scorer, sight=sight, progress=on_progress
        )
    finally:
        release_freed_memory()  # else the next media's peak stacks on this one's freed buffers
    try:
        if key:
            cache.store(key, analysis)
    except OSError as exc:  # a read-only or full cache must not fail the job
        logger.warning("analysis cache not written (%s): %s", cache.root, exc)
    return analysis


__all__ = ["ProgressCallback", "run_selection"]
