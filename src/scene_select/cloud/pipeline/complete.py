"""Turn a terminal ICE job into the results of its step — the one path callback and reconcile share.

Each step's results are written once, then its terminal marker:

* selection — ``raw.json`` (ICE's ExtendOutput) and ``selection.json``, put only if absent;
* timeline — the editing project ids ICE made (in the step's ``finished.json``; their timelines are
  fetched by the follow-up, advance.py);
* render — ``videos.json``: each video's URL, duration and size.

The views come after the marker: ``job.json`` and ``report.html`` (the run's and, when it is the batch's
newest run, the batch's copies people open) are rewritten whenever the run moves, from what is stored.
A crash anywhere leaves the run pending: before the marker, the next callback or reconcile pass resumes
from the first missing file; after it, the follow-up redoes the views. A run's pending entry is dropped
only once the run is done (finish_run), or while it waits for a person's approval.
"""

from __future__ import annotations

import json
import logging
import posixpath
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from scene_select.cloud.errors import ObjectNotFoundError
from scene_select.cloud.models.ice_api import IceJob
from scene_select.cloud.models.selection import parse_extend_output
from scene_select.cloud.models.steps import Produce, Step
from scene_select.cloud.pipeline.normalise import normalise_selection
from scene_select.cloud.pipeline.ports import USER_DATA_KEY, PipelineDeps
from scene_select.cloud.pipeline.records import RunIndexEntry, RunRecord, RunSnapshot, RunState, RunStore, iso_time
from scene_select.cloud.pipeline.report import ReportProgress, ThumbnailLookup, render_report

__all__ = [
    "RESULT_FILES",
    "VIDEOS_FILE",
    "CompletionOutcome",
    "ReportMedia",
    "complete_run",
    "finish_run",
    "job_step",
    "load_run_index",
    "publish_report",
    "step_record",
]

log = logging.getLogger(__name__)

ResultFile = Literal["raw.json", "selection.json", "report.html"]
RESULT_FILES: tuple[ResultFile, ...] = ("raw.json", "selection.json", "report.html")
VIDEOS_FILE = "videos.json"
_JSON = "application/json"
_CONTENT_TYPES = {"raw.json": _JSON, "selection.json": _JSON, "report.html": "text/html; charset=utf-8"}
# Files of a run mirrored next to the batch's own job.json when the run is the batch's newest; the
# editor timelines (timeline*.otio/.xml/.fcpxml/.edl) and ICE timelines are found by listing.
_MIRRORED = ("raw.json", "selection.json", "projects.json", VIDEOS_FILE, "timelines.json")
_MIRRORED_PREFIXES = ("timeline", "ice-timeline-")


Links = Callable[[str, str], str]
"""(object key, key of the report that links to it) → the href the report uses."""


def relative_link(key: str, report_key: str) -> str:
    """An href from one object to another in the same bucket: works for a local bucket opened as files,
    and over HTTP from the local dashboard."""
    return posixpath.relpath(key, posixpath.dirname(report_key) or ".")


@dataclass(frozen=True)
class ReportMedia:
    """How a report shows media: a preview per clip, and links to videos and files (signed URLs in OSS)."""

    thumbnail: ThumbnailLookup | None = None
    link: Links = relative_link


@dataclass(frozen=True)
class CompletionOutcome:
    kind: Literal["written", "already-complete", "not-terminal"]
    state: str
    run_key: str
    step: Step = Step.SELECTION
    files: tuple[str, ...] = field(default=())


def load_run_index(deps: PipelineDeps, run_key: str) -> RunIndexEntry | None:
    """The run's index entry, or None when this bucket never claimed such a run."""
    try:
        return RunIndexEntry.model_validate_json(deps.store.get(deps.layout.run_index_key(run_key)))
    except (ObjectNotFoundError, ValueError):
        return None


def job_step(job: IceJob) -> Step:
    """Which step of its run an ICE job is (UserData names it; a job that names none is a selection)."""
    marker = job.user_data_dict().get(USER_DATA_KEY)
    value = marker.get("step") if isinstance(marker, dict) else None
    try:
        return Step(value) if isinstance(value, str) else Step.SELECTION
    except ValueError:
        return Step.SELECTION


