"""The timeline and render requests: where each parameter goes, and what is refused."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from scene_select.cloud.errors import JobConfigError
from scene_select.cloud.models.job_config import OutputConfig, SelectionJobRequest, UserData
from scene_select.cloud.models.step_requests import (
    MAX_MEDIA_SELECT_RESULT_BYTES,
    BatchEditingJobRequest,
    TimelineJobRequest,
    media_select_result,
)

MEDIA = "https://bkt.oss-cn-shanghai.aliyuncs.com/inbox/smart-mix/b/beach.mp4"
SELECTION = {
    "textMatchMediaOutputList": [
        {
            "textMatchMediaSentenceOutputList": [
                {
                    "text": "海边",
                    "textId": "0",
                    "duration": 2.0,
                    "matchClipList": [
                        {"mediaId": "a" * 32, "startTime": 1.0, "endTime": 3.0, "explain": {"reason": "ours"}}
                    ],
                }
            ],
            "scriptIndex": 0,
        }
    ]
}


def _selection_request() -> SelectionJobRequest:
    return SelectionJobRequest.from_wire(
        "Smart_Mix_Media_Select",
        {"MediaArray": [MEDIA], "SpeechTextArray": ["海边"]},
        {"MediaURL": "https://bkt.oss-cn-shanghai.aliyuncs.com/out/output_{index}.mp4", "Count": 1, "Width": 720},
        {"SpeechConfig": {"Volume": 1}},
    )


def test_the_timeline_request_puts_each_parameter_where_the_sdk_does() -> None:
    user_data = UserData.model_validate({"NotifyAddress": "https://cb.example.com/", "SceneSelect": {"run": "r"}})
    request = TimelineJobRequest.after_selection(_selection_request(), SELECTION, user_data=user_data)
    query, form = request.wire_params()
    assert set(query) == {"JobType", "MediaSelectResult", "OutputConfig", "UserData"}
    assert set(form) == {"InputConfig", "EditingConfig"}
    assert query["JobType"] == "Smart_Mix_Timeline_Organize"
    sent = json.loads(query["MediaSelectResult"])
    assert (
        "explain" not in sent["textMatchMediaOutputList"][0]["textMatchMediaSentenceOutputList"][0]["matchClipList"][0]
    )  # only our engine adds it; ICE never sent it
    assert json.loads(form["InputConfig"])["MediaArray"] == [MEDIA]
    assert json.loads(query["OutputConfig"])["Width"] == 720


def test_a_selection_too_large_to_send_is_refused_not_cut() -> None:
    big = {
        "textMatchMediaOutputList": [
            {"textMatchMediaSentenceOutputList": [{"text": "字" * MAX_MEDIA_SELECT_RESULT_BYTES}]}
        ]
    }
    with pytest.raises(JobConfigError, match="not cut short: ask for fewer outputs"):
        media_select_result(big)


def test_the_render_request_sends_comma_separated_projects_and_no_count() -> None:
    output = OutputConfig.model_validate(
        {"MediaURL": "https://b.oss-cn-shanghai.aliyuncs.com/o_{index}.mp4", "Count": 2}
    )
    request = BatchEditingJobRequest.for_projects(["p1", "p2"], output, user_data=None)
    query, form = request.wire_params()
    assert form == {}
    assert query["ProjectIds"] == "p1,p2"
    assert "Count" not in json.loads(query["OutputConfig"])
    with pytest.raises(ValidationError, match="ProjectIds lists a project twice"):
        BatchEditingJobRequest.for_projects(["p1", "p1"], output, user_data=None)
    with pytest.raises(ValidationError, match="may not be empty or contain commas"):
        BatchEditingJobRequest.for_projects(["p1,p2"], output, user_data=None)
