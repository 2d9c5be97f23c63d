"""ICE's job answers as typed objects: nothing ICE sent is dropped, odd values are tolerated."""

from __future__ import annotations

import json

from scene_select.cloud.models.ice_api import IceJob, IceJobPage, SubmitResult

FINISHED = {
    "JobId": "a" * 32,
    "JobType": "Smart_Mix_Media_Select",
    "Status": "Finished",
    "InputConfig": '{"MediaArray":["m"]}',
    "OutputConfig": '{"Count":1}',
    "UserData": '{"NotifyAddress":"https://x","Batch":"b"}',
    "Extend": "",
    "ExtendOutput": json.dumps(
        {
            "textMatchMediaOutputList": [
                {
                    "textMatchMediaSentenceOutputList": [
                        {
                            "text": "你好",
                            "textId": 0,
                            "duration": 3.366667,
                            "matchClipList": [
                                {
                                    "clipId": "null-2",
                                    "mediaId": "b" * 32,
                                    "startTime": 8.04,
                                    "endTime": 11.16,
                                    "score": -0.253,
                                }
                            ],
                        }
                    ]
                }
            ]
        },
        ensure_ascii=False,
    ),
    "CreateTime": "2025-01-09T08:37:24Z",
    "CompleteTime": "2025-01-09T08:39:00Z",
    "SomethingNew": {"kept": True},
}


def test_finished_job_parses_its_selection_and_keeps_unknown_fields() -> None:
    job = IceJob.model_validate(FINISHED)
    assert job.is_terminal and job.error_code is None
    assert job.user_data_dict() == {"NotifyAddress": "https://x", "Batch": "b"}
    selection = job.selection()
    assert selection is not None and selection.kind == "text_match"
    clip = selection.text_match_outputs[0].text_match_media_sentence_output_list[0].match_clip_list[0]
    assert (clip.start_time, clip.end_time, clip.score) == (8.04, 11.16, -0.253)
    assert job.model_extra == {"SomethingNew": {"kept": True}}
    assert job.extend_output == FINISHED["ExtendOutput"]


def test_failed_job_reads_extend() -> None:
    job = IceJob.model_validate(
        {"JobId": "x", "Status": "Failed", "Extend": '{"ErrorCode":"InvalidMaterial.NotFound","ErrorMessage":"gone"}'}
    )
    assert (job.is_terminal, job.error_code, job.error_message) == (True, "InvalidMaterial.NotFound", "gone")
    assert job.selection() is None


def test_unreadable_extend_and_user_data_are_kept_not_fatal() -> None:
    job = IceJob.model_validate({"JobId": "x", "Status": "Processing", "Extend": "not json", "UserData": "[1]"})
    assert job.extend == {"raw": "not json"}
    assert job.user_data_dict() == {}
    assert not job.is_terminal


def test_unrecognised_extend_output_is_kept_verbatim() -> None:
    job = IceJob.model_validate(
        {
            "JobId": "x",
            "JobType": "Screen_Media_Highlights_Media_Select",
            "Status": "Finished",
            "ExtendOutput": '{"new":1}',
        }
    )
    selection = job.selection()
    assert selection is not None and selection.kind == "unrecognised" and selection.raw == {"new": 1}


def test_page_and_submit_result() -> None:
    page = IceJobPage.model_validate(
        {"RequestId": "r", "MaxResults": 2, "NextToken": "", "EditingBatchJobList": [{"JobId": "1", "Status": "Init"}]}
    )
    assert [j.job_id for j in page.jobs] == ["1"] and not page.next_token
    assert SubmitResult.model_validate({"RequestId": "r", "JobId": "j"}).job_id == "j"
