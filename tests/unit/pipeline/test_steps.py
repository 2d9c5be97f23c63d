"""A run's steps: where a run stands for each Produce, from its markers alone."""

from __future__ import annotations

import pytest

from scene_select.cloud.models.steps import Produce, Step
from scene_select.cloud.pipeline.records import RunSnapshot, RunState


def _snapshot(**marks: str) -> RunSnapshot:
    """Markers per step: ``selection="finished", timeline="submitted"``; ``approved="yes"`` for approval."""
    snap = RunSnapshot()
    for name, mark in marks.items():
        if name == "approved":
            snap.approved = True
            continue
        step = snap[Step(name)]
        step.leases[1] = 0.0
        if mark == "unknown":
            step.unknown.add(1)
        if mark in ("submitted", "finished", "failed"):
            step.submitted = True
        if mark == "finished":
            step.finished = True
        if mark == "failed":
            step.failed = True
    return snap


@pytest.mark.parametrize(
    ("produce", "marks", "where"),
    [
        (Produce.SELECTION, {}, (Step.SELECTION, RunState.CLAIMED)),
        (Produce.SELECTION, {"selection": "submitted"}, (Step.SELECTION, RunState.SUBMITTED)),
        (Produce.SELECTION, {"selection": "finished"}, (Step.SELECTION, RunState.FINISHED)),
        (Produce.VIDEO, {"selection": "finished"}, (Step.TIMELINE, RunState.QUEUED)),
        (Produce.VIDEO, {"selection": "finished", "timeline": "claimed"}, (Step.TIMELINE, RunState.CLAIMED)),
        (Produce.VIDEO, {"selection": "finished", "timeline": "unknown"}, (Step.TIMELINE, RunState.SUBMIT_UNKNOWN)),
        (Produce.VIDEO, {"selection": "finished", "timeline": "finished"}, (Step.RENDER, RunState.QUEUED)),
        (
            Produce.VIDEO,
            {"selection": "finished", "timeline": "finished", "render": "finished"},
            (Step.RENDER, RunState.FINISHED),
        ),
        (Produce.VIDEO, {"selection": "finished", "timeline": "failed"}, (Step.TIMELINE, RunState.FAILED)),
        (Produce.VIDEO, {"selection": "failed"}, (Step.SELECTION, RunState.FAILED)),
        (Produce.REVIEW, {"selection": "finished"}, (Step.TIMELINE, RunState.WAITING_FOR_REVIEW)),
        (Produce.REVIEW, {"selection": "finished", "approved": "yes"}, (Step.TIMELINE, RunState.QUEUED)),
        (Produce.REVIEW, {"selection": "submitted"}, (Step.SELECTION, RunState.SUBMITTED)),
    ],
)
def test_the_current_step_and_state_follow_from_the_markers(
    produce: Produce, marks: dict[str, str], where: tuple[Step, RunState]
) -> None:
    snap = _snapshot(**marks)
    assert snap.position(produce) == where
    assert snap.done(produce) is (where[1] in (RunState.FINISHED, RunState.FAILED))


def test_progress_only_grows_as_a_video_run_advances() -> None:
    stages = [
        {},
        {"selection": "submitted"},
        {"selection": "finished"},
        {"selection": "finished", "timeline": "claimed"},
        {"selection": "finished", "timeline": "submitted"},
        {"selection": "finished", "timeline": "finished"},
        {"selection": "finished", "timeline": "finished", "render": "submitted"},
        {"selection": "finished", "timeline": "finished", "render": "finished"},
    ]
    progress = [_snapshot(**marks).progress(Produce.VIDEO) for marks in stages]
    assert progress == sorted(progress) and len(set(progress)) == len(progress)


def test_produce_is_parsed_strictly_with_a_clear_error() -> None:
    from scene_select.cloud.errors import JobConfigError

    assert Produce.parse(" Video ", where="job.json") is Produce.VIDEO
    with pytest.raises(JobConfigError, match=r"job\.json: Produce must be one of selection, video or review"):
        Produce.parse("videos", where="job.json")
    assert Produce.REVIEW.steps == (Step.SELECTION, Step.TIMELINE, Step.RENDER)
