"""The Smart_Mix_Media_Select job: scripts → sentences → durations → matched clips per output."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scene_select.cloud.errors import JobConfigError
from scene_select.cloud.models.job_config import SelectionJobRequest, SmartMixInputConfig
from scene_select.workstation.engine.duration import sentence_duration
from scene_select.workstation.engine.matching import RelevanceModel, Sentence, plan_outputs
from scene_select.workstation.engine.result import smart_mix_output
from scene_select.workstation.engine.text import split_sentences
from scene_select.workstation.engine.windows import MediaItem, Window, build_windows

if TYPE_CHECKING:
    from scene_select.workstation.engine.clip_scorer import ImageTextScorer
    from scene_select.workstation.engine.matching import ImageTextSimilarity
    from scene_select.workstation.engine.sight.model import Sight, SightScores


logger = logging.getLogger(__name__)


def sentences_of(script: str, *, speed: float, measure: str) -> list[Sentence]:
    sentences = []
    for index, text in enumerate(split_sentences(script)):
        seconds, source = sentence_duration(text, speed=speed, measure=measure)
        sentences.append(Sentence(text=text, text_id=str(index), duration=seconds, duration_source=source))
    return sentences


def run_smart_mix(
    request: SelectionJobRequest,
    config: SmartMixInputConfig,
    items: list[MediaItem],
    *,
    explain: bool,
    scorer: ImageTextScorer | None,
    measure: str,
    sight: Sight | None = None,
) -> dict[str, Any]:
    scripts = config.scripts()
    if not scripts:
        raise JobConfigError(
            "InputConfig: the local engine needs a voiceover script (SpeechTextArray or SpeechText); "
            "SceneInfo storyboards are not supported locally"
        )
    editing = request.editing_config
    speech = editing.speech_config if editing else None
    process = editing.process_config if editing else None
    speed = speech.speed_multiplier() if speech else 1.0
    temporal = bool(process and process.enable_temporal_opt)
    single_shot = process.single_shot_duration if process else None
    drop_black = bool(process and process.enable_clip_detection)
    count = request.output_config.count
    per_script = [sentences_of(script, speed=speed, measure=measure) for script in scripts]
    longest = max((s.duration for sentences in per_script for s in sentences), default=4.0)
    max_window = min(12.0, max(4.0, 1.5 * longest))
    windows = [w for item in items for w in build_windows(item, max_window=max_window)]
    outputs: dict[int, dict[str, Any]] = {}
    for script_index, sentences in enumerate(per_script):
        wanted = [k for k in range(count) if k % len(scripts) == script_index]
        if not wanted:
            continue
        similarity = _image_text_similarity(scorer, sentences, windows)
        seen = sight_scores(sight, sentences, windows)
        model = RelevanceModel(sentences, windows, image_text=similarity, sight=seen, drop_black=drop_black)
        plans = plan_outputs(model, len(wanted), temporal=temporal, single_shot=single_shot)
        for k, plan in zip(wanted, plans, strict=True):
            outputs[k] = smart_mix_output(plan, script_index, explain=explain)
    return {"textMatchMediaOutputList": [outputs[k] for k in sorted(outputs)]}


def sight_scores(sight: Sight | None, sentences: list[Sentence], windows: list[Window]) -> SightScores | None:
    """Sight's relevance and confidence for every (sentence, window) pair, or None without sight.

    A window's view is the mean of the sight samples inside it (engine/visual.py); windows of one shot
    (or one still) form a group, so confidence measures the lead over what *other* shots show.
    """
    if sight is None or not sentences or not windows:
        return None
    from scene_select.workstation.engine.face_traits import TRAITS
    from scene_select.workstation.engine.sight.model import WindowViews
    from scene_select.workstation.engine.visual import shot_index, window_samples

    samples = []
    groups: list[int] = []
    group_ids: dict[tuple[int, int], int] = {}
    for window in windows:
        analysis = window.media.analysis
        usable = analysis.sight_model == sight.model_id
        samples.append(window_samples(analysis, window.start, window.end, still=window.flexible) if usable else [])
        key = (window.media.index, 0 if window.flexible else shot_index(analysis, window.start))
        groups.append(group_ids.setdefault(key, len(group_ids)))
    if not any(samples):
        return None
    signals = [window.signals for window in windows]
    views = WindowViews.build(
        samples,
        groups,
        faces=[s.get("faces", 0.0) for s in signals],
        traits=[[s.get(f"faces_{trait}", 0.0) for trait in TRAITS] for s in signals],
        read=[s.get("faces_read", 0.0) for s in signals],
        closeness=[s.get("close_up", 0.5) for s in signals],
    )
    try:
        read = sight.read([s.text for s in sentences])
    except (ImportError, OSError, ValueError, RuntimeError) as exc:  # the text side is loaded on first use
        logger.warning("sight cannot read sentences (%s: %s); matching without it", type(exc).__name__, exc)
        return None
    return sight.score(read, views)


def _image_text_similarity(
    scorer: ImageTextScorer | None, sentences: list[Sentence], windows: list[Window]
) -> ImageTextSimilarity | None:
    """Cosine between each sentence and the mean embedding of the window's sampled pictures."""
    if scorer is None or not sentences:
        return None
    from scene_select.workstation.engine.clip_scorer import cosine

    text_vectors = scorer.embed_texts([s.text for s in sentences])
    window_vectors: list[list[float] | None] = []
    for window in windows:
        samples = window.media.analysis.embeddings.get(scorer.scorer_id, [])
        inside = [v for t, v in samples if window.flexible or window.start <= t < window.end]
        if not inside and samples:
            middle = (window.start + window.end) / 2
            inside = [min(samples, key=lambda s: abs(s[0] - middle))[1]]
        if not inside:
            window_vectors.append(None)
            continue
        mean = [sum(col) / len(inside) for col in zip(*inside, strict=True)]
        norm = sum(x * x for x in mean) ** 0.5 or 1.0
        window_vectors.append([x / norm for x in mean])

    def similarity(i: int, j: int) -> float:
        vector = window_vectors[j]
        return cosine(text_vectors[i], vector) if vector is not None else 0.0

    return similarity
