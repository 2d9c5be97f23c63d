"""The embedded stack renders for real: selection → SubmitSceneTimelineOrganizationJob → GetEditingProject →
SubmitSceneBatchEditingJob, over HTTP, with the default renderer, into the local bucket."""

from __future__ import annotations

import json
from pathlib import Path

from scene_select.cloud.models.selection import media_id_for
from scene_select.workstation.local.emulator import EmulatorOptions, IceEmulator
from scene_select_testkit.ice import AK_ID, AK_SECRET, IceCaller, selection_runner
from scene_select_testkit.render_media import check_render, colour_video, music, sentence_slots

URL = "https://bucket.oss-cn-shanghai.aliyuncs.com/"


def test_the_emulator_renders_the_selection_into_the_bucket(tmp_path: Path) -> None:
    bucket = tmp_path / "bucket"
    for name, tone in (("red", 300), ("green", 0), ("blue", 500)):
        colour_video(bucket / "inbox" / f"{name}.mp4", name, width=640, height=360, fps=25, seconds=6, tone=tone)
    music(bucket / "inbox" / "music.m4a")
    media = [URL + "inbox/red.mp4", "oss://bucket/inbox/green.mp4", URL + "inbox/blue.mp4"]
    input_config = json.dumps(
        {
            "MediaArray": media,
            "SpeechTextArray": ["x"],
            "BackgroundMusic": URL + "inbox/music.m4a",
            "TitleArray": ["标题"],
        }
    )

    def clip(entry: str, start: float, end: float) -> dict[str, object]:
        return {"mediaId": media_id_for(entry), "startTime": start, "endTime": end}  # ids only, as ICE sends

    sentences = [
        ("第一句，红色的画面。", 1.8, [clip(media[0], 0.5, 2.5)]),
        ("The second one is blue.", 1.6, [clip(media[2], 1.0, 4.0)]),
        ("第三句是绿色的。", 1.4, [clip(media[1], 2.0, 3.4)]),
    ]
    selection = json.dumps(
        {
            "textMatchMediaOutputList": [
                {
                    "textMatchMediaSentenceOutputList": [
                        {"text": t, "duration": d, "matchClipList": c} for t, d, c in sentences
                    ]
                }
            ]
        },
        ensure_ascii=False,
    )
    options = EmulatorOptions(bucket_dirs={"bucket": bucket})
    with IceEmulator(tmp_path / "state", {AK_ID: AK_SECRET}, runner=selection_runner, options=options) as ice:
        call = IceCaller(ice.endpoint)
        output = json.dumps({"MediaURL": URL + "results/output_{index}.mp4", "Count": 1, "Width": 360, "Height": 640})
        response = call.call(
            "SubmitSceneTimelineOrganizationJob",
            {"JobType": "Smart_Mix_Timeline_Organize", "MediaSelectResult": selection, "OutputConfig": output},
            {"InputConfig": input_config},
        )
        assert response.status_code == 200, response.text
        (sub,) = call.wait_terminal(response.json()["JobId"])["SubJobList"]
        timeline = json.loads(
            call.call("GetEditingProject", {"ProjectId": sub["ProjectId"]}).json()["Project"]["Timeline"]
        )
        batch_output = json.dumps({"MediaURL": URL + "results/output_{index}.mp4", "Width": 360, "Height": 640})
        response = call.call(
            "SubmitSceneBatchEditingJob", {"ProjectIds": sub["ProjectId"], "OutputConfig": batch_output}
        )
        assert response.status_code == 200, response.text
        job = call.wait_terminal(response.json()["JobId"], timeout=120)
        call.close()
    (video,) = job["SubJobList"]
    assert job["Status"] == "Finished" and video["Status"] == "Success", job
    assert video["MediaURL"] == URL + "results/output_1.mp4"
    slots = sentence_slots(timeline)
    assert slots == [(0.0, 1.8), (1.8, 3.4), (3.4, 4.8)]
    facts = check_render(
        bucket / "results" / "output_1.mp4", width=360, height=640, slots=slots, expected=["red", "blue", "green"]
    )
    assert abs(video["Duration"] - facts.duration) < 0.05
    assert sorted(p.name for p in (bucket / "results").iterdir()) == ["output_1.mp4"]
