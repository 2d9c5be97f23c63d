"""Parity with the official SDK (alibabacloud-ice20201109): same parameters, same places, same signature.

The SDK sends each request over real HTTP to the local ICE emulator on 127.0.0.1, recording what arrived
(``RecordingEmulator``); the emulator authenticates it with our verifier before answering, so an answer
other than a signature error means our verifier accepted the SDK's signature. We then build the same call
with our request builder, sign it with our AcsV3Auth at the SDK's x-acs-date and nonce, and compare: the
decoded query, the form body byte for byte, and the Authorization header (hence the signature) character
for character. Finally IceClient itself submits the same job and the emulator sees the same query/body
split the SDK produced.

The same holds for the steps after a selection: SubmitSceneTimelineOrganizationJob (MediaSelectResult and
OutputConfig in the query, InputConfig/EditingConfig in the form body), SubmitSceneBatchEditingJob
(everything in the query, ProjectIds comma-separated) and GetEditingProject.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timezone
from importlib.metadata import version
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest

from scene_select.cloud.credentials import Credentials, static_credentials
from scene_select.cloud.ice.auth import SDK_EXTRA_SIGNED_HEADERS, AcsV3Auth
from scene_select.cloud.ice.client import IceClient, split_submit_params
from scene_select.cloud.ice.rpc import build_rpc_request
from scene_select.cloud.ice.signing import authorization_header, canonical_request, sign
from scene_select.cloud.models.job_config import SelectionJobRequest, UserData
from scene_select.cloud.models.step_requests import BatchEditingJobRequest, TimelineJobRequest
from scene_select_testkit.ice import ApiCall, RecordingEmulator, emulator_jobs, emulator_options, selection_runner

sdk_client = pytest.importorskip("alibabacloud_ice20201109.client")
sdk_models = pytest.importorskip("alibabacloud_ice20201109.models")
openapi_models = pytest.importorskip("alibabacloud_tea_openapi.models")

SUBMIT = "SubmitSceneMediaSelectionJob"
GET = "GetBatchMediaProducingJob"
LIST = "ListBatchMediaProducingJobs"
SECRET = "sk-parity/with+odd=chars"
TRICKY = "中文 脚本 🎬🔥 a+b*c~d /e=f&g 100% 'q' \"dq\""

SMART_MIX = {
    "job_type": "Smart_Mix_Media_Select",
    "input_config": {
        "MediaArray": [
            "https://bucket-a.oss-cn-shanghai.aliyuncs.com/inbox/smart mix/片段 1.mp4",
            "https://bucket-a.oss-cn-shanghai.aliyuncs.com/inbox/smart-mix/b+c~d*.jpg",
        ],
        "SpeechTextArray": [TRICKY, "第二个脚本，带标点！还有 emoji 😀 与 ~波浪~ 和 *星号*"],
        "TitleArray": ["标题 + title"],
    },
    "editing_config": {
        "SpeechConfig": {"Voice": "zhiru,zhilun", "SpeechRate": 120, "Volume": 1},
        "MediaConfig": {"Volume": 0},
        "ProcessConfig": {"SingleShotDuration": 3, "AlignmentMode": "AutoSpeed"},
    },
    "output_config": {
        "MediaURL": "https://bucket-a.oss-cn-shanghai.aliyuncs.com/out/结果 {index}.mp4",
        "Count": 2,
        "Width": 1080,
        "Height": 1920,
    },
    "user_data": {"NotifyAddress": "https://cb.example.com/ice callback?x=1+2", "Batch": "批次 *1* ~a~"},
}

HIGHLIGHTS = {
    "job_type": "Screen_Media_Highlights_Media_Select",
    "input_config": {
        "MediaArray": ["https://bucket-a.oss-cn-shanghai.aliyuncs.com/inbox/highlights/第1集 +final~.mp4"],
        "HighlightStrategy": {"TargetDuration": 30, "IntroConfig": {"Mode": "Auto"}},
        "TitleArray": ["高燃 🔥 * ~"],
    },
    "editing_config": None,
    "output_config": {"MediaURL": "https://bucket-a.oss-cn-shanghai.aliyuncs.com/out/hl {index}.mp4", "Count": 1},
    "user_data": None,
}


@pytest.fixture(scope="module")
def ice(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RecordingEmulator]:
    emulator = RecordingEmulator(
        tmp_path_factory.mktemp("ice"), {"ak-parity": SECRET}, runner=selection_runner, options=emulator_options()
    )
    with emulator:
        yield emulator


def _sdk(ice: RecordingEmulator, token: str | None) -> Any:
    config = openapi_models.Config(
        access_key_id="ak-parity",
        access_key_secret=SECRET,
        security_token=token,
        endpoint=ice.endpoint.removeprefix("http://"),
        protocol="http",
        region_id="cn-shanghai",
    )
    return sdk_client.Client(config)


def _request(case: dict[str, Any]) -> SelectionJobRequest:
    return SelectionJobRequest.from_wire(
        case["job_type"], case["input_config"], case["output_config"], case["editing_config"], case["user_data"]
    )


def _last(ice: RecordingEmulator, action: str) -> ApiCall:
    return ice.seen(action)[-1]


def _sign_like(
    ice: RecordingEmulator,
    sdk_seen: ApiCall,
    action: str,
    query: dict[str, str],
    form: dict[str, str] | None,
    token: str | None,
    extra_signed_headers: tuple[str, ...] = SDK_EXTRA_SIGNED_HEADERS,
) -> httpx.Request:
    """Our builder + our signer, fed the SDK's date, nonce and the two informational headers it signs."""
    with httpx.Client() as http:
        request = build_rpc_request(http, ice.endpoint, action, query=query, form=form)
    request.headers["user-agent"] = sdk_seen.headers["user-agent"]
    if "x-acs-credentials-provider" in sdk_seen.headers:  # SDK bookkeeping header, signed by it
        request.headers["x-acs-credentials-provider"] = sdk_seen.headers["x-acs-credentials-provider"]
    signed_at = datetime.strptime(sdk_seen.headers["x-acs-date"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    auth = AcsV3Auth(
        static_credentials(Credentials("ak-parity", SECRET, token)),
        clock=lambda: signed_at,
        nonce=lambda: sdk_seen.headers["x-acs-signature-nonce"],
        extra_signed_headers=extra_signed_headers,  # by default sign exactly what the SDK signs
    )
    flow = auth.sync_auth_flow(request)
    return next(flow)


def _assert_same(ours: httpx.Request, sdk_seen: ApiCall) -> None:
    assert dict(parse_qsl(ours.url.query.decode("ascii"), keep_blank_values=True)) == sdk_seen.query
    assert ours.content == sdk_seen.body
    assert ours.headers.get("content-type") == sdk_seen.headers.get("content-type")
    assert ours.headers["x-acs-content-sha256"] == sdk_seen.headers["x-acs-content-sha256"]
    assert ours.headers["Authorization"] == sdk_seen.headers["authorization"]


def test_sdk_version_has_the_action() -> None:
    assert hasattr(sdk_client.Client, "submit_scene_media_selection_job")
    assert version("alibabacloud-ice20201109") == "6.20.2"


@pytest.mark.parametrize("case", [SMART_MIX, HIGHLIGHTS], ids=["smart-mix", "highlights"])
@pytest.mark.parametrize("token", [None, "sts-token/with+chars="], ids=["ak", "sts"])
def test_submit_matches_the_sdk(ice: RecordingEmulator, case: dict[str, Any], token: str | None) -> None:
    params = _request(case).wire_params()
    sdk_request = sdk_models.SubmitSceneMediaSelectionJobRequest(
        job_type=params["JobType"],
        input_config=params["InputConfig"],
        output_config=params["OutputConfig"],
        editing_config=params.get("EditingConfig"),
        user_data=params.get("UserData"),
    )
    response = _sdk(ice, token).submit_scene_media_selection_job(sdk_request)
    assert response.body.job_id in [job["JobId"] for job in emulator_jobs(ice)]
    sdk_seen = _last(ice, SUBMIT)
    assert sdk_seen.status == 200  # authenticated by our verifier, accepted by the emulator
    # The SDK's placement, which ours must equal: JobType/OutputConfig/UserData query, the rest form.
    assert set(sdk_seen.query) == {"JobType", "OutputConfig"} | ({"UserData"} if "UserData" in params else set())
    assert set(sdk_seen.form) == {"InputConfig"} | ({"EditingConfig"} if "EditingConfig" in params else set())
    assert json.loads(sdk_seen.form["InputConfig"]) == case["input_config"]

    query, form = split_submit_params(params)
    ours = _sign_like(ice, sdk_seen, SUBMIT, query, form, token)
    _assert_same(ours, sdk_seen)

    # Our default signs only the spec's headers; over those, the SDK's request gives the same signature.
    default = _sign_like(ice, sdk_seen, SUBMIT, query, form, token, extra_signed_headers=())
    text, names = canonical_request("POST", "/", sdk_seen.query, sdk_seen.headers, sdk_seen.body)
    assert default.headers["Authorization"] == authorization_header("ak-parity", names, sign(text, SECRET))


@pytest.mark.parametrize("token", [None, "sts-token"], ids=["ak", "sts"])
def test_get_matches_the_sdk(ice: RecordingEmulator, token: str | None) -> None:
    credentials = static_credentials(Credentials("ak-parity", SECRET))
    with IceClient(region="cn-shanghai", endpoint=ice.endpoint, credentials=credentials) as client:
        job_id = client.submit_scene_media_selection_job(_request(HIGHLIGHTS)).job_id
    response = _sdk(ice, token).get_batch_media_producing_job(
        sdk_models.GetBatchMediaProducingJobRequest(job_id=job_id)
    )
    assert response.body.editing_batch_job.job_id == job_id
    sdk_seen = _last(ice, GET)
    assert sdk_seen.status == 200
    assert sdk_seen.query == {"JobId": job_id}
    assert sdk_seen.body == b""
    assert "content-type" not in sdk_seen.headers
    ours = _sign_like(ice, sdk_seen, GET, {"JobId": job_id}, None, token)
    _assert_same(ours, sdk_seen)


def test_list_matches_the_sdk(ice: RecordingEmulator) -> None:
    request = sdk_models.ListBatchMediaProducingJobsRequest(
        status="Finished",
        job_type="Smart_Mix_Media_Select",
        max_results=5,
        sort_by="desc",
        start_time="2025-01-01T00:00:00Z",
        next_token="a b+c",
    )
    with pytest.raises(Exception, match="NextToken"):  # not a token the emulator issued
        _sdk(ice, None).list_batch_media_producing_jobs(request)
    sdk_seen = _last(ice, LIST)
    assert (sdk_seen.status, sdk_seen.code) == (400, "InvalidParameter")  # refused by the action: authenticated
    query = {
        "Status": "Finished",
        "JobType": "Smart_Mix_Media_Select",
        "MaxResults": "5",
        "SortBy": "desc",
        "StartTime": "2025-01-01T00:00:00Z",
        "NextToken": "a b+c",
    }
    assert sdk_seen.query == query
    _assert_same(_sign_like(ice, sdk_seen, LIST, query, None, None), sdk_seen)


@pytest.mark.parametrize("case", [SMART_MIX, HIGHLIGHTS], ids=["smart-mix", "highlights"])
def test_ice_client_places_parameters_exactly_like_the_sdk(ice: RecordingEmulator, case: dict[str, Any]) -> None:
    params = _request(case).wire_params()
    _sdk(ice, None).submit_scene_media_selection_job(
        sdk_models.SubmitSceneMediaSelectionJobRequest(
            job_type=params["JobType"],
            input_config=params["InputConfig"],
            output_config=params["OutputConfig"],
            editing_config=params.get("EditingConfig"),
            user_data=params.get("UserData"),
        )
    )
    sdk_seen = _last(ice, SUBMIT)
    credentials = static_credentials(Credentials("ak-parity", SECRET))
    with IceClient(region="cn-shanghai", endpoint=ice.endpoint, credentials=credentials) as client:
        result = client.submit_scene_media_selection_job(_request(case))
    ours = _last(ice, SUBMIT)
    assert (sdk_seen.status, ours.status) == (200, 200)
    assert result.job_id in [job["JobId"] for job in emulator_jobs(ice)]
    assert ours.query == sdk_seen.query
    assert ours.form == sdk_seen.form
    assert ours.body == sdk_seen.body
    assert ours.headers["x-acs-content-sha256"] == sdk_seen.headers["x-acs-content-sha256"]


# ---- the steps after a selection: timeline organisation, batch editing, GetEditingProject ------------------

TIMELINE_ACTION = "SubmitSceneTimelineOrganizationJob"
BATCH_ACTION = "SubmitSceneBatchEditingJob"
PROJECT_ACTION = "GetEditingProject"
PROJECT_IDS = ["****ae91539d46bb9000f74b40b80dd2", "0123456789abcdef0123456789abcdef"]


def _timeline_request() -> TimelineJobRequest:
    selection = {
        "textMatchMediaOutputList": [
            {
                "textMatchMediaSentenceOutputList": [
                    {
                        "text": TRICKY,
                        "duration": 3.366667,
                        "matchClipList": [
                            {
                                "mediaId": "****a0900f5071efbf1ce7e6c66a****",
                                "mediaURL": "https://bucket-a.oss-cn-shanghai.aliyuncs.com/inbox/smart mix/片段 1.mp4",
                                "startTime": 8.04,
                                "endTime": 11.16,
                                "explain": {"reason": "left out of MediaSelectResult"},
                            }
                        ],
                    }
                ]
            }
        ]
    }
    user_data = UserData.model_validate(
        {"NotifyAddress": "https://cb.example.com/ice callback?x=1+2", "Step": "时间线"}
    )
    return TimelineJobRequest.after_selection(_request(SMART_MIX), selection, user_data=user_data)


def _quietly(call: Any) -> None:
    """Send with the SDK; only the request as it arrived is compared (the emulator may refuse what it names)."""
    try:
        call()
    except Exception as exc:
        assert "InvalidParameter" in str(exc) or "NotExist" in str(exc), exc


def _client(ice: RecordingEmulator, token: str | None = None) -> IceClient:
    return IceClient(
        region="cn-shanghai",
        endpoint=ice.endpoint,
        credentials=static_credentials(Credentials("ak-parity", SECRET, token)),
    )


@pytest.mark.parametrize("token", [None, "sts-token/with+chars="], ids=["ak", "sts"])
def test_timeline_organization_matches_the_sdk(ice: RecordingEmulator, token: str | None) -> None:
    request = _timeline_request()
    query, form = request.wire_params()
    assert "explain" not in query["MediaSelectResult"]
    sdk_request = sdk_models.SubmitSceneTimelineOrganizationJobRequest(
        job_type=query["JobType"],
        media_select_result=query["MediaSelectResult"],
        input_config=form["InputConfig"],
        editing_config=form.get("EditingConfig"),
        output_config=query["OutputConfig"],
        user_data=query["UserData"],
    )
    _quietly(lambda: _sdk(ice, token).submit_scene_timeline_organization_job(sdk_request))
    sdk_seen = _last(ice, TIMELINE_ACTION)
    # The SDK's placement: MediaSelectResult and OutputConfig in the query, InputConfig/EditingConfig in the body.
    assert set(sdk_seen.query) == {"JobType", "MediaSelectResult", "OutputConfig", "UserData"}
    assert set(sdk_seen.form) == {"InputConfig", "EditingConfig"}
    assert (
        json.loads(sdk_seen.query["MediaSelectResult"])["textMatchMediaOutputList"][0][
            "textMatchMediaSentenceOutputList"
        ][0]["text"]
        == TRICKY
    )
    _assert_same(_sign_like(ice, sdk_seen, TIMELINE_ACTION, query, form, token), sdk_seen)

    with _client(ice, token) as client:
        _quietly(lambda: client.submit_scene_timeline_organization_job(request))
    ours = _last(ice, TIMELINE_ACTION)
    assert (ours.query, ours.form, ours.body) == (sdk_seen.query, sdk_seen.form, sdk_seen.body)


@pytest.mark.parametrize("token", [None, "sts-token"], ids=["ak", "sts"])
def test_batch_editing_matches_the_sdk(ice: RecordingEmulator, token: str | None) -> None:
    user_data = UserData.model_validate({"NotifyAddress": "https://cb.example.com/cb", "Batch": "批次 *1* ~a~"})
    request = BatchEditingJobRequest.for_projects(PROJECT_IDS, _request(SMART_MIX).output_config, user_data=user_data)
    query, form = request.wire_params()
    assert form == {} and "Count" not in json.loads(query["OutputConfig"])
    sdk_request = sdk_models.SubmitSceneBatchEditingJobRequest(
        project_ids=",".join(PROJECT_IDS), output_config=query["OutputConfig"], user_data=query["UserData"]
    )
    _quietly(lambda: _sdk(ice, token).submit_scene_batch_editing_job(sdk_request))
    sdk_seen = _last(ice, BATCH_ACTION)
    assert set(sdk_seen.query) == {"ProjectIds", "OutputConfig", "UserData"}
    assert sdk_seen.query["ProjectIds"] == ",".join(PROJECT_IDS)  # comma-separated, in the query
    assert sdk_seen.form == {}
    _assert_same(_sign_like(ice, sdk_seen, BATCH_ACTION, query, None, token), sdk_seen)

    with _client(ice, token) as client:
        _quietly(lambda: client.submit_scene_batch_editing_job(request))
    ours = _last(ice, BATCH_ACTION)
    assert (ours.query, ours.form, ours.body) == (sdk_seen.query, sdk_seen.form, sdk_seen.body)


@pytest.mark.parametrize("token", [None, "sts-token"], ids=["ak", "sts"])
def test_get_editing_project_matches_the_sdk(ice: RecordingEmulator, token: str | None) -> None:
    request = sdk_models.GetEditingProjectRequest(project_id=PROJECT_IDS[0])
    _quietly(lambda: _sdk(ice, token).get_editing_project(request))
    sdk_seen = _last(ice, PROJECT_ACTION)
    assert sdk_seen.query == {"ProjectId": PROJECT_IDS[0]}
    assert sdk_seen.body == b""
    _assert_same(_sign_like(ice, sdk_seen, PROJECT_ACTION, {"ProjectId": PROJECT_IDS[0]}, None, token), sdk_seen)

    with _client(ice, token) as client:
        _quietly(lambda: client.get_editing_project(PROJECT_IDS[0]))
    ours = _last(ice, PROJECT_ACTION)
    assert (ours.query, ours.body) == (sdk_seen.query, sdk_seen.body)