def complete_run(
    job: IceJob,
    entry: RunIndexEntry,
    deps: PipelineDeps,
    *,
    thumbnail: ThumbnailLookup | None = None,
    media: ReportMedia | None = None,
) -> CompletionOutcome:
    """Write the results of a finished (or the error of a failed) job for its run and step, once."""
    media = media or ReportMedia(thumbnail=thumbnail)
    step = job_step(job)
    runs = RunStore.of(deps, entry.batch, entry.run_key)
    snap = runs.snapshot()
    if snap[step].terminal:
        if runs.is_pending() and snap.done(runs.produce()):  # its writer may have died before the views
            finish_run(runs, entry, deps, media)
        return CompletionOutcome("already-complete", snap[step].state.value, entry.run_key, step)
    if job.status not in ("Finished", "Failed"):
        return CompletionOutcome("not-terminal", job.status, entry.run_key, step)
    written: dict[str, bytes] = {}  # what this call wrote: mirrored and shown without reading it back
    if job.status == "Failed":
        error = {
            "code": job.error_code or "JobFailed",
            "message": job.error_message or f"ICE reported the {step.value} job failed",
            "step": step.value,
        }
        runs.mark_terminal(RunState.FAILED, {"jobId": job.job_id, "error": error}, step)
    elif step is Step.SELECTION:
        written = _write_selection(job, entry, runs, deps)
    elif step is Step.TIMELINE:
        _finish_timeline(job, runs)
    else:
        written = _finish_render(job, runs, deps)
    produce = runs.produce()
    snap = runs.snapshot()
    state = snap[step].state
    record = step_record(
        runs,
        entry,
        step,
        state,
        job_id=job.job_id,
        completed_at=iso_time(runs.clock()),
        error=_marker_error(runs, step) if snap[step].failed else None,
    )
    if step is Step.SELECTION and state is RunState.FINISHED:
        # the editor timelines are written by the follow-up (export_pending), after the callback answered
        deps.store.put(
            deps.layout.exports_key(entry.run_key), json.dumps({"runKey": entry.run_key}).encode(), content_type=_JSON
        )
    if snap.done(produce):
        # the batch's copies first, then "finished"
        finish_run(runs, entry, deps, media, record=record, snap=snap, fresh=written)
    else:
        if step is Step.SELECTION and state is RunState.FINISHED and runs.is_latest_run(record):
            # the run goes on (videos), but its selection is the batch's to look at (and approve) now
            results: dict[str, str] = {name: runs.run_dir + name for name in RESULT_FILES}
            results.update(_mirror_latest(runs, entry, snap, written))
            record = record.model_copy(update={"results": {**(record.results or {}), **results}})
        runs.publish(record)
        publish_report(runs, entry, deps, media, snap=snap, fresh=written)
    if deps.follow_ups is not None:
        deps.follow_ups.request(entry.run_key)
    log.info("run %s of %s: %s step %s (job %s)", entry.run_key, entry.batch.label, step.value, state.value, job.job_id)
    return CompletionOutcome("written", state.value, entry.run_key, step, tuple(written))


def _marker_error(runs: RunStore, step: Step) -> dict[str, str] | None:
    marker = runs.read_marker("failed.json", step)
    error = marker.get("error") if marker else None
    return {str(k): str(v) for k, v in error.items()} if isinstance(error, dict) else None


def _write_selection(job: IceJob, entry: RunIndexEntry, runs: RunStore, deps: PipelineDeps) -> dict[str, bytes]:
    result = parse_extend_output(job.job_type, job.extend_output)
    selection = normalise_selection(job, result, batch=entry.batch.label, run_key=entry.run_key)
    contents = {
        "raw.json": (job.extend_output or "null").encode("utf-8"),
        "selection.json": json.dumps(selection, ensure_ascii=False, indent=2).encode("utf-8"),
    }
    written = {
        name: data
        for name, data in contents.items()
        if deps.store.put_if_absent(runs.run_dir + name, data, content_type=_CONTENT_TYPES[name])
    }
    # The marker comes after every file: a terminal step always has its complete results.
    runs.mark_terminal(RunState.FINISHED, {"jobId": job.job_id, "clips": result.clip_count()})
    return written


