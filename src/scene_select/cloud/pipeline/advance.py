"""What happens to a run after one of its steps finished — its follow-up — done by whoever gets there first.

complete.py records a step's results the moment ICE says its job ended (in the callback, or in the
reconcile pass when the callback got lost). Everything after that is the *follow-up*, done here after
the callback has answered ICE: the callback function asks Function Compute for an asynchronous
invocation of itself (ports.FollowUps), and the reconcile pass runs it for any run that still needs it.
Every part is idempotent, so running it twice, or two at once, changes nothing:

1. the editor timelines of a finished selection (exports.py: OpenTimelineIO and its adapters), once;
2. the ICE timelines of a finished timeline step (GetEditingProject for each project), once;
3. the next step when the batch asked for it — timeline after selection (``video`` at once, ``review``
   once a person approved), render after timeline — claimed and submitted as the selection is;
4. a review run whose selection finished: its view says it waits for approval, and it leaves the
   pending index until an approval arrives (approval.py);
5. a run that is done: its views and the batch's latest copies, then its pending entry is dropped.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from pydantic import ValidationError

from scene_select.cloud.errors import JobConfigError, ObjectNotFoundError
from scene_select.cloud.models.job_config import SelectionJobRequest, UserData
from scene_select.cloud.models.step_requests import BatchEditingJobRequest, TimelineJobRequest
from scene_select.cloud.models.steps import Step
from scene_select.cloud.models.wire import describe_validation_error
from scene_select.cloud.pipeline.complete import (
    ReportMedia,
    finish_run,
    load_run_index,
    publish_report,
    step_record,
)
from scene_select.cloud.pipeline.ports import USER_DATA_KEY, ClaimPolicy, PipelineDeps
from scene_select.cloud.pipeline.records import RunIndexEntry, RunState, RunStore, iso_time
from scene_select.cloud.pipeline.submit import StepJob, claim_step

__all__ = ["PROJECTS_FILE", "follow_up", "ice_timeline_name"]

log = logging.getLogger(__name__)

PROJECTS_FILE = "projects.json"
"""The editing projects ICE made for a run, one per output, with the file holding each one's timeline."""


def ice_timeline_name(number: int) -> str:
    """The file of output ``number``'s ICE Timeline JSON (numbered from 1, as people count outputs)."""
    return f"ice-timeline-{number}.json"


def follow_up(run_key: str, deps: PipelineDeps, claim: ClaimPolicy, *, media: ReportMedia | None = None) -> str:
    """Do whatever the run needs next (see the module docstring); returns what was done, for the logs."""
    from scene_select.cloud.pipeline.exports import export_pending

    entry = load_run_index(deps, run_key)
    if entry is None:
        deps.store.delete(deps.layout.exports_key(run_key))
        return "unknown-run"
    done: list[str] = []
    if export_pending(entry, deps):
        done.append("editor-timelines")
    runs = RunStore.of(deps, entry.batch, run_key)
    produce = runs.produce()
    snap = runs.snapshot()
    if snap[Step.TIMELINE].finished and _fetch_project_timelines(runs, deps):
        done.append("ice-timelines")
        snap = runs.snapshot()
    step, state = snap.position(produce)
    resumable = (RunState.QUEUED, RunState.CLAIMED, RunState.SUBMIT_UNKNOWN)
    if step is not Step.SELECTION and state in resumable and runs.is_pending():
        outcome = _submit_next(step, runs, entry, deps, claim)
        done.append(f"{step.value}-{outcome}")
        if outcome == "failed":
            finish_run(runs, entry, deps, media)
    elif state is RunState.WAITING_FOR_REVIEW and runs.is_pending():
        record = runs.read_record()
        if record is not None:
            runs.publish(record.model_copy(update={"note": "waiting for a person's approval (approval.json)"}))
        publish_report(runs, entry, deps, media)
        runs.remove_pending()  # nothing to do until an approval arrives; the approval adds it back
        done.append("waiting-for-review")
    elif state in (RunState.FINISHED, RunState.FAILED) and runs.is_pending():
        finish_run(runs, entry, deps, media)
        done.append(f"run-{state.value}")
    elif done:
        publish_report(runs, entry, deps, media)
    return ", ".join(done) or "nothing-to-do"


# ------------------------------------------------------------------------------------------ timeline projects


def _fetch_project_timelines(runs: RunStore, deps: PipelineDeps) -> bool:
    """Write each editing project's ICE Timeline JSON and projects.json, once; True if written now."""
    if deps.store.head(runs.run_dir + PROJECTS_FILE) is not None:
        return False
    marker = runs.read_marker("finished.json", Step.TIMELINE) or {}
    project_ids = [p for p in marker.get("projectIds") or [] if isinstance(p, str)]
    projects = []
    for number, project_id in enumerate(project_ids, start=1):
        project = deps.ice.get_editing_project(project_id)
        entry: dict[str, Any] = {"output": number, "projectId": project_id, "status": project.status}
        if project.timeline:
            name = ice_timeline_name(number)
            deps.store.put(runs.run_dir + name, project.timeline.encode("utf-8"), content_type="application/json")
            entry["timeline"] = name
        else:
            entry["timeline"] = None
            log.warning("editing project %s of run %s came without a timeline", project_id, runs.run_key)
        if project.duration is not None:
            entry["duration"] = project.duration
        projects.append(entry)
    document = {"runKey": runs.run_key, "projects": projects, "at": iso_time(runs.clock())}
    data = json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
    return deps.store.put_if_absent(runs.run_dir + PROJECTS_FILE, data, content_type="application/json")


