"""A retry's run identity: generation n of a run is another run key, the same for everyone who asks."""

from __future__ import annotations

from pathlib import Path

from scene_select.cloud.config import Settings
from scene_select.cloud.pipeline.layout import BucketLayout
from scene_select.cloud.pipeline.plan import PlannedRun, plan_retry, plan_upload, run_key_for
from scene_select.cloud.pipeline.ports import USER_DATA_KEY
from scene_select.cloud.pipeline.submit import plan_document, plan_from_document
from scene_select.cloud.storage.local import LocalDirectoryStore


def planned(tmp_path: Path) -> PlannedRun:
    store = LocalDirectoryStore(tmp_path, bucket="b", region="cn-shanghai")
    store.put("inbox/smart-mix/s/a.mp4", b"video")
    store.put("inbox/smart-mix/s/script.txt", "一句话。".encode())
    settings = Settings.from_env(
        {"FC_REGION": "cn-shanghai", "SCENE_SELECT_BUCKET": "b", "SCENE_SELECT_CALLBACK_URL": "https://cb/x"}
    )
    layout = BucketLayout()
    plans = plan_upload(layout.classify("inbox/smart-mix/s/script.txt"), store, settings, layout)  # type: ignore[arg-type]
    assert isinstance(plans, list)
    return plans[0]


def test_generation_zero_is_the_original_run_and_each_generation_another(tmp_path: Path) -> None:
    plan = plan_from_document(plan_document(planned(tmp_path)))  # as a retry reads it back from request.json
    params = plan.request.wire_params()
    from scene_select.cloud.models.job_config import SelectionJobRequest

    unsigned = SelectionJobRequest.from_wire(
        params["JobType"], params["InputConfig"], params["OutputConfig"], params.get("EditingConfig")
    )
    assert run_key_for(plan.batch, plan.sources, unsigned, plan.produce) == plan.run_key
    first = plan_retry(plan, generation=1, retry={"generation": 1, "of": plan.run_key})
    again = plan_retry(plan, generation=1, retry={"generation": 1, "of": plan.run_key})
    second = plan_retry(plan, generation=2, retry={"generation": 2})
    assert first.run_key == again.run_key and len({plan.run_key, first.run_key, second.run_key}) == 3
    user_data = first.request.user_data.to_wire()  # type: ignore[union-attr]
    assert user_data[USER_DATA_KEY]["run"] == first.run_key and user_data["NotifyAddress"] == "https://cb/x"
    assert first.request.input_config == plan.request.input_config and first.sources == plan.sources
    assert plan_from_document(plan_document(first)).retry == {"generation": 1, "of": plan.run_key}
