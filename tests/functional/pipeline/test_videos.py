"""Batches that ask for videos, through the local stack: selection → timeline → render, at once or after
an approval, each step exactly once whatever is delivered twice.

The selection is the deterministic quick runner and rendering the placeholder renderer (a real MP4 of the
right size and length): what is checked here is the pipeline's protocol. The real engine and renderer are
checked frame by frame in tests/functional/render and tests/e2e.
"""

from __future__ import annotations

import json
import threading

import av

from scene_select.workstation.local.emulator import Faults
from scene_select.workstation.local.stack import LocalStack
from scene_select_testkit.ice import emulator_jobs
from scene_select_testkit.stack import placeholder_video, wait_for_state

SCRIPT = "海边的日落。A red kite climbs."


def _upload(stack: LocalStack, name: str, produce: str, **output: object) -> str:
    prefix = f"inbox/smart-mix/{name}/"
    stack.store.put(prefix + "beach.mp4", placeholder_video("b"))
    stack.store.put(prefix + "kite.mp4", placeholder_video("k"))
    manifest = {
        "SpeechTextArray": [SCRIPT],
        "Produce": produce,
        "OutputConfig": {"Width": 640, "Height": 360, **output},
    }
    stack.store.put(prefix + "job.json", json.dumps(manifest).encode())
    return f"results/smart-mix/{name}/"


def _jobs_by_type(stack: LocalStack) -> dict[str, int]:
    counts: dict[str, int] = {}
    for job in emulator_jobs(stack.emulator):
        counts[job["JobType"]] = counts.get(job["JobType"], 0) + 1
    return counts


def test_a_video_batch_ends_with_videos_and_every_steps_record(stack: LocalStack) -> None:
    results = _upload(stack, "holiday", "video", Count=2)
    record = wait_for_state(stack, results, {"finished", "failed"}, timeout=120)
    assert record["state"] == "finished", record
    assert record["step"] == "render" and record["produce"] == "video"
    assert {step: fields["state"] for step, fields in record["steps"].items()} == {
        "selection": "finished",
        "timeline": "finished",
        "render": "finished",
    }
    assert all(fields.get("jobId") for fields in record["steps"].values())
    assert _jobs_by_type(stack) == {
        "Smart_Mix_Media_Select": 1,
        "Smart_Mix_Timeline_Organize": 1,
        "Scene_Batch_Editing": 1,
    }
    projects = json.loads(stack.store.get(results + "projects.json"))["projects"]
    assert [p["output"] for p in projects] == [1, 2]
    for project in projects:
        timeline = json.loads(stack.store.get(results + project["timeline"]))
        assert timeline["VideoTracks"][0]["VideoTrackClips"]  # ICE Timeline JSON, one per output
    videos = json.loads(stack.store.get(results + "videos.json"))["videos"]
    assert [v["output"] for v in videos] == [1, 2]
    for video in videos:
        assert video["key"] == f"{results}output_{video['output']}.mp4" and video["size"] > 0
        with av.open(str(stack.store.path_for(video["key"]))) as container:
            stream = container.streams.video[0]
            assert (stream.codec_context.width, stream.codec_context.height) == (640, 360)
            assert container.streams.audio  # voiceover and music have a track
            assert abs(float(container.duration or 0) / 1e6 - float(video["duration"])) < 0.5
    html = stack.store.get(results + "report.html").decode()
    assert html.count("<video") == 2 and "output_1.mp4" in html and "ice-timeline-1.json" in html


def test_a_review_batch_renders_nothing_until_approved_then_exactly_once(stack: LocalStack) -> None:
    results = _upload(stack, "approve-me", "review")
    record = wait_for_state(stack, results, {"waiting-for-review"}, timeout=60)
    stack.wait_settled()
    assert _jobs_by_type(stack) == {"Smart_Mix_Media_Select": 1}
    assert "approval.json" in stack.store.get(results + "report.html").decode()  # what to do next
    approval = json.dumps({"Approve": True, "RunKey": record["run_key"], "Note": "go"}).encode()
    # the approval uploaded several times, some of them at once
    uploads = [threading.Thread(target=stack.store.put, args=("inbox/smart-mix/approve-me/approval.json", approval))]
    stack.store.put("inbox/smart-mix/approve-me/approval.json", approval)
    for thread in uploads:
        thread.start()
    for thread in uploads:
        thread.join()
    finished = wait_for_state(stack, results, {"finished", "failed"}, timeout=120)
    stack.store.put("inbox/smart-mix/approve-me/approval.json", approval + b" ")  # again, changed bytes
    stack.wait_settled()
    assert finished["state"] == "finished" and finished["approval"]["note"] == "go"
    assert _jobs_by_type(stack) == {
        "Smart_Mix_Media_Select": 1,
        "Smart_Mix_Timeline_Organize": 1,
        "Scene_Batch_Editing": 1,
    }
    assert json.loads(stack.store.get(results + "videos.json"))["videos"][0]["size"] > 0


def test_an_edited_selection_in_the_approval_is_what_gets_rendered(stack: LocalStack) -> None:
    results = _upload(stack, "edited", "review")
    wait_for_state(stack, results, {"waiting-for-review"}, timeout=60)
    selection = json.loads(stack.store.get(results + "selection.json"))
    sentences = selection["outputs"][0]["sentences"]
    sentences.reverse()  # a person swaps the two sentences' order and trims the first clip
    sentences[0]["clips"][0]["out"] = 1.5
    approval = {"Approve": True, "Selection": selection}
    stack.store.put("inbox/smart-mix/edited/approval.json", json.dumps(approval).encode())
    record = wait_for_state(stack, results, {"finished", "failed"}, timeout=120)
    assert record["state"] == "finished" and record["approval"]["edited"] is True
    timeline = json.loads(stack.store.get(results + "ice-timeline-1.json"))
    clips = timeline["VideoTracks"][0]["VideoTrackClips"]
    assert float(clips[0]["Out"]) - float(clips[0]["In"]) <= 1.5 + 1e-6


def test_callbacks_lost_at_every_step_are_finished_by_the_reconcile_pass(stack: LocalStack) -> None:
    assert stack.emulator is not None
    stack.emulator.set_faults(Faults(drop_callbacks=1.0))  # ICE never reaches the callback function
    results = _upload(stack, "lost", "video")
    passes = 0
    while passes < 20:
        stack.wait_settled()
        record = json.loads(stack.store.get(results + "job.json")) if stack.store.head(results + "job.json") else {}
        if record.get("state") in ("finished", "failed"):
            break
        stack.reconcile_now()
        passes += 1
    assert record["state"] == "finished", record
    assert _jobs_by_type(stack) == {
        "Smart_Mix_Media_Select": 1,
        "Smart_Mix_Timeline_Organize": 1,
        "Scene_Batch_Editing": 1,
    }
    assert passes >= 3  # one pass per step at least: nothing moved on by itself