# ------------------------------------------------------------------------------------------ the next step


def _user_data(deps: PipelineDeps, runs: RunStore, step: Step, selection: SelectionJobRequest) -> UserData:
    """The selection job's UserData (its NotifyAddress) with this step named, so the callback knows it."""
    wire = selection.user_data.to_wire() if selection.user_data else {}
    notify = wire.get("NotifyAddress")
    ours = {"bucket": deps.store.bucket, "run": runs.run_key, "step": step.value}
    return UserData.model_validate({**({"NotifyAddress": notify} if notify else {}), USER_DATA_KEY: ours})


def _selection_request(runs: RunStore) -> SelectionJobRequest:
    document = runs.read_request()
    if document is None:
        raise JobConfigError(f"run {runs.run_key} has no request.json; it cannot go on to its next step")
    params = document["params"]
    return SelectionJobRequest.from_wire(
        params["JobType"],
        params["InputConfig"],
        params["OutputConfig"],
        params.get("EditingConfig"),
        params.get("UserData"),
    )


def _selection_for_timeline(runs: RunStore) -> dict[str, Any]:
    """What the timeline step is made from: the selection a person approved (edited or not), else ICE's."""
    approval = runs.read_marker("approved.json") or {}
    edited = approval.get("selection")
    if isinstance(edited, dict):
        return edited
    try:
        raw = json.loads(runs.store.get(runs.run_dir + "raw.json"))
    except (ObjectNotFoundError, ValueError) as exc:
        raise JobConfigError(f"run {runs.run_key}: the selection (raw.json) cannot be read: {exc}") from exc
    if not isinstance(raw, dict):
        raise JobConfigError(f"run {runs.run_key}: the selection (raw.json) is not a JSON object")
    return raw


def _submit_next(step: Step, runs: RunStore, entry: RunIndexEntry, deps: PipelineDeps, claim: ClaimPolicy) -> str:
    try:
        selection = _selection_request(runs)
        user_data = _user_data(deps, runs, step, selection)
        if step is Step.TIMELINE:
            timeline = TimelineJobRequest.after_selection(selection, _selection_for_timeline(runs), user_data=user_data)
            job = StepJob(
                step,
                submit=lambda: deps.ice.submit_scene_timeline_organization_job(timeline),
                record=lambda state, lease, claimed_at, **fields: step_record(runs, entry, step, state, **fields),
            )
        else:
            project_ids = [p["projectId"] for p in _projects(runs)]
            render = BatchEditingJobRequest.for_projects(project_ids, selection.output_config, user_data=user_data)
            job = StepJob(
                step,
                submit=lambda: deps.ice.submit_scene_batch_editing_job(render),
                record=lambda state, lease, claimed_at, **fields: step_record(runs, entry, step, state, **fields),
            )
    except ValidationError as exc:
        _fail_step(
            runs, entry, deps, step, code="InvalidStepRequest", message=describe_validation_error(step.value, exc)
        )
        return "failed"
    except JobConfigError as exc:
        _fail_step(runs, entry, deps, step, code="InvalidStepRequest", message=str(exc))
        return "failed"
    outcome = claim_step(job, runs, deps.ice, claim, claimed_at=deps.clock())
    return outcome.kind


def _projects(runs: RunStore) -> list[dict[str, Any]]:
    try:
        document = json.loads(runs.store.get(runs.run_dir + PROJECTS_FILE))
    except (ObjectNotFoundError, ValueError) as exc:
        raise JobConfigError(f"run {runs.run_key}: the editing projects (projects.json) cannot be read") from exc
    projects = [p for p in document.get("projects", []) if isinstance(p, dict) and isinstance(p.get("projectId"), str)]
    if not projects:
        raise JobConfigError(f"run {runs.run_key}: ICE made no editing project to render")
    return projects


def _fail_step(
    runs: RunStore, entry: RunIndexEntry, deps: PipelineDeps, step: Step, *, code: str, message: str
) -> None:
    """A step that cannot even be asked for: the run fails with a record that says why and what to do."""
    error = {"code": code, "message": message, "step": step.value}
    runs.mark_terminal(RunState.FAILED, {"error": error}, step)
    runs.publish(step_record(runs, entry, step, RunState.FAILED, error=error, completed_at=iso_time(runs.clock())))
    log.error("run %s: the %s step cannot be submitted: %s", runs.run_key, step.value, message)