def _finish_timeline(job: IceJob, runs: RunStore) -> None:
    """The editing projects ICE made, one per output: where ICE puts their ids is unconfirmed, so every
    place seen in its answers is read (SubJobList[].ProjectId first, then ExtendOutput)."""
    project_ids = [str(sub["ProjectId"]) for sub in job.sub_jobs() if sub.get("ProjectId")]
    if not project_ids and job.extend_output:
        project_ids = _project_ids_in(job.extend_output)
    if not project_ids:
        log.warning("timeline job %s finished without project ids; ICE answered: %s", job.job_id, job.model_dump_json())
        error = {
            "code": "NoEditingProject",
            "message": f"ICE finished the timeline job {job.job_id} but named no editing project",
            "step": Step.TIMELINE.value,
        }
        runs.mark_terminal(RunState.FAILED, {"jobId": job.job_id, "error": error}, Step.TIMELINE)
        return
    log.info("timeline job %s made projects %s", job.job_id, project_ids)
    runs.mark_terminal(RunState.FINISHED, {"jobId": job.job_id, "projectIds": project_ids}, Step.TIMELINE)


def _project_ids_in(text: str) -> list[str]:
    try:
        value = json.loads(text)
    except ValueError:
        return []
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, item in node.items():
                if key in ("ProjectId", "projectId") and isinstance(item, str) and item:
                    found.append(item)
                elif key in ("ProjectIds", "projectIds") and isinstance(item, list):
                    found.extend(str(i) for i in item if isinstance(i, str) and i)
                else:
                    walk(item)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(value)
    return list(dict.fromkeys(found))


def _finish_render(job: IceJob, runs: RunStore, deps: PipelineDeps) -> dict[str, bytes]:
    """Each rendered video: URL, duration, size (read from the bucket when the video is in it), status."""
    videos = []
    for number, sub in enumerate(job.sub_jobs(), start=1):
        url = sub.get("MediaURL") or sub.get("MediaUrl")
        video: dict[str, Any] = {
            "output": number,
            "url": url,
            "mediaId": sub.get("MediaId"),
            "projectId": sub.get("ProjectId"),
            "status": sub.get("Status"),
            "duration": sub.get("Duration"),
        }
        key = _bucket_key(url, deps) if isinstance(url, str) else None
        if key is not None:
            video["key"] = key
            info = deps.store.head(key)
            video["size"] = info.size if info else None
        if sub.get("ErrorCode") or sub.get("ErrorMessage"):
            video["error"] = {"code": sub.get("ErrorCode"), "message": sub.get("ErrorMessage")}
        videos.append(video)
    succeeded = [v for v in videos if str(v.get("status")).lower() in ("success", "finished")]
    document = {"runKey": runs.run_key, "jobId": job.job_id, "videos": videos, "at": iso_time(runs.clock())}
    data = json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
    written = (
        {VIDEOS_FILE: data} if deps.store.put_if_absent(runs.run_dir + VIDEOS_FILE, data, content_type=_JSON) else {}
    )
    if not succeeded:
        error = {
            "code": "NoVideoRendered",
            "message": f"ICE finished the render job {job.job_id} but no video succeeded",
            "step": Step.RENDER.value,
        }
        runs.mark_terminal(RunState.FAILED, {"jobId": job.job_id, "error": error}, Step.RENDER)
    else:
        runs.mark_terminal(RunState.FINISHED, {"jobId": job.job_id, "videos": len(succeeded)}, Step.RENDER)
    return written


def _bucket_key(url: str, deps: PipelineDeps) -> str | None:
    """The key of an object of this deployment's bucket from its OSS URL, or None for any other URL."""
    from urllib.parse import unquote, urlsplit

    base = urlsplit(deps.store.url_for("x"))
    parts = urlsplit(url)
    if parts.netloc != base.netloc or not parts.path.startswith("/"):
        return None
    return unquote(parts.path[1:]) or None


