"""Results never start jobs: not with a trigger on the whole bucket, not with prefixes configured to overlap."""

from __future__ import annotations

import json

import pytest

from scene_select.cloud.config import ENV_INBOX_PREFIX, ENV_RESULTS_PREFIX, Settings
from scene_select.cloud.errors import ConfigError
from scene_select.workstation.local.stack import LocalStack
from scene_select.workstation.local.watcher import BucketWatcher
from scene_select_testkit.chaos import upload_batch, verify_and_tally, wait_for_batches
from scene_select_testkit.ice import emulator_jobs
from scene_select_testkit.stack import placeholder_video
from scene_select_testkit.waiting import wait_until


def test_a_trigger_on_the_whole_bucket_never_turns_results_into_jobs(stack: LocalStack) -> None:
    assert stack.watcher is not None
    stack.watcher.stop()
    delivered: list[str] = []

    def deliver(event: bytes) -> None:
        delivered.extend(record["oss"]["object"]["key"] for record in json.loads(event)["events"])
        stack.deliver_upload_event(event)

    whole_bucket = BucketWatcher(
        stack.bucket_dir, deliver, bucket=stack.store.bucket, region=stack.options.region, prefix="", interval=0.05
    )
    with whole_bucket:
        upload_batch(stack, "loop")
        stack.store.put("inbox/smart-mix/bad/a.mp4", b"x")
        stack.store.put("inbox/smart-mix/bad/job.json", b"{not json")  # an error record, written to results/
        wait_for_batches(stack, ["loop"], {"finished"})
        stack.store.put("inbox/highlights/show.mp4", placeholder_video("z"))
        wait_until(lambda: stack.store.head("results/highlights/show.mp4/report.html") is not None, what="report")

        def every_result_came_back() -> bool:  # as an event (what exists now; pending entries come and go)
            # idle too: a record rewritten after its first event has a second one on the way
            return {info.key for info in stack.store.list("results/")} <= set(delivered) and whole_bucket.idle()

        wait_until(every_result_came_back, what="every result to come back as an event")
    results_events = [key for key in delivered if key.startswith("results/")]
    assert {"results/smart-mix/loop/selection.json", "results/smart-mix/loop/report.html"} <= set(results_events)
    assert any("/errors/" in key for key in results_events)
    assert whole_bucket.failures == []
    assert len(emulator_jobs(stack.emulator)) == 2  # the smart-mix batch and the highlight video, nothing else
    verify_and_tally(stack, "no loops (trigger on the whole bucket)", batches=2, events=len(delivered))


@pytest.mark.parametrize(
    ("inbox", "results"),
    [("results/", "results/"), ("", "results/"), ("a/", "a/results/"), ("a/b/", "a/"), ("/", "results/")],
)
def test_settings_refuse_prefixes_that_would_loop(inbox: str, results: str) -> None:
    # an empty variable means "the default"; a blank one is a setting
    environ = {"FC_REGION": "cn-shanghai", "SCENE_SELECT_BUCKET": "b", ENV_INBOX_PREFIX: inbox or " "}
    environ[ENV_RESULTS_PREFIX] = results
    with pytest.raises(ConfigError, match=r"INBOX_PREFIX|overlap"):
        Settings.from_env(environ)
