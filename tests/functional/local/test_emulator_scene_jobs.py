"""The emulator's steps after a selection, over real HTTP: timeline organisation, GetEditingProject and
batch editing — their answers, their errors, their callbacks and faults, and what they write to the bucket.

The renderer here is the fast placeholder (a real MP4 of the right length and size in one colour) unless
a test needs a failing one; tests/functional/render checks the real renderer's pictures.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest

from scene_select.cloud.models.selection import media_id_for
from scene_select.workstation.local.emulator import CallbackDelivery, EmulatorOptions, Faults, IceEmulator, Renderer
from scene_select.workstation.local.emulator.job_store import JobStore
from scene_select.workstation.render.media import probe_facts
from scene_select.workstation.render.placeholder import placeholder_renderer
from scene_select.workstation.render.spec import OutputSpec, Progress, ProgressCallback, RenderError, RenderResult
from scene_select_testkit.ice import (
    AK_ID,
    AK_SECRET,
    AUTH_KEY,
    INPUT_CONFIG,
    OUTPUT_CONFIG,
    IceCaller,
    selection_runner,
)
from scene_select_testkit.ice import CallbackReceiver as Receiver
from scene_select_testkit.ice import callback_receiver as serve
from scene_select_testkit.waiting import wait_until

TIMELINE = "SubmitSceneTimelineOrganizationJob"
BATCH = "SubmitSceneBatchEditingJob"
PROJECT = "GetEditingProject"
SMART_MIX_TIMELINE = "Smart_Mix_Timeline_Organize"
HEX32 = re.compile(r"^[0-9a-f]{32}$")
BUCKET_URL = "https://bucket.oss-cn-shanghai.aliyuncs.com/"
MEDIA = json.loads(INPUT_CONFIG)["MediaArray"]
ERROR_KEYS = {"RequestId", "HostId", "Code", "Message", "Recommend"}


def start(state: Path, bucket: Path, *, renderer: Renderer | None = None, faults: Faults | None = None) -> IceEmulator:
    options = EmulatorOptions(
        bucket_dirs={"bucket": bucket},
        callback=CallbackDelivery(auth_key=AUTH_KEY, retry_interval_seconds=0.05),
    )
    return IceEmulator(
        state,
        {AK_ID: AK_SECRET},
        runner=selection_runner,
        renderer=renderer or placeholder_renderer(),
        options=options,
        faults=faults,
    ).start()


@pytest.fixture
def bucket(tmp_path: Path) -> Path:
    return tmp_path / "bucket"


@pytest.fixture
def ice(tmp_path: Path, bucket: Path) -> Iterator[IceEmulator]:
    running = start(tmp_path / "state", bucket)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def call(ice: IceEmulator) -> Iterator[IceCaller]:
    caller = IceCaller(ice.endpoint)
    try:
        yield caller
    finally:
        caller.close()


def sentence(text: str, duration: float, media: str, start: float = 0.0, end: float = 2.0) -> dict[str, Any]:
    return {
        "text": text,
        "duration": duration,
        "matchClipList": [{"mediaId": media_id_for(media), "startTime": start, "endTime": end}],
    }


TWO_OUTPUTS = json.dumps(
    {
        "textMatchMediaOutputList": [
            {
                "textMatchMediaSentenceOutputList": [
                    sentence("第一句。", 2.0, MEDIA[0]),
                    sentence("Second.", 1.5, MEDIA[1]),
                ]
            },
            {"textMatchMediaSentenceOutputList": [sentence("另一个版本。", 1.0, MEDIA[1], 3.0, 5.0)]},
        ]
    },
    ensure_ascii=False,
)


def submit_timeline(
    call: IceCaller,
    selection: str,
    *,
    output_config: str = '{"MediaURL":"' + BUCKET_URL + 'out/v_{index}.mp4","Count":2,"Width":320,"Height":240}',
    user_data: str | None = None,
    job_type: str = SMART_MIX_TIMELINE,
) -> httpx.Response:
    query = {"JobType": job_type, "MediaSelectResult": selection, "OutputConfig": output_config}
    if user_data is not None:
        query["UserData"] = user_data
    return call.call(TIMELINE, query, {"InputConfig": INPUT_CONFIG, "EditingConfig": '{"MediaConfig":{"Volume":0}}'})


def organised(call: IceCaller, selection: str = TWO_OUTPUTS, **options: Any) -> dict[str, Any]:
    response = submit_timeline(call, selection, **options)
    assert response.status_code == 200, response.text
    return call.wait_terminal(response.json()["JobId"])


def submit_batch(call: IceCaller, project_ids: str, output_config: str, user_data: str | None = None) -> httpx.Response:
    query = {"ProjectIds": project_ids, "OutputConfig": output_config}
    if user_data is not None:
        query["UserData"] = user_data
    return call.call(BATCH, query)


def rendered(call: IceCaller, project_ids: list[str], url: str = BUCKET_URL + "out/v_{index}.mp4") -> dict[str, Any]:
    response = submit_batch(call, ",".join(project_ids), json.dumps({"MediaURL": url, "Width": 320, "Height": 240}))
    assert response.status_code == 200, response.text
    return call.wait_terminal(response.json()["JobId"], timeout=60)


def project(call: IceCaller, project_id: str) -> dict[str, Any]:
    response = call.call(PROJECT, {"ProjectId": project_id})
    assert response.status_code == 200, response.text
    assert set(response.json()) == {"RequestId", "Project"}
    found: dict[str, Any] = response.json()["Project"]
    return found


def assert_error(response: httpx.Response, code: str, message: str = "") -> None:
    assert response.status_code == 400, response.text
    body = response.json()
    assert set(body) == ERROR_KEYS and body["Code"] == code, body
    assert re.search(message, body["Message"]), body["Message"]


# ---- timeline organisation ---------------------------------------------------------------------------------


def test_organisation_makes_one_editing_project_per_output_and_answers_as_ice(call: IceCaller) -> None:
    job = organised(call)
    assert job["Status"] == "Finished" and job["JobType"] == SMART_MIX_TIMELINE
    assert job["ExtendInput"] == TWO_OUTPUTS  # the selection, as sent
    assert "ExtendOutput" not in job and "Extend" not in job
    assert job["InputConfig"] == INPUT_CONFIG and job["EditingConfig"] == '{"MediaConfig":{"Volume":0}}'
    subs = job["SubJobList"]
    assert [set(s) for s in subs] == [{"JobId", "ProjectId", "Status"}] * 2
    assert all(HEX32.match(s["ProjectId"]) and HEX32.match(s["JobId"]) and s["Status"] == "Success" for s in subs)
    assert len({s["ProjectId"] for s in subs}) == 2

    first = project(call, subs[0]["ProjectId"])
    assert first["ProjectId"] == subs[0]["ProjectId"] and first["Status"] == "Draft"
    assert first["Duration"] == 3.5 and re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", first["CreateTime"])
    assert SMART_MIX_TIMELINE in first["Title"]
    timeline = json.loads(first["Timeline"])  # a JSON string, as ICE gives it
    clips = timeline["VideoTracks"][0]["VideoTrackClips"]
    # the selection's md5 media ids map back to the MediaArray's URLs, laid out per sentence
    assert [(c["MediaURL"], c["In"], c["Out"], c["TimelineIn"], c["TimelineOut"]) for c in clips] == [
        (MEDIA[0], 0.0, 2.0, 0.0, 2.0),
        (MEDIA[1], 0.0, 1.5, 2.0, 3.5),
    ]
    voices = timeline["AudioTracks"][0]["AudioTrackClips"]
    assert [(v["Type"], v["Content"]) for v in voices] == [("AI_TTS", "第一句。"), ("AI_TTS", "Second.")]
    assert [c["Content"] for c in timeline["SubtitleTracks"][0]["SubtitleTrackClips"]] == ["第一句。", "Second."]
    second = json.loads(project(call, subs[1]["ProjectId"])["Timeline"])
    assert second["VideoTracks"][0]["VideoTrackClips"][0]["In"] == 3.0


def test_count_caps_the_projects_and_parameters_are_accepted_from_the_body_too(call: IceCaller) -> None:
    output = '{"MediaURL":"' + BUCKET_URL + 'out/{index}.mp4","Count":1}'
    response = call.call(
        TIMELINE,
        {},
        {
            "JobType": SMART_MIX_TIMELINE,
            "MediaSelectResult": TWO_OUTPUTS,
            "OutputConfig": output,
            "InputConfig": INPUT_CONFIG,
        },
    )
    assert response.status_code == 200, response.text
    job = call.wait_terminal(response.json()["JobId"])
    assert len(job["SubJobList"]) == 1


def test_a_selection_jobs_extend_output_goes_straight_in(call: IceCaller) -> None:
    selection = call.wait_terminal(call.submit())
    job = organised(call, selection["ExtendOutput"], output_config=OUTPUT_CONFIG)
    assert job["Status"] == "Finished" and len(job["SubJobList"]) == 1


# ---- batch editing -----------------------------------------------------------------------------------------


def test_batch_editing_renders_each_project_to_its_index_in_the_bucket(call: IceCaller, bucket: Path) -> None:
    ids = [s["ProjectId"] for s in organised(call)["SubJobList"]]
    job = rendered(call, ids)
    assert job["Status"] == "Finished" and job["JobType"] == "Scene_Batch_Editing"
    assert json.loads(job["ExtendInput"]) == ids and job["ExtendInput"].startswith("[")
    assert "InputConfig" not in job and "Extend" not in job
    subs = job["SubJobList"]
    assert [s["ProjectId"] for s in subs] == ids  # in ProjectIds order
    assert [s["MediaURL"] for s in subs] == [BUCKET_URL + "out/v_1.mp4", BUCKET_URL + "out/v_2.mp4"]  # {index} from 1
    for sub, duration in zip(subs, (3.5, 1.0), strict=True):
        assert set(sub) == {"JobId", "ProjectId", "MediaURL", "MediaId", "Duration", "Status"}
        assert sub["Status"] == "Success" and sub["MediaId"] == media_id_for(sub["MediaURL"])
        assert sub["Duration"] == pytest.approx(duration, abs=0.04)
        facts = probe_facts(bucket / "out" / sub["MediaURL"].rsplit("/", 1)[1])
        assert (facts.kind, facts.width, facts.height, facts.has_audio) == ("video", 320, 240, True)
        assert facts.duration == pytest.approx(duration, abs=0.1)
        assert project(call, sub["ProjectId"])["Status"] == "Produced"
    assert sorted(p.name for p in (bucket / "out").iterdir()) == ["v_1.mp4", "v_2.mp4"]  # nothing half-written


class FailingFor:
    """A renderer that fails the outputs whose file name contains ``marker`` and draws the others."""

    def __init__(self, marker: str) -> None:
        self.marker = marker
        self.inner = placeholder_renderer()

    def __call__(
        self, timeline: Mapping[str, Any], output: Path, spec: OutputSpec, *, progress: ProgressCallback | None = None
    ) -> RenderResult:
        if self.marker in output.name:
            raise RenderError("ffmpeg failed with exit code 1:\nsimulated failure")
        return self.inner(timeline, output, spec, progress=progress)


def test_a_failed_render_fails_its_sub_job_and_every_video_failed_fails_the_job(tmp_path: Path) -> None:
    ice = start(tmp_path / "state", tmp_path / "bucket", renderer=FailingFor("_2"))
    call = IceCaller(ice.endpoint)
    try:
        ids = [s["ProjectId"] for s in organised(call)["SubJobList"]]
        job = rendered(call, ids)
        assert job["Status"] == "Finished"
        ok, failed = job["SubJobList"]
        assert ok["Status"] == "Success"
        assert failed["Status"] == "Failed" and failed["ErrorCode"] == "RenderFailed"
        assert "simulated failure" in failed["ErrorMessage"] and failed["MediaURL"].endswith("v_2.mp4")
        assert project(call, failed["ProjectId"])["Status"] == "ProduceFailed"

        # a bucket the emulator has no directory for: every video fails, so does the job, and says why
        job = rendered(call, ids, url="https://elsewhere.oss-cn-shanghai.aliyuncs.com/out/{index}.mp4")
        assert job["Status"] == "Failed"
        assert [s["Status"] for s in job["SubJobList"]] == ["Failed", "Failed"]
        assert "bucket 'elsewhere' is not mapped" in job["SubJobList"][0]["ErrorMessage"]
        extend = json.loads(job["Extend"])
        assert extend["ErrorCode"] == job["SubJobList"][0]["ErrorCode"]
        assert extend["ErrorMessage"].startswith("every video failed to render")
    finally:
        call.close()
        ice.stop()


def test_list_shows_every_job_type_and_filters_on_them(call: IceCaller) -> None:
    selection = call.submit()
    ids = [s["ProjectId"] for s in organised(call)["SubJobList"]]
    rendered(call, ids)
    call.wait_terminal(selection)
    listing = call.call("ListBatchMediaProducingJobs", {"MaxResults": "10"}).json()["EditingBatchJobList"]
    assert [j["JobType"] for j in listing] == ["Scene_Batch_Editing", SMART_MIX_TIMELINE, "Smart_Mix_Media_Select"]
    assert not [j for j in listing if {"SubJobList", "ExtendInput", "ExtendOutput"} & set(j)]
    only = call.call("ListBatchMediaProducingJobs", {"JobType": "Scene_Batch_Editing"}).json()["EditingBatchJobList"]
    assert [j["JobType"] for j in only] == ["Scene_Batch_Editing"]
    assert call.get(selection)["SubJobList"] == []  # a selection has no sub-jobs


# ---- errors ------------------------------------------------------------------------------------------------


def bad_clip(**fields: Any) -> str:
    return json.dumps(
        {
            "textMatchMediaOutputList": [
                {"textMatchMediaSentenceOutputList": [{"text": "t", "duration": 1, "matchClipList": [fields]}]}
            ]
        }
    )


@pytest.mark.parametrize(
    ("selection", "message"),
    [
        ("{not json", "MediaSelectResult is not valid JSON"),
        ("[]", "must be a JSON object"),
        ('{"highlightMediaOutputList":[]}', "has textMatchMediaOutputList"),
        ('{"textMatchMediaOutputList":[]}', "is empty"),
        ('{"textMatchMediaOutputList":[{"textMatchMediaSentenceOutputList":[]}]}', r"\[0\] has no clip"),
        (bad_clip(startTime=0, endTime=1), r"matchClipList\[0\] names no media"),
        (bad_clip(mediaId="a" * 32, startTime=0, endTime=1), "not one of InputConfig.MediaArray"),
        (bad_clip(mediaURL=MEDIA[0], startTime=2, endTime=1), "0 <= start <= end"),
    ],
)
def test_a_malformed_media_select_result_is_invalid_parameter(
    call: IceCaller, ice: IceEmulator, selection: str, message: str
) -> None:
    assert_error(submit_timeline(call, selection), "InvalidParameter", "MediaSelectResult is not valid: .*" + message)
    assert ice.store is not None and ice.store.all() == []  # nothing stored, nothing queued


def test_timeline_parameters_are_checked_by_the_selection_jobs_rules(call: IceCaller) -> None:
    assert_error(submit_timeline(call, TWO_OUTPUTS, job_type="Smart_Mix_Media_Select"), "InvalidParameter", "JobType")
    query = {"JobType": SMART_MIX_TIMELINE, "OutputConfig": OUTPUT_CONFIG}
    missing = call.call(TIMELINE, query, {"InputConfig": INPUT_CONFIG})
    assert missing.status_code == 400 and missing.json()["Code"] == "MissingMediaSelectResult"
    wrong_output = submit_timeline(call, TWO_OUTPUTS, output_config='{"MediaURL":"ftp://x/y.mp4"}')
    assert_error(wrong_output, "InvalidParameter", "OutputConfig.MediaURL")
    wrong_user_data = submit_timeline(call, TWO_OUTPUTS, user_data='{"NotifyAddress":"mailto:me"}')
    assert_error(wrong_user_data, "InvalidParameter", "NotifyAddress")


def test_batch_editing_refuses_unknown_empty_and_duplicate_projects(call: IceCaller, ice: IceEmulator) -> None:
    ids = [s["ProjectId"] for s in organised(call)["SubJobList"]]
    jobs_before = len(ice.store.all()) if ice.store else 0
    output = '{"MediaURL":"' + BUCKET_URL + 'out/{index}.mp4"}'
    assert_error(submit_batch(call, "f" * 32, output), "InvalidParameter.ProjectNotExist", "f" * 32)
    assert_error(submit_batch(call, f"{ids[0]},,{ids[1]}", output), "InvalidParameter", "empty entry")
    assert_error(submit_batch(call, f"{ids[0]}, {ids[0]}", output), "InvalidParameter", "listed twice")
    assert_error(
        submit_batch(call, ",".join(ids), '{"MediaURL":"' + BUCKET_URL + 'out/one.mp4"}'),
        "InvalidParameter",
        r"\{index\}",
    )
    assert_error(submit_batch(call, ids[0], "{}"), "InvalidParameter", "MediaURL")
    assert_error(
        submit_batch(call, ids[0], '{"MediaURL":"' + BUCKET_URL + 'a.mp4","Width":64}'), "InvalidParameter", "Width"
    )
    empty = submit_batch(call, "", output)
    assert empty.status_code == 400 and empty.json()["Code"] == "MissingProjectIds"
    assert (len(ice.store.all()) if ice.store else 0) == jobs_before


def test_get_editing_project_of_an_unknown_id_is_an_ice_like_error(call: IceCaller) -> None:
    assert_error(call.call(PROJECT, {"ProjectId": "0" * 32}), "InvalidParameter.ProjectNotExist", "does not exist")
    missing = call.call(PROJECT, {})
    assert missing.status_code == 400 and missing.json()["Code"] == "MissingProjectId"


# ---- callbacks, faults, restarts ---------------------------------------------------------------------------


def test_both_new_jobs_post_the_signed_callback_of_a_selection_job(call: IceCaller) -> None:
    with serve(Receiver()) as receiver:
        user_data = json.dumps({"NotifyAddress": receiver.url, "step": "timeline"})
        timeline = organised(call, user_data=user_data)
        ids = [s["ProjectId"] for s in timeline["SubJobList"]]
        response = submit_batch(call, ",".join(ids), '{"MediaURL":"' + BUCKET_URL + 'o/{index}.mp4"}', user_data)
        render = call.wait_terminal(response.json()["JobId"], timeout=60)
        wait_until(lambda: len(receiver.received) == 2, what="two callbacks")
    bodies = sorted((r.body for r in receiver.received), key=lambda b: b["MessageBody"]["JobId"] != timeline["JobId"])
    assert all(r.signature_ok for r in receiver.received)
    assert [b["EventType"] for b in bodies] == ["BatchProduceMediaComplete"] * 2
    assert [b["MessageBody"] for b in bodies] == [
        {"Status": "Finished", "JobId": timeline["JobId"], "UserData": user_data},
        {"Status": "Finished", "JobId": render["JobId"], "UserData": user_data},
    ]


def test_faults_apply_to_the_new_actions(tmp_path: Path) -> None:
    faults = Faults(throttle_rate=1.0, only_actions=(TIMELINE, BATCH, PROJECT), max_request_faults=3)
    ice = start(tmp_path / "state", tmp_path / "bucket", faults=faults)
    call = IceCaller(ice.endpoint)
    try:
        assert submit_timeline(call, TWO_OUTPUTS).json()["Code"] == "Throttling.User"
        assert submit_batch(call, "f" * 32, "{}").json()["Code"] == "Throttling.User"
        assert call.call(PROJECT, {"ProjectId": "f" * 32}).json()["Code"] == "Throttling.User"
        ice.set_faults(Faults(drop_callbacks=1.0))
        with serve(Receiver()) as receiver:
            job = organised(call, user_data=json.dumps({"NotifyAddress": receiver.url}))
            assert job["Status"] == "Finished"
            assert ice.store is not None
            wait_until(lambda: ice.store.get(job["JobId"]).callback_state == "dropped", what="the dropped callback")  # type: ignore[union-attr]
            assert receiver.received == []
        assert ice.faults.injected()["throttle"] == 3
    finally:
        call.close()
        ice.stop()


def test_projects_and_sub_jobs_survive_a_restart(tmp_path: Path) -> None:
    ice = start(tmp_path / "state", tmp_path / "bucket")
    call = IceCaller(ice.endpoint)
    job = organised(call)
    call.close()
    ice.stop()
    ice = start(tmp_path / "state", tmp_path / "bucket")
    call = IceCaller(ice.endpoint)
    try:
        assert call.get(job["JobId"])["SubJobList"] == job["SubJobList"]
        assert project(call, job["SubJobList"][0]["ProjectId"])["Status"] == "Draft"
    finally:
        call.close()
        ice.stop()


def test_a_state_directory_from_before_the_scene_jobs_is_brought_up_to_date(tmp_path: Path) -> None:
    path = tmp_path / "jobs.sqlite"
    with sqlite3.connect(path) as db:  # the jobs table as the first release made it
        db.execute(
            "CREATE TABLE jobs (seq INTEGER PRIMARY KEY AUTOINCREMENT, job_id TEXT NOT NULL UNIQUE,"
            " job_type TEXT NOT NULL, status TEXT NOT NULL, input_config TEXT NOT NULL, editing_config TEXT,"
            " output_config TEXT NOT NULL, user_data TEXT, extend TEXT, extend_output TEXT,"
            " create_time TEXT NOT NULL, modified_time TEXT NOT NULL, complete_time TEXT,"
            " callback_state TEXT NOT NULL, callback_attempts INTEGER NOT NULL DEFAULT 0,"
            " callback_log TEXT NOT NULL DEFAULT '[]')"
        )
        db.execute(
            "INSERT INTO jobs (job_id, job_type, status, input_config, output_config, create_time, modified_time,"
            " callback_state) VALUES ('a', 'Smart_Mix_Media_Select', 'Finished', '{}', '{}', 't', 't', 'none')"
        )
    store = JobStore(path)
    try:
        row = store.get("a")
        assert row is not None and row.sub_job_list == [] and row.extend_input is None
    finally:
        store.close()


class Stalling:
    """A renderer that never finishes on its own: it reports progress until the emulator cancels it."""

    def __init__(self) -> None:
        self.started = threading.Event()

    def __call__(
        self, timeline: Mapping[str, Any], output: Path, spec: OutputSpec, *, progress: ProgressCallback | None = None
    ) -> RenderResult:
        self.started.set()
        assert progress is not None
        while True:
            progress(Progress(0.1, 0.1, "1x"))
            time.sleep(0.02)


def test_stopping_cancels_a_render_and_the_next_start_renders_it(tmp_path: Path) -> None:
    stalling = Stalling()
    ice = start(tmp_path / "state", tmp_path / "bucket", renderer=stalling)
    call = IceCaller(ice.endpoint)
    ids = [s["ProjectId"] for s in organised(call)["SubJobList"]]
    response = submit_batch(call, ",".join(ids), '{"MediaURL":"' + BUCKET_URL + 'out/{index}.mp4"}')
    job_id = response.json()["JobId"]
    assert stalling.started.wait(20)
    call.close()
    ice.stop()  # cancels the render at its next progress report
    assert not (tmp_path / "bucket" / "out").exists() or not list((tmp_path / "bucket" / "out").iterdir())

    ice = start(tmp_path / "state", tmp_path / "bucket")  # the placeholder renderer this time
    call = IceCaller(ice.endpoint)
    try:
        job = call.wait_terminal(job_id, timeout=60)
        assert job["Status"] == "Finished" and [s["Status"] for s in job["SubJobList"]] == ["Success", "Success"]
    finally:
        call.close()
        ice.stop()