# ------------------------------------------------------------------------------------------ views


def step_record(runs: RunStore, entry: RunIndexEntry, step: Step, state: RunState, **fields: Any) -> RunRecord:
    """The run's view with one step's news (``job_id``, ``submitted_at``, ``completed_at``, ``error``,
    ``note``); the selection step's also stay at the top of job.json, as they always were."""
    record = runs.read_record() or _bare_record(entry, runs.produce())
    news = {
        {"job_id": "jobId", "submitted_at": "submittedAt", "completed_at": "completedAt"}.get(k, k): v
        for k, v in fields.items()
        if k in ("job_id", "submitted_at", "completed_at", "error") and v is not None
    }
    steps = {name: dict(values) for name, values in record.steps.items()}
    steps[step.value] = {**steps.get(step.value, {}), **news, "state": state.value}
    update: dict[str, Any] = {"steps": steps}
    if step is Step.SELECTION:
        update.update({k: v for k, v in fields.items() if k in ("job_id", "submitted_at", "completed_at")})
    if fields.get("error"):
        update["error"] = fields["error"]
    if "note" in fields:
        update["note"] = fields["note"]
    return record.model_copy(update=update)


def publish_report(
    runs: RunStore,
    entry: RunIndexEntry,
    deps: PipelineDeps,
    media: ReportMedia | None,
    *,
    record: RunRecord | None = None,
    snap: RunSnapshot | None = None,
    fresh: Mapping[str, bytes] | None = None,
    latest: bool | None = None,
) -> None:
    """Write report.html for the run (and the batch's copy when the run is its newest), as the run stands
    (or as ``record``, the view about to be published, says). ``snap``/``fresh``/``latest`` are what the
    caller already knows (the run's markers and files, bytes it just wrote, whether it is the newest run)."""
    media = media or ReportMedia()
    fresh = fresh or {}
    snap = snap or runs.snapshot()
    if "selection.json" not in snap.files and "selection.json" not in fresh:
        return  # no selection yet: nothing to show
    try:
        selection = json.loads(fresh.get("selection.json") or runs.store.get(runs.run_dir + "selection.json"))
    except (ObjectNotFoundError, ValueError):
        return
    record = record or runs.read_record()
    targets = [runs.run_dir + "report.html"]
    if record is not None and (latest if latest is not None else runs.is_latest_run(record)):
        targets.append(runs.layout.results_dir(entry.batch) + "report.html")
    for target in targets:
        progress = _progress(runs, record, media, target, snap=snap, fresh=fresh)
        html = render_report(
            selection,
            thumbnail=media.thumbnail or _no_thumbnail,
            warnings=record.warnings if record else [],
            progress=progress,
        )
        runs.store.put(target, html.encode("utf-8"), content_type=_CONTENT_TYPES["report.html"])


def _no_thumbnail(_clip: object) -> None:
    return None


def _progress(
    runs: RunStore,
    record: RunRecord | None,
    media: ReportMedia,
    report_key: str,
    *,
    snap: RunSnapshot,
    fresh: Mapping[str, bytes],
) -> ReportProgress:
    produce = record.produce if record else Produce.SELECTION
    videos: list[dict[str, Any]] = []
    if VIDEOS_FILE in snap.files or VIDEOS_FILE in fresh:
        try:
            stored = fresh.get(VIDEOS_FILE) or runs.store.get(runs.run_dir + VIDEOS_FILE)
            for video in json.loads(stored).get("videos", []):
                href = media.link(video["key"], report_key) if video.get("key") else video.get("url")
                videos.append({**video, "href": href})
        except (ObjectNotFoundError, ValueError):
            pass
    files = [
        (name, media.link(runs.run_dir + name, report_key))
        for name in sorted(snap.files | set(fresh))
        if name.startswith(_MIRRORED_PREFIXES) and name != "timelines.json"
    ]
    return ReportProgress(
        produce=produce.value,
        step=(record.step.value if record else Step.SELECTION.value),
        state=(record.state.value if record else RunState.FINISHED.value),
        videos=videos,
        files=files,
        error=record.error if record else None,
        approval_file=(
            runs.layout.approval_key(runs.batch) if record and record.state is RunState.WAITING_FOR_REVIEW else None
        ),
    )


