"""ICE's ExtendOutput turned into ``selection.json``: what people and programs pick up.

Per output, per sentence (smart mix) or per highlight, the clips with the bucket key and URL of
their media, in/out seconds and score. ICE may name media by URL or by id; both are mapped back to
the batch's object keys through the job's own InputConfig, so a clip can always be traced to the
file that was uploaded.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote, urlsplit

from scene_select.cloud.models.ice_api import IceJob
from scene_select.cloud.models.selection import MatchClip, SelectionResult, media_id_for

__all__ = ["MediaIndex", "normalise_selection"]

SELECTION_SCHEMA_VERSION = 1


class MediaIndex:
    """Maps a clip's mediaURL or mediaId back to the bucket key of the uploaded file."""

    def __init__(self, media_array: list[str]) -> None:
        self._by_reference: dict[str, tuple[str, str | None]] = {}
        for url in media_array:
            entry = (url, _key_from_url(url))
            self._by_reference[url] = entry
            self._by_reference[media_id_for(url)] = entry

    @classmethod
    def from_job(cls, job: IceJob) -> MediaIndex:
        media = _input_config(job).get("MediaArray") or []
        return cls([m for m in media if isinstance(m, str)])

    def lookup(self, clip: MatchClip) -> tuple[str | None, str | None]:
        """(media URL, object key) for a clip; unknown parts are None."""
        for reference in (clip.media_url, clip.media_id):
            if reference and reference in self._by_reference:
                return self._by_reference[reference]
        return clip.media_url, None


def _input_config(job: IceJob) -> dict[str, Any]:
    """The job's InputConfig as ICE echoes it back (a JSON string); {} when it is unreadable."""
    try:
        decoded = json.loads(job.input_config or "{}")
    except ValueError:
        return {}
    return decoded if isinstance(decoded, dict) else {}


def _scripts(job: IceJob) -> list[str]:
    config = _input_config(job)
    scripts = config.get("SpeechTextArray") or ([config["SpeechText"]] if config.get("SpeechText") else [])
    return [s for s in scripts if isinstance(s, str)]


def _key_from_url(url: str) -> str | None:
    if url.startswith("oss://"):
        return unquote(url[len("oss://") :].partition("/")[2]) or None
    if url.startswith(("http://", "https://")):
        return unquote(urlsplit(url).path.lstrip("/")) or None
    return None


def _clip(clip: MatchClip, index: MediaIndex) -> dict[str, Any]:
    url, key = index.lookup(clip)
    out: dict[str, Any] = {
        "clipId": clip.clip_id,
        "mediaId": clip.media_id,
        "mediaKey": key,
        "mediaUrl": url,
        "in": round(clip.start_time, 3),
        "out": round(clip.end_time, 3),
        "duration": round(clip.duration, 3),
        "score": clip.score,
    }
    if clip.explain:
        out["explain"] = clip.explain
    if getattr(clip, "is_intro", None):
        out["isIntro"] = True
    return out


def normalise_selection(job: IceJob, result: SelectionResult, *, batch: str, run_key: str) -> dict[str, Any]:
    """The normalised selection document for a finished job."""
    index = MediaIndex.from_job(job)
    outputs: list[dict[str, Any]] = []
    for number, tm in enumerate(result.text_match_outputs):
        sentences = [
            {
                "textId": s.text_id,
                "text": s.text,
                "duration": s.duration,
                "clips": [_clip(c, index) for c in s.match_clip_list],
            }
            for s in tm.text_match_media_sentence_output_list
        ]
        outputs.append({"index": number, "scriptIndex": tm.script_index, "sentences": sentences})
    for number, hl in enumerate(result.highlight_outputs):
        clips = [_clip(c, index) for c in hl.highlight_clip_list]
        outputs.append({"index": number, "duration": hl.duration, "highlights": clips})
    return {
        "schemaVersion": SELECTION_SCHEMA_VERSION,
        "batch": batch,
        "runKey": run_key,
        "jobId": job.job_id,
        "jobType": job.job_type,
        "kind": result.kind,
        "completedAt": job.complete_time,
        "scripts": _scripts(job),
        "outputs": outputs,
        "mediaErrors": [e.to_wire() for e in result.media_errors],
        "parseProblem": result.parse_problem,
    }
