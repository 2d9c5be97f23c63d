"""Turn selection plans into ICE's ExtendOutput shape (docs/ice-api.md#results-extendoutput), with explanations.

Times are seconds (floats, millisecond precision), ids follow ``scene_select.cloud.models.selection``:
``mediaId`` = md5 of the MediaArray entry, ``clipId`` = ``<mediaId[:8]>-<startMs>-<endMs>``. Every clip
carries ``mediaURL`` (the entry as given) and, unless turned off, ``explain``.
"""

from __future__ import annotations

import math
from typing import Any

from scene_select.cloud.models.selection import clip_id_for, media_id_for
from scene_select.workstation.engine.highlights import HighlightClipChoice
from scene_select.workstation.engine.matching import ClipChoice, Evidence, SentencePlan

#: Sight is named in a clip's reason when its weighted term reaches this much of the score.
SIGHT_SHOWN = 0.05
SIGNALS_SHOWN = ("loudness", "peak", "speech", "motion", "cut_density", "faces", "text", "brightness")


def clip_entry(entry: str, start: float, end: float, score: float) -> dict[str, Any]:
    media_id = media_id_for(entry)
    start, end = round(start, 3), round(end, 3)
    return {
        "clipId": clip_id_for(media_id, start, end),
        "mediaId": media_id,
        "mediaURL": entry,
        "startTime": start,
        "endTime": end,
        "score": round(max(0.0, min(1.0, score)), 4),
    }


def media_error(entry: str, code: str, message: str) -> dict[str, str]:
    return {"mediaURL": entry, "mediaId": media_id_for(entry), "code": code, "message": message}


def _snippet(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def smart_mix_clip(clip: ClipChoice, sentence_duration: float, *, explain: bool) -> dict[str, Any]:
    evidence = clip.evidence
    data = clip_entry(clip.window.media.entry, clip.start, clip.end, evidence.total)
    if clip.window.flexible:
        data["endTime"] = round(clip.end, 3)
    if not explain:
        return data
    signals = {
        "textMatch": evidence.text,
        "nameMatch": evidence.name,
        "visualPrior": evidence.prior,
        "imageText": evidence.image_text,
        **{name: clip.window.signals[name] for name in SIGNALS_SHOWN if name in clip.window.signals},
    }
    if evidence.sight_weight > 0:
        signals["sight"] = evidence.sight
        signals["sightWeight"] = evidence.sight_weight
        signals["sightConfidence"] = evidence.sight_confidence
    reasons: list[str] = []
    terms = ", ".join(evidence.terms[:6])
    seen = sight_words(evidence)
    by_sight = bool(seen) and evidence.sight_weight * evidence.sight >= SIGHT_SHOWN
    sight_reason = f"sight {seen} (confidence {evidence.sight_confidence:.2f})"
    if evidence.text > 0 and terms:
        reasons.append(f'its on-screen text/subtitles "{_snippet(clip.window.text)}" share {terms} with the sentence')
    elif evidence.name > 0 and terms:
        reasons.append(
            f'its file name/tags "{_snippet(clip.window.media.name_text())}" share {terms} with the sentence'
        )
    elif by_sight:
        sight_reason += "; no text names the sentence"
    if by_sight:
        reasons.append(sight_reason)
    if evidence.prior > 0.2:
        reasons.append("its look fits the sentence's visual words")
    if evidence.image_text > 0.2:
        reasons.append(f"the image-text model rates it {evidence.image_text:.2f}")
    if not reasons and clip.role == "primary":
        reasons.append("no material shares words with this sentence, so free footage of good quality was used")
    elif not reasons:
        reasons.append("the most relevant footage still free (no words of its own in common with the sentence)")
    role = "Best match" if clip.role == "primary" else f"Added to cover the sentence's {sentence_duration:.1f} s"
    data["explain"] = {
        "matchedTerms": list(evidence.terms),
        "signals": signals,
        "reason": f"{role}: {'; '.join(reasons)}.",
    }
    if by_sight:
        data["explain"]["sees"] = [{"label": label, "p": p} for label, p in evidence.sees]
    return data


def sight_words(evidence: Evidence) -> str:
    """``sees: seashore 0.62, sandbar 0.11``: the labels behind sight's say, with the window's probability
    of each; empty when sight saw nothing related to the sentence."""
    if not evidence.sees:
        return ""
    return "sees: " + ", ".join(f"{label} {p:.2f}" for label, p in evidence.sees)


def smart_mix_output(plans: list[SentencePlan], script_index: int, *, explain: bool) -> dict[str, Any]:
    sentences = []
    for index, plan in enumerate(plans):
        sentences.append(
            {
                "text": plan.sentence.text,
                "textId": str(index),
                "duration": plan.sentence.duration,
                "matchClipList": [smart_mix_clip(c, plan.sentence.duration, explain=explain) for c in plan.clips],
            }
        )
    return {"textMatchMediaSentenceOutputList": sentences, "scriptIndex": script_index}


def highlight_score(raw: float) -> float:
    """Map a weighted z-score sum to 0..1 (logistic), so scores read like ICE's."""
    return 1.0 / (1.0 + math.exp(-raw / 2.0))


def highlight_clip(clip: HighlightClipChoice, *, explain: bool, no_speech: bool) -> dict[str, Any]:
    data = clip_entry(clip.window.media.entry, clip.start, clip.end, highlight_score(clip.score))
    data["isIntro"] = clip.is_intro
    if not explain:
        return data
    signals = {name: clip.window.signals[name] for name in SIGNALS_SHOWN if name in clip.window.signals}
    top = sorted(((v, k) for k, v in clip.contributions.items() if v > 0), reverse=True)[:3]
    drivers = ", ".join(f"{name} (+{value:.2f})" for value, name in top) or "no signal stands out"
    reason = (
        f"{'Intro hook: the strongest moment of all' if clip.is_intro else 'High energy'}; "
        f"strongest contributions: {drivers}."
    )
    if no_speech:
        reason += " No speech was detected in this video (ICE requires speech or subtitles for highlights)."
    data["explain"] = {
        "matchedTerms": [],
        "signals": {**signals, "contributions": clip.contributions, "noSpeechDetected": no_speech},
        "reason": reason,
    }
    return data


def highlight_output(clips: list[HighlightClipChoice], *, explain: bool, no_speech: set[int]) -> dict[str, Any]:
    entries = [highlight_clip(c, explain=explain, no_speech=c.window.media.index in no_speech) for c in clips]
    duration = round(sum(e["endTime"] - e["startTime"] for e in entries), 3)
    return {"duration": duration, "highlightClipList": entries}