def finish_run(
    runs: RunStore,
    entry: RunIndexEntry,
    deps: PipelineDeps,
    media: ReportMedia | None = None,
    *,
    record: RunRecord | None = None,
    snap: RunSnapshot | None = None,
    fresh: Mapping[str, bytes] | None = None,
) -> RunRecord:
    """Publish a done run's views (and the batch's latest copies), then drop its pending entry.

    Everything here is derived from what is stored — the terminal markers and the run's own result
    files — so it can be redone by anyone, any number of times: the callback, follow-up or reconcile
    pass that finds a done run still pending (its writer died between the marker and here) finishes it.
    The pending entry goes last, so until the views are right the reconciler keeps coming back.
    ``record``, ``snap`` and ``fresh`` are what the caller already knows (the view it is about to
    publish, the markers it just read, the bytes it just wrote): nothing is read twice.
    """
    fresh = fresh or {}
    snap = snap or runs.snapshot()
    produce = runs.produce()
    step, state = snap.position(produce)
    update: dict[str, object] = {}
    if record is None:
        record = runs.read_record() or _bare_record(entry, produce)
        selection_marker = runs.read_marker("finished.json" if snap.finished else "failed.json") or {}
        last_marker = runs.read_marker("finished.json" if state is RunState.FINISHED else "failed.json", step) or {}
        completed = last_marker.get("at") if step is Step.SELECTION else selection_marker.get("at")
        update["completed_at"] = record.completed_at or completed or iso_time(runs.clock())
        if isinstance(selection_marker.get("jobId"), str):
            update["job_id"] = selection_marker["jobId"]
        if state is RunState.FAILED and isinstance(last_marker.get("error"), dict):
            update["error"] = last_marker["error"]
    latest = runs.is_latest_run(record)
    if snap.finished:
        results: dict[str, str] = {name: runs.run_dir + name for name in RESULT_FILES}
        if latest:
            results.update(_mirror_latest(runs, entry, snap, fresh))
        update["results"] = {**(record.results or {}), **results}
    update.update({"step": step, "state": state})
    final = record.model_copy(update=update)
    # the report first: "finished" in job.json means everything is there
    publish_report(runs, entry, deps, media, record=final, snap=snap, fresh=fresh, latest=latest)
    published = runs.publish(final)
    runs.remove_pending()
    return published


def _mirror_latest(
    runs: RunStore, entry: RunIndexEntry, snap: RunSnapshot, fresh: Mapping[str, bytes]
) -> dict[str, str]:
    """Copy the run's result files next to the batch's job.json (the run's copy is the one truth)."""
    latest_dir = runs.layout.results_dir(entry.batch)
    mirrored: dict[str, str] = {}
    for name in sorted(snap.files | set(fresh)):
        if not (name in _MIRRORED or name.startswith(_MIRRORED_PREFIXES)):
            continue
        data = fresh[name] if name in fresh else runs.store.get(runs.run_dir + name)
        runs.store.put(latest_dir + name, data, content_type=_content_type(name))
        mirrored[f"latest {name}"] = latest_dir + name
    mirrored["latest report.html"] = latest_dir + "report.html"
    return mirrored


def _content_type(name: str) -> str:
    if name.endswith(".json"):
        return _JSON
    if name.endswith((".xml", ".fcpxml")):
        return "application/xml"
    return "application/octet-stream"


def _bare_record(entry: RunIndexEntry, produce: Produce) -> RunRecord:
    """A record for a run whose job.json was never written (its submitter died right after claiming)."""
    return RunRecord(
        batch=entry.batch.label,
        job_type=entry.job_type.value,
        run_key=entry.run_key,
        state=RunState.SUBMITTED,
        produce=produce,
        claimed_at=iso_time(entry.claimed_at),
        lease=1,
    )
