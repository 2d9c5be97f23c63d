"""A person approves a review batch's selection — the upload that starts its videos.

A batch with ``"Produce": "review"`` stops after its selection: its job.json says
``waiting-for-review`` and report.html shows what was chosen. Uploading the approval file into the
batch's inbox folder — ``inbox/smart-mix/<batch>/approval.json``, or
``inbox/highlights/<video name>.approval.json`` — makes the videos::

    {"Approve": true,
     "RunKey": "32871f1700a3d139b07d",        optional: the run approved (default: the batch's newest)
     "Selection": {...},                      optional: an edited selection (selection.json or raw.json shape)
     "Note": "shorter intro"}                 optional, kept in job.json

The first approval of a run wins (``approved.json`` is write-once) and starts its timeline step; the same
or another approval uploaded again changes nothing, so nothing is rendered twice. An approval that makes
no sense — for a batch that does not wait for review, a run that does not exist or is still selecting or
already failed, an edited selection naming media the run does not have — is refused with an error
record next to the batch, and no job.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from scene_select.cloud.errors import BatchError, ObjectNotFoundError
from scene_select.cloud.models.selection import media_id_for
from scene_select.cloud.models.step_requests import media_select_result
from scene_select.cloud.models.steps import Produce
from scene_select.cloud.models.wire import loads_untrusted
from scene_select.cloud.pipeline.layout import BatchRef, InboxObject
from scene_select.cloud.pipeline.ports import ClaimPolicy, PipelineDeps
from scene_select.cloud.pipeline.records import RunRecord, RunState, RunStore, iso_time
from scene_select.cloud.storage.base import ObjectInfo

__all__ = ["ApprovalOutcome", "handle_approval"]

_KEYS = {"Approve", "RunKey", "Selection", "Note"}


@dataclass(frozen=True)
class ApprovalOutcome:
    kind: Literal["approved", "duplicate"]
    run_key: str
    detail: str


def handle_approval(
    upload: InboxObject, info: ObjectInfo, data: bytes, deps: PipelineDeps, claim: ClaimPolicy
) -> ApprovalOutcome:
    """Record the approval and start the videos; BatchError (an error record, no job) when it makes no sense."""
    document = _parse(upload.key, data)
    runs, record = _run(upload.batch, document.get("RunKey"), deps)
    produce = runs.produce()
    if produce is not Produce.REVIEW:
        raise BatchError(
            f"{upload.key}: batch {upload.batch.label} does not wait for review (its run {runs.run_key} produces "
            f'{produce.value}); approvals are for batches uploaded with "Produce": "review"'
        )
    snap = runs.snapshot()
    step, state = snap.position(produce)
    if snap.approved:
        return ApprovalOutcome("duplicate", runs.run_key, "already approved; its videos are on their way")
    if state is not RunState.WAITING_FOR_REVIEW:
        if state is RunState.FAILED:
            raise BatchError(
                f"{upload.key}: run {runs.run_key} failed at its {step.value} step; there is nothing to approve"
            )
        raise BatchError(
            f"{upload.key}: run {runs.run_key} is not waiting for review yet (it is {state.value}, {step.value} step); "
            "upload the approval once its job.json says waiting-for-review"
        )
    edited = _edited_selection(document.get("Selection"), runs, upload.key)
    approval = {
        "key": upload.key,
        "etag": info.etag,
        "note": document.get("Note"),
        "selection": edited,
        "approvedAt": iso_time(deps.clock()),
    }
    if not runs.mark_approved(approval):
        return ApprovalOutcome("duplicate", runs.run_key, "already approved; its videos are on their way")
    runs.publish(
        record.model_copy(
            update={
                "approval": {k: v for k, v in approval.items() if k != "selection"} | {"edited": edited is not None}
            }
        )
    )
    request = runs.read_request()
    runs.add_pending(request or {})  # back in the reconciler's list until its videos are made
    from scene_select.cloud.pipeline.advance import follow_up

    follow_up(runs.run_key, deps, claim)
    return ApprovalOutcome("approved", runs.run_key, f"{upload.batch.label}: approved, making the videos")


def _parse(key: str, data: bytes) -> dict[str, Any]:
    try:
        document = loads_untrusted(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BatchError(f'{key}: the approval is not JSON ({exc}); write {{"Approve": true}}') from None
    if not isinstance(document, dict):
        raise BatchError(f'{key}: the approval must be a JSON object such as {{"Approve": true}}')
    unknown = sorted(set(document) - _KEYS)
    if unknown:
        raise BatchError(f"{key}: unknown key(s) {unknown} in the approval; it takes {sorted(_KEYS)}")
    if document.get("Approve") is not True:
        raise BatchError(f'{key}: an approval must say "Approve": true (it says {document.get("Approve")!r})')
    if "RunKey" in document and not (isinstance(document["RunKey"], str) and document["RunKey"].isalnum()):
        raise BatchError(f"{key}: RunKey must be the run's key as job.json shows it")
    if "Note" in document and not isinstance(document["Note"], str):
        raise BatchError(f"{key}: Note must be text")
    return document


def _run(batch: BatchRef, run_key: Any, deps: PipelineDeps) -> tuple[RunStore, RunRecord]:
    """The run approved: the one named, else the batch's newest."""
    if run_key is None:
        try:
            latest = RunRecord.model_validate_json(deps.store.get(deps.layout.results_dir(batch) + "job.json"))
        except (ObjectNotFoundError, ValueError):
            raise BatchError(
                f"batch {batch.label} has no run to approve yet; upload its media and manifest first"
            ) from None
        run_key = latest.run_key
    runs = RunStore.of(deps, batch, str(run_key))
    record = runs.read_record()
    if record is None:
        raise BatchError(f"batch {batch.label} has no run {run_key}; check RunKey against its job.json")
    return runs, record


def _edited_selection(value: Any, runs: RunStore, key: str) -> dict[str, Any] | None:
    """An edited selection as ICE's ExtendOutput shape, every clip checked against the run's media."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise BatchError(f"{key}: Selection must be a selection object (selection.json or raw.json shape)")
    allowed = _run_media(runs)
    extend = _as_extend_output(value, key)
    outputs = extend.get("textMatchMediaOutputList") or extend.get("highlightMediaOutputList") or []
    if not outputs:
        raise BatchError(f"{key}: the edited Selection has no outputs")
    for number, output in enumerate(outputs, start=1):
        clip_lists = (
            [s.get("matchClipList") or [] for s in output.get("textMatchMediaSentenceOutputList") or []]
            if "textMatchMediaSentenceOutputList" in output
            else [output.get("highlightClipList") or []]
        )
        if not any(clip_lists):
            raise BatchError(f"{key}: output {number} of the edited Selection has no clip")
        for clips in clip_lists:
            for clip in clips:
                _check_clip(clip, allowed, key, number)
    try:
        media_select_result(extend)  # refused now, with the reason, if too large to send
    except Exception as exc:
        raise BatchError(f"{key}: {exc}") from None
    return extend


def _run_media(runs: RunStore) -> set[str]:
    """Every name the run's media go by: the MediaArray URLs, their ids, and the ids ICE returned."""
    request = runs.read_request() or {}
    try:
        media = json.loads(request.get("params", {}).get("InputConfig", "{}")).get("MediaArray") or []
    except ValueError:
        media = []
    names = {m for m in media if isinstance(m, str)} | {media_id_for(m) for m in media if isinstance(m, str)}
    try:
        raw = runs.store.get(runs.run_dir + "raw.json").decode("utf-8")
        names |= {match for match in _ids_in(json.loads(raw))}
    except (ObjectNotFoundError, ValueError, UnicodeDecodeError):
        pass
    return names


def _ids_in(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["mediaId"]} if isinstance(node.get("mediaId"), str) else set()
        return found.union(*(_ids_in(v) for v in node.values())) if node else found
    if isinstance(node, list):
        return set().union(*(_ids_in(item) for item in node)) if node else set()
    return set()


def _check_clip(clip: Any, allowed: set[str], key: str, output: int) -> None:
    if not isinstance(clip, dict):
        raise BatchError(f"{key}: output {output} has a clip that is not an object")
    names = [clip.get(field) for field in ("mediaId", "mediaURL") if isinstance(clip.get(field), str)]
    if not names or not any(name in allowed for name in names):
        raise BatchError(
            f"{key}: output {output} has a clip of media {names[0] if names else '(none)'!r}, which is not one of "
            "this run's media; an edited selection may rearrange and trim the run's own clips only"
        )
    start, end = clip.get("startTime"), clip.get("endTime")
    if not (isinstance(start, (int, float)) and isinstance(end, (int, float)) and 0 <= start < end):
        raise BatchError(f"{key}: output {output} has a clip with in {start!r} and out {end!r}; need 0 <= in < out")


def _as_extend_output(value: dict[str, Any], key: str) -> dict[str, Any]:
    """selection.json's shape back into ICE's (raw.json's shape passes as it is)."""
    if "textMatchMediaOutputList" in value or "highlightMediaOutputList" in value:
        return value
    outputs = value.get("outputs")
    if not isinstance(outputs, list):
        raise BatchError(f"{key}: Selection has neither outputs (selection.json) nor ICE's output lists (raw.json)")

    def clip(entry: dict[str, Any]) -> dict[str, Any]:
        converted = {"mediaId": entry.get("mediaId"), "startTime": entry.get("in"), "endTime": entry.get("out")}
        if entry.get("mediaUrl"):
            converted["mediaURL"] = entry["mediaUrl"]
        if entry.get("isIntro"):
            converted["isIntro"] = True
        return converted

    if all(isinstance(o, dict) and o.get("highlights") is not None for o in outputs):
        return {
            "highlightMediaOutputList": [
                {
                    "duration": o.get("duration"),
                    "highlightClipList": [clip(c) for c in o["highlights"] if isinstance(c, dict)],
                }
                for o in outputs
            ]
        }
    return {
        "textMatchMediaOutputList": [
            {
                "textMatchMediaSentenceOutputList": [
                    {
                        "text": s.get("text"),
                        "textId": s.get("textId"),
                        "duration": s.get("duration"),
                        "matchClipList": [clip(c) for c in s.get("clips") or [] if isinstance(c, dict)],
                    }
                    for s in o.get("sentences") or []
                    if isinstance(s, dict)
                ],
                **({"scriptIndex": o["scriptIndex"]} if isinstance(o.get("scriptIndex"), int) else {}),
            }
            for o in outputs
            if isinstance(o, dict)
        ]
    }
